/* test_child_alloy.c - the child engine (dft_bridge/child_engine.h) on an
 * alloy: the PZT layout of paper 003 (u on A, v on B, Zr/Ti on B), 2x2x2,
 * with ase_runner.py's per-element Lennard-Jones (Zr larger and more strongly
 * bound than Ti):
 * - structure.xyz of a call carries Zr exactly on the B sites with sigma = 1,
 *   Ti on the other B sites, Pb and O everywhere else, in the atom order of
 *   docs/dft-bridge.md;
 * - each class of occupations gets its own reference (RUN/reference_HASH, the
 *   same species): the undistorted cell of a computed occupation has energy
 *   row exactly 0, and two arrangements of different classes have different
 *   reference energies (the reason for a reference per occupation); an
 *   arrangement that a rotation carries into a computed one reuses its
 *   reference (no new directory), and its own undistorted cell, computed by
 *   the engine, has energy row 0 to round-off;
 * - the mode forces (u, v) and -dE/deta rows in the alloyed, distorted cell
 *   equal 5-point central differences of the child's energy (rel 1e-5, the
 *   bound of test_child_engine: the differences' truncation and the 17-digit
 *   files).
 * - a fit with this engine (ZVR layout made a Ba/Sr alloy on A by the fit
 *   file's occupation: site), stopped and resumed: every call's structure
 *   carries the species of its training frame's sigma, no call runs twice,
 *   there is at most one reference per class of arrangements met, and the fitted model keeps
 *   sigma, its site and the species, with spring terms fitted.
 * usage: test_child_alloy MODELS_DIR PYTHON ASE_RUNNER */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "child_engine.h"
#include "childtest.h"
#include "fittest.h"
#include "mode_map.h"
#include "occupation.h"
#include "testconfig.h"
#include "training_set.h"

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

/* ---- a fit with the child engine: Ba/Sr on A of the ZVR layout */
typedef struct {
  const char *calls_dir;
  char (*dirs)[32]; /* the ok call directories in order */
  long ndirs, frames, matched, distinct;
  uint64_t seen[64];
  size_t n;
} frame_check;

static int check_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                       const fit_frame_meta *meta, hf_err *err) {
  (void)lat, (void)y, (void)meta, (void)err;
  frame_check *fc = p;
  const uint64_t h = hf_fnv1a(HF_FNV_OFFSET, x->sigma, fc->n * sizeof *x->sigma);
  long k = 0;
  while (k < fc->distinct && fc->seen[k] != h) k++;
  if (k == fc->distinct && k < 64) fc->seen[fc->distinct++] = h;
  /* the k-th frame is the k-th successful call (docs/dft-bridge.md) */
  if (fc->frames < fc->ndirs) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", fc->calls_dir, fc->dirs[fc->frames]);
    char(*sp)[8] = calloc(5 * fc->n, sizeof *sp);
    int ok = read_species(dir, 5 * fc->n, sp) == 0;
    for (size_t i = 0; ok && i < fc->n; i++)
      ok = !strcmp(sp[5 * i], x->sigma[i] == 1 ? "Sr" : "Ba") && !strcmp(sp[5 * i + 1], "Ti");
    fc->matched += ok;
    free(sp);
  }
  fc->frames++;
  return HF_OK;
}

