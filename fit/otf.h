/* otf.h - the on-the-fly fitting loop (paper 003, "On-the-fly learning";
 * issue 4, part 3).
 *
 * Small-cell MD with the current model, driven by heff's integrators (NPT by
 * default), runs through the temperature ramp of the fit file.  At every step
 * the regression rows of the current configuration give the Bayesian errors
 * of energy, mode forces and stress (blr.h, no refactorisation); the engine is
 * called when the threshold schedule (threshold.h) says so.  Each engine
 * result is appended to the training set (training_set.h, fsynced) before it
 * is used; then the coefficients are refitted at once, the model recompiled
 * and MD continues with the new parameters.  Engine failures are logged and
 * skipped.  Held-out configurations (heldout_every) go to their own file and
 * never enter the fit.
 *
 * Files in the output directory: train.xyz, heldout.xyz (extended XYZ),
 * learning.tsv (every log_every steps), calls.tsv (one row per engine call),
 * heldout.tsv, fit.ckpt, and at the end model.yaml (the fitted model with
 * posterior standard deviations, runnable by heff), coefficients.tsv,
 * parity_train.tsv, parity_heldout.tsv and summary.txt.
 *
 * Resume: fit.ckpt is written atomically after every call and every
 * checkpoint_every steps.  A resumed run refits from train.xyz (the same
 * appends in the same order: the same coefficients, bit for bit), restores
 * the MD state and random stream, and replays the steps after the checkpoint;
 * a call whose result is already in the file (the run was killed after the
 * append) takes it from there, after checking the configuration is the same
 * bit for bit.  No engine call is repeated and the trajectory is the one an
 * uninterrupted run makes. */
#ifndef FIT_OTF_H
#define FIT_OTF_H

#include "fit_config.h"

typedef struct {
  long step;                               /* next MD step */
  long calls;                              /* training engine calls (results in train.xyz) */
  long imported;                           /* frames of an earlier fit (initial_training) */
  long failed;                             /* engine calls that failed */
  long heldout;                            /* held-out engine calls */
  long settled_step;                       /* first step with a non-zero threshold (-1: not yet) */
  long calls_settled;                      /* calls after settled_step */
  double t_md, t_bayes, t_refit, t_engine; /* seconds in MD steps, Bayesian errors, refits,
                                              engine calls */
  long n_timed;                            /* steps in t_md and t_bayes */
  /* Bayesian vs the model's true largest force error (against the noise-free
   * engine when it adds noise) at calls after the first fit and at held-out
   * points: sums for the Pearson correlation of their logarithms */
  long nc;
  double sx, sy, sxx, syy, sxy;
  long ncov, cov1, cov2; /* held-out rows; of them within 1 and 2 predictive sigma */
  long log_bytes, calls_bytes, held_bytes; /* table lengths at the checkpoint */
} fit_stats;

typedef struct fit_run fit_run;

/* Sets up everything; with resume, continues from the output directory.
 * Without resume an existing training set is an error (it is never
 * overwritten). */
int fit_run_create(fit_run **r, const fit_config *c, int resume, int *resumed, hf_err *err);
/* A refit: the regression of FIT.yaml's reference, basis and regression
 * settings on every complete frame of data_dir's train.xyz (another run's,
 * only read; its heldout.xyz for the parity table), no MD and no engine.
 * For a changed Z*, eps_inf or basis without repeating a DFT call.  The
 * results go to output.dir, which must not be data_dir; fit_run_finish
 * writes them. */
int fit_refit_create(fit_run **r, const fit_config *c, const char *data_dir, hf_err *err);
void fit_run_free(fit_run *r);
/* Advances up to nsteps MD steps; returns 1 when the ramp is done. */
int fit_run_advance(fit_run *r, long nsteps, hf_err *err);
/* Writes the final files (model, coefficients, parity, summary). */
int fit_run_finish(fit_run *r, hf_err *err);
const fit_stats *fit_run_get_stats(const fit_run *r);
/* The current engine-call threshold, eV/Angstrom (0 while calls are periodic). */
double fit_run_threshold(const fit_run *r);
int fit_run_nterms(const fit_run *r);
/* The summary text written to summary.txt (valid after fit_run_finish). */
const char *fit_run_summary(const fit_run *r);

#endif
