/* hold_model.c - the host terms a solid-solution fit holds (see hold_model.h). */
#include "hold_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same_number(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)); }

/* The crystal the host's coefficients were fitted for: its dipole sum and
 * the positions its expressions refer to. */
static int same_crystal(const hf_model *a, const hf_model *b, const char *path, hf_err *err) {
  if (!same_number(a->a0, b->a0) || !same_number(a->zstar, b->zstar) ||
      !same_number(a->eps_inf, b->eps_inf) || a->dipole != b->dipole)
    return hf_fail(err,
                   "regression: hold_model: %s describes another crystal (a0 %.6g A, Z* %.6g, "
                   "eps_inf %.6g, dipole %s) than the fit's reference (a0 %.6g A, Z* %.6g, "
                   "eps_inf %.6g, dipole %s)",
                   path, b->a0, b->zstar, b->eps_inf, b->dipole ? "on" : "off", a->a0, a->zstar,
                   a->eps_inf, a->dipole ? "on" : "off");
  static const char *mode[3] = {"u", "v", "omega"};
  const unsigned dofs[3] = {HF_DOF_U, HF_DOF_V, HF_DOF_W};
  for (int k = 0; k < 3; k++)
    if ((a->dof & dofs[k]) && (b->dof & dofs[k]) && a->site[k] != b->site[k])
      return hf_fail(err, "regression: hold_model: %s puts %s on another site than the reference",
                     path, mode[k]);
  return HF_OK;
}

static void list_unused(fit_hold *h, const hf_model *hm, const char *used) {
  size_t len = 0;
  for (int i = 0; i < hm->nterms; i++) {
    if (used[i]) continue;
    h->nunused++;
    if (len + strlen(hm->terms[i].name) + 6 >= sizeof h->unused) {
      if (len + 4 < sizeof h->unused) len += (size_t)snprintf(h->unused + len, 5, "...");
      continue;
    }
    len += (size_t)snprintf(h->unused + len, sizeof h->unused - len, "%s%s", len ? ", " : "",
                            hm->terms[i].name);
  }
}

/* The rule's rows evaluated at the held coefficients: each must vanish to
 * round-off of its terms' sum. */
static int check_asr(const fit_hold *h, const double *asr, int nasr, int M, const char *path,
                     hf_err *err) {
  for (int i = 0; i < nasr; i++) {
    double sum = 0, mag = 0;
    for (int j = 0; j < M; j++) {
      sum += asr[(size_t)i * M + j] * h->w0[j];
      mag += fabs(asr[(size_t)i * M + j] * h->w0[j]);
    }
    if (fabs(sum) > 1e-8 * mag)
      return hf_fail(err,
                     "regression: hold_model: %s breaks the acoustic sum rule (a uniform shift "
                     "of v changes its energy by %.3g of its terms' %.3g eV per cell); refit it "
                     "with acoustic_sum_rule: true, or set it false here",
                     path, sum, mag);
  }
  return HF_OK;
}

int fit_hold_load(fit_hold *h, const char *path, const hf_model *basis, const double *asr, int nasr,
                  hf_err *err) {
  memset(h, 0, sizeof *h);
  const int M = basis->nterms;
  hf_model hm;
  hf_model_init(&hm);
  if (hf_model_load(&hm, path, err)) return hf_wrap(err, "regression: hold_model");
  char *used = calloc((size_t)hm.nterms + 1, 1);
  h->held = calloc((size_t)M, sizeof *h->held);
  h->w0 = calloc((size_t)M, sizeof *h->w0);
  int rc = HF_OK;
  if (!used || !h->held || !h->w0) rc = hf_fail(err, "out of memory");
  if (!rc) rc = same_crystal(basis, &hm, path, err);
  for (int j = 0; !rc && j < M; j++) {
    const hf_term *t = &basis->terms[j];
    if (hf_poly_dof(&t->poly) & HF_DOF_SIGMA) continue;
    int found = -1;
    for (int i = 0; i < hm.nterms && !rc; i++) {
      const hf_term *u = &hm.terms[i];
      if (strcmp(u->expr, t->expr) || u->symmetrize != t->symmetrize) continue;
      if (found >= 0)
        rc = hf_fail(err, "regression: hold_model: %s has the term '%s' twice (%s and %s)", path,
                     t->expr, hm.terms[found].name, u->name);
      found = i;
    }
    if (!rc && found < 0)
      rc = hf_fail(err,
                   "regression: hold_model: %s has no term '%s' (the basis term %s): every "
                   "basis term without sigma is held at the hold model's coefficient",
                   path, t->expr, t->name);
    if (rc) break;
    used[found] = 1;
    h->held[j] = 1;
    h->w0[j] = hm.terms[found].coef;
    h->nheld++;
  }
  if (!rc && h->nheld == M)
    rc = hf_fail(err,
                 "regression: hold_model: the basis has no sigma term to fit (every term "
                 "is held); hold_model is for a solid solution on its host's model");
  if (!rc) rc = check_asr(h, asr, nasr, M, path, err);
  if (!rc) list_unused(h, &hm, used);
  free(used);
  hf_model_free(&hm);
  if (rc) fit_hold_free(h);
  return rc;
}

void fit_hold_free(fit_hold *h) {
  free(h->held);
  free(h->w0);
  h->held = NULL;
  h->w0 = NULL;
}
