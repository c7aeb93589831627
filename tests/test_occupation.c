/* test_occupation.c - alloy occupations: composition and Warren-Cowley
 * short-range order of each generator against exact values (rock-salt
 * alpha = -1, +1, -1 in shells 1-3; layers along z alpha_1 = 1/3) or
 * statistics (random: alpha ~ 0), requested SRO reached and confirmed by an
 * independent recount, clustering of core-shell, file round trip and
 * malformed files named by file and line; occupation classes
 * (hf_occ_class_key) of every pair of sites in 2x2x2 and 2x4x4 cells against
 * the orbits of the pair's separation under reflections and axis swaps
 * (3 and 11 classes), and of single sites (one class). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "occupation.h"

/* Every pair of sites of an L cell: the partition by hf_occ_class_key must be
 * the one by the separation d folded to 0..L/2 per axis (reflections), sorted
 * over axes of equal length (swaps).  Returns the number of classes. */
static int pair_classes(const int L[3]) {
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, L, &err), err);
  const size_t n = lat.n, np = n * (n - 1) / 2;
  double *s = calloc(n, sizeof *s);
  uint64_t *key = malloc(np * sizeof *key);
  int *orbit = malloc(np * sizeof *orbit), nclass = 0, bad = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++, k++) {
      s[i] = s[j] = 1;
      REQUIRE_OK(hf_occ_class_key(&lat, s, &key[k], &err), err);
      s[i] = s[j] = 0;
      int d[3];
      const size_t ri[3] = {i / (n / L[0]), i / L[2] % L[1], i % L[2]};
      const size_t rj[3] = {j / (n / L[0]), j / L[2] % L[1], j % L[2]};
      for (int a = 0; a < 3; a++) {
        const int da = (int)((rj[a] + L[a] - ri[a]) % L[a]);
        d[a] = da < L[a] - da ? da : L[a] - da;
      }
      for (int a = 0; a < 3; a++) /* sort over axes of equal length */
        for (int b = a + 1; b < 3; b++)
          if (L[a] == L[b] && d[b] < d[a]) {
            const int t = d[a];
            d[a] = d[b], d[b] = t;
          }
      orbit[k] = (d[0] * 16 + d[1]) * 16 + d[2];
    }
  for (size_t p = 0; p < np; p++) {
    int first = 1;
    for (size_t q = 0; q < p; q++) {
      bad += (key[p] == key[q]) != (orbit[p] == orbit[q]);
      first &= key[p] != key[q];
    }
    nclass += first;
  }
  CHECK(!bad,
        "%dx%dx%d pairs: %d pairs of pairs where the class key and the separation orbit "
        "disagree",
        L[0], L[1], L[2], bad);
  printf("%dx%dx%d: %zu pairs of sites in %d classes\n", L[0], L[1], L[2], np, nclass);
  free(s), free(key), free(orbit);
  return nclass;
}

