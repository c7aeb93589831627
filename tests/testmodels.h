/* testmodels.h - models built in code for the tests: one that exercises
 * every kernel class of the engine, and simple exactly solvable ones. */
#ifndef HF_TESTMODELS_H
#define HF_TESTMODELS_H

#include "model.h"

/* A term as hf_model_add_term takes it (sym: enum hf_symmetrize). */
typedef struct {
  const char *name;
  double coef;
  const char *expr;
  int sym;
} testmodel_term;
/* Adds the n terms s to m. */
int testmodel_add_terms(hf_model *m, const testmodel_term *s, int n, hf_err *err);

/* ZVR-like BaTiO3 terms plus 8th-order, anharmonic intersite (paper 003
 * Eqs. 18-19), omega and sigma terms: every kernel and the generic path. */
int testmodel_kitchen_sink(hf_model *m, int with_dipole, hf_err *err);
/* E = kappa sum_i |u_i|^2 only (mass mu). */
int testmodel_harmonic(hf_model *m, double kappa, double mass, hf_err *err);
/* A model (a0 = 4 A, no dipole unless set after) of one field, u, v or omega (field
 * 0, 1, 2) with mass `mass`, and one term coef * expr (symmetrize: enum hf_symmetrize). */
int testmodel_one_term(hf_model *m, const char *name, int field, double mass, const char *term,
                       double coef, const char *expr, int symmetrize, hf_err *err);

#endif
