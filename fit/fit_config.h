/* fit_config.h - what a `fit` run does, read from a YAML fit file (format:
 * docs/fit-format.md).  Every key has a documented default except the
 * reference model and the engine; unknown keys and bad values are errors
 * that name file, line and key.  Units: K, GPa, fs, Angstrom, eV. */
#ifndef FIT_CONFIG_H
#define FIT_CONFIG_H

#include <signal.h>

#include "blr.h"
#include "dynamics.h"
#include "fp_engine.h"
#include "sat.h"
#include "threshold.h"
#include "training_set.h"

#define FIT_MAX_TEMPS 64
#define FIT_MAX_SPECS 64
#define FIT_MAX_EXTRA 16
#define FIT_MAX_PATTERNS 28 /* 4 wave vectors x 7 directions */
#define FIT_PATTERN_NPAT 7  /* the default harmonic frames' patterns (fit/probe.h) */

/* A term the model engine adds to its hidden model (outside the basis). */
typedef struct {
  char name[64];
  double coef;
  char expr[512];
  int symmetrize; /* enum hf_symmetrize */
} fit_extra_term;

enum fit_engine_type { FIT_ENGINE_MODEL = 0, FIT_ENGINE_CHILD = 1 };

/* A first-principles code run as a child process per call
 * (dft_bridge/child_engine.h): [mpirun -np ranks] python runner --settings
 * SETTINGS STRUCTURE RESULT in run_dir/call_NNNN, or (persistent) one
 * [mpirun -np ranks] python runner --settings SETTINGS --ipi ipi.sock in run_dir. */
typedef struct {
  char settings[1024]; /* runner settings (JSON, as dft_bridge/gpaw_pbesol.json) */
  char runner[1024];   /* the child program (default: dft_bridge/ase_runner.py) */
  char python[1024];   /* its interpreter ("" runs the runner itself) */
  char mpirun[1024];
  int ranks;          /* MPI ranks; 1 runs without mpirun */
  char species[4][8]; /* element symbols of A, B, X, and (alloys) the second species of the
                         alloy sublattice, where sigma = 1 */
  double xi[5];       /* local-mode eigenvector (docs/dft-bridge.md) */
  double masses[3];   /* atomic masses of A, B, X, amu (0: mode masses from the reference) */
  double timeout;     /* seconds per attempt */
  int retries;        /* extra attempts after a failed one */
  char run_dir[1024]; /* call directories (default: OUTPUT/calls) */
  double e_ref;       /* eV, undistorted supercell; NAN: computed once */
  int remove_mean_force;
  int pulay_correction; /* subtract the reference's mean normal stress (child_engine.h) */
  int persistent;       /* one client for all calls over the i-PI socket (child_engine.h);
                           how the engine runs, not what it computes: may change on resume */
} fit_child_opts;

/* Alloys (a reference with sigma in dof, or `occupation: {site: A|B}` on the
 * parent compound's reference): how the training occupation is drawn.
 * Random on the alloy sublattice with exactly round(x N) sites of the second
 * species (hf_occ_random), from the fit's own seeded stream, again every
 * `every` MD steps. */
typedef struct {
  int on;             /* an alloy: the reference has sigma, or occupation: site adds it */
  int in_reference;   /* the reference itself has sigma */
  int site;           /* alloy sublattice (enum hf_site), from the reference or the key */
  char species[2][8]; /* the reference's alloy_species ("" if it does not name them) */
  double composition; /* x: fraction of sigma = 1 */
  long every;         /* MD steps between re-draws; 0: one arrangement for the whole fit */
} fit_occupation;

/* Largest fitting cell edge (cells per axis). */
#define FIT_MAX_L 16

