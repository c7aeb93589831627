/* test_sweep.c - the run driver end to end on small supercells:
 *  - a sweep stopped at arbitrary points and resumed from its checkpoint
 *    writes exactly the table of an uninterrupted run with the same seed
 *    (MD with Langevin + barostat, HMC, and Metropolis MC);
 *  - the same seed gives the same table, another seed a different one;
 *  - malformed run files are rejected with file:line and key;
 *  - an alloy model (u, v, omega, eta, sigma) runs with a random occupation:
 *    the composition is exact, the occupation file and the local-structure
 *    table (per species, tilts) are written; occupation keys that do not fit
 *    the model are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "occupation.h"
#include "sweep.h"
#include "testfile.h"
#include "testmodels.h"

static char dir[256];
static const char *models_dir = "models";

/* Writes a run file for method into dir/name.yaml with output in dir/out_tag. */
static void make_run_plan(char *path, size_t n, const char *method, const char *tag, int seed,
                          const char *plan) {
  char text[2048];
  snprintf(path, n, "%s/%s.yaml", dir, tag);
  snprintf(text, sizeof text,
           "model: %s/BaTiO3_ZVR1995.yaml\n"
           "supercell: [4, 4, 4]\nseed: %d\nmethod: %s\npressure: -4.8\n"
           "temperatures: {start: 300, stop: 200, step: -50}\n"
           "thermalize: 12\naverage: 20\nsample_every: 2\n"
           "md: {dt: 1.0, thermostat: langevin, barostat: true}\n"
           "hmc: {steps: 5, dt: 3.0}\n"
           "output: {dir: out_%s, prefix: run, vtk: false, checkpoint_every: 10, fft_plan: %s%s}\n",
           models_dir, seed, method, tag, plan,
           strcmp(method, "md") ? "" : ", timeseries: 3"); /* MD: the time series too */
  testfile_write(path, text);
}

static void make_run(char *path, size_t n, const char *method, const char *tag, int seed) {
  make_run_plan(path, n, method, tag, seed, "estimate");
}

/* Runs to completion, stopping after each 'chunk' units and resuming from
 * the checkpoint (chunk <= 0: no interruption). */
static int run(const char *runfile, long chunk, char **table) {
  hf_err err = {{0}};
  hf_run_config c;
  hf_model m;
  REQUIRE_OK(hf_run_config_load(&c, runfile, &err), err);
  REQUIRE_OK(hf_model_load(&m, c.model_path, &err), err);
  int status = HF_SWEEP_RUNNING, first = 1, guard = 0;
  while (status != HF_SWEEP_FINISHED && guard++ < 1000) {
    hf_sweep *s;
    int resumed;
    REQUIRE_OK(hf_sweep_create(&s, &c, &m, !first, &resumed, &err), err);
    if (!first) CHECK(resumed, "expected to resume from the checkpoint");
    first = 0;
    long budget = chunk > 0 ? chunk : 1L << 40;
    for (long k = 0; k < budget; k++) {
      status = hf_sweep_advance(s, 1, &err);
      if (status == HF_FAIL) {
        printf("FAIL advance: %s\n", err.msg);
        return 1;
      }
      if (status == HF_SWEEP_FINISHED) break;
    }
    hf_sweep_free(s); /* "killed": everything after the last checkpoint is lost */
  }
  CHECK(status == HF_SWEEP_FINISHED, "run did not finish (no progress between checkpoints?)");
  char p[1400];
  snprintf(p, sizeof p, "%s/run.tsv", c.out_dir);
  *table = testfile_read(p);
  snprintf(p, sizeof p, "%s/run_timeseries.tsv", c.out_dir);
  char *series = c.timeseries ? testfile_read(p) : NULL;
  if (series) { /* compared with the table: append it */
    char *both = malloc(strlen(*table) + strlen(series) + 1);
    if (both) sprintf(both, "%s%s", *table, series);
    free(*table);
    free(series);
    *table = both;
  }
  hf_model_free(&m);
  return *table && (!c.timeseries || series) ? 0 : 1;
}

