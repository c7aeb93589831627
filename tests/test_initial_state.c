/* test_initial_state.c - start configurations (heff/initial_state.h):
 *  1. 180-degree domains along x, stripes and 90-degree domains with a
 *     [1, 0, 1] normal: every cell holds the domain a direct count of its
 *     plane index gives, and the walls sit where they should;
 *  2. a configuration file written by hf_config_write and read back through
 *     'initial: {state: file}' gives every field bit for bit;
 *  3. malformed run keys and configuration files are rejected with the
 *     file, line and what was expected;
 *  4. tilt starts ('w' with 'tilt: R|M'): each cell's omega against the
 *     sign a direct count gives, and the Glazer label hf_tilts_analyse
 *     finds (a0a0c-, a0a0c+, a-a-a-); refused for a model without omega;
 *  5. 'strain': the six given strains are the state's eta bit for bit, with
 *     any state (a file included), and zero without the key.
 * Usage: test_initial_state [models-dir]; exit status 0 = pass. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checkpoint.h"
#include "initial_state.h"
#include "testfile.h"
#include "tilts.h"

static const char *dir = "initial_state_tmp";

/* Loads a run file with the given 'initial' (line 4) and supercell. */
static int load(hf_run_config *c, const char *supercell, const char *initial, hf_err *err) {
  char text[1024];
  snprintf(text, sizeof text, "supercell: %s\ninitial: %s\n", supercell, initial);
  return testfile_run(c, dir, text, err);
}

/* Loads the run file and builds its start on a fresh lattice and fields
 * (mask) with the given seed: hf_initial_state's rc, or -2 when loading or
 * allocating failed. */
static int start(hf_run_config *c, const char *supercell, const char *initial, unsigned mask,
                 unsigned long seed, hf_lattice *lat, hf_fields *x, hf_err *err) {
  if (load(c, supercell, initial, err) || hf_lattice_init(lat, c->L, err) ||
      hf_fields_alloc(x, lat, mask, err))
    return -2;
  hf_rng r;
  hf_rng_seed(&r, seed);
  return hf_initial_state(c, lat, x, &r, err);
}

static int test_domains(void) {
  struct {
    const char *supercell, *initial;
    int h, k, l, period;
  } cases[] = {
      {"[8, 4, 4]", "{state: domains, u: [0, 0, 0.3]}", 1, 0, 0, 8},
      {"[4, 4, 12]", "{state: domains, u: [0.2, 0, 0], normal: [0, 0, 1], period: 6}", 0, 0, 1, 6},
      {"[6, 4, 6]", "{state: domains, u: [0, 0, 0.3], u2: [0.3, 0, 0], normal: [1, 0, 1]}", 1, 0, 1,
       6},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    hf_run_config c;
    hf_err err = {{0}};
    hf_lattice lat;
    hf_fields x;
    REQUIRE_OK(start(&c, cases[t].supercell, cases[t].initial, HF_FIELD_U, 1, &lat, &x, &err), err);
    CHECK(c.init_period == cases[t].period, "case %zu: period %d, expected %d", t, c.init_period,
          cases[t].period);
    int bad = 0, first = 0;
    for (int ix = 0; ix < lat.L[0]; ix++)
      for (int iy = 0; iy < lat.L[1]; iy++)
        for (int iz = 0; iz < lat.L[2]; iz++) {
          int s = cases[t].h * ix + cases[t].k * iy + cases[t].l * iz;
          int in_first = s % cases[t].period < cases[t].period / 2;
          first += in_first;
          const double *u = in_first ? c.init_u : c.init_u2;
          size_t i = hf_index(&lat, ix, iy, iz);
          for (int a = 0; a < 3; a++) bad += x.u[a][i] != u[a];
        }
    CHECK(!bad && 2 * first == (int)lat.n, "case %zu: %d wrong components, %d of %zu in domain 1",
          t, bad, first, lat.n);
    printf("domains case %zu (normal [%d %d %d], period %d): %s\n", t, cases[t].h, cases[t].k,
           cases[t].l, c.init_period, bad ? "WRONG" : "every cell right");
    hf_fields_free(&x);
  }
  /* default second domain is -u; noise only with an amplitude */
  hf_run_config c;
  hf_err err = {{0}};
  REQUIRE_OK(load(&c, "[4, 4, 4]", "{state: domains, u: [0, 0.1, 0], amplitude: 0.01}", &err), err);
  CHECK(c.init_u2[1] == -0.1 && c.init_amp == 0.01, "u2 %g, amplitude %g", c.init_u2[1],
        c.init_amp);
  return 0;
}

