/* hmc.h - hybrid Monte Carlo (Duane et al.; as used for effective
 * Hamiltonians by Prokhorenko et al., npj Comput. Mater. 4, 80 (2018), and
 * paper 003): each sweep draws Maxwell-Boltzmann momenta, runs a trajectory
 * of n_steps velocity-Verlet steps (40 by default) and accepts the end point
 * with probability min(1, exp(-dH/kT)), H = E + pV + kinetic.  With
 * strain_moves the homogeneous strain is part of the trajectory (it has its
 * own mass), so strain is sampled by the same accept/reject step. */
#ifndef HF_HMC_H
#define HF_HMC_H

#include "dynamics.h"

typedef struct {
  int n_steps;          /* MD steps per trajectory (default 40) */
  double dt;            /* initial time step, fs (default 2.0) */
  double target_accept; /* adaptive dt aims here (default 0.7) */
  int strain_moves;     /* 1: homogeneous strain moves with the trajectory */
  int strain_free[6];
  double tau_p; /* sets the strain mass, fs (default 1000) */
} hf_hmc_opts;

void hf_hmc_opts_default(hf_hmc_opts *o);

typedef struct hf_hmc hf_hmc;

int hf_hmc_create(hf_hmc **h, hf_engine *eng, hf_fields *x, const hf_hmc_opts *o, hf_err *err);
void hf_hmc_free(hf_hmc *h);
/* Holds the pinned components of p at their current values (momenta zero,
 * so they add nothing to the kinetic energy or dH; hf_dyn_set_pinned). */
int hf_hmc_set_pinned(hf_hmc *h, const hf_pin *p, hf_err *err);
/* One trajectory at temperature T; returns 1 if accepted. */
int hf_hmc_sweep(hf_hmc *h, double T, hf_rng *r);
/* Adjusts dt toward target_accept from the acceptance since the last call.
 * Use during thermalisation only (detailed balance needs a fixed dt). */
void hf_hmc_adapt(hf_hmc *h);
double hf_hmc_dt(const hf_hmc *h);
void hf_hmc_set_dt(hf_hmc *h, double dt);
void hf_hmc_counts(const hf_hmc *h, long *tried, long *accepted);
/* Energy breakdown of the current configuration. */
const hf_energy *hf_hmc_energy(const hf_hmc *h);
/* After x was changed outside. */
void hf_hmc_refresh(hf_hmc *h);

#endif
