/* relax.h - zero-temperature relaxation: the nearest minimum of the
 * enthalpy H = E + pV of a model (hf_engine_eval's total: the engine's
 * pressure included) over the fields a configuration carries and, when
 * asked, the homogeneous strain; FIRE (Bitzek et al., PRL 97, 170201
 * (2006)), unit masses.  The strain moves as the coordinate eta * a0
 * sqrt(N), whose stiffness is that of a local-mode component (C a0 per
 * cell), so one time step serves both.  Serial lattices only.
 * Units: eV, Angstrom (omega in radians). */
#ifndef HF_RELAX_H
#define HF_RELAX_H

#include "engine.h"

typedef struct {
  int max_steps;       /* force evaluations (default 5000) */
  double ftol;         /* converged when every generalized force is below (eV/A; default 1e-4) */
  double dt;           /* initial step (default 0.05), grows to 4x */
  double max_move;     /* largest change of any coordinate per step (A, rad, and strain x a0
                          sqrt(N); default 0.01): a poor model's forces can be huge */
  int strain;          /* 1: relax the homogeneous strain too */
  int strain_fixed[6]; /* with strain: 1 keeps eta_l where it is (an epitaxial clamp) */
  int watch_every;     /* > 0: call watch after every this many steps (not at the start) */
  /* returns nonzero to stop the relaxation at x (as it is then) */
  int (*watch)(void *ctx, const hf_fields *x);
  void *watch_ctx;
} hf_relax_opts;

void hf_relax_opts_default(hf_relax_opts *o);

enum hf_relax_status {
  HF_RELAX_CONVERGED = 0,
  HF_RELAX_MAX_STEPS = 1,
  HF_RELAX_WATCHED = 2,  /* watch stopped it */
  HF_RELAX_RUNAWAY = 3,  /* left hf_fields_in_range: the model is unbounded there */
  HF_RELAX_NO_MEMORY = 4 /* no room for the omega gauge's work space: x unchanged */
};

typedef struct {
  int status; /* enum hf_relax_status */
  int steps;
  double fmax; /* largest generalized force at the end, eV/A */
  double H;    /* enthalpy at the end, eV (whole supercell) */
} hf_relax_result;

/* Relaxes x in place (its eta too when o->strain).  g and vel: scratch
 * fields with x's arrays (hf_fields_alloc with the engine's mask), owned
 * by the caller.  The occupation (sigma) stays.  omega is first projected
 * onto the Eq. 2 gauge and moves only in it (omega_gauge.h). */
void hf_relax(hf_engine *eng, hf_fields *x, hf_fields *g, hf_fields *vel, const hf_relax_opts *o,
              hf_relax_result *res);

#endif
