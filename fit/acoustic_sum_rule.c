/* acoustic_sum_rule.c - the translation constraints of a fitted energy (see
 * acoustic_sum_rule.h). */
#include "acoustic_sum_rule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "regression_rows.h"
#include "rng.h"

/* Random fields: modes and shifts ~0.1 Angstrom (rad), strain ~0.01, sigma 0/1. */
static void random_config(hf_fields *x, const hf_lattice *lat, hf_rng *r) {
  for (int c = 0; c < 9; c++) {
    double *a = hf_fields_comp(x, c);
    for (size_t i = 0; a && i < lat->n; i++) a[i] = 0.2 * hf_rng_uniform(r) - 0.1;
  }
  for (size_t i = 0; x->sigma && i < lat->n; i++) x->sigma[i] = hf_rng_uniform(r) < 0.5;
  for (int l = 0; l < 6; l++) x->eta[l] = 0.02 * hf_rng_uniform(r) - 0.01;
}

int fit_asr_constraints(const hf_model *m, double **A, int *nc, hf_err *err) {
  *A = NULL;
  *nc = 0;
  if (!(m->dof & HF_DOF_V) || m->nterms == 0) return HF_OK;
  const int M = m->nterms, K = M + 8;
  hf_lattice lat;
  if (hf_lattice_init(&lat, (int[3]){4, 4, 4}, err)) return HF_FAIL;
  hf_features *f = NULL;
  hf_fields x;
  memset(&x, 0, sizeof x);
  double *phi = NULL, *ylong = NULL, *e0 = malloc((size_t)M * sizeof *e0);
  int *type = NULL;
  double *rows = malloc((size_t)K * M * sizeof *rows);
  int rc = (!e0 || !rows) ? hf_fail(err, "out of memory") : HF_OK;
  if (!rc) rc = hf_features_create(&f, m, &lat, err);
  if (!rc) rc = hf_fields_alloc(&x, &lat, hf_model_field_mask(m), err);
  if (!rc) {
    size_t nr = hf_features_rows(f);
    phi = malloc(nr * (size_t)M * sizeof *phi);
    ylong = malloc(nr * sizeof *ylong);
    type = malloc(nr * sizeof *type);
    if (!phi || !ylong || !type) rc = hf_fail(err, "out of memory");
  }
  hf_rng r;
  hf_rng_seed(&r, 0x5a5a2026u);
  for (int k = 0; k < K && !rc; k++) {
    random_config(&x, &lat, &r);
    hf_features_eval(f, &x, phi, ylong, type);
    memcpy(e0, phi, (size_t)M * sizeof *e0); /* row 0: energy per cell */
    double d[3];
    for (int a = 0; a < 3; a++) d[a] = 0.2 * hf_rng_uniform(&r) - 0.1;
    for (int a = 0; a < 3; a++)
      for (size_t i = 0; i < lat.n; i++) x.v[a][i] += d[a];
    hf_features_eval(f, &x, phi, ylong, type);
    for (int t = 0; t < M; t++) {
      double diff = phi[t] - e0[t], scale = fmax(fabs(phi[t]), fabs(e0[t]));
      rows[(size_t)k * M + t] = fabs(diff) > 1e-12 * scale ? diff : 0.0;
    }
  }
  hf_features_free(f);
  hf_fields_free(&x);
  free(phi), free(ylong), free(type), free(e0);
  if (rc) {
    free(rows);
    return HF_FAIL;
  }
  *A = rows;
  *nc = K;
  return HF_OK;
}