static int alloy_fit(const childtest_env *t, const char *settings, const char *models,
                     const char *python) {
  char path[4200], calls[2048];
  snprintf(path, sizeof path, "%s/fit.yaml", RUN);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "reference: %s/BaTiO3_ZVR1995.yaml\n"
          "occupation: {site: A, composition: 0.25, every: 12}\n"
          "engine:\n  type: child\n  settings: %s\n  python: %s\n  runner: %s\n"
          "  species: [Ba, Ti, O, Sr]\n  xi: [0.006, 1, -1.556, -0.804, -0.804]\n"
          "  masses: [137.327, 47.867, 15.999]\n  timeout: 60\n"
          "basis: [\"u^2..4\", \"u u@1\", \"v v@0..1\", \"eta^2\", \"eta u^2\", "
          "\"u^1..2 sigma@1\", \"v sigma@1\"]\n"
          "temperatures: [50]\nsteps: 40\ninitial_amplitude: 0.03\n"
          "threshold: {initial_interval: 4, min_interval: 4}\n"
          "output: {dir: fit_out, log_every: 5, checkpoint_every: 5, progress: false}\n",
          models, settings, python, t->runner);
  fclose(f);
  hf_err err;
  /* stopped after 22 steps, then resumed: no call may run twice */
  REQUIRE_OK(fittest_run(path, 22, 0, 0, NULL, &err), err);
  REQUIRE_OK(fittest_run(path, 100, 1, 1, NULL, &err), err);
  /* the call directories in order, and the references */
  snprintf(calls, sizeof calls, "%s/fit_out/calls", RUN);
  snprintf(path, sizeof path, "%s/calls.tsv", calls);
  f = fopen(path, "r");
  char line[1024], dirs[64][32];
  long nd = 0, nref = 0, ncalls = 0;
  while (f && fgets(line, sizeof line, f)) {
    char d[64], status[16];
    if (line[0] == '#' || sscanf(line, "%63s %15s", d, status) != 2) continue;
    nref += !strncmp(d, "reference_", 10) && !strcmp(status, "ok");
    ncalls += !strncmp(d, "call_", 5);
    if (!strncmp(d, "call_", 5) && !strcmp(status, "ok") && nd < 64)
      snprintf(dirs[nd++], sizeof dirs[0], "%.31s", d);
  }
  if (f) fclose(f);
  hf_model m;
  snprintf(path, sizeof path, "%s/fit_out/model.yaml", RUN);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  frame_check fc = {.calls_dir = calls, .dirs = dirs, .ndirs = nd, .n = t->n};
  long nf, valid;
  snprintf(path, sizeof path, "%s/fit_out/train.xyz", RUN);
  REQUIRE_OK(fit_xyz_read(path, &m, check_frame, &fc, &nf, &valid, &err), err);
  printf(
      "child fit: %ld frames, %ld call directories (%ld attempts), %ld arrangements, %ld "
      "references; %ld frames whose call had their species\n",
      fc.frames, nd, ncalls, fc.distinct, nref, fc.matched);
  CHECK(fc.frames >= 6 && fc.frames == nd && ncalls == nd,
        "%ld frames, %ld ok calls, %ld attempts (a call repeated after resume?)", fc.frames, nd,
        ncalls);
  CHECK(fc.matched == fc.frames, "%ld of %ld calls had the species of their frame", fc.matched,
        fc.frames);
  /* 2 Sr in 8 A sites: 28 arrangements in 3 classes, one reference each */
  CHECK(fc.distinct >= 2 && nref >= 1 && nref <= 3 && nref <= fc.distinct,
        "%ld arrangements, %ld references (one per class met, 3 classes)", fc.distinct, nref);
  /* the fitted model: an alloy with its species, spring terms fitted */
  int springs = 0;
  for (int k = 0; k < m.nterms; k++)
    springs += strstr(m.terms[k].name, "sigma") && m.terms[k].coef != 0;
  CHECK((m.dof & HF_DOF_SIGMA) && m.sigma_site == HF_SITE_A && !strcmp(m.alloy_species[0], "Ba") &&
            !strcmp(m.alloy_species[1], "Sr") && springs > 0,
        "fitted model: sigma site %d, species %s/%s, %d fitted spring terms", m.sigma_site,
        m.alloy_species[0], m.alloy_species[1], springs);
  hf_model_free(&m);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    printf("usage: test_child_alloy MODELS_DIR PYTHON ASE_RUNNER\n");
    return 1;
  }
  hf_err err;
  static childtest_env t;
  char models[4096];
  if (!realpath(argv[1], models)) return 1;
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

  /* arrangements of 2 Zr in 8 B sites: neighbours along x, far apart, and
   * neighbours along y (the first rotated: its reference is the first's) */
  const int occ[3][2] = {{0, 4}, {0, 7}, {0, 2}};
  double eref[3];
  for (int k = 0; k < 3; k++) {
    hf_fields_zero(&s, &t.lat);
    memset(s.sigma, 0, n * sizeof *s.sigma);
    s.sigma[occ[k][0]] = s.sigma[occ[k][1]] = 1;
    REQUIRE_OK(e.compute(e.ctx, &s, y, &err), err);
    eref[k] = hf_child_engine_eref(&e);
    printf(
        "occupation %d (Zr in cells %d, %d): reference energy %.10f eV, energy row of the "
        "undistorted cell %.3g eV/cell\n",
        k, occ[k][0], occ[k][1], eref[k], y[0]);
    CHECK(k < 2 ? y[0] == 0 : fabs(y[0]) < 1e-9,
          "occupation %d: undistorted cell's energy row %.3g, expected 0", k, y[0]);
    if (species_match(hf_child_engine_last_dir(&e), s.sigma, n, "call")) return 1;
    uint64_t key;
    REQUIRE_OK(hf_occ_class_key(&t.lat, s.sigma, &key, &err), err);
    char ref[4200];
    snprintf(ref, sizeof ref, "%s/reference_%016llx", cfg.run_dir, (unsigned long long)key);
    CHECK(childtest_exists(ref, "result.txt"), "no reference directory %s", ref);
    if (k < 2 && species_match(ref, s.sigma, n, "reference")) return 1;
  }
  CHECK(eref[2] == eref[0], "the rotated arrangement's energy zero %.10f, its class's %.10f",
        eref[2], eref[0]);
  int nrefdirs = 0; /* three arrangements, two classes: two reference directories */
  DIR *dir = opendir(cfg.run_dir);
  for (struct dirent *de; dir && (de = readdir(dir));)
    nrefdirs += !strncmp(de->d_name, "reference_", 10);
  if (dir) closedir(dir);
  CHECK(nrefdirs == 2, "%d reference directories for 3 arrangements in 2 classes", nrefdirs);
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
  /* Sr larger and more strongly bound than Ba */
  char sr[4096];
  if (childtest_lj_settings(RUN, "lj_sr.json",
                            "\"species\": {\"Sr\": {\"sigma\": 1.5, \"epsilon\": 0.08}}", sr,
                            sizeof sr) ||
      alloy_fit(&t, sr, models, argv[2]))
    return 1;
  hf_model_free(&t.m);
  return check_done("test_child_alloy");
}
