/* probe.h - training frames where the model is unbounded (fit key
 * threshold: probe).  A fitted anharmonic pair (u^3-u) can outweigh the
 * on-site quartic for antiparallel neighbours, so the model's energy turns
 * down along X, M or R patterns at amplitudes that MD frames never hold:
 * MD at a higher temperature then leaves the physical range.  After each
 * refit the model's energy along the frozen Gamma/X/M/R polar patterns of
 * heff/frozen_patterns.h (those the supercell holds) is scanned up to the
 * probe amplitude; a pattern whose energy rises to a maximum and then falls
 * below everything before it has its lowest state beyond a barrier, and the
 * one whose maximum comes at the smallest amplitude is due: the next call
 * (min_interval after the last) computes the
 * supercell with u in that pattern at the amplitude of the model's maximum
 * there (v = 0, omega = 0, the MD's strain and occupation) instead of the
 * MD configuration, and MD goes on from where it was.  Each pattern (and its
 * symmetric twins: the same energy curve) is probed at most once per
 * amplitude; the record is checkpointed.  The decisions depend on the model
 * alone, so a resumed fit makes them again at the same steps. */
/* threshold: descent does the same for the states heff reaches at low
 * temperature: after each refit (from the first recorded call on) the model
 * is relaxed (heff/relax.h, fields and strain at the fit's pressure) from
 * uniform u along [001], [110], [111] and from omega at R [001], R [111] and
 * M [001]; the first relaxation whose Bayesian force error exceeds descent
 * times the threshold (or the mean error at the calls so far) beyond its
 * start on the way down (or at its end) is due, and the next call computes the configuration where
 * it stopped.  At most FIT_DESCENT_MAX calls per start (checkpointed).  A due pattern probe goes
 * first. */
#ifndef FIT_PROBE_H
#define FIT_PROBE_H

/* strain_frames: the elastic frames (the undistorted supercell under
 * eta1 = +h, eta1 = -h and eta4 = +h: u, v and omega 0, the MD's occupation)
 * are calls of the same kind, made one per step as soon as the run has a
 * model, before any other probe.  They hold C11, C12 and C44 alone; other
 * frames see the elastic constants only where strain comes with u, and the
 * fit can trade them against the strain couplings (docs/dft-bridge.md,
 * "Elastic frames"). */
#define FIT_STRAIN_NFRAME 3

/* pattern_frames: the harmonic frames, u = A e cos(2 pi q . R) at the cubic
 * cell (v, omega and strain 0) for each symmetry-distinct harmonic block the
 * supercell holds: Gamma [001]; X (1/2,0,0) [100] and [010]; M (1/2,1/2,0)
 * [110], [100] and [001]; R [100]; the seven at A, then again at A / 2 (one
 * amplitude pins a pattern's energy, two separate its harmonic part from the
 * quartic one).  Made after the elastic frames, one per step.  They hold the harmonic couplings at
 * those wave vectors, which MD frames see only mixed with large anharmonic energies (PbTiO3's
 * fitted models put the M-point polar mode below Gamma's and ordered antipolar;
 * docs/dft-bridge.md). */
#define FIT_PATTERN_NFRAME (2 * FIT_PATTERN_NPAT) /* with the default patterns */

#include "otf_internal.h"

/* How many harmonic frames the fit file asks for, commensurate or not: with
 * `pattern_frames: {base, patterns}` the base state (uniform u on the
 * initial strain) first, then the listed patterns frozen on it at A and at
 * A / 2 (the curvatures of a polar state); 0 without pattern_frames. */
int fit_pattern_nframe(const fit_config *c);

/* The relaxation from each descent start (whether or not threshold: descent
 * is on), run to its end: for the summary, the states heff's model reaches at
 * low temperature and how well the training data know them. */
typedef struct {
  int valid;      /* the model and supercell hold the start */
  int status;     /* enum hf_relax_status */
  double um[3];   /* mean u, Angstrom */
  double umax;    /* largest |u_i|, Angstrom (above |mean u|: a modulated state) */
  double wmax;    /* largest |omega|, rad */
  double eta[6];  /* homogeneous strain */
  double dH;      /* enthalpy per cell above the undistorted state, eV */
  double err_max; /* largest Bayesian force error on the way (every 5 steps), eV/A */
  double err_end; /* at the end */
} fit_descent_state;
const char *fit_descent_start_name(int s);
void fit_descent_states(fit_run *r, fit_descent_state st[FIT_DESCENT_NSTART]);

/* After the model's coefficients changed: which pattern, if any, is due. */
void fit_probe_plan(fit_run *r);

/* 1 when a probe is due and a call may be made at this step (an elastic
 * frame: at once). */
int fit_probe_due(const fit_run *r);

/* The due probe: the engine call on the pattern, logged and learned as a
 * training call; r->x is the MD configuration again afterwards. */
int fit_probe_call(fit_run *r, hf_err *err);

#endif
