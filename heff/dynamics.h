/* dynamics.h - molecular dynamics of the local modes and the homogeneous
 * strain: velocity Verlet (NVE), Langevin (BAOAB splitting) and a
 * Nose-Hoover chain for NVT, and a barostat that makes the homogeneous
 * strain a dynamical variable with mass W driven by -dE/deta - pV'.
 *
 * Choice for the acoustic field v: dynamical, with the formula-unit mass,
 * like u.  Relaxing v every step would need an iterative minimisation (the
 * local-strain coupling makes it u-dependent) costing several force
 * evaluations per step; as a dynamical variable it costs one stencil pass
 * and samples the same Boltzmann distribution.
 *
 * The caller owns the loop: hf_dyn_step advances one step; hybrid Monte Carlo
 * (sampling.h) reuses the same integrator.  Units: fs, Angstrom, amu, eV, K. */
#ifndef HF_DYNAMICS_H
#define HF_DYNAMICS_H

#include "engine.h"
#include "pinned.h"
#include "rng.h"

enum hf_thermostat { HF_THERMO_NONE = 0, HF_THERMO_LANGEVIN = 1, HF_THERMO_NHC = 2 };

typedef struct {
  double dt;          /* fs (default 1.0) */
  double temperature; /* K */
  int thermostat;     /* enum hf_thermostat */
  double friction;    /* Langevin gamma, 1/fs (default 0.01) */
  double tau_t;       /* NHC period, fs (default 100) */
  int nhc_length;     /* NHC chain length (default 3) */
  int barostat;       /* 1: homogeneous strain dynamical (NPT) */
  double tau_p;       /* barostat period, fs (default 1000) */
  double strain_mass; /* barostat mass W, eV fs^2; 0 (default): from tau_p and the stiffness */
  int strain_free[6]; /* which eta components move when barostat = 1 (default all) */
} hf_dyn_opts;

void hf_dyn_opts_default(hf_dyn_opts *o);

typedef struct hf_dyn hf_dyn;

/* x is the configuration the integrator moves (owned by the caller). */
int hf_dyn_create(hf_dyn **d, hf_engine *eng, hf_fields *x, const hf_dyn_opts *o, hf_err *err);
void hf_dyn_free(hf_dyn *d);
void hf_dyn_set_temperature(hf_dyn *d, double T);
/* Holds the pinned components of p (pinned.h; p outlives d, NULL: none) at
 * their current values in x: zero velocity and force, bit-for-bit fixed
 * values, and ndof counts only the moving components.  The Langevin noise
 * is drawn for every cell as before (same streams, any rank count). */
int hf_dyn_set_pinned(hf_dyn *d, const hf_pin *p, hf_err *err);
/* Continues with another engine (same supercell and fields: e.g. the model
 * refitted by the on-the-fly fitter); forces are recomputed, velocities and
 * the strain mass are kept. */
int hf_dyn_set_engine(hf_dyn *d, hf_engine *eng, hf_err *err);
int hf_dyn_set_opts(hf_dyn *d, const hf_dyn_opts *o, hf_err *err);
const hf_dyn_opts *hf_dyn_get_opts(const hf_dyn *d);

/* Draws Maxwell-Boltzmann velocities at temperature T for every dof. */
void hf_dyn_randomize_velocities(hf_dyn *d, double T, hf_rng *r);
/* Recomputes forces for the current x (after x was changed outside). */
void hf_dyn_refresh(hf_dyn *d);
/* One step. r is used by the Langevin thermostat only. */
void hf_dyn_step(hf_dyn *d, hf_rng *r);

/* Potential energy breakdown at the current x, kinetic energy of the modes
 * and of the strain, and the thermostat's energy (conserved quantity is
 * E.total + kinetic + strain_kinetic + thermostat_energy for NVE/NHC). */
const hf_energy *hf_dyn_energy(const hf_dyn *d);
double hf_dyn_kinetic(const hf_dyn *d);
double hf_dyn_strain_kinetic(const hf_dyn *d);
double hf_dyn_thermostat_energy(const hf_dyn *d);
double hf_dyn_conserved(const hf_dyn *d);
/* Degrees of freedom that carry kinetic energy (pinned components excluded). */
double hf_dyn_ndof(const hf_dyn *d);
/* dE/deta (eV) at the current configuration. */
const double *hf_dyn_dEdeta(const hf_dyn *d);
/* Strain mass W (eV fs^2) in use. */
double hf_dyn_strain_mass(const hf_dyn *d);

/* State for checkpointing: velocity fields, strain rates, NHC variables. */
hf_fields *hf_dyn_velocities(hf_dyn *d);
double *hf_dyn_eta_velocity(hf_dyn *d);
#define HF_NHC_MAX 10
double *hf_dyn_nhc_xi(hf_dyn *d);  /* HF_NHC_MAX positions */
double *hf_dyn_nhc_vxi(hf_dyn *d); /* HF_NHC_MAX velocities */

#endif