static int test_file_roundtrip(void) {
  int L[3] = {3, 4, 5};
  hf_lattice lat;
  hf_fields x, y;
  hf_err err = {{0}};
  REQUIRE_OK(hf_lattice_init(&lat, L, &err), err);
  unsigned mask = HF_FIELD_U | HF_FIELD_V | HF_FIELD_W;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&y, &lat, mask, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 7);
  for (int k = 0; k < 9; k++)
    for (size_t i = 0; i < lat.n; i++) hf_fields_comp(&x, k)[i] = hf_rng_normal(&r) / 3;
  char path[256];
  snprintf(path, sizeof path, "%s/cfg.txt", dir);
  REQUIRE_OK(hf_config_write(path, &lat, &x, &err), err);
  hf_run_config c;
  hf_run_config_default(&c);
  c.init = HF_INIT_FILE;
  snprintf(c.init_file, sizeof c.init_file, "%s", path);
  REQUIRE_OK(hf_initial_state(&c, &lat, &y, &r, &err), err);
  int diff = 0;
  for (int k = 0; k < 9; k++)
    diff += memcmp(hf_fields_comp(&x, k), hf_fields_comp(&y, k), lat.n * sizeof(double)) != 0;
  CHECK(!diff, "configuration file round trip: %d components differ", diff);
  printf("configuration file round trip (u, v, w on 3x4x5): %s\n", diff ? "DIFFERENT" : "exact");

  struct {
    const char *text, *expect;
  } bad[] = {
      {"# c\n0 0 0 1 2 3\n", ":2: expected 12 numbers (x y z, then u, v, w in Angstrom), got 6"},
      {"0 0 0 1 2 3 4 5 6 7 8 x\n",
       ":1: expected 12 numbers (x y z, then u, v, w in Angstrom), got text 'x"},
      {"0 0 9 1 2 3 4 5 6 7 8 9\n", ":1: cell index 9 outside 0..4"},
      {"0 0 0 1 2 3 4 5 6 7 8 9\n0 0 0 1 2 3 4 5 6 7 8 9\n", ":2: cell (0, 0, 0) given twice"},
      {"0 0 0 1 2 3 4 5 6 7 8 9\n", "1 cells given, the supercell 3x4x5 has 60"},
  };
  for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
    testfile_write(path, bad[t].text);
    hf_err e = {{0}};
    int rc = hf_initial_state(&c, &lat, &y, &r, &e);
    CHECK(rc == HF_FAIL && strstr(e.msg, path) && strstr(e.msg, bad[t].expect),
          "bad file %zu: expected '%s', got '%s'", t, bad[t].expect, e.msg);
    if (t == 0) printf("rejected: %s\n", e.msg);
  }
  hf_fields_free(&x);
  hf_fields_free(&y);
  return 0;
}

static int test_tilt_starts(void) {
  struct {
    const char *initial, *glazer;
    int m_point;
  } cases[] = {
      {"{state: uniform, u: [0, 0, 0.1], w: [0, 0, 0.06]}", "a0a0c-", 0},
      {"{state: uniform, u: [0, 0, 0], w: [0, 0, 0.06], tilt: M}", "a0a0c+", 1},
      {"{state: random, amplitude: 0.02, w: [0.05, 0.05, 0.05], tilt: R}", "a-a-a-", 0},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    hf_run_config c;
    hf_err err = {{0}};
    hf_lattice lat;
    hf_fields x;
    REQUIRE_OK(start(&c, "[4, 6, 4]", cases[t].initial, HF_FIELD_U | HF_FIELD_W, 3, &lat, &x, &err),
               err);
    int bad = 0;
    for (int ix = 0; ix < lat.L[0]; ix++)
      for (int iy = 0; iy < lat.L[1]; iy++)
        for (int iz = 0; iz < lat.L[2]; iz++) {
          const int r3[3] = {ix, iy, iz};
          for (int a = 0; a < 3; a++) {
            int n = 0; /* R: all three coordinates; M: the two normal to the axis a */
            for (int b = 0; b < 3; b++) n += (b != a || !cases[t].m_point) ? r3[b] : 0;
            const double want = n % 2 ? -c.init_w[a] : c.init_w[a];
            bad += x.w[a][hf_index(&lat, ix, iy, iz)] != want;
          }
        }
    hf_tilts tl;
    hf_tilts_analyse(&lat, x.w, 1e-6, 0.1, &tl);
    CHECK(!bad && !strcmp(tl.glazer, cases[t].glazer), "tilt case %zu: %d cells off, label %s (%s)",
          t, bad, tl.glazer, cases[t].glazer);
    printf("tilt start %s: %s\n", cases[t].initial, tl.glazer);
    hf_fields_free(&x);
  }
  /* a model without omega cannot take a tilt start */
  hf_run_config c;
  hf_err err = {{0}};
  hf_lattice lat;
  hf_fields x;
  int rc = start(&c, "[4, 4, 4]", "{state: uniform, u: [0, 0, 0.1], w: [0, 0, 0.06]}", HF_FIELD_U,
                 3, &lat, &x, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "no omega"), "w without omega: '%s'", err.msg);
  hf_fields_free(&x);
  return 0;
}

