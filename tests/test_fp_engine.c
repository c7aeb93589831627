/* test_fp_engine.c - the model engine behind the first-principles interface:
 * without noise it returns exactly what the regression rows predict with
 * the model's own coefficients; with noise, the noise on each row type has
 * mean zero and the requested standard deviation over many configurations;
 * the noise is a function of (seed, configuration): a repeated call repeats
 * it exactly, another seed or configuration draws anew. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fp_engine.h"
#include "regression_rows.h"
#include "testconfig.h"

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "models";
  char path[512];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", dir);
  hf_err err;
  hf_model m;
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){2, 2, 2}, &err), err);
  hf_features *f;
  REQUIRE_OK(hf_features_create(&f, &m, &lat, &err), err);
  size_t rows = hf_features_rows(f), nt = (size_t)m.nterms;
  double *phi = malloc(rows * nt * sizeof *phi), *yl = malloc(rows * sizeof *yl);
  double *y0 = malloc(rows * sizeof *y0), *y = malloc(rows * sizeof *y);
  int *type = malloc(rows * sizeof *type);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U | HF_FIELD_V, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 5);
  testconfig_random(&x, &lat, &r, 0.12, 0.04, 0, 0.01);
  hf_features_eval(f, &x, phi, yl, type);

  hf_fp_engine clean, noisy, noisy2;
  REQUIRE_OK(hf_model_engine_create(&clean, &m, &lat, NULL, &err), err);
  REQUIRE_OK(clean.compute(clean.ctx, &x, y0, &err), err);
  double worst = 0, scale = 0;
  for (size_t i = 0; i < rows; i++) {
    double p = yl[i];
    for (size_t t = 0; t < nt; t++) p += m.terms[t].coef * phi[i * nt + t];
    worst = fmax(worst, fabs(p - y0[i]));
    scale = fmax(scale, fabs(y0[i]));
  }
  printf("noise-free model engine vs w.phi + y_long: max diff %.2e (scale %.3g)\n", worst, scale);
  CHECK(worst <= 1e-12 * scale, "model engine differs from the rows by %.3g", worst);

  hf_noise nz = {.energy = 1e-3, .force = 0.05, .stress = 2e-3, .seed = 77};
  REQUIRE_OK(hf_model_engine_create(&noisy, &m, &lat, &nz, &err), err);
  REQUIRE_OK(hf_model_engine_create(&noisy2, &m, &lat, &nz, &err), err);
  const double want[HF_BLR_NTYPES] = {nz.energy, nz.force, nz.force, nz.force, nz.stress};
  double s1[HF_BLR_NTYPES] = {0}, s2[HF_BLR_NTYPES] = {0};
  long cnt[HF_BLR_NTYPES] = {0};
  int same = 1;
  double *y2 = malloc(rows * sizeof *y2);
  const double u00 = x.u[0][0];
  for (int k = 0; k < 4000; k++) {
    x.u[0][0] = u00 + 1e-6 * k; /* a new configuration each time */
    REQUIRE_OK(clean.compute(clean.ctx, &x, y0, &err), err);
    REQUIRE_OK(noisy.compute(noisy.ctx, &x, y, &err), err);
    REQUIRE_OK(noisy2.compute(noisy2.ctx, &x, y2, &err), err);
    for (size_t i = 0; i < rows; i++) {
      double d = y[i] - y0[i];
      s1[type[i]] += d;
      s2[type[i]] += d * d;
      cnt[type[i]]++;
      same &= y[i] == y2[i];
    }
  }
  static const char *tn[] = {"energy", "force u", "force v", "force omega", "stress"};
  for (int t = 0; t < HF_BLR_NTYPES; t++) {
    if (!cnt[t]) continue;
    double mean = s1[t] / cnt[t], sd = sqrt(s2[t] / cnt[t] - mean * mean);
    printf("%-8s noise: mean %+.2e, sd %.4e (requested %.4e, %ld draws)\n", tn[t], mean, sd,
           want[t], cnt[t]);
    CHECK(fabs(mean) < 5 * want[t] / sqrt((double)cnt[t]), "%s noise mean %.3g", tn[t], mean);
    CHECK(fabs(sd / want[t] - 1) < 5 * sqrt(0.5 / cnt[t]), "%s noise sd %.4g vs %.4g", tn[t], sd,
          want[t]);
  }
  CHECK(same, "two model engines with the same noise seed differ");
  /* Repeat the last call: identical; another seed: different. */
  REQUIRE_OK(noisy.compute(noisy.ctx, &x, y2, &err), err);
  CHECK(memcmp(y, y2, rows * sizeof *y) == 0, "a repeated call gave other noise");
  hf_fp_engine other;
  nz.seed = 78;
  REQUIRE_OK(hf_model_engine_create(&other, &m, &lat, &nz, &err), err);
  REQUIRE_OK(other.compute(other.ctx, &x, y2, &err), err);
  int differ = 0;
  for (size_t i = 0; i < rows; i++) differ += y[i] != y2[i];
  CHECK(differ == (int)rows, "another seed repeated %d of %zu rows", (int)rows - differ, rows);
  hf_fp_engine_free(&other);
  free(y2);
  hf_fp_engine_free(&clean);
  hf_fp_engine_free(&noisy);
  hf_fp_engine_free(&noisy2);
  hf_fields_free(&x);
  hf_features_free(f);
  free(phi);
  free(yl);
  free(y0);
  free(y);
  free(type);
  hf_model_free(&m);
  return check_done("test_fp_engine");
}
