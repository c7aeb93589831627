/* test_child_alloy.c - the child engine (dft_bridge/child_engine.h) on an
 * alloy: the PZT layout of paper 003 (u on A, v on B, Zr/Ti on B), 2x2x2,
 * with ase_runner.py's per-element Lennard-Jones (Zr larger and more strongly
 * bound than Ti):
 * - structure.xyz of a call carries Zr exactly on the B sites with sigma = 1,
 *   Ti on the other B sites, Pb and O everywhere else, in the atom order of
 *   docs/dft-bridge.md;
 * - each occupation gets its own reference (RUN/reference_HASH, the same
 *   species): the undistorted cell of a computed occupation has energy row
 *   exactly 0, and two arrangements have different reference energies (the
 *   reason for a reference per occupation);
 * - the mode forces (u, v) and -dE/deta rows in the alloyed, distorted cell
 *   equal 5-point central differences of the child's energy (rel 1e-5, the
 *   bound of test_child_engine: the differences' truncation and the 17-digit
 *   files).
 * usage: test_child_alloy MODELS_DIR PYTHON ASE_RUNNER */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "child_engine.h"
#include "childtest.h"
#include "mode_map.h"
#include "testconfig.h"

#define RUN "child_alloy_run"

/* Species of every atom of dir/structure.xyz into sp (natoms x 8). */
static int read_species(const char *dir, size_t natoms, char (*sp)[8]) {
  char path[4200], line[512];
  snprintf(path, sizeof path, "%s/structure.xyz", dir);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t a = 0;
  for (int ln = 0; fgets(line, sizeof line, f); ln++)
    if (ln >= 2 && a < natoms && sscanf(line, "%7s", sp[a]) == 1) a++;
  fclose(f);
  return a == natoms ? 0 : -1;
}

/* 0 if every atom has the species the occupation says. */
static int species_match(const char *dir, const double *sigma, size_t n, const char *label) {
  char(*sp)[8] = calloc(5 * n, sizeof *sp);
  CHECK(read_species(dir, 5 * n, sp) == 0, "%s: cannot read %s/structure.xyz", label, dir);
  int bad = 0;
  size_t zr = 0;
  for (size_t i = 0; i < n; i++) {
    const char *want[5] = {"Pb", sigma[i] > 0.5 ? "Zr" : "Ti", "O", "O", "O"};
    for (int k = 0; k < 5; k++) bad += strcmp(sp[5 * i + (size_t)k], want[k]) != 0;
    zr += !strcmp(sp[5 * i + 1], "Zr");
  }
  printf("%s: %s/structure.xyz: %zu Zr on B, %d atoms with a wrong species\n", label, dir, zr, bad);
  CHECK(bad == 0, "%s: %d atoms with the wrong species", label, bad);
  free(sp);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    printf("usage: test_child_alloy MODELS_DIR PYTHON ASE_RUNNER\n");
    return 1;
  }
  hf_err err;
  static childtest_env t;
  REQUIRE_OK(childtest_env_init(&t, argv + 1, RUN, "lj", &err), err);
  /* the PZT layout: u on A, v on B, sigma (Zr/Ti) on B */
  t.m.site[0] = HF_SITE_A, t.m.site[1] = HF_SITE_B;
  t.m.dof |= HF_DOF_SIGMA;
  t.m.sigma_site = HF_SITE_B;
  /* Lennard-Jones with a larger, more strongly bound Zr */
  if (childtest_lj_settings(RUN, "lj_zr.json",
                            "\"species\": {\"Zr\": {\"sigma\": 1.95, \"epsilon\": 0.08}}",
                            t.settings, sizeof t.settings))
    return 1;
  hf_child_config cfg = t.cfg;
  cfg.species[0] = "Pb", cfg.species[1] = "Ti", cfg.species[2] = "O", cfg.species[3] = "Zr";
  const size_t n = t.n, rows = t.rows;
  hf_fp_engine e;
  REQUIRE_OK(hf_child_engine_create(&e, &t.m, &t.lat, &cfg, &err), err);
  hf_fields s;
  REQUIRE_OK(hf_fields_alloc(&s, &t.lat, HF_FIELD_U | HF_FIELD_V | HF_FIELD_SIGMA, &err), err);
  double *y = malloc(rows * sizeof *y);

  /* two arrangements of 2 Zr in 8 B sites: neighbours along x, and far apart */
  const int occ[2][2] = {{0, 4}, {0, 7}};
  double eref[2];
  for (int k = 0; k < 2; k++) {
    hf_fields_zero(&s, &t.lat);
    memset(s.sigma, 0, n * sizeof *s.sigma);
    s.sigma[occ[k][0]] = s.sigma[occ[k][1]] = 1;
    REQUIRE_OK(e.compute(e.ctx, &s, y, &err), err);
    eref[k] = hf_child_engine_eref(&e);
    printf(
        "occupation %d (Zr in cells %d, %d): reference energy %.10f eV, energy row of the "
        "undistorted cell %.3g eV/cell\n",
        k, occ[k][0], occ[k][1], eref[k], y[0]);
    CHECK(y[0] == 0, "occupation %d: undistorted cell's energy row %.3g, expected 0", k, y[0]);
    if (species_match(hf_child_engine_last_dir(&e), s.sigma, n, "call")) return 1;
    char ref[4200];
    snprintf(ref, sizeof ref, "%s/reference_%016llx", cfg.run_dir,
             (unsigned long long)hf_fnv1a(HF_FNV_OFFSET, s.sigma, n * sizeof *s.sigma));
    CHECK(childtest_exists(ref, "result.txt"), "no reference directory %s", ref);
    if (species_match(ref, s.sigma, n, "reference")) return 1;
  }
  CHECK(fabs(eref[0] - eref[1]) > 1e-6, "the two arrangements' references differ by %.3g eV only",
        eref[0] - eref[1]);

  /* distorted alloy cell: rows against differences of the energy */
  hf_rng rng;
  hf_rng_seed(&rng, 17);
  testconfig_random(&s, &t.lat, &rng, 0.06, 0.04, 0, 0.01);
  memset(s.sigma, 0, n * sizeof *s.sigma); /* (testconfig_random draws 1 or 2) */
  s.sigma[1] = s.sigma[6] = 1;
  REQUIRE_OK(e.compute(e.ctx, &s, y, &err), err);
  if (species_match(hf_child_engine_last_dir(&e), s.sigma, n, "distorted call")) return 1;
  const double worst = childtest_fd_rows(&e, &s, y, n, "alloy");
  printf("alloy rows vs 5-point differences: worst rel %.2e\n", worst);
  CHECK(worst < 1e-5, "rows vs differences: worst rel %.3g", worst);
  /* sigma other than 0 or 1 is refused */
  s.sigma[2] = 2;
  CHECK(e.compute(e.ctx, &s, y, &err) != 0 && strstr(err.msg, "sigma"), "sigma = 2 accepted: %s",
        err.msg);
  /* a model with sigma needs the second species */
  cfg.species[3] = NULL;
  hf_fp_engine e2;
  const int rc = hf_child_engine_create(&e2, &t.m, &t.lat, &cfg, &err);
  CHECK(rc != 0 && strstr(err.msg, "second species"), "no second species: %s", err.msg);
  free(y);
  hf_fields_free(&s);
  hf_fp_engine_free(&e);
  hf_model_free(&t.m);
  return check_done("test_child_alloy");
}