static void test_resume(const char *method, const char *plan) {
  char path[512], path2[512], tag1[64], tag2[64];
  snprintf(tag1, sizeof tag1, "%s_%s", method, plan);
  snprintf(tag2, sizeof tag2, "%s_%s_cut", method, plan);
  make_run_plan(path, sizeof path, method, tag1, 5, plan);
  make_run_plan(path2, sizeof path2, method, tag2, 5, plan);
  char *a = NULL, *b = NULL;
  if (run(path, 0, &a) || run(path2, 17, &b)) {
    CHECK(0, "%s: runs failed", method);
    return;
  }
  /* the header names no output directory, so the files must be identical */
  CHECK(!strcmp(a, b), "%s: resumed table differs from the uninterrupted one", method);
  int rows = 0;
  for (char *q = a; *q; q++) rows += *q == '\n';
  /* MD: 3 temperatures x 20/3 time-series rows after its 4 header lines */
  if (!strcmp(method, "md")) rows -= 4 + 3 * (20 / 3);
  printf("%s (%s plans): uninterrupted vs killed every 17 units and resumed: %s (%d lines)\n",
         method, plan, strcmp(a, b) ? "DIFFERENT" : "identical", rows);
  CHECK(rows == 3 + 3, "%s: expected 3 header lines and 3 rows, got %d lines", method, rows);
  free(a);
  free(b);
}

/* A checkpoint of one run must not be resumed by a run with another schedule. */
static void test_mismatched_resume(void) {
  char path[512];
  make_run(path, sizeof path, "hmc", "mismatch", 5);
  char *t = NULL;
  if (run(path, 0, &t)) {
    CHECK(0, "mismatch: first run failed");
    return;
  }
  free(t);
  hf_err err = {{0}};
  hf_run_config c;
  hf_model m;
  if (hf_run_config_load(&c, path, &err) || hf_model_load(&m, c.model_path, &err)) {
    CHECK(0, "mismatch: %s", err.msg);
    return;
  }
  c.temps[1] += 5; /* same length, other temperatures */
  hf_sweep *s = NULL;
  int resumed;
  int rc = hf_sweep_create(&s, &c, &m, 1, &resumed, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "belongs to a different run"),
        "resuming with other temperatures: rc %d, '%s'", rc, err.msg);
  printf("mismatched resume rejected: %s\n", err.msg);
  if (!rc) hf_sweep_free(s);
  hf_model_free(&m);
}

static void test_seed(void) {
  char p1[512], p2[512], p3[512];
  make_run(p1, sizeof p1, "hmc", "seedA", 9);
  make_run(p2, sizeof p2, "hmc", "seedB", 9);
  make_run(p3, sizeof p3, "hmc", "seedC", 10);
  char *a, *b, *c;
  if (run(p1, 0, &a) || run(p2, 0, &b) || run(p3, 0, &c)) {
    CHECK(0, "seed runs failed");
    return;
  }
  /* header line 1 names the seed: compare from the column header on */
  const char *ra = strstr(a, "\nT_K"), *rb = strstr(b, "\nT_K"), *rc = strstr(c, "\nT_K");
  CHECK(ra && rb && !strcmp(ra, rb), "same seed gave different tables");
  CHECK(ra && rc && strcmp(ra, rc), "different seeds gave identical tables");
  printf("same seed identical: %s; different seed differs: %s\n", !strcmp(ra, rb) ? "yes" : "no",
         strcmp(ra, rc) ? "yes" : "no");
  free(a);
  free(b);
  free(c);
}

