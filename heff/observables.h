/* observables.h - what is measured at each temperature, with block-averaged
 * error bars: mean local mode and polarization, sorted |<u_a>|, mean local
 * |u|, strain, energies by kernel and by model term, dielectric
 * susceptibility from polarization fluctuations, configurational heat
 * capacity, kinetic temperature, and the phase label (C, T, O, R).
 * Owns no fields; the caller passes the configuration at each sample. */
#ifndef HF_OBSERVABLES_H
#define HF_OBSERVABLES_H

#include "engine.h"

#define HF_NBLOCK 10

/* Raw per-sample quantities (per cell where it says so). */
enum {
  OBS_U = 0,      /* 3: supercell-average u, Angstrom */
  OBS_ABSU = 3,   /* mean |u_i|, Angstrom */
  OBS_SORTED = 4, /* 3: |<u>| components sorted, largest first */
  OBS_ETA = 7,    /* 6: homogeneous strain */
  OBS_H = 13,     /* enthalpy E + pV per cell, eV */
  OBS_EK = 14,    /* 8: energy parts per cell (hf_energy order from kspace), eV */
  OBS_UU = 22,    /* 6: products <u>_a <u>_b (voigt order) */
  OBS_H2 = 28,    /* (enthalpy per cell)^2 */
  OBS_TKIN = 29,  /* kinetic temperature, K (MD) */
  OBS_VOL = 30,   /* volume per cell, Angstrom^3 */
  OBS_N = 31
};

typedef struct {
  long samples, per_block;
  double sum[HF_NBLOCK][OBS_N];
  long count[HF_NBLOCK];
  int nterms;
  double term_sum[64]; /* per model term energy per cell, eV */
  long term_samples;
} hf_obs;

typedef struct {
  double T;
  long samples;
  double mean[OBS_N], err[OBS_N];
  double P[3], Perr[3];      /* C/m^2 */
  double chi[6], chi_err[6]; /* dielectric susceptibility (voigt order) */
  double cp, cp_err;         /* configurational heat capacity per cell, k_B */
  double term_energy[64];
  char phase; /* 'C', 'T', 'O', 'R' */
} hf_obs_result;

/* Starts a temperature with the planned number of samples. */
void hf_obs_begin(hf_obs *o, long planned_samples, int nterms);
/* Adds one sample of configuration x with energy E (kinetic T if MD, else 0);
 * on several ranks x is this rank's slab and the call is collective. */
void hf_obs_sample(hf_obs *o, const hf_engine *eng, const hf_fields *x, const hf_energy *E,
                   double tkin);
/* Adds per-term energies (eV per supercell) for this sample (optional, less often). */
void hf_obs_sample_terms(hf_obs *o, const double *term_energy, long ncells);
/* Means, errors, P, chi and c_p per cell of the ncells material cells
 * (hf_engine_material_cells: a film's cells, not its vacuum). */
void hf_obs_result_compute(const hf_obs *o, const hf_model *m, size_t ncells, double T,
                           double phase_threshold, hf_obs_result *r);
/* C, T, O, R from sorted |<u_a>| (largest first); the index 0..3 of that
 * letter in "CTOR" (the number of non-zero components). */
char hf_phase_label(const double sorted[3], double threshold);
int hf_phase_index(const double sorted[3], double threshold);

/* Per-term energies of configuration x, eV per supercell (generic path). */
void hf_term_energies(const hf_model *m, const hf_lattice *lat, size_t material_cells,
                      const hf_fields *x, double *const etaL[6], double *out);

#endif
