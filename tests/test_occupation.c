/* test_occupation.c - alloy occupations: composition and Warren-Cowley
 * short-range order of each generator against exact values (rock-salt
 * alpha = -1, +1, -1 in shells 1-3; layers along z alpha_1 = 1/3) or
 * statistics (random: alpha ~ 0), requested SRO reached and confirmed by an
 * independent recount, clustering of core-shell, file round trip and
 * malformed files named by file and line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "occupation.h"

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
  free(s);
  free(t);
  return check_done("test_occupation");
}