static void test_malformed(void) {
  struct {
    const char *text, *expect;
  } cases[] = {
      {"model: m.yaml\n", "missing required key 'temperatures'"},
      {"temperatures: [300]\n", "missing required key 'model'"},
      {"model: m.yaml\ntemperatures: [300]\nsupercel: [4,4,4]\n", ":3: unknown key 'supercel'"},
      {"model: m.yaml\ntemperatures: [300]\nsupercell: [4,4]\n", ":3: key 'supercell'"},
      {"model: m.yaml\ntemperatures: [300]\nmethod: langevin\n",
       ":3: key 'method': expected md, hmc or mc"},
      {"model: m.yaml\ntemperatures: {start: 300, stop: 200, step: 10}\n", "key 'step'"},
      {"model: m.yaml\ntemperatures: [300]\nthermalize: -5\n", ":3: key 'thermalize'"},
      {"model: m.yaml\ntemperatures: [300]\nmd: {dt: 0}\n",
       ":3: md: key 'dt': expected a positive"},
      {"model: m.yaml\ntemperatures: [300]\nmd: {thermostat: berendsen}\n", "key 'thermostat'"},
      {"model: m.yaml\ntemperatures: [300]\nhmc: {steps: 2.5}\n", ":3: hmc: key 'steps'"},
      {"model: m.yaml\ntemperatures: [300]\npressure: high\n",
       ":3: key 'pressure': expected a pressure in GPa"},
      {"model: m.yaml\ntemperatures: [300]\ninitial: {state: uniform}\n",
       "missing required key 'u'"},
      {"model: m.yaml\ntemperatures: [300]\noutput: {vtk: maybe}\n",
       ":3: output: key 'vtk': expected true or false"},
      {"model: m.yaml\ntemperatures: [300\n", "not valid YAML"},
      {"model: m.yaml\ntemperatures: [-3]\n", "temperatures >= 0"},
      {"model: m.yaml\ntemperatures: [300]\nseed: 1\nseed: 2\n", ":4: duplicate key 'seed'"},
      {"model: m.yaml\ntemperatures: [300]\nmethod: hmc\noutput: {timeseries: 5}\n",
       ":4: key 'timeseries': expected method md"},
      {"model: m.yaml\ntemperatures: [300]\ndepolarization: [0, 0, 2]\n",
       ":3: key 'depolarization': expected three factors in 0..1"},
      {"model: m.yaml\ntemperatures: [300]\nepitaxial: 0.5\n",
       ":3: key 'epitaxial': expected a misfit strain between -0.2 and 0.2"},
      {"model: m.yaml\ntemperatures: [300]\ninitial: {state: random, strain: [0.02, 0.01, 0, 0, 0, "
       "0]}\nepitaxial: 0.01\n",
       ":3: initial: key 'strain': with 'epitaxial: 0.01' expected eta1 = eta2 = 0.01"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/bad%zu.yaml", dir, i);
    testfile_write(path, cases[i].text);
    hf_run_config c;
    hf_err err = {{0}};
    int rc = hf_run_config_load(&c, path, &err);
    CHECK(rc == HF_FAIL && strstr(err.msg, path) && strstr(err.msg, cases[i].expect),
          "case %zu: expected '%s', got '%s'", i, cases[i].expect, err.msg);
    if (i < 3) printf("rejected: %s\n", err.msg);
  }
}

static int test_alloy(void) {
  hf_err err = {{0}};
  hf_model m;
  char mpath[400], path[400], text[1024];
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  snprintf(m.alloy_species[0], sizeof m.alloy_species[0], "Pb");
  snprintf(m.alloy_species[1], sizeof m.alloy_species[1], "Sr");
  snprintf(mpath, sizeof mpath, "%s/alloy.yaml", dir);
  REQUIRE_OK(hf_model_save(&m, mpath, &err), err);
  hf_model_free(&m);
  snprintf(path, sizeof path, "%s/alloy_run.yaml", dir);
  snprintf(text, sizeof text,
           "model: alloy.yaml\nsupercell: [4, 4, 4]\nmethod: md\ntemperatures: [50]\n"
           "thermalize: 5\naverage: 10\nmd: {dt: 0.5}\n"
           "occupation: {pattern: random, composition: 0.25}\n"
           "output: {dir: out_alloy, prefix: run, vtk: false}\n");
  testfile_write(path, text);
  char *table = NULL;
  if (run(path, 0, &table)) return 1;
  free(table);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){4, 4, 4}, &err), err);
  double sigma[64], x, a[3];
  snprintf(path, sizeof path, "%s/out_alloy/run_occupation.txt", dir);
  REQUIRE_OK(hf_occ_read(path, &lat, sigma, &err), err);
  hf_occ_measure(&lat, sigma, &x, a);
  CHECK(x == 0.25, "alloy run: composition %g", x);
  snprintf(path, sizeof path, "%s/out_alloy/run_local.tsv", dir);
  char *local = testfile_read(path);
  CHECK(local && strstr(local, "s1_frac_R") && strstr(local, "glazer"),
        "local table lacks the species or tilt columns");
  CHECK(local && strstr(local, "s0 = Pb (sigma 0), s1 = Sr (sigma 1)"),
        "local table does not name the alloy species");
  free(local);
  /* occupation with a model without sigma; a sigma model without occupation */
  const char *bad[2][2] = {
      {"model: %s/BaTiO3_ZVR1995.yaml\n", "the model has no sigma"},
      {"model: alloy.yaml\n", "expected an 'occupation' key"},
  };
  for (int k = 0; k < 2; k++) {
    char head[700];
    snprintf(head, sizeof head, bad[k][0], models_dir);
    snprintf(path, sizeof path, "%s/alloy_bad%d.yaml", dir, k);
    snprintf(text, sizeof text, "%ssupercell: [4, 4, 4]\ntemperatures: [50]\n%s", head,
             k ? "" : "occupation: {pattern: rocksalt}\n");
    testfile_write(path, text);
    hf_run_config c;
    REQUIRE_OK(hf_run_config_load(&c, path, &err), err);
    REQUIRE_OK(hf_model_load(&m, c.model_path, &err), err);
    hf_sweep *s;
    int resumed;
    int rc = hf_sweep_create(&s, &c, &m, 0, &resumed, &err);
    CHECK(rc && strstr(err.msg, bad[k][1]), "alloy case %d: '%s'", k, err.msg);
    hf_model_free(&m);
  }
  return 0;
}

