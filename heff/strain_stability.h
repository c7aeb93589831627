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

/* The acoustic sum rule: a uniform v is a rigid translation of the crystal, so
 * a model's energy must not change under it.  *change: the largest |energy
 * change| per cell (eV) when a uniform v of +-0.01 Angstrom along x, y or z is
 * added to a uniform u of 0.05 Angstrom along [111] (the u-v and v-v terms
 * that break the rule both show); 0 for a model without v.  Collective. */
int hf_translation_check(hf_engine *e, double *change, hf_err *err);

#endif
