/* test_tilts.c - tilt analysis on constructed patterns: each Glazer pattern
 * built from its definition (anti-phase about a: (-1)^(x+y+z); in phase:
 * (-1)^(x+y+z-x_a)) is recognised with its angles, with and without small
 * random noise (tilt angle twice the amplitude, paper 003 Eq. 1); a uniform
 * field projects on Gamma only; odd supercell axes give no zone-boundary
 * amplitude; the mean |R| of a disordered field against hf_tilts_noise, and
 * the local table's Glazer label, which calls such a field untilted but a
 * 2-degree a0a0c- tilt under the same noise a0a0c-. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "local_table.h"
#include "rng.h"
#include "tilts.h"

/* amp[a] radians, phase[a] '-', '+' or '0' */
static void build(const hf_lattice *lat, double *const w[3], const double amp[3],
                  const char phase[3], double noise, hf_rng *r) {
  for (int x = 0; x < lat->L[0]; x++)
    for (int y = 0; y < lat->L[1]; y++)
      for (int z = 0; z < lat->L[2]; z++) {
        const int c[3] = {x, y, z}, s = x + y + z;
        const size_t i = hf_index(lat, x, y, z);
        for (int a = 0; a < 3; a++) {
          int k = phase[a] == '-' ? s : s - c[a];
          double v = phase[a] == '0' ? 0 : ((k & 1) ? -amp[a] : amp[a]);
          w[a][i] = v + noise * (2 * hf_rng_uniform(r) - 1);
        }
      }
}

/* The local table's Glazer label after `samples` draws of omega = the
 * a0a0c- tilt `amp` plus independent normal noise of standard deviation sd
 * per component (8x8x8). */
static int local_label(double amp, double sd, int samples, hf_rng *r, char *label, size_t len) {
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){8, 8, 8}, &err), err);
  hf_fields f;
  REQUIRE_OK(hf_fields_alloc(&f, &lat, HF_FIELD_U | HF_FIELD_W, &err), err);
  hf_local_acc acc;
  memset(&acc, 0, sizeof acc);
  for (int s = 0; s < samples; s++) {
    build(&lat, f.w, (double[3]){0, 0, amp}, "00-", 0, r);
    for (int a = 0; a < 3; a++)
      for (size_t i = 0; i < lat.n; i++) {
        f.u[a][i] = 0;
        f.w[a][i] += sd * hf_rng_normal(r);
      }
    hf_local_acc_sample(&acc, &lat, &f, 0.1);
  }
  FILE *t = tmpfile();
  if (!t) return 1;
  hf_local_row(t, 300, &acc, 0, 1);
  rewind(t);
  char line[4096] = "";
  if (!fgets(line, sizeof line, t)) line[0] = 0;
  fclose(t);
  const char *tab = strrchr(line, '\t');
  snprintf(label, len, "%.*s", tab ? (int)strcspn(tab + 1, "\n") : 0, tab ? tab + 1 : "");
  hf_fields_free(&f);
  return 0;
}

