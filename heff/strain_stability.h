/* strain_stability.h - start-up checks of a model: is its homogeneous
 * elastic energy stable, and is its energy unchanged by uniform shifts that
 * move no atom (hf_uniform_shift_change)?
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

/* The model's clamped elastic constants C11, C12, C44 (GPa; Voigt,
 * engineering shears, cubic averages over the equivalent components) at
 * zero modes and eta = 0 from the same Hessian and the cell volume a0^3.
 * In a cubic perovskite at zero modes every atom sits on an inversion
 * centre, so they are the engine's relaxed-ion constants there.
 * Collective. */
int hf_elastic_constants(hf_engine *e, double a0, double C[3], hf_err *err);

/* The largest |energy change| per cell (eV) when a uniform shift of +-0.01
 * (Angstrom or radian) along x, y or z is added to field (HF_FIELD_V or
 * HF_FIELD_W) on top of a uniform u of 0.05 Angstrom along [111]; 0 when the
 * model lacks the field.  A uniform v is a rigid translation of the crystal
 * (the acoustic sum rule: the change must be 0); a uniform omega moves no
 * atom either in paper 003's Eq. 1.  Collective. */
int hf_uniform_shift_change(hf_engine *e, unsigned field, double *change, hf_err *err);

#endif
