/* engine.h - a model compiled for one supercell: energy, field gradients and
 * strain derivatives, fast.
 *
 * Compiling sorts every monomial of every term into the cheapest kernel that
 * holds it:
 *   - all bilinear u-u terms (any shell) and the dipole-dipole Ewald sum: one
 *     real symmetric 3x3 matrix D(k) per k-point, applied with r2c/c2r FFTs;
 *   - on-site polynomials of u (any order): one table of (powers, coefficient);
 *   - homogeneous strain x on-site u u, and local strain x on-site u u;
 *   - strain-only polynomials;
 *   - bilinear v-v terms: a sparse real-space stencil (v has no long-range
 *     part, and a stencil costs less than six more FFTs: see docs/design.md);
 *   - anything else: the generic evaluator (poly_eval.h).
 * All scratch is allocated here; hf_engine_eval allocates nothing. */
#ifndef HF_ENGINE_H
#define HF_ENGINE_H

#include "comm.h"
#include "fields.h"
#include "model.h"

typedef struct {
  double total;      /* eV, everything below summed */
  double kspace;     /* dipole-dipole + bilinear u-u (incl. on-site u^2) */
  double onsite;     /* on-site u polynomial beyond quadratic */
  double strain_hom; /* homogeneous elastic + homogeneous strain-u coupling */
  double strain_loc; /* local strain-u coupling */
  double elastic_v;  /* bilinear v-v (inhomogeneous elastic) */
  double other;      /* omega terms and terms through the generic evaluator */
  double pv;         /* p V (pressure term) */
  double field;      /* -Z* e E . sum_i u_i (applied electric field) and the
                        depolarization energy (open-circuit boundaries); 0 without */
} hf_energy;

typedef struct {
  double pressure;       /* GPa, > 0 compresses */
  unsigned fftw_flags;   /* FFTW planner flags (default FFTW_MEASURE) */
  int threads;           /* OpenMP and FFTW threads (0 or 1: serial); results are the
                            same for any count (with fftw_3d: up to FFT round-off) */
  int fftw_3d;           /* 1: FFTW's 3D plans (and threads) instead of plane
                            transforms fused with the k-space product (kspace.c) */
  int single_precision;  /* 1: the k-space part in float (kspace_single.c); not
                            with fftw_3d.  Costs energy drift: see bench/README.md */
  size_t material_cells; /* cells holding material (0: all): a film in vacuum
                           (run-file key 'vacuum') counts only its cells in
                           the strain-only terms and in p V, which would
                           otherwise see the vacuum as stiff material */
  hf_comm *comm;         /* MPI ranks (NULL: serial).  With more than one, the
                            lattice must come from hf_lattice_distribute, fields
                            hold this rank's slab, and hf_engine_eval is
                            collective: every rank gets the total energy and
                            dE/deta, its slab of the gradient (docs/mpi.md) */
} hf_engine_opts;

typedef struct hf_engine hf_engine;

int hf_engine_create(hf_engine **eng, const hf_model *m, const hf_lattice *lat,
                     const hf_engine_opts *opts, hf_err *err);
void hf_engine_free(hf_engine *eng);
void hf_engine_set_pressure(hf_engine *eng, double gpa);
double hf_engine_pressure(const hf_engine *eng);
/* Homogeneous applied electric field, kV/cm: adds -Z* e E . u_i to the energy
 * of every cell (1 kV/cm = 1e-5 V/Angstrom), a constant force Z* e E on u. */
void hf_engine_set_field(hf_engine *eng, const double kv_cm[3]);
/* Electrical boundary conditions: the reciprocal-space dipole sum leaves out
 * k = 0, i.e. the supercell sits between ideal electrodes (short circuit,
 * beta = 0).  beta_a > 0 adds the depolarization energy of a slab-shaped
 * sample whose surfaces are normal to a, screened by the fraction 1 - beta_a:
 *   E_dep = sum_a beta_a M_a^2 / (2 eps0 eps_inf V),  M = Z* sum_i u_i,
 * V the supercell volume (open circuit along a: beta_a = 1). */
void hf_engine_set_depolarization(hf_engine *eng, const double beta[3]);
void hf_engine_depolarization(const hf_engine *eng, double beta[3]);
/* k_a = beta_a e^2 Z*^2 / (eps0 eps_inf V(eta)), eV/Angstrom^2: E_dep = sum_a k_a S_a^2 / 2
 * with S_a = sum_i u_ia (0 where beta_a = 0). */
void hf_engine_depolarization_k(const hf_engine *eng, const double eta[6], double k[3]);
void hf_engine_field(const hf_engine *eng, double kv_cm[3]);
const hf_lattice *hf_engine_lattice(const hf_engine *eng);
const hf_model *hf_engine_model(const hf_engine *eng);
/* The ranks the engine runs on (the integrators reduce over them). */
hf_comm *hf_engine_comm(const hf_engine *eng);
/* Threads the engine runs on (the integrators use as many). */
int hf_engine_threads(const hf_engine *eng);
/* Field mask (HF_FIELD_*) that configurations for this engine must carry. */
unsigned hf_engine_field_mask(const hf_engine *eng);

/* E(x); if g != NULL, g is overwritten with dE/dx for every field x carries
 * and dEdeta (6) with dE/deta (eV).  dEdeta may be NULL. */
void hf_engine_eval(hf_engine *eng, const hf_fields *x, hf_fields *g, double *dEdeta, hf_energy *E);

/* Supercell volume at strain eta, Angstrom^3 (linear in eta: V0 (1+tr eta)). */
double hf_engine_volume(const hf_engine *eng, const double eta[6]);
/* Cells holding material (hf_engine_opts.material_cells; all cells without
 * vacuum) and their volume at strain eta, Angstrom^3 (the V of p V). */
size_t hf_engine_material_cells(const hf_engine *eng);
double hf_engine_material_volume(const hf_engine *eng, const double eta[6]);

/* Bytes of scratch and kernels the engine holds (for memory reports). */
size_t hf_engine_bytes(const hf_engine *eng);

/* The reciprocal-space matrix D[6*q + c] (xx,yy,zz,yz,zx,xy) with every
 * prefactor folded in, such that E_k = (1/2N) sum_k u(k)^+ D(k) u(k); NULL
 * when the model has no bilinear u-u term and no dipole, or on several ranks
 * (each holds only its k slab). */
const double *hf_engine_kspace_matrix(const hf_engine *eng);
/* 1 if the engine puts this monomial in the reciprocal-space matrix. */
int hf_engine_mono_in_kspace(const hf_mono *m);

/* Number of monomials per kernel (for diagnostics and tests). */
typedef struct {
  int kspace, onsite, hom_uu, eta_only, loc_uu, vv, generic;
  int onsite_w, hom_ww, ww; /* omega: on-site w and u-w, eta w w, w-w bilinear */
  int pair;                 /* u, v, w at two cells (times eta): pair_kernel.h */
} hf_engine_census;
void hf_engine_get_census(const hf_engine *eng, hf_engine_census *c);

#endif
