/* test_regression_rows.c - the regression rows of a configuration are what
 * the fitter will regress on: sum_l w_l phi[r][l] + y_long[r] must equal the
 * compiled engine's energy per cell, mode forces and -dE/deta per cell, for
 * the shipped ZVR model and for the kitchen-sink test model (every term
 * class, omega and sigma), and the row types must follow the layout. */
#include <stdlib.h>

#include "check.h"
#include "engine.h"
#include "regression_rows.h"
#include "testconfig.h"
#include "testmodels.h"

static void check_model(const hf_model *m, const int L[3], const char *name) {
  hf_err err;
  hf_lattice lat;
  if (hf_lattice_init(&lat, L, &err)) return;
  hf_engine *e;
  hf_features *f;
  if (hf_engine_create(&e, m, &lat, NULL, &err) || hf_features_create(&f, m, &lat, &err)) {
    CHECK(0, "%s: %s", name, err.msg);
    return;
  }
  hf_fields x, g;
  hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err);
  hf_fields_alloc(&g, &lat, hf_engine_field_mask(e), &err);
  hf_rng r;
  hf_rng_seed(&r, 31);
  testconfig_random(&x, &lat, &r, 0.15, 0.05, 0.05, 0.01);
  size_t rows = hf_features_rows(f), nt = (size_t)m->nterms;
  double *phi = malloc(rows * nt * sizeof *phi), *yl = malloc(rows * sizeof *yl);
  int *type = malloc(rows * sizeof *type);
  hf_features_eval(f, &x, phi, yl, type);
  double dEdeta[6];
  hf_energy E;
  hf_engine_eval(e, &x, &g, dEdeta, &E);
  double *ref = malloc(rows * sizeof *ref);
  size_t k = 0;
  const double N = (double)lat.n;
  ref[k++] = (E.total - E.pv) / N;
  for (int c = 0; c < 9; c++)
    if (hf_fields_comp(&g, c) && c / 3 != 3)
      for (size_t i = 0; i < lat.n; i++) ref[k++] = -hf_fields_comp(&g, c)[i];
  for (int l = 0; l < 6; l++) ref[k++] = -dEdeta[l] / N;
  CHECK(k == rows, "%s: %zu reference rows, %zu feature rows", name, k, rows);
  double worst[HF_BLR_NTYPES] = {0}, scale[HF_BLR_NTYPES] = {0};
  for (size_t i = 0; i < rows && i < k; i++) {
    double y = yl[i];
    for (size_t t = 0; t < nt; t++) y += m->terms[t].coef * phi[i * nt + t];
    worst[type[i]] = fmax(worst[type[i]], fabs(y - ref[i]));
    scale[type[i]] = fmax(scale[type[i]], fabs(ref[i]));
  }
  static const char *tn[] = {"energy", "force u", "force v", "force omega", "stress"};
  for (int t = 0; t < HF_BLR_NTYPES; t++) {
    if (scale[t] == 0) continue;
    printf("%s: %-11s max |w.phi + y_long - engine| = %.2e (scale %.3g)\n", name, tn[t], worst[t],
           scale[t]);
    CHECK(worst[t] <= 1e-10 * scale[t], "%s: %s rows differ by %.3g", name, tn[t], worst[t]);
  }
  CHECK(type[0] == HF_BLR_ENERGY && type[rows - 1] == HF_BLR_STRESS && type[1] == HF_BLR_FORCE_U,
        "%s: row types out of layout", name);
  free(phi);
  free(yl);
  free(type);
  free(ref);
  hf_fields_free(&x);
  hf_fields_free(&g);
  hf_features_free(f);
  hf_engine_free(e);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "models";
  char path[512];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", dir);
  hf_err err;
  hf_model zvr, ks;
  REQUIRE_OK(hf_model_load(&zvr, path, &err), err);
  REQUIRE_OK(testmodel_kitchen_sink(&ks, 1, &err), err);
  check_model(&zvr, (int[3]){2, 2, 2}, "ZVR 2x2x2");
  check_model(&zvr, (int[3]){4, 3, 5}, "ZVR 4x3x5");
  check_model(&ks, (int[3]){3, 4, 3}, "kitchen sink 3x4x3");
  hf_model_free(&zvr);
  hf_model_free(&ks);
  return check_done("test_regression_rows");
}
