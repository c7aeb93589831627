/* hold_model.h - a solid solution fitted on its host compound's model
 * (regression: hold_model).
 *
 * A joint fit of host and alloy terms lets a few alloy frames move the host
 * coefficients by more than the host's own margins: twenty (Pb,Sr)TiO3 frames
 * tipped the learned PbTiO3 model's ground state from T to O at x = 0.
 * With a hold model every basis term without sigma stays at the coefficient of
 * the same term (same expression, same symmetrization) in that model, and
 * the regression fits the sigma terms alone to what the host leaves
 * (hf_blr_solve_held, fit/blr.h).  The model must describe the same crystal
 * (a0, Z*, eps_inf, dipole sum, sites) and have every such term; its terms
 * outside the basis (a k-point correction added after its own fit, say) are
 * not held and are named in the log and summary. */
#ifndef FIT_HOLD_MODEL_H
#define FIT_HOLD_MODEL_H

#include "error.h"
#include "model.h"

typedef struct {
  int nheld;           /* basis terms held */
  unsigned char *held; /* [M] 1: held at w0 */
  double *w0;          /* [M] the held coefficients (0 for the free ones) */
  int nunused;         /* terms of the hold model outside the held set */
  char unused[1024];   /* their names, comma separated (truncated with "...") */
} fit_hold;

/* Matches the terms of basis (the fit's model, M = basis->nterms) against the
 * model file path.  asr (nasr x M rows, acoustic_sum_rule.h; NULL: none): the
 * held coefficients must obey the rule themselves (the fit constrains only
 * the free ones).  Errors name the file and the term. */
int fit_hold_load(fit_hold *h, const char *path, const hf_model *basis, const double *asr, int nasr,
                  hf_err *err);
void fit_hold_free(fit_hold *h);

#endif