/* The strains eta1..eta6 (columns 16..21) of each data row of a sweep table,
 * at most max rows (the table text is consumed); returns the row count. */
static int table_strains(char *table, double eta[][6], int max) {
  int rows = 0;
  for (char *line = strtok(table, "\n"); line && rows < max; line = strtok(NULL, "\n")) {
    if (line[0] == '#' || line[0] == 'T') continue;
    char *p = line;
    for (int c = 0; c < 16; c++) strtod(p, &p);
    for (int l = 0; l < 6; l++) eta[rows][l] = strtod(p, &p);
    rows++;
  }
  return rows;
}

/* A film-like run: epitaxial in-plane strain held, the rest relaxing, with
 * open-circuit boundaries along z: every row has eta1 = eta2 = the misfit and
 * eta6 = 0 exactly while eta3 moves; the header names both conditions. */
static int test_epitaxial(void) {
  char path[400], text[1024];
  const char *methods[3] = {"md", "hmc", "mc"};
  for (int k = 0; k < 3; k++) {
    snprintf(path, sizeof path, "%s/epi_%s.yaml", dir, methods[k]);
    snprintf(text, sizeof text,
             "model: %s/BaTiO3_ZVR1995.yaml\nsupercell: [4, 4, 4]\nmethod: %s\n"
             "temperatures: [200, 150]\nthermalize: 10\naverage: 10\npressure: -4.8\n"
             "epitaxial: -0.0058\ndepolarization: [0, 0, 1]\n"
             "md: {dt: 1.0, barostat: true}\nhmc: {steps: 5, dt: 3.0, strain: true}\n"
             "mc: {strain: true}\noutput: {dir: out_epi_%s, prefix: run, vtk: false}\n",
             models_dir, methods[k], methods[k]);
    testfile_write(path, text);
    char *table = NULL;
    if (run(path, 0, &table)) return 1;
    CHECK(strstr(table, "depolarization beta (0, 0, 1), epitaxial eta1 = eta2 = -0.0058"),
          "%s: header lacks the boundary conditions", methods[k]);
    double eta[8][6];
    const int rows = table_strains(table, eta, 8);
    int bad = 0;
    for (int r = 0; r < rows; r++)
      bad += eta[r][0] != -0.0058 || eta[r][1] != -0.0058 || eta[r][5] != 0 || eta[r][2] == -0.0058;
    CHECK(rows == 2 && !bad, "%s: %d rows, %d with the in-plane strain not held", methods[k], rows,
          bad);
    printf("epitaxial -0.0058 with open circuit along z (%s): in-plane strain held in %d/%d rows\n",
           methods[k], rows - bad, rows);
    free(table);
  }
  return 0;
}

