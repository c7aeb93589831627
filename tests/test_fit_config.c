/* test_fit_config.c - fit files: a complete file loads with its values and
 * the documented defaults, the temperature ramp is piecewise linear, and
 * malformed files are refused with file:line, the key and what was expected. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fit_config.h"

static char dir[] = "/tmp/test_fit_config_XXXXXX";
static const char *models;

static int load_text(const char *body, fit_config *c, hf_err *err, char *path, size_t cap) {
  snprintf(path, cap, "%s/f.yaml", dir);
  FILE *f = fopen(path, "w");
  fprintf(f, "reference: %s/BaTiO3_ZVR1995.yaml\n%s", models, body);
  fclose(f);
  return fit_config_load(c, path, err);
}

typedef struct {
  const char *body;
  int line;
  const char *want1, *want2;
} bad_case;

#define ENG "engine: {type: model, model: %s/BaTiO3_ZVR1995.yaml}\n"

int main(int argc, char **argv) {
  char absm[1024];
  if (!realpath(argc > 1 ? argv[1] : "models", absm) || !mkdtemp(dir)) return 1;
  models = absm;
  char body[4096], path[1200];
  hf_err err;
  fit_config c;
  snprintf(body, sizeof body,
           "engine:\n  type: model\n  model: %s/BaTiO3_ZVR1995.yaml\n"
           "  extra_terms:\n    - {name: u6, coef: 60, expr: \"(ux^2+uy^2+uz^2)^3\"}\n"
           "  noise: {energy: 0.001, force: 0.02}\n"
           "basis: [\"u^2..4\", \"u u@1\"]\nsupercell: [2, 3, 4]\nseed: 9\npressure: -2\n"
           "temperatures: [100, 300, 200]\nsteps: 201\nthreshold: {history: 5, factor: 1.5}\n"
           "regression: {method: lsq, weights: {stress: 0.5}, bounded: true, well_radius: 0.4,\n"
           "             well_radius_omega: 0.12, bounded_hold: elastic}\n"
           "heldout_every: 50\n"
           "output: {dir: out, log_every: 5}\n",
           models);
  REQUIRE_OK(load_text(body, &c, &err, path, sizeof path), err);
  CHECK(c.nspecs == 2 && !strcmp(c.specs[1], "u u@1"), "basis specs");
  CHECK(c.L[0] == 2 && c.L[1] == 3 && c.L[2] == 4 && c.seed == 9 && c.pressure == -2, "scalars");
  CHECK(c.nextra == 1 && c.extra[0].coef == 60 && c.noise.force == 0.02 && c.noise.stress == 0,
        "engine");
  CHECK(c.thr.history == 5 && c.thr.factor == 1.5 && c.thr.min_interval == 10, "threshold");
  CHECK(c.blr.method == HF_BLR_LSQ && c.blr.weight[HF_BLR_STRESS] == 0.5 &&
            c.blr.weight[HF_BLR_FORCE_U] == 1 && c.bounded == 1 && c.well_radius == 0.4 &&
            c.well_radius_omega == 0.12 && c.bounded_hold == 1,
        "regression");
  CHECK(c.md.barostat == 1 && c.md.dt == 1.0 && c.checkpoint_every == 1000, "defaults");
  char want[1200];
  snprintf(want, sizeof want, "%s/out", dir);
  CHECK(!strcmp(c.out_dir, want), "output dir %s (want %s)", c.out_dir, want);
  /* ramp 100 -> 300 over steps 0..100, 300 -> 200 over 100..200 */
  CHECK_CLOSE(fit_config_temperature(&c, 0), 100, 1e-12, 1, "T(0)");
  CHECK_CLOSE(fit_config_temperature(&c, 50), 200, 1e-12, 1, "T(50)");
  CHECK_CLOSE(fit_config_temperature(&c, 100), 300, 1e-12, 1, "T(100)");
  CHECK_CLOSE(fit_config_temperature(&c, 150), 250, 1e-12, 1, "T(150)");
  CHECK_CLOSE(fit_config_temperature(&c, 200), 200, 1e-12, 1, "T(200)");

  char eng[1200];
  snprintf(eng, sizeof eng, ENG, models);
  const bad_case bad[] = {
      {"", 1, "missing required key 'engine'", NULL},
      {"engine: {type: dft, model: x.yaml}\n", 2, "engine: key 'type': expected model", NULL},
      {"supercell: [0, 2, 2]\n", 3, "key 'supercell': expected three whole numbers between 1",
       NULL},
      {"supercell: [2, 2, 17]\n", 3, "key 'supercell': expected three whole numbers between 1",
       NULL},
      {"basis: [\"u^2..\"]\n", 3, "key 'basis':", NULL},
      {"threshold: {history: 100}\n", 3, "threshold: key 'history'", NULL},
      {"threshold: {probe_depth: 0.002}\n", 3, "threshold: key 'probe_depth': needs 'probe'", NULL},
      {"threshold: {extrapolation_interval: 2}\n", 3,
       "threshold: key 'extrapolation_interval': needs 'extrapolation'", NULL},
      {"threshold: {probe: 0.6, probe_depth: -1}\n", 3,
       "threshold: key 'probe_depth': expected a positive", NULL},
      {"temperatures: [0]\n", 3, "key 'temperatures': expected temperatures > 0 K", NULL},
      {"regression: {method: ridge}\n", 3, "regression: key 'method': expected bayes", NULL},
      {"regression: {bounded: maybe}\n", 3, "regression: key 'bounded'", NULL},
      {"regression: {bounded: true, well_radius: -1}\n", 3,
       "regression: key 'well_radius': expected a radius > 0 in A", NULL},
      {"regression: {bounded: true, well_radius: wide}\n", 3,
       "regression: key 'well_radius': expected a radius > 0 in A", "or 'data'"},
      {"regression: {well_radius: data}\n", 3,
       "regression: key 'well_radius': expected it only with bounded: true", NULL},
      {"regression: {bounded: true, well_radius_omega: 0.1}\n", 3,
       "regression: key 'well_radius_omega': expected it only with well_radius", NULL},
      {"regression: {bounded: true, well_radius: 1, well_radius_omega: 0}\n", 3,
       "regression: key 'well_radius_omega': expected a radius > 0 in rad", NULL},
      {"regression: {bounded_hold: elastic}\n", 3,
       "regression: key 'bounded_hold': expected it only with bounded: true", NULL},
      {"regression: {bounded: true, bounded_hold: strain}\n", 3,
       "regression: key 'bounded_hold': expected none or elastic", NULL},
      {"stepz: 10\n", 3, "unknown key 'stepz'", NULL},
      {"seed: -1\n", 3, "key 'seed'", NULL},
  };
  int n = (int)(sizeof bad / sizeof bad[0]);
  for (int i = 0; i < n; i++) {
    snprintf(body, sizeof body, "%s%s", i > 1 ? eng : "", bad[i].body);
    int rc = load_text(body, &c, &err, path, sizeof path);
    char where[1300];
    snprintf(where, sizeof where, "%s:%d: ", path, bad[i].line);
    int ok = rc != 0 && !strncmp(err.msg, where, strlen(where)) && strstr(err.msg, bad[i].want1);
    CHECK(ok, "bad case %d:\n    got:  %s\n    want: %s...%s", i, err.msg, where, bad[i].want1);
  }
  /* engine sections checked at their own lines */
  const bad_case bad_engine[] = {
      {"  noise: {force: -1}\n", 5, "engine: noise: key 'force': expected a standard deviation",
       NULL},
      {"  extra_terms:\n    - {name: w2, coef: 1, expr: \"wx^2\"}\n", 6,
       "engine: extra_terms[0] ('w2'): key 'expr': uses wx", "needs 'omega' in 'dof'"},
      {"  extra_terms: 3\n", 5, "engine: key 'extra_terms': expected a list", NULL},
  };
  for (int i = 0; i < 3; i++) {
    snprintf(body, sizeof body, "engine:\n  type: model\n  model: %s/BaTiO3_ZVR1995.yaml\n%s",
             models, bad_engine[i].body);
    int rc = load_text(body, &c, &err, path, sizeof path);
    char where[1300];
    snprintf(where, sizeof where, "%s:%d: ", path, bad_engine[i].line);
    int ok = rc != 0 && !strncmp(err.msg, where, strlen(where)) &&
             strstr(err.msg, bad_engine[i].want1) &&
             (!bad_engine[i].want2 || strstr(err.msg, bad_engine[i].want2));
    CHECK(ok, "bad engine case %d:\n    got:  %s\n    want: %s...%s", i, err.msg, where,
          bad_engine[i].want1);
  }
  /* the child engine: values, defaults, and errors at their lines */
  REQUIRE_OK(load_text("engine:\n  type: gpaw\n  species: [Ba, Ti, O]\n"
                       "  xi: [0.006, 1, -1.556, -0.804, -0.804]\n  ranks: 2\n"
                       "output: {dir: gp}\n",
                       &c, &err, path, sizeof path),
             err);
  snprintf(want, sizeof want, "%s/gp/calls", dir);
  CHECK(c.engine == FIT_ENGINE_CHILD && c.child.ranks == 2 && !strcmp(c.child.species[1], "Ti") &&
            c.child.xi[2] == -1.556 && c.child.retries == 1 && c.child.timeout == 3600 &&
            isnan(c.child.e_ref) && strstr(c.child.settings, "dft_bridge/gpaw_pbesol.json") &&
            strstr(c.child.runner, "dft_bridge/ase_runner.py") && !strcmp(c.child.run_dir, want) &&
            !c.child.persistent,
        "gpaw engine and its defaults (run_dir %s)", c.child.run_dir);
  REQUIRE_OK(load_text("engine:\n  type: gpaw\n  species: [Ba, Ti, O]\n"
                       "  xi: [0.006, 1, -1.556, -0.804, -0.804]\n  persistent: true\n",
                       &c, &err, path, sizeof path),
             err);
  CHECK(c.child.persistent == 1, "persistent: true read");
  /* cp2k has default settings like gpaw; espresso and vasp need a settings file */
  const char *xi = "  species: [Ba, Ti, O]\n  xi: [0, 1, -1, -1, -1]\n";
  snprintf(body, sizeof body, "engine:\n  type: cp2k\n%s", xi);
  REQUIRE_OK(load_text(body, &c, &err, path, sizeof path), err);
  CHECK(c.engine == FIT_ENGINE_CHILD && strstr(c.child.settings, "dft_bridge/cp2k_pbesol.json") &&
            strstr(c.child.runner, "dft_bridge/ase_runner.py"),
        "cp2k engine: default settings %s", c.child.settings);
  const char *need_settings[] = {"espresso", "vasp"};
  for (int i = 0; i < 2; i++) {
    snprintf(body, sizeof body, "engine:\n  type: %s\n%s", need_settings[i], xi);
    int rc = load_text(body, &c, &err, path, sizeof path);
    CHECK(rc != 0 && strstr(err.msg, "missing required key 'settings'"),
          "type %s without settings: got %s", need_settings[i], err.msg);
    snprintf(body, sizeof body, "engine:\n  type: %s\n  settings: s.json\n%s", need_settings[i],
             xi);
    REQUIRE_OK(load_text(body, &c, &err, path, sizeof path), err);
    CHECK(c.engine == FIT_ENGINE_CHILD && strstr(c.child.settings, "s.json"), "type %s",
          need_settings[i]);
  }
  const char *child = "engine:\n  type: child\n  settings: s.json\n";
  const bad_case bad_child[] = {
      {"  species: [Ba, Ti]\n  xi: [0, 1, -1, -1, -1]\n", 5,
       "engine: key 'species': expected three", NULL},
      {"  species: [Ba, Ti, O]\n  xi: [0, 1, -1, -1, -0.5]\n", 6, "key 'xi': expected a non-zero",
       NULL},
      {"  species: [Ba, Ti, O]\n", 3, "missing required key 'xi'", NULL},
      {"  species: [Ba, Ti, O]\n  xi: [0, 1, -1, -1, -1]\n  noise: {force: 1}\n", 7,
       "engine: key 'noise' is not used by type child", NULL},
      {"  species: [Ba, Ti, O]\n  xi: [0, 1, -1, -1, -1]\n  retries: -1\n", 7,
       "engine: key 'retries'", NULL},
      {"  species: [Ba, Ti, O]\n  xi: [0, 1, -1, -1, -1]\n  persistent: sometimes\n", 7,
       "engine: key 'persistent'", NULL},
  };
  const int nc = (int)(sizeof bad_child / sizeof bad_child[0]);
  for (int i = 0; i < nc; i++) {
    snprintf(body, sizeof body, "%s%s", child, bad_child[i].body);
    int rc = load_text(body, &c, &err, path, sizeof path);
    char where[1300];
    snprintf(where, sizeof where, "%s:%d: ", path, bad_child[i].line);
    int ok =
        rc != 0 && !strncmp(err.msg, where, strlen(where)) && strstr(err.msg, bad_child[i].want1);
    CHECK(ok, "bad child case %d:\n    got:  %s\n    want: %s...%s", i, err.msg, where,
          bad_child[i].want1);
  }
  printf("malformed fit files: %d cases\n", n + 3 + nc);
  unlink(path);
  rmdir(dir);
  return check_done("test_fit_config");
}