int main(void) {
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){16, 16, 16}, &err), err);
  double *s = malloc(lat.n * sizeof *s), *t = malloc(lat.n * sizeof *t), x, a[3];
  hf_rng r;
  hf_rng_seed(&r, 21);

  REQUIRE_OK(hf_occ_random(&lat, 0.3, &r, s, &err), err);
  hf_occ_measure(&lat, s, &x, a);
  printf("random x=0.3: x %.6f alpha %.4f %.4f %.4f\n", x, a[0], a[1], a[2]);
  CHECK(fabs(x - 1229.0 / 4096) < 1e-15, "random composition %.6f", x); /* round(0.3*4096) */
  for (int k = 0; k < 3; k++) CHECK(fabs(a[k]) < 0.04, "random alpha_%d = %.4f", k + 1, a[k]);

  REQUIRE_OK(hf_occ_rocksalt(&lat, s, &err), err);
  hf_occ_measure(&lat, s, &x, a);
  CHECK(x == 0.5 && a[0] == -1 && a[1] == 1 && a[2] == -1, "rock-salt: x %g alpha %g %g %g", x,
        a[0], a[1], a[2]);

  REQUIRE_OK(hf_occ_layered(&lat, 2, 1, 1, s, &err), err);
  hf_occ_measure(&lat, s, &x, a);
  CHECK(x == 0.5 && fabs(a[0] - 1.0 / 3) < 1e-15, "layers along z: x %g alpha_1 %.6f (1/3)", x,
        a[0]);

  REQUIRE_OK(hf_occ_core_shell(&lat, 0.2, s, &err), err);
  hf_occ_measure(&lat, s, &x, a);
  printf("core-shell x=0.2: alpha %.4f %.4f %.4f\n", a[0], a[1], a[2]);
  CHECK(fabs(x - 819.0 / 4096) < 1e-15 && a[0] > 0.8, "core-shell: x %g alpha_1 %.3f", x, a[0]);

  hf_lattice l12;
  REQUIRE_OK(hf_lattice_init(&l12, (int[3]){12, 12, 12}, &err), err);
  const double want[2] = {-0.3, 0.4};
  for (int k = 0; k < 2; k++) {
    double reached;
    REQUIRE_OK(hf_occ_sro(&l12, 0.25, want[k], 0.005, 200, &r, s, &reached, &err), err);
    hf_occ_measure(&l12, s, &x, a);
    printf("SRO target %+.2f: reached %+.4f, recount %+.4f, x %.4f, alpha_2 %+.4f\n", want[k],
           reached, a[0], x, a[1]);
    CHECK(fabs(reached - want[k]) <= 0.005 && fabs(a[0] - reached) < 1e-12 && x == 0.25,
          "SRO %+.2f: reached %.4f, recount %.4f, x %.4f", want[k], reached, a[0], x);
  }

  /* file round trip and malformed files */
  char path[] = "/tmp/test_occupation_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  REQUIRE_OK(hf_occ_random(&lat, 0.5, &r, s, &err), err);
  REQUIRE_OK(hf_occ_write(path, &lat, s, &err), err);
  REQUIRE_OK(hf_occ_read(path, &lat, t, &err), err);
  CHECK(!memcmp(s, t, lat.n * sizeof *s), "round trip differs");
  hf_lattice small;
  REQUIRE_OK(hf_lattice_init(&small, (int[3]){2, 1, 1}, &err), err);
  const struct {
    const char *text, *want;
  } bad[] = {
      {"# occupation 2 1 1\n0 0 0 1\n1 0 0 2\n", ":3: expected 'x y z sigma'"},
      {"# occupation 2 1 1\n0 0 0 1\n0 0 0 0\n", ":3: cell 0 0 0 given twice"},
      {"# occupation 3 1 1\n", ":1: occupation for 3x1x1 cells"},
      {"# occupation 2 1 1\n0 0 0 1\n", "1 cells given, expected 2"},
      {"0 0 0 1\n1 0 0 0\n", "missing the header line"},
  };
  for (int k = 0; k < 5; k++) {
    FILE *f = fopen(path, "w");
    fputs(bad[k].text, f);
    fclose(f);
    int rc = hf_occ_read(path, &small, t, &err);
    CHECK(rc && strstr(err.msg, path) && strstr(err.msg, bad[k].want), "bad file %d: '%s'", k,
          err.msg);
  }
  unlink(path);

  CHECK(pair_classes((int[3]){2, 2, 2}) == 3, "2x2x2: expected 3 classes of 2 sites");
  CHECK(pair_classes((int[3]){2, 4, 4}) == 11, "2x4x4: expected 11 classes of 2 sites");
  hf_lattice l2;
  REQUIRE_OK(hf_lattice_init(&l2, (int[3]){2, 2, 2}, &err), err);
  uint64_t k0 = 0, k1;
  int differ = 0;
  for (size_t i = 0; i < l2.n; i++) {
    memset(s, 0, l2.n * sizeof *s);
    s[i] = 1;
    REQUIRE_OK(hf_occ_class_key(&l2, s, i ? &k1 : &k0, &err), err);
    differ += i && k1 != k0;
  }
  CHECK(!differ, "one site of 8: %d positions in another class", differ);
  free(s);
  free(t);
  return check_done("test_occupation");
}
