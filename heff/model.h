/* model.h - the effective-Hamiltonian model shared by heff and fit.
 *
 *   E = E_dipole + sum_lambda w_lambda t_lambda + p V
 *
 * Each term t_lambda is a lattice polynomial (poly.h) that is linear in its
 * coefficient w_lambda; the dipole-dipole sum is the one term that is not a
 * polynomial (Ewald in reciprocal space), with prefactor Z*^2/eps_inf fixed by
 * the reference structure.  Units: eV, Angstrom, amu; strain dimensionless
 * (Voigt, engineering shears).  The model file format is described in
 * docs/model-format.md and read by model_io.c. */
#ifndef HF_MODEL_H
#define HF_MODEL_H

#include "poly.h"
#include "symmetry.h"

#define HF_COULOMB 14.399645478     /* e^2/(4 pi eps0), eV Angstrom (CODATA 2018) */
#define HF_KB 8.617333262e-5        /* eV/K */
#define HF_MVV2E 103.642697         /* eV per amu Angstrom^2 / fs^2 */
#define HF_GPA_A3 6.241509074e-3    /* eV per GPa Angstrom^3 */
#define HF_E_A2_TO_C_M2 16.02176634 /* e/Angstrom^2 in C/m^2 */
/* e^2 / (eps0 Angstrom), eV: 4 pi HF_COULOMB, so the depolarization energy
 * and the dipole sum share one constant (180.951262 once broke that by 1e-7) */
#define HF_E2_EPS0 (4 * 3.14159265358979323846 * HF_COULOMB)

enum hf_site { HF_SITE_A = 0, HF_SITE_B = 1 };

/* How hf_model_add_term builds a term's polynomial from its expression (the model file's
 * 'symmetrize' key: none, average, orbit). */
enum hf_symmetrize {
  HF_SYM_NONE = 0,    /* the expression must already be cubic-invariant (checked) */
  HF_SYM_AVERAGE = 1, /* Reynolds average (1/48) sum_g g.P */
  HF_SYM_ORBIT = 2,   /* Reynolds average rescaled so that the first monomial of P (canonical
                         order) keeps its written coefficient: the sum of the distinct cubic
                         images of a seed monomial */
};

enum hf_dof {
  HF_DOF_U = 1 << 0,
  HF_DOF_V = 1 << 1,
  HF_DOF_W = 1 << 2,
  HF_DOF_ETA = 1 << 3,
  HF_DOF_SIGMA = 1 << 4,
};

typedef struct {
  char name[64];
  double coef;    /* w_lambda, eV per unit of the polynomial */
  double stdev;   /* posterior standard deviation of coef (0 if not fitted) */
  hf_poly poly;   /* t_lambda, canonical; summed over all cells */
  char expr[512]; /* the expression as written in the file (provenance) */
  int symmetrize; /* enum hf_symmetrize applied to expr to build poly */
} hf_term;

typedef struct {
  char name[128];
  char citation[512];
  char notes[1024];
  double a0;                /* Angstrom */
  double zstar;             /* Born effective charge of the local mode, e */
  double eps_inf;           /* optical dielectric constant */
  int dipole;               /* 1: include the dipole-dipole term */
  double mass[3];           /* u, v, w effective masses, amu */
  int site[3];              /* u, v, w sites (enum hf_site) */
  int sigma_site;           /* alloy sublattice (enum hf_site); -1: the u site (the default) */
  char alloy_species[2][8]; /* element symbols for sigma = 0 (host) and 1 ("" unknown) */
  unsigned dof;             /* enum hf_dof bitmask */
  int nterms;
  hf_term *terms;
} hf_model;

void hf_model_init(hf_model *m);
void hf_model_free(hf_model *m);
/* Frees the terms and keeps the header (a0, Z*, eps_inf, masses, sites, dof,
 * names): a reference whose terms a fit replaces. */
void hf_model_drop_terms(hf_model *m);
/* The degrees of freedom (enum hf_dof) a polynomial uses (etaL counts as v). */
unsigned hf_poly_dof(const hf_poly *p);

/* Positions of every variable kind inside the cell, from the model's sites. */
void hf_model_sites(const hf_model *m, hf_sites *s);
/* The field arrays (HF_FIELD_*, fields.h) the model's degrees of freedom need. */
unsigned hf_model_field_mask(const hf_model *m);

/* Adds a term from an expression; checks cubic invariance (symmetrize ==
 * HF_SYM_NONE) or symmetrizes it (HF_SYM_AVERAGE, HF_SYM_ORBIT; see enum
 * hf_symmetrize), and checks that it only uses degrees of freedom present. */
int hf_model_add_term(hf_model *m, const char *name, double coef, const char *expr, int symmetrize,
                      hf_err *err);

/* Consistency checks after loading: masses, sites, dof vs terms. */
int hf_model_validate(const hf_model *m, hf_err *err);

/* 1 if s looks like an element symbol: an upper-case letter and up to two
 * lower-case ones (Ba, Ti, O, Zr). */
int hf_element_symbol_ok(const char *s);

/* Dipole prefactor Z*^2 / eps_inf * e^2/(4 pi eps0), eV Angstrom. */
double hf_model_dipole_prefactor(const hf_model *m);

/* Loading and saving (model_io.c).  Errors name file, line and key. */
int hf_model_load(hf_model *m, const char *path, hf_err *err);
int hf_model_save(const hf_model *m, const char *path, hf_err *err);

#endif