typedef struct {
  char path[1024];      /* the fit file itself */
  char reference[1024]; /* model file giving a0, Z*, eps_inf, masses, sites, dof */
  int nspecs;           /* 0: paper 003 defaults for the reference's dof */
  char specs[FIT_MAX_SPECS][96];
  int L[3];
  unsigned long long seed;
  double pressure; /* GPa */
  int ntemps;      /* temperature ramp: piecewise linear through temps over steps */
  double temps[FIT_MAX_TEMPS];
  long steps;
  hf_dyn_opts md;
  double init_amp; /* Angstrom: random initial u amplitude */
  /* initial_strain: the homogeneous strain the MD and the descent start from
   * (0: the reference cell); with md.strain_free it clamps the components
   * that stay, e.g. an epitaxial in-plane cell */
  double init_eta[6];
  /* strain_frames (0: none): the amplitude h of the homogeneous strains of
   * the elastic frames, the undistorted supercell under eta1 = +h, -h and
   * eta4 = +h, computed as the run's first calls (fit/probe.h): they hold
   * the elastic constants alone, which frames where strain comes with u
   * leave to trade against the strain couplings */
  double strain_frames;
  /* pattern_frames (0: none): the u amplitude A (Angstrom) of the harmonic
   * frames, frozen u patterns at Gamma, X, M and R on the cubic cell, made
   * after the elastic frames (fit/probe.h) */
  double pattern_frames;
  /* pattern_frames: {patterns}: the frozen patterns, hf_pattern_fill's
   * (q, direction) indices; the seven of probe.h unless the file lists them
   * (pat_listed: hashed only then) */
  int npat, pat_listed;
  int pat_q[FIT_MAX_PATTERNS], pat_d[FIT_MAX_PATTERNS];
  /* pattern_frames: {base}: the uniform u (Angstrom) the patterns are frozen
   * on, with the strain initial_strain; the base state is the first frame
   * (pat_based: a base was given).  The frames then hold the curvatures of
   * that polar state, not of the cubic crystal. */
  double pat_base[3];
  int pat_based;
  int engine;              /* enum fit_engine_type */
  char engine_model[1024]; /* model engine: the hidden model */
  fit_child_opts child;    /* child engine */
  int nextra;
  fit_extra_term extra[FIT_MAX_EXTRA];
  hf_noise noise;
  fit_occupation occ;
  hf_thr_opts thr;
  /* threshold: extrapolation (0: off): a call is also made when a mode
   * component of u, v or omega exceeds this factor times the largest of that
   * field in the training set (at most every min_interval steps) */
  double extrapolation;
  /* threshold: extrapolation_interval (0: min_interval): fewest steps between an
   * engine call and an extrapolation call (a runaway can leave the physical
   * range within min_interval of the refit that opened it) */
  int extrapolation_interval;
  /* threshold: probe (0: off): the amplitude in Angstrom up to which the model
   * must rise along every frozen Gamma/X/M/R polar pattern the supercell holds
   * (fit/probe.h); where it turns down first, the next call computes that
   * pattern instead of the MD configuration */
  double probe;
  /* threshold: probe_depth (eV per cell, 0: any): how far beyond its barrier a
   * pattern must fall below the energy before it to be probed */
  double probe_depth;
  /* threshold: descent (a factor, 0: off): after each refit the model is
   * relaxed (fields and strain, at the fit's pressure) from uniform polar and
   * tilted starts (fit/probe.h); where its Bayesian force error first exceeds
   * this factor times the threshold (before it is set: the mean Bayesian
   * error at the calls so far) on the way down, the next call computes that
   * configuration */
  double descent;
  hf_blr_opts blr;
  /* 1 (default): the fitted energy is invariant under a uniform shift of v, a
   * rigid translation of the crystal (regression: acoustic_sum_rule) */
  int acoustic_sum_rule;
  /* regression: energy_max (eV per cell, 0: none): frames whose engine energy
   * lies more than this above the undistorted reference stay in train.xyz
   * but not in the regression (states no simulation visits, which a
   * polynomial cannot fit without spoiling the rest) */
  double energy_max;
  /* regression: amplitude_max (A, 0: none): the same for frames whose
   * largest local mode |u_i| exceeds it (amplitudes where the basis's
   * polynomial no longer holds, which pull the harmonic couplings away) */
  double amplitude_max;
  /* regression: run_weight (> 0, default 1): the row weight of each of the
   * run's own frames; frames imported through initial_training (and those
   * marked heff_imported in a refit) keep weight 1.  A frame of weight W is a
   * measurement with noise sigma_v / sqrt(W): for a stage whose few frames ask
   * one question the earlier frames answer badly (frames frozen on a ground
   * state), without W copies of them in train.xyz. */
  double run_weight;
  /* regression: kind_weights: {md, harmonic, elastic, descent, probe, untagged}
   * (> 0 each, default 1): the row weight of the frames of each heff_kind
   * (training_set.h), times run_weight for the run's own frames.  For frames
   * the MD's noise would otherwise drown (harmonic frames: a few meV along a
   * pattern against MD frames fitted to 14 meV per cell). */
  double kind_weight[FIT_FRAME_NKIND];
  /* regression: bounded (0: off): the coefficients moved, by the least the
   * posterior allows, until the quartic form (with u^6 and w^6 terms in the
   * basis: the sextic form) is positive (fit/bounded.h) */
  int bounded;
  /* regression: well_radius (A, rms of u and omega per cell; with bounded):
   * no well of the model (where its energy lies below the reference along a
   * direction) may reach beyond it (fit/bounded.h).  0 (default): not
   * imposed; -1 (well_radius: data): the largest rms amplitude of a training
   * frame */
  double well_radius;
  /* regression: well_radius_omega (rad, rms of omega per cell; with
   * well_radius): the wells along omega end there instead of at well_radius
   * (the search's metric weighs omega by well_radius / well_radius_omega).
   * 0 (default): well_radius, u and omega alike */
  double well_radius_omega;
  /* regression: bounded_hold (with bounded): none (default) or elastic: the
   * pure strain coefficients stay at their posterior mean through the bounded
   * solve, so the move that bounds the model falls on the others
   * (fit_bound_hold_cov).  For a run with strain_frames, whose elastic frames
   * determine them (a learned PbTiO3's bounded solve otherwise softened the
   * bulk modulus from 148 to 67 GPa; GPAW's is 189). */
  int bounded_hold;
  /* regression: hold_model ("": none): a model file of the host compound; every
   * basis term without sigma stays at its coefficient there and the sigma terms
   * are fitted to what it leaves (fit/hold_model.h).  Alloys only. */
  char hold_model[1024];
  long heldout_every; /* steps between held-out engine calls (0: none) */
  /* train.xyz of an earlier fit with the same reference, engine and supercell
   * ("": none): its frames enter the training set before step 0 */
  char initial_training[1024];
  char out_dir[1024];
  long log_every;
  long checkpoint_every;
  int progress;
  /* Not from the file: a flag the program's signal handler sets (NULL: none).
   * Once nonzero the fit stops at the next step boundary with a checkpoint,
   * and a running child engine call is killed (its result is not used). */
  const volatile sig_atomic_t *stop;
} fit_config;

void fit_config_default(fit_config *c);
int fit_config_load(fit_config *c, const char *path, hf_err *err);
/* 1 when the MD starts from a non-zero initial_strain or holds a strain
 * (md.strain_free): the descent relaxes from there under the same clamp. */
int fit_clamped(const fit_config *c);
/* Temperature (K) at step s of the ramp. */
double fit_config_temperature(const fit_config *c, long s);

#endif