/* A start from a given homogeneous strain: MD without the barostat keeps it
 * in every row bit for bit (the strain is not sampled), with the barostat it
 * moves; the header names it. */
static int test_strain_start(void) {
  char path[400], text[1024];
  for (int baro = 0; baro < 2; baro++) {
    snprintf(path, sizeof path, "%s/strain_start%d.yaml", dir, baro);
    snprintf(text, sizeof text,
             "model: %s/BaTiO3_ZVR1995.yaml\nsupercell: [4, 4, 4]\nmethod: md\n"
             "temperatures: [200, 150]\nthermalize: 10\naverage: 10\npressure: -4.8\n"
             "initial: {state: uniform, u: [0, 0, 0.1], strain: [0.002, 0.002, 0.011, 0, 0, "
             "0.0005]}\nmd: {dt: 1.0, barostat: %s}\n"
             "output: {dir: out_strain_start%d, prefix: run, vtk: false}\n",
             models_dir, baro ? "true" : "false", baro);
    testfile_write(path, text);
    char *table = NULL;
    if (run(path, 0, &table)) return 1;
    CHECK(strstr(table, "initial strain (0.002, 0.002, 0.011, 0, 0, 0.0005)"),
          "barostat %d: header lacks the initial strain", baro);
    const double want[6] = {0.002, 0.002, 0.011, 0, 0, 0.0005};
    double eta[8][6];
    const int rows = table_strains(table, eta, 8);
    int held = 0;
    for (int r = 0; r < rows; r++) {
      int same = 1;
      for (int l = 0; l < 6; l++) same &= eta[r][l] == want[l];
      held += same;
    }
    CHECK(rows == 2 && held == (baro ? 0 : 2), "barostat %d: %d of %d rows at the initial strain",
          baro, held, rows);
    printf("initial strain, barostat %s: %d of %d rows at it\n", baro ? "on" : "off", held, rows);
    free(table);
  }
  return 0;
}

/* A model with a negative quartic (alpha < 0, unbounded below): the sweep
 * stops with an error naming the temperature and the range instead of
 * writing rows of a runaway. */
