/* otf_internal.h - the state of the on-the-fly fitter, shared by otf.c (the
 * loop), otf_state.c (checkpoint, resume, replay) and otf_report.c (final
 * files).  Not part of the public interface. */
#ifndef FIT_OTF_INTERNAL_H
#define FIT_OTF_INTERNAL_H

#include <stdio.h>

#include "blr.h"
#include "bounded.h"
#include "dynamics.h"
#include "engine.h"
#include "engine_factory.h"
#include "fp_engine.h"
#include "frozen_patterns.h"
#include "hold_model.h"
#include "otf.h"
#include "regression_rows.h"
#include "sat.h"
#include "supercell_rows.h"
#include "threshold.h"
#include "training_set.h"

/* Engine calls failing one after another (each with its retries) that stop
 * a fit: a broken engine, not an unlucky configuration (sporadic failures of
 * one call in three give 10 in a row once in ~60,000 calls). */
#define FIT_MAX_FAIL_STREAK 10

/* threshold: descent: the starts of the relaxations (probe.c) and the
 * probes each may make (a model that never learns its minimum stops there) */
#define FIT_DESCENT_NSTART 12
#define FIT_DESCENT_MAX 4

/* Beyond this largest atomic displacement (a fraction of a0: about 1 Angstrom,
 * half a B-X bond) an engine with atoms would be asked about a broken crystal. */
#define FIT_ATOM_RANGE 0.25

/* Frames already on disk beyond the checkpoint (a kill came after the
 * append): replayed instead of calling the engine again. */
typedef struct {
  long n, next;
  long *step;
  double *x; /* n x nx: the configuration, as fit_pack_config packs it */
  double *y; /* n x rows */
} fit_pending;

struct fit_run {
  fit_config c;
  hf_model model; /* the fitted model: reference header + SAT terms */
  hf_sat_set sats;
  hf_lattice lat;
  hf_features *feat;
  size_t rows, nx; /* regression rows; doubles in a packed configuration */
  int M;
  double *phi, *ylong, *y, *target, *mean, *berr, *xpack;
  int *type;
  fit_cells cells;     /* the rows of frames on other supercells; cells.own aliases the above */
  double train_max[3]; /* largest |component| of u, v, omega over the training frames */
  double train_rms;    /* the largest rms amplitude of (u, omega) per cell over them */
  hf_blr_data data;
  hf_blr_opts blr;
  hf_blr_fit fit;
  double *asr; /* acoustic sum rule: nasr x M constraint rows (acoustic_sum_rule.h) */
  int nasr;
  fit_hold hold; /* regression: hold_model (hold.held NULL: none) */
  int have_fit;
  long excluded;          /* frames beyond energy_max, amplitude_max (recounted on resume) */
  fit_bound_report bound; /* the last fit_solve's (regression: bounded) */
  fit_bound_cuts cuts;    /* its active rows, for the next (not checkpointed) */
  /* engine calls failed in a row since the last success (not checkpointed:
   * a resume starts afresh) */
  int fail_streak;
  hf_blr_maxerr cur; /* Bayesian errors at the current configuration */
  hf_engine *eng;
  hf_dyn *dyn;
  double strain_mass; /* barostat mass, eV fs^2, fixed when MD starts (checkpointed) */
  hf_fields x;
  hf_rng rng;
  hf_rng occ_rng; /* alloys: the occupation draws (checkpointed) */
  fit_engines en; /* en.fp the engine; en.clean the noise-free twin of a noisy model engine */
  double *yclean;
  hf_thr thr;
  fit_stats st;
  fit_pending pend_train, pend_held;
  FILE *train, *held, *log, *calls, *heldlog;
  char train_path[1100], held_path[1100], log_path[1100], calls_path[1100], heldlog_path[1100],
      ckpt_path[1100];
  char summary[8192];
  char refit_from[1024]; /* fit_refit_create: the run directory the data came from */
  int st_restored;       /* output files put back after being deleted under the fit */
  /* threshold: probe (probe.h): the due pattern (probe_q < 0: none), the
   * amplitude index already probed per pattern plus one (checkpointed), the
   * MD configuration kept during a probe and, while set, the one fit_learn
   * puts back into x before the dynamics see the new model */
  int probe_q, probe_d, probe_k;
  int probed[HF_PATTERN_NQ][HF_PATTERN_NDIR];
  /* threshold: descent (probe.h): the due start (desc_due < 0: none) and its
   * configuration (xdesc with its eta), the probes made per start
   * (checkpointed), the relaxation's scratch and rows of its own */
  int desc_due;
  double desc_err;     /* the Bayesian force error where the due relaxation stopped */
  double desc_scale;   /* the error scale it was judged against (MD calls move it
                          before the probe's call is made) */
  double desc_extent0; /* the start's largest |u_i| or |omega_i| (start_fill) */
  int descended[FIT_DESCENT_NSTART];
  hf_fields xdesc, gdesc, vdesc;
  double *phi_desc, *ylong_desc;
  int *type_desc;
  hf_patterns pat;
  int strained;      /* strain_frames (probe.h): elastic frames made (checkpointed) */
  int patterned;     /* pattern_frames (probe.h): harmonic frames made or skipped (checkpointed) */
  int unseen_logged; /* the unseen-term count last named in the log (0 at the start) */
  hf_fields xsave;
  const hf_fields *restore;
  int call_kind; /* enum fit_frame_kind of the training call under way (0: an MD call) */
  long kind_frames[FIT_FRAME_NKIND]; /* regressed frames per heff_kind (the summary's) */
};

