/* soft_modes.h - where a model's harmonic polar instability lies in the
 * Brillouin zone: the lowest eigenvalue of the harmonic u matrix D(q)
 * (on-site u^2, every bilinear u-u pair and the dipole-dipole sum; E =
 * (1/2N) sum_q u(q)^+ D(q) u(q), eV/A^2) on the q grid of an L x L x L
 * supercell.  A ferroelectric model has its lowest value at or very near
 * Gamma; a minimum well away from it means heff orders a modulated pattern
 * there.  Strain couplings are left out and u-v couplings not eliminated. */
#ifndef HF_SOFT_MODES_H
#define HF_SOFT_MODES_H

#include "error.h"
#include "model.h"

typedef struct {
  int L;          /* the grid: q = m / L, m integer */
  int qmin[3];    /* the softest q (m, with 0 <= m < L) */
  double lmin;    /* its lowest eigenvalue, eV/A^2 */
  double gamma;   /* lowest eigenvalue at Gamma */
  double x, m, r; /* at X (1/2,0,0), M (1/2,1/2,0), R (1/2,1/2,1/2); NAN for odd L */
} hf_soft_modes;

/* Fails when the model has no u, or no quadratic u term and no dipole. */
int hf_soft_modes_find(const hf_model *m, int L, hf_soft_modes *out, hf_err *err);

#endif