static int test_runaway(void) {
  hf_err err = {{0}};
  hf_model m;
  char mpath[400], path[400], text[1024];
  /* the range itself, finite and NaN values (fmax would drop a NaN) */
  hf_lattice lat;
  hf_fields x;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){2, 2, 2}, &err), err);
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U | HF_FIELD_V, &err), err);
  const double a0 = 4.0;
  struct {
    int comp;
    double value, eta;
    int in;
  } cases[] = {{0, 3.9, 0.19, 1}, {4, -4.1, 0, 0}, {2, 0.1, -0.21, 0},
               {0, NAN, 0, 0},    {5, NAN, 0, 0},  {1, 0.1, NAN, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hf_fields_zero(&x, &lat);
    hf_fields_comp(&x, cases[i].comp)[5] = cases[i].value;
    hf_fields_comp(&x, 0)[7] = 0.3; /* a later, smaller value must not hide a NaN */
    x.eta[3] = cases[i].eta;
    double um, em;
    hf_fields_extent(&x, &lat, &um, &em);
    CHECK(hf_fields_in_range(um, em, a0) == cases[i].in, "range case %zu: mode %g strain %g", i, um,
          em);
  }
  hf_fields_free(&x);
  snprintf(mpath, sizeof mpath, "%s/BaTiO3_ZVR1995.yaml", models_dir);
  REQUIRE_OK(hf_model_load(&m, mpath, &err), err);
  int k = 0;
  while (k < m.nterms && strcmp(m.terms[k].name, "alpha")) k++;
  CHECK(k < m.nterms, "ZVR has no term alpha");
  if (k == m.nterms) return 1;
  m.terms[k].coef = -fabs(m.terms[k].coef);
  snprintf(mpath, sizeof mpath, "%s/unbounded.yaml", dir);
  REQUIRE_OK(hf_model_save(&m, mpath, &err), err);
  hf_model_free(&m);
  snprintf(path, sizeof path, "%s/runaway.yaml", dir);
  snprintf(text, sizeof text,
           "model: unbounded.yaml\nsupercell: [4, 4, 4]\nmethod: md\ntemperatures: [300, 250]\n"
           "thermalize: 400\naverage: 20\nmd: {dt: 1.0}\n"
           "output: {dir: out_runaway, prefix: run, vtk: false}\n");
  testfile_write(path, text);
  hf_run_config c;
  REQUIRE_OK(hf_run_config_load(&c, path, &err), err);
  REQUIRE_OK(hf_model_load(&m, c.model_path, &err), err);
  hf_sweep *s;
  int resumed, rc;
  REQUIRE_OK(hf_sweep_create(&s, &c, &m, 0, &resumed, &err), err);
  while ((rc = hf_sweep_advance(s, 100, &err)) == HF_SWEEP_RUNNING ||
         rc == HF_SWEEP_TEMPERATURE_DONE) {
  }
  printf("runaway: %s\n", rc == HF_FAIL ? err.msg : "(no error)");
  CHECK(rc == HF_FAIL && strstr(err.msg, "T = 300.00 K") && strstr(err.msg, "physical range"),
        "the runaway is not reported: rc %d, '%s'", rc, err.msg);
  /* the u quartic is the negative one: the message names u */
  CHECK(rc == HF_FAIL && strstr(err.msg, "Angstrom, u_"), "the runaway field is not named u: '%s'",
        err.msg);
  /* the configuration it ran into is written and named: the runaway cell in it */
  CHECK(rc == HF_FAIL && strstr(err.msg, "out_runaway/run_runaway_T0300.00.config"),
        "the runaway configuration is not named: '%s'", err.msg);
  snprintf(path, sizeof path, "%s/out_runaway/run_runaway_T0300.00.config", dir);
  char *conf = testfile_read(path);
  double cmax = 0;
  int clines = 0, nan_seen = 0;
  for (char *line = conf ? strtok(conf, "\n") : NULL; line; line = strtok(NULL, "\n")) {
    if (line[0] == '#') continue;
    clines++;
    char *p = line, *end;
    for (int col = 0;; col++) {
      double v = strtod(p, &end);
      if (end == p) break;
      if (col >= 3) nan_seen |= isnan(v), cmax = fmax(cmax, fabs(v));
      p = end;
    }
  }
  free(conf);
  CHECK(clines == 64 && (nan_seen || cmax > 4.0),
        "the runaway configuration: %d cells, largest mode component %g (a0 4.0)", clines, cmax);
  hf_sweep_free(s);
  hf_model_free(&m);
  snprintf(path, sizeof path, "%s/out_runaway/run.tsv", dir);
  char *table = testfile_read(path);
  int rows = 0;
  for (char *line = table ? strtok(table, "\n") : NULL; line; line = strtok(NULL, "\n"))
    rows += line[0] != '#' && line[0] != 'T';
  CHECK(table && rows == 0, "the runaway wrote %d table rows", rows);
  free(table);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1) models_dir = argv[1];
  char cwd[256];
  if (!getcwd(cwd, sizeof cwd)) return 1;
  if (models_dir[0] != '/') {
    static char abs_models[600];
    snprintf(abs_models, sizeof abs_models, "%s/%s", cwd, models_dir);
    models_dir = abs_models;
  }
  snprintf(dir, sizeof dir, "/tmp/test_sweep.XXXXXX");
  if (!mkdtemp(dir)) return 1;
  test_resume("md", "estimate");
  test_resume("hmc", "estimate");
  test_resume("mc", "estimate");
  test_resume("md", "measure");
  test_seed();
  test_mismatched_resume();
  test_malformed();
  CHECK(test_alloy() == 0, "alloy run failed");
  CHECK(test_epitaxial() == 0, "epitaxial runs failed");
  CHECK(test_strain_start() == 0, "initial strain runs failed");
  CHECK(test_runaway() == 0, "runaway test failed");
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (check_failures == 0 && system(cmd) != 0) printf("note: could not remove %s\n", dir);
  return check_done("test_sweep");
}
