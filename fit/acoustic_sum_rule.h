/* acoustic_sum_rule.h - translation invariance of a fitted energy.
 *
 * v is the acoustic displacement: a uniform v moves every atom of the crystal
 * alike (docs/dft-bridge.md, "Acoustic v"), so the first-principles energy does
 * not change, and the total v force vanishes.  Terms linear or bilinear in v
 * (on-site v^2, the isotropic u-v pair at the nearest A-B shell, ...) change
 * under it unless their coefficients combine into difference forms.  The fitted
 * coefficients must obey  sum_t w_t [E_t(x, v + d) - E_t(x, v)] = 0  for every
 * configuration x and shift d: a set of linear constraints A w = 0.  Without
 * them the regression leaves the k = 0 stiffness of v to the prior (training
 * frames hardly move the centre of mass), and the learned model pins the
 * crystal with a spurious spring that also stiffens long-wavelength strain. */
#ifndef FIT_ACOUSTIC_SUM_RULE_H
#define FIT_ACOUSTIC_SUM_RULE_H

#include "error.h"
#include "model.h"

/* Rows of A (malloc'd, *nc x m->nterms row-major, eV per cell per unit
 * coefficient): the change of each term's energy per cell under a uniform
 * shift d of v, for random configurations x of a 4x4x4 supercell (which tells
 * apart every neighbour shell of the default basis) and random d; more samples
 * than terms, so that they span the constraints.  Entries at the round-off
 * level of the term's energy are set to zero (exact invariants stay free).
 * *A = NULL, *nc = 0 when the model has no v.  The samples are seeded: the
 * same model gives the same rows. */
int fit_asr_constraints(const hf_model *m, double **A, int *nc, hf_err *err);

#endif
