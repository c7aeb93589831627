/* metropolis.h - single-site Metropolis Monte Carlo of the mode fields u, v,
 * omega and the homogeneous strain, with adaptive step sizes.
 *
 * One sweep gives every cell of every vector field the model has (u, v, w;
 * sigma never moves) one trial move, in sequential cell order (cell 0..N-1,
 * at each cell u then v then w): the three components of the field at that
 * cell are displaced together by a vector uniform in the cube
 * [-step, step]^3 and the move is accepted with probability
 * min(1, exp(-dE / kT)).  With strain_moves = 1 every free homogeneous strain
 * component then gets one trial eta_l += uniform(-strain_step, strain_step)
 * weighted by exp(-(E + pV)/kT) (pressure from the engine; u, v, w are not
 * rescaled with the strain, so there is no volume Jacobian).
 *
 * Energy differences are exact and local:
 *   - the bilinear u-u part (every monomial for which hf_engine_mono_in_kspace
 *     is true, plus the dipole-dipole sum) is (1/2) sum_ij u_i Q(i-j) u_j with
 *     Q(r) the real-space form of the engine's D(k); the local field
 *     h_i = sum_j Q(i-j) u_j is kept up to date (O(N) per accepted u move);
 *   - every other monomial is evaluated only at the anchor cells whose
 *     instance contains the moved variable (local strain etaL is expanded
 *     into its 8-corner v stencil once, at creation);
 *   - a strain trial evaluates, over the whole supercell, only the monomials
 *     that contain a homogeneous strain factor, plus pV.
 * The tracked total energy is hf_engine_eval's energy at creation plus the
 * sum of accepted differences.  hf_mc_sweep allocates nothing. */
#ifndef HF_METROPOLIS_H
#define HF_METROPOLIS_H

#include <stdint.h>

#include "engine.h"
#include "pinned.h"
#include "rng.h"

typedef struct {
  double step[3];       /* initial max displacement per trial component for u, v (Angstrom)
                           and omega (rad); default 0.05 each */
  double target_accept; /* acceptance hf_mc_adapt aims at, in (0, 1); default 0.4 */
  int strain_moves;     /* 1: one trial per free homogeneous strain component per sweep
                           (needs the eta degree of freedom); default 0 (clamped strain) */
  double strain_step;   /* initial max change of one strain component; default 0.002 */
  int strain_free[6];   /* which eta components move when strain_moves = 1; default all */
} hf_mc_opts;

void hf_mc_opts_default(hf_mc_opts *o);

typedef struct hf_mc hf_mc;

/* x is the configuration the sampler moves (owned by the caller, allocated
 * with hf_engine_field_mask(eng)); eng and x must outlive the sampler.
 * Computes the caches for the current x (as hf_mc_refresh). */
int hf_mc_create(hf_mc **mc, hf_engine *eng, hf_fields *x, const hf_mc_opts *o, hf_err *err);
void hf_mc_free(hf_mc *mc);
/* No trial moves of the pinned fields of the cells in p (pinned.h; NULL or
 * empty: none); strain trials stay. */
int hf_mc_set_pinned(hf_mc *mc, const hf_pin *p, hf_err *err);

/* One sweep at temperature T (K; T <= 0 accepts only moves with dE <= 0). */
void hf_mc_sweep(hf_mc *mc, double T, hf_rng *r);

/* Rescales every step size by (acceptance / target_accept), clamped to
 * [1/2, 2], from the trials since the previous call, and keeps steps within
 * [1e-6, 1] (fields) and [1e-8, 0.05] (strain).  Changing the step during
 * sampling breaks detailed balance: call it during thermalisation only, then
 * sample with fixed steps. */
void hf_mc_adapt(hf_mc *mc);

/* Index of hf_mc_stats.trials / accepted. */
enum { HF_MC_U = 0, HF_MC_V = 1, HF_MC_W = 2, HF_MC_STRAIN = 3 };

typedef struct {
  uint64_t trials[4], accepted[4]; /* per HF_MC_* since creation */
  double step[3];                  /* current steps for u, v, w */
  double strain_step;
  double energy; /* current total energy tracked incrementally, eV (as hf_energy.total) */
} hf_mc_stats;

void hf_mc_get_stats(const hf_mc *mc, hf_mc_stats *s);
/* The tracked total energy (eV). */
double hf_mc_energy(const hf_mc *mc);
/* Sets the current step sizes (e.g. from a checkpoint); values <= 0 are ignored. */
void hf_mc_set_steps(hf_mc *mc, const double step[3], double strain_step);

/* After x was changed outside the sampler (or the engine's pressure changed):
 * recomputes the local field h (by FFT) and the total energy (hf_engine_eval).
 * Calling it now and then also removes the rounding drift of the tracked
 * energy. */
void hf_mc_refresh(hf_mc *mc);

#endif
