/* strain_stability.h - is the model's homogeneous elastic energy stable?
 *
 * A learned model whose strain-only coefficients are poorly determined can
 * have a negative eigenvalue of d2E/deta2 at eta = 0 with the modes at zero:
 * a barostat (or strain moves) then lets the cell expand or shear without
 * bound.  heff checks this once at the start and warns. */
#ifndef HF_STRAIN_STABILITY_H
#define HF_STRAIN_STABILITY_H

#include "engine.h"
#include "error.h"

/* The lowest eigenvalue (eV per cell) of d2E/deta_k deta_l over the
 * components with free[l] != 0, at zero modes and eta = 0 (central
 * differences of the analytic dE/deta, exact for the quadratic part).
 * *lowest = +inf when no component is free.  Collective over the engine's
 * ranks. */
int hf_strain_stability(hf_engine *e, const int free_comp[6], double *lowest, hf_err *err);

#endif