static int test_bad_keys(void) {
  struct {
    const char *supercell, *initial, *expect;
  } cases[] = {
      {"[8, 4, 4]", "{state: domains}", "missing required key 'u'"},
      {"[8, 4, 4]", "{state: domains, u: [0, 0, 1], period: 3}", "key 'period': expected an even"},
      {"[8, 4, 4]", "{state: domains, u: [0, 0, 1], period: 6}", "divides h*Lx"},
      {"[8, 4, 4]", "{state: domains, u: [0, 0, 1], normal: [0, 0, 0]}", "non-zero [h, k, l]"},
      {"[8, 4, 4]", "{state: domains, u: [0, 0, 1], normal: [1, 0.5, 0]}", "three whole numbers"},
      {"[8, 4, 4]", "{state: file}", "missing required key 'file'"},
      {"[8, 4, 4]", "{state: stripes}", "expected random, uniform, domains or file"},
      {"[8, 4, 4]", "{state: uniform, u: [0, 0, 0], tilt: M}", "missing required key 'w'"},
      {"[8, 4, 4]", "{state: uniform, u: [0, 0, 0], w: [0, 0, 1], tilt: X}", "R (anti-phase"},
      {"[8, 4, 4]", "{state: file, file: a.txt, w: [0, 0, 1]}", "not with state: file"},
      {"[8, 4, 4]", "{state: random, strain: [0.01, 0, 0]}", "six strains eta1..eta6"},
      {"[8, 4, 4]", "{state: random, strain: [0, 0, 0.3, 0, 0, 0]}", "eta3 is 0.3"},
      {"[8, 4, 4]", "{state: uniform, u: [0, 0, 1], normal: [0, 0, 1]}",
       "only with state: domains"},
      {"[8, 4, 4]", "{state: random, period: 4}", "key 'period': only with state: domains"},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    hf_run_config c;
    hf_err err = {{0}};
    int rc = load(&c, cases[t].supercell, cases[t].initial, &err);
    CHECK(rc == HF_FAIL && strstr(err.msg, "run.yaml:4") && strstr(err.msg, cases[t].expect),
          "case %zu: expected '%s' at run.yaml:4, got '%s'", t, cases[t].expect, err.msg);
    if (t == 2) printf("rejected: %s\n", err.msg);
  }
  return 0;
}

/* A uniform or random start has no domain period: odd supercells, down to
 * one cell, take them (the period check once refused them). */
static int test_odd_supercells(void) {
  const char *cells[] = {"[1, 1, 1]", "[3, 5, 7]"};
  const char *init[] = {"{state: uniform, u: [0, 0, 0.3]}", "{state: random, amplitude: 0.1}"};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      hf_run_config c;
      hf_err err = {{0}};
      hf_lattice lat;
      hf_fields x;
      REQUIRE_OK(start(&c, cells[i], init[j], HF_FIELD_U, 3, &lat, &x, &err), err);
      CHECK(j == 1 || x.u[2][0] == 0.3, "%s %s: u_z %g", cells[i], init[j], x.u[2][0]);
      hf_fields_free(&x);
    }
  return 0;
}

/* The initial homogeneous strain: exactly the given six numbers, with or
 * without a mode state, and zero without the key. */
static int test_strain_start(void) {
  const char *cases[] = {
      "{state: uniform, u: [0, 0, 0.3], strain: [0.008, 0.008, 0.051, 0, -0.002, 0.0125]}",
      "{state: domains, u: [0.3, 0, 0], normal: [0, 0, 1], strain: [0.05, 0.008, 0.008, 0, 0, 0]}",
      "{state: random}",
  };
  const double want[3][6] = {
      {0.008, 0.008, 0.051, 0, -0.002, 0.0125}, {0.05, 0.008, 0.008, 0, 0, 0}, {0, 0, 0, 0, 0, 0}};
  for (int t = 0; t < 3; t++) {
    hf_run_config c;
    hf_err err = {{0}};
    hf_lattice lat;
    hf_fields x;
    REQUIRE_OK(start(&c, "[4, 4, 4]", cases[t], HF_FIELD_U, 3, &lat, &x, &err), err);
    int bad = 0;
    for (int l = 0; l < 6; l++) bad += x.eta[l] != want[t][l];
    CHECK(!bad, "strain case %d: %d of 6 strains differ (eta3 %g)", t, bad, x.eta[2]);
    printf("strain start %s: eta3 %g\n", cases[t], x.eta[2]);
    hf_fields_free(&x);
  }
  return 0;
}

int main(void) {
  hf_err err;
  if (hf_mkdir_p(dir, &err)) {
    printf("FAIL %s\n", err.msg);
    return 1;
  }
  int rc = test_domains() | test_file_roundtrip() | test_tilt_starts() | test_bad_keys() |
           test_strain_start() | test_odd_supercells();
  return rc ? 1 : check_done("test_initial_state");
}