/* otf_state.c: puts back any output file deleted or replaced under the
 * running fit (see guard_file); called before each engine call and checkpoint. */
int fit_guard_outputs(fit_run *r, hf_err *err);

/* otf.c */
/* Regression rows of the current configuration; Bayesian errors if fitted. */
void fit_eval_rows(fit_run *r);
/* The largest Bayesian force error at configuration x (eV/A, omega's scaled
 * as in calls.tsv), through the descent's own rows (threshold: descent). */
double fit_bayes_force_at(fit_run *r, const hf_fields *x);
/* Sets the model's coefficients from the fit, compiles it and hands it to
 * MD (creating the dynamics on the first fit).  The probes are planned by
 * the caller (fit_probe_plan) once the threshold has taken the call. */
int fit_compile_model(fit_run *r, hf_err *err);
/* The regression of r->data (r->blr, the acoustic sum rule) and, with
 * regression: bounded, the coefficients moved until the quartic form is
 * positive (fit/bounded.h; r->bound, logged). */
int fit_solve(fit_run *r, hf_err *err);
/* As fit_solve, with a bounded solve's coefficients from a checkpoint
 * (bounded_w, NULL: search), r->bound and r->cuts restored with them. */
int fit_solve_as(fit_run *r, const double *bounded_w, hf_err *err);
/* Appends the rows in r->phi / r->y (minus y_long) and refits; recompiles
 * the model and hands it to MD. */
int fit_learn(fit_run *r, hf_err *err);
/* One training call on the configuration in r->x: the engine result (or its
 * replay), the refit and the tables; probe: a call of probe.h (not in the
 * threshold's history). */
int fit_training_call(fit_run *r, int probe, hf_err *err);
/* 1 when the frame (configuration x on lat, engine rows y) lies beyond
 * regression: energy_max or amplitude_max: it is kept but not regressed;
 * why (if not NULL) then says which limit and by how much.  0 otherwise. */
int fit_frame_out(const fit_config *c, const hf_lattice *lat, const hf_fields *x, const double *y,
                  char *why, size_t len);
/* The limits above as text, "energy_max (0.15 eV per cell)" (summary, errors). */
void fit_frame_limits(const fit_config *c, char *s, size_t len);
/* The regression weight of a frame of the given heff_kind: kind_weights times
 * run_weight for the run's own frames (imported: 1 instead). */
double fit_frame_weight(const fit_config *c, int imported, int kind);
/* r->train_max and train_rms grow to cover configuration x (a frame entering
 * the data). */
void fit_track_extent(fit_run *r, const hf_fields *x, const hf_lattice *lat);

/* The terms the training cells cannot see (hf_blr_fit unseen: posterior mean
 * 0, variance the prior's), as "name (expr), ..." into buf; "" when none. */
void fit_unseen_terms(const fit_run *r, char *buf, size_t n);
/* regression: hold_model: what is held and what is not, one line ending in '\n'. */
void fit_hold_line(const fit_run *r, char *buf, size_t n);

/* The well form's radius for the bounded solve (fit_config.h well_radius). */
double fit_well_radius(const fit_run *r);

/* Alloys: a new random occupation at the fit's composition (fit_config.h),
 * from occ_rng; the dynamics (if any) see it at once. */
int fit_draw_occupation(fit_run *r, hf_err *err);

/* otf_state.c */
void fit_pack_config(const fit_run *r, double *out);
int fit_write_checkpoint(fit_run *r, hf_err *err);
/* Restores from the output directory: training set, fit, MD state (from the
 * checkpoint when use_checkpoint), and imports initial_training into a run
 * that has none of it yet.  A fresh start is a resume from nothing. */
int fit_resume(fit_run *r, int use_checkpoint, int *resumed, hf_err *err);
/* Every complete frame of dir's train.xyz into the data set, the held-out
 * ones counted; the files are only read (another fit may still write them). */
int fit_load_all(fit_run *r, const char *dir, hf_err *err);
/* 1 and y filled if the next pending frame of p belongs to this step and
 * configuration; an error if it belongs here but the configuration differs. */
int fit_replay(fit_run *r, fit_pending *p, double *y, hf_err *err);
void fit_pending_free(fit_pending *p);

#endif