int main(void) {
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){4, 6, 4}, &err), err);
  hf_fields f;
  REQUIRE_OK(hf_fields_alloc(&f, &lat, HF_FIELD_W, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 4);
  const double deg = M_PI / 180;
  struct {
    double amp[3];
    const char *phase, *want;
  } cases[] = {
      {{0, 0, 6 * deg}, "00-", "a0a0c-"},             /* SrTiO3, I4/mcm */
      {{0, 0, 6 * deg}, "00+", "a0a0c+"},             /* P4/mbm */
      {{5 * deg, 5 * deg, 5 * deg}, "---", "a-a-a-"}, /* R-3c */
      {{5 * deg, 5 * deg, 5 * deg}, "+++", "a+a+a+"}, /* Im-3 */
      {{7 * deg, 4 * deg, 7 * deg}, "-+-", "a-b+a-"}, /* Pnma (GdFeO3) */
      {{3 * deg, 3 * deg, 8 * deg}, "--+", "a-a-c+"},
      {{2 * deg, 0, 0}, "-00", "a-b0b0"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    for (int noisy = 0; noisy < 2; noisy++) {
      build(&lat, f.w, cases[k].amp, cases[k].phase, noisy ? 0.2 * deg : 0, &r);
      hf_tilts t;
      hf_tilts_analyse(&lat, f.w, 0.5 * deg, 0.1, &t);
      CHECK(!strcmp(t.glazer, cases[k].want), "case %zu%s: %s, want %s", k, noisy ? " (noisy)" : "",
            t.glazer, cases[k].want);
      for (int a = 0; a < 3; a++)
        CHECK(fabs(t.angle_deg[a] - 2 * cases[k].amp[a] / deg) <= (noisy ? 0.1 : 1e-12),
              "case %zu axis %d: %.4f deg, want %.4f", k, a, t.angle_deg[a],
              2 * cases[k].amp[a] / deg);
      if (!noisy)
        printf("%-7s angles %.2f %.2f %.2f deg\n", t.glazer, t.angle_deg[0], t.angle_deg[1],
               t.angle_deg[2]);
    }
  }
  /* uniform field: Gamma only */
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat.n; i++) f.w[a][i] = 0.01 * (a + 1);
  hf_tilts t;
  hf_tilts_analyse(&lat, f.w, 1e-6, 0.1, &t);
  for (int a = 0; a < 3; a++)
    CHECK(fabs(t.gamma[a] - 0.01 * (a + 1)) < 1e-15 && fabs(t.R[a]) < 1e-15 &&
              fabs(t.M[a]) < 1e-15 && fabs(t.X[a]) < 1e-15,
          "uniform field: component %d", a);
  CHECK(!strcmp(t.glazer, "a0a0a0"), "uniform field labelled %s", t.glazer);
  hf_fields_free(&f);
  /* odd axis: no R amplitude, M only where both other axes are even */
  hf_lattice odd;
  REQUIRE_OK(hf_lattice_init(&odd, (int[3]){4, 4, 3}, &err), err);
  REQUIRE_OK(hf_fields_alloc(&f, &odd, HF_FIELD_W, &err), err);
  build(&odd, f.w, (double[3]){0, 0, 5 * deg}, "00+", 0, &r);
  hf_tilts_analyse(&odd, f.w, 0.5 * deg, 0.1, &t);
  CHECK(t.R[2] == 0 && fabs(t.M[2] - 5 * deg) < 1e-15 && !strcmp(t.glazer, "a0a0c+"),
        "4x4x3 in-phase z tilt: R %.3g M %.3g %s", t.R[2], t.M[2], t.glazer);
  hf_fields_free(&f);
  /* disordered field: the mean |R_a| over 400 draws on 8x8x8 against hf_tilts_noise */
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){8, 8, 8}, &err), err);
  REQUIRE_OK(hf_fields_alloc(&f, &lat, HF_FIELD_W, &err), err);
  const int draws = 400;
  double sum = 0, sum2 = 0, want = 0;
  for (int s = 0; s < draws; s++) {
    for (int a = 0; a < 3; a++)
      for (size_t i = 0; i < lat.n; i++) f.w[a][i] = 0.05 * hf_rng_normal(&r);
    hf_tilts_analyse(&lat, f.w, 0, 0.1, &t);
    for (int a = 0; a < 3; a++) {
      sum += fabs(t.R[a]) / (3.0 * draws);
      sum2 += t.R[a] * t.R[a] / (3.0 * draws);
      want += hf_tilts_noise(t.rms[a], lat.n) / (3.0 * draws);
    }
  }
  const double se = sqrt((sum2 - sum * sum) / (3.0 * draws));
  CHECK(fabs(sum - want) < 4 * se, "disordered omega: mean |R| %.4g, hf_tilts_noise %.4g (se %.2g)",
        sum, want, se);
  printf("disordered omega (rms 0.05 rad, 8^3): mean |R| %.4g rad, hf_tilts_noise %.4g (se %.2g)\n",
         sum, want, se);
  hf_fields_free(&f);
  /* the local table's label: omega noise of sd 0.1 rad on 8^3 gives a mean |R| of 3.5e-3 rad
   * (0.4 degree of tilt), above the fixed 0.25-degree zero on every axis: untilted only with
   * the noise-scaled zero; a 2-degree a0a0c- tilt under the same noise is kept */
  char label[32];
  if (local_label(0, 0.1, 50, &r, label, sizeof label)) return 1;
  CHECK(!strcmp(label, "a0a0a0"), "disordered omega labelled '%s'", label);
  printf("local table, disordered omega (sd 0.1 rad): %s\n", label);
  if (local_label(deg, 0.1, 50, &r, label, sizeof label)) return 1;
  CHECK(!strcmp(label, "a0a0c-"), "2-degree a0a0c- tilt with noise labelled '%s'", label);
  printf("local table, 2-degree a0a0c- under the same noise: %s\n", label);
  return check_done("test_tilts");
}
