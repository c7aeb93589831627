/* testmodels.h - models built in code for the tests: one that exercises
 * every kernel class of the engine, and simple exactly solvable ones. */
#ifndef HF_TESTMODELS_H
#define HF_TESTMODELS_H

#include "model.h"

/* ZVR-like BaTiO3 terms plus 8th-order, anharmonic intersite (paper 003
 * Eqs. 18-19), omega and sigma terms: every kernel and the generic path. */
int testmodel_kitchen_sink(hf_model *m, int with_dipole, hf_err *err);
/* E = kappa sum_i |u_i|^2 only (mass mu). */
int testmodel_harmonic(hf_model *m, double kappa, double mass, hf_err *err);

#endif
