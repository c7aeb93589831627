/* test_vacuum.c - films in vacuum (run-file key 'vacuum', docs/run-format.md),
 * on the ZVR BaTiO3 model (models/BaTiO3_ZVR1995.yaml: u, v, strain, dipoles):
 *  1. engine terms: at zero modes the energy and dE/deta of an engine
 *     counting N_mat material cells are N_mat/N of the bulk engine's (strain
 *     only terms and p V); for a film state (modes zero in the vacuum) the
 *     bulk engine exceeds the film engine by exactly the vacuum's share of
 *     those terms; dE/deta equals central differences of the film energy;
 *  2. slab electrostatics against continuum theory: a film of t layers with
 *     uniform u_z in a 4x4x12 supercell.  With the film's electrodes
 *     (depolarization 0) every cell sees the bulk short-circuit local field
 *     up to surface terms that do not depend on t; open circuit
 *     (depolarization 1) adds the plate's P^2 V_film / (2 eps0 eps_inf).  So
 *     E(t) - (t/12) E_bulk - b P^2 V_film / (2 eps0 eps_inf) is the same for
 *     t = 2, 4, 6 and b = 0, 1 (to 1e-5 relative; measured 1e-6);
 *  3. sweeps (Langevin MD with barostat and epitaxial strain, HMC with
 *     strain moves, Metropolis with strain moves) from a random initial state
 *     end with u and v of every vacuum cell exactly zero (configuration
 *     file), the material moved, and the table header says so;
 *  4. physics: a 4-layer film at -4.8 GPa, in-plane tensile strain 0.01,
 *     100 K: open circuit suppresses P_z (in-plane P survives), electrodes on
 *     the film let P_z develop;
 *  5. malformed 'vacuum' keys are rejected with file, line and expectation;
 *  6. alloy films (sigma with vacuum): on a model with paper-003 spring terms
 *     (neighbour sigma times own u and v) and sigma x strain, the energy and
 *     dE/deta of a film do not depend on the vacuum thickness (4 material
 *     layers + 4 or 8 vacuum layers, no dipoles) when the sweep's occupation
 *     is used, and do when the vacuum keeps the layered pattern (control);
 *     a random occupation puts exactly round(x N_mat) second-species sites
 *     in the material; sro and core_shell patterns, and a file with sigma 1
 *     in the vacuum, are refused.
 *  7. a film is an isolated slab: the energy of a random u, v pattern (net
 *     P_z, layer-alternating and in-plane antipolar parts) in 6 layers is
 *     the same under 12, 16 and 24 vacuum layers (to 1e-9 relative) with
 *     electrodes on the film and with open circuit; the raw engine (tinfoil
 *     at the supercell's faces) is not (control).
 * Usage: test_vacuum models-dir; exit status 0 = pass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "initial_state.h"
#include "occupation.h"
#include "sweep.h"
#include "testconfig.h"
#include "testfile.h"
#include "testmodels.h"

static const char *dir = "vacuum_tmp";

/* Sets every field of cells with z >= z1 to zero. */
static void zero_above(hf_fields *x, const hf_lattice *lat, int z1) {
  for (size_t i = 0; i < lat->n; i++)
    if ((int)(i % (size_t)lat->L[2]) >= z1)
      for (int c = 0; c < 9; c++)
        if (hf_fields_comp(x, c)) hf_fields_comp(x, c)[i] = 0;
}

static void eval(hf_engine *e, hf_fields *x, double dE[6], hf_energy *E) {
  hf_engine_eval(e, x, NULL, dE, E);
}

/* ------------------------------------------------------- 1. engine terms */

static int test_engine_terms(const hf_model *m) {
  hf_err err = {{0}};
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){4, 4, 6}, &err), err);
  const size_t nmat = 4 * 4 * 4; /* vacuum: z = 4, 5 */
  hf_engine_opts ob = {.pressure = -4.8}, of = {.pressure = -4.8, .material_cells = nmat};
  hf_engine *bulk, *film;
  REQUIRE_OK(hf_engine_create(&bulk, m, &lat, &ob, &err), err);
  REQUIRE_OK(hf_engine_create(&film, m, &lat, &of, &err), err);
  hf_fields x, z;
  const unsigned mask = hf_engine_field_mask(film);
  REQUIRE_OK(hf_fields_alloc(&x, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&z, &lat, mask, &err), err);
  const double eta[6] = {0.011, -0.006, 0.021, 0.003, -0.002, 0.004};
  memcpy(z.eta, eta, sizeof eta);
  const double f = (double)nmat / (double)lat.n;
  double db[6], df[6];
  hf_energy Eb, Ef;
  eval(bulk, &z, db, &Eb);
  eval(film, &z, df, &Ef);
  CHECK_CLOSE(Ef.total, f * Eb.total, 1e-12, 1e-12, "zero modes: film energy vs N_mat/N bulk");
  for (int l = 0; l < 6; l++)
    CHECK_CLOSE(df[l], f * db[l], 1e-12, 1e-10, "zero modes: film dE/deta vs N_mat/N bulk");
  printf("zero modes: film E %.10f eV = %.10f (64/96 of bulk); dE/deta1 %.8f vs %.8f\n", Ef.total,
         f * Eb.total, df[0], f * db[0]);
  /* a film state: the bulk engine adds the vacuum's strain-only and p V share */
  hf_rng r;
  hf_rng_seed(&r, 3);
  testconfig_random(&x, &lat, &r, 0.12, 0.02, 0, 0);
  zero_above(&x, &lat, 4);
  memcpy(x.eta, eta, sizeof eta);
  double dbx[6], dfx[6];
  hf_energy Ebx, Efx;
  eval(bulk, &x, dbx, &Ebx);
  eval(film, &x, dfx, &Efx);
  CHECK_CLOSE(Ebx.total - Efx.total, (1 - f) * Eb.total, 1e-10, 1e-10,
              "film state: bulk - film engine vs the vacuum's share");
  for (int l = 0; l < 6; l++)
    CHECK_CLOSE(dbx[l] - dfx[l], (1 - f) * db[l], 1e-10, 1e-9,
                "film state: dE/deta bulk - film vs the vacuum's share");
  /* dE/deta of the film engine vs central differences of its energy */
  double worst = 0;
  for (int l = 0; l < 6; l++) {
    const double h = 1e-5, e0 = x.eta[l];
    hf_energy Ep, Em;
    x.eta[l] = e0 + h;
    eval(film, &x, NULL, &Ep);
    x.eta[l] = e0 - h;
    eval(film, &x, NULL, &Em);
    x.eta[l] = e0;
    const double fd = (Ep.total - Em.total) / (2 * h);
    CHECK_CLOSE(dfx[l], fd, 1e-6, 1e-5, "film dE/deta vs central differences");
    worst = fmax(worst, fabs(dfx[l] - fd) / fmax(fabs(fd), 1e-5));
  }
  printf("film state: dE/deta vs central differences, worst relative deviation %.2e\n", worst);
  hf_fields_free(&x);
  hf_fields_free(&z);
  hf_engine_free(bulk);
  hf_engine_free(film);
  return 0;
}

/* ------------------------------------------------- 2. slab electrostatics */

/* The energy of the configuration fill(x, lat, ctx) in the supercell of the
 * run-file lines text, with its film depolarization (raw: the engine's own
 * factor 0 instead, tinfoil at the supercell's faces), through the run file
 * (so the film factor takes the run file's path to the engine). */
typedef void (*fill_fn)(hf_fields *x, const hf_lattice *lat, const void *ctx);

static double run_file_energy(const hf_model *m, const char *text, int raw, fill_fn fill,
                              const void *ctx, hf_err *err) {
  hf_run_config c;
  if (testfile_run(&c, dir, text, err)) return NAN;
  hf_lattice lat;
  hf_engine *e;
  hf_fields x;
  if (hf_lattice_init(&lat, c.L, err)) return NAN;
  hf_engine_opts o = {.material_cells = lat.n - hf_run_config_vacuum_cells(&c)};
  if (hf_engine_create(&e, m, &lat, &o, err)) return NAN;
  double beta[3] = {0, 0, 0};
  if (!raw) hf_run_config_engine_depolarization(&c, m->dipole, beta);
  hf_engine_set_depolarization(e, beta);
  if (hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), err)) return NAN;
  hf_fields_zero(&x, &lat);
  fill(&x, &lat, ctx);
  hf_energy E;
  hf_engine_eval(e, &x, NULL, NULL, &E);
  hf_fields_free(&x);
  hf_engine_free(e);
  return E.total;
}

typedef struct {
  int t;
  double uz;
} slab_fill;

static void fill_slab(hf_fields *x, const hf_lattice *lat, const void *ctx) {
  const slab_fill *f = ctx;
  for (size_t i = 0; i < lat->n; i++) x->u[2][i] = (int)(i % 12) < f->t ? f->uz : 0;
}

/* Energy of u_z = uz in the cells below layer t (all others zero) of the
 * 4x4x12 supercell with vacuum above and film depolarization b. */
static double slab_energy(const hf_model *m, int t, int b, double uz, hf_err *err) {
  char text[256];
  if (t < 12)
    snprintf(text, sizeof text,
             "supercell: [4, 4, 12]\nvacuum: {axis: z, layers: [%d, 12]}\n"
             "depolarization: [0, 0, %d]\n",
             t, b);
  else
    snprintf(text, sizeof text, "supercell: [4, 4, 12]\n");
  const slab_fill f = {t, uz};
  return run_file_energy(m, text, 0, fill_slab, &f, err);
}

static int test_slab(const hf_model *m) {
  hf_err err = {{0}};
  const double uz = 0.1, a3 = m->a0 * m->a0 * m->a0;
  const double ebulk = slab_energy(m, 12, 0, uz, &err);
  REQUIRE_OK(isnan(ebulk), err);
  /* open-circuit plate energy per film cell, eV: (Z* e u)^2 / (2 eps0 eps_inf a0^3) */
  const double eopen = HF_E2_EPS0 * m->zstar * m->zstar * uz * uz / (2 * m->eps_inf * a3);
  double s_ref = 0;
  for (int b = 0; b <= 1; b++)
    for (int t = 2; t <= 6; t += 2) {
      const double e = slab_energy(m, t, b, uz, &err);
      REQUIRE_OK(isnan(e), err);
      const double s = e - t / 12.0 * ebulk - b * eopen * 16 * t;
      if (b == 0 && t == 2) s_ref = s;
      printf(
          "film of %d layers, depolarization %d: E %.8f eV, minus bulk share and plate term: "
          "%.8f eV\n",
          t, b, e, s);
      /* measured: 1.2e-6 eV from t = 2 to 4, 1.5e-7 eV from 4 to 6 (the
       * layers' short decaying fields across the film); a wrong film factor
       * would add a share of the plate term, >= 0.28 eV * 16 t / 2 */
      CHECK_CLOSE(s, s_ref, 1e-5, 1e-5, "surface energy of a uniformly polarized film");
    }
  printf("bulk (12 layers, short circuit) E %.8f eV; plate term %.6f eV per film cell\n", ebulk,
         eopen);
  return 0;
}

/* ------------------------------------- 7. non-uniform films, any vacuum */

#define FILM_T 6 /* material layers */

/* The film's u and v pattern: cell (x, y, z) of the 4x4xFILM_T film at
 * [((x * 4 + y) * FILM_T + z) * 6 + k] */
static void fill_film(hf_fields *x, const hf_lattice *lat, const void *ctx) {
  const double *pat = ctx;
  for (int cx = 0; cx < 4; cx++)
    for (int cy = 0; cy < 4; cy++)
      for (int cz = 0; cz < FILM_T; cz++) {
        const size_t i = hf_index(lat, cx, cy, cz);
        const double *q = pat + ((cx * 4 + cy) * FILM_T + cz) * 6;
        for (int a = 0; a < 3; a++) x->u[a][i] = q[a], x->v[a][i] = q[3 + a];
      }
}

/* Energy of pattern pat under nvac layers of vacuum with film depolarization
 * b (raw: tinfoil at the supercell's faces). */
static double film_energy(const hf_model *m, const double *pat, int nvac, int b, int raw,
                          hf_err *err) {
  char text[256];
  const int Lz = FILM_T + nvac;
  snprintf(text, sizeof text,
           "supercell: [4, 4, %d]\nvacuum: {axis: z, layers: [%d, %d]}\n"
           "depolarization: [0, 0, %d]\n",
           Lz, FILM_T, Lz, b);
  return run_file_energy(m, text, raw, fill_film, pat, err);
}

/* A film in vacuum is an isolated slab: its energy cannot depend on how much
 * vacuum the periodic supercell puts between its images, for any pattern,
 * with electrodes on the film (0) or open circuit (1); the k-space images
 * interact only through fields that decay as exp(-2 pi |G| d), |G| >= 1/(4
 * a0) on 4x4 cells (measured: 1.8e-11 relative from 12 to 16 layers, 0
 * from 16 to 24).  With the depolarization constant 1e-7 off the dipole
 * sum's (180.951262 eV, before) it moved by 2-4e-9 relative.  Random u
 * and v in every film cell (a net P_z, the layer-alternating and in-plane
 * antipolar parts of the bilayer among them).  Control: the raw engine
 * (tinfoil at the supercell's faces, no film factor) does depend on it. */
static int test_film_any_vacuum(const hf_model *m) {
  hf_err err = {{0}};
  static double pat[4 * 4 * FILM_T * 6];
  hf_rng r;
  hf_rng_seed(&r, 17);
  for (size_t k = 0; k < sizeof pat / sizeof pat[0]; k++)
    pat[k] = (k % 6 < 3 ? 0.15 : 0.02) * hf_rng_normal(&r) + (k % 6 == 2 ? 0.1 : 0);
  const int vac[3] = {12, 16, 24};
  for (int b = 0; b <= 1; b++) {
    double e[3];
    for (int k = 0; k < 3; k++) {
      e[k] = film_energy(m, pat, vac[k], b, 0, &err);
      REQUIRE_OK(isnan(e[k]), err);
    }
    printf(
        "random film of %d layers, depolarization %d: E %.10f, %.10f, %.10f eV under 12, 16, "
        "24 vacuum layers\n",
        FILM_T, b, e[0], e[1], e[2]);
    CHECK_CLOSE(e[1], e[0], 1e-9, 1e-10, "film energy, 16 vs 12 vacuum layers");
    CHECK_CLOSE(e[2], e[0], 1e-9, 1e-10, "film energy, 24 vs 12 vacuum layers");
  }
  const double r12 = film_energy(m, pat, 12, 0, 1, &err), r24 = film_energy(m, pat, 24, 0, 1, &err);
  REQUIRE_OK(isnan(r12) || isnan(r24), err);
  printf("control, tinfoil at the supercell's faces: E %.8f (12), %.8f (24) eV\n", r12, r24);
  CHECK(fabs(r24 - r12) > 1e-3, "control: the raw engine's energy moves with the vacuum (%g eV)",
        r24 - r12);
  return 0;
}

/* --------------------------------------------------- 3., 4. sweeps */

static void write_run(const char *path, const char *method, const char *out, const char *extra) {
  char text[1200];
  snprintf(text, sizeof text,
           "model: %s\nsupercell: [4, 4, 6]\nseed: 9\nmethod: %s\npressure: -4.8\n"
           "temperatures: [150]\nthermalize: 6\naverage: 6\n"
           "md: {dt: 1.0, thermostat: langevin, barostat: true}\n"
           "hmc: {steps: 8, dt: 3.0, strain: true}\nmc: {strain: true}\n"
           "initial: {state: random, amplitude: 0.08}\n%s\n"
           "output: {dir: %s, prefix: run, vtk: false, config: true}\n",
           "m.yaml", method, extra, out);
  testfile_write(path, text);
}

static int run_sweep(const char *path, const hf_model *m, hf_obs_result *res, hf_err *err) {
  hf_run_config c;
  if (hf_run_config_load(&c, path, err)) return HF_FAIL;
  hf_sweep *s;
  int resumed, st = HF_SWEEP_RUNNING;
  if (hf_sweep_create(&s, &c, m, 0, &resumed, err)) return HF_FAIL;
  while (st != HF_SWEEP_FINISHED && st != HF_FAIL) st = hf_sweep_advance(s, 1000, err);
  if (res) *res = *hf_sweep_last_result(s);
  hf_sweep_free(s);
  return st == HF_FAIL ? HF_FAIL : HF_OK;
}

static int test_sweeps_zero(const hf_model *m) {
  static const char *methods[] = {"md", "hmc", "mc"};
  for (int k = 0; k < 3; k++) {
    hf_err err = {{0}};
    char path[256], out[64], cfg[300];
    snprintf(out, sizeof out, "zero_%s", methods[k]);
    snprintf(path, sizeof path, "%s/%s.yaml", dir, out);
    write_run(path, methods[k], out,
              "epitaxial: 0.005\nvacuum: {axis: z, layers: [[0, 1], [5, 6]]}");
    REQUIRE_OK(run_sweep(path, m, NULL, &err), err);
    snprintf(cfg, sizeof cfg, "%s/%s/run_T0150.00.config", dir, out);
    FILE *f = fopen(cfg, "r");
    CHECK(f != NULL, "%s: no configuration file %s", methods[k], cfg);
    if (!f) continue;
    char line[1024];
    long vac_nonzero = 0, vac = 0, mat = 0, mat_zero = 0;
    while (fgets(line, sizeof line, f)) {
      int c[3];
      double q[6];
      if (sscanf(line, "%d %d %d %lf %lf %lf %lf %lf %lf", &c[0], &c[1], &c[2], &q[0], &q[1], &q[2],
                 &q[3], &q[4], &q[5]) != 9)
        continue;
      const int in_vac = c[2] == 0 || c[2] == 5;
      for (int a = 0; a < 6; a++) {
        vac += in_vac;
        vac_nonzero += in_vac && q[a] != 0;
        mat += !in_vac && a < 3; /* (v starts at zero: a move may not take it away) */
        mat_zero += !in_vac && a < 3 && q[a] == 0;
      }
    }
    fclose(f);
    CHECK(vac == 32 * 6 && vac_nonzero == 0, "%s: %ld of %ld vacuum components not zero",
          methods[k], vac_nonzero, vac);
    CHECK(mat == 64 * 3 && mat_zero == 0, "%s: %ld of %ld material u components zero", methods[k],
          mat_zero, mat);
    snprintf(cfg, sizeof cfg, "%s/%s/run.tsv", dir, out);
    char *tab = testfile_read(cfg);
    const char *hdr = "vacuum along z: 32 of 96 cells (P, energies and c_p per material cell)";
    CHECK(tab && strstr(tab, hdr), "%s: table header without '%s'", methods[k], hdr);
    free(tab);
    printf(
        "%s sweep, vacuum z = 0 and 5 from a random start: %ld of %ld vacuum u, v components "
        "not zero; %ld of %ld material u components zero\n",
        methods[k], vac_nonzero, vac, mat_zero, mat);
  }
  return 0;
}

static int test_film_physics(const hf_model *m) {
  hf_obs_result res[2];
  for (int b = 0; b <= 1; b++) {
    hf_err err = {{0}};
    char path[256], out[64], extra[256];
    snprintf(out, sizeof out, "film_%d", b);
    snprintf(path, sizeof path, "%s/%s.yaml", dir, out);
    snprintf(extra, sizeof extra,
             "epitaxial: 0.01\nvacuum: {axis: z, layers: [4, 8]}\ndepolarization: [0, 0, %d]\n"
             "initial: {state: uniform, u: [0.05, 0.05, 0.10]}",
             b);
    char text[1200];
    snprintf(text, sizeof text,
             "model: m.yaml\nsupercell: [8, 8, 8]\nseed: 7\nmethod: hmc\npressure: -4.8\n"
             "temperatures: [100]\nthermalize: 30\naverage: 30\nhmc: {steps: 20, dt: 4.0, "
             "strain: true}\n%s\noutput: {dir: %s, prefix: film, vtk: false}\n",
             extra, out);
    testfile_write(path, text);
    REQUIRE_OK(run_sweep(path, m, &res[b], &err), err);
    printf(
        "4-layer film, 100 K, eta1 = eta2 = 0.01, %s: P = (%.4f, %.4f, %.4f) C/m^2 per "
        "material cell\n",
        b ? "open circuit" : "electrodes on the film", res[b].P[0], res[b].P[1], res[b].P[2]);
  }
  /* per material cell: the volume per cell is a0^3 (1 + tr eta), vacuum or not */
  for (int b = 0; b <= 1; b++) {
    const double *q = res[b].mean, a3 = m->a0 * m->a0 * m->a0;
    CHECK_CLOSE(q[OBS_VOL], a3 * (1 + q[OBS_ETA] + q[OBS_ETA + 1] + q[OBS_ETA + 2]), 1e-12, 1e-12,
                "film: volume per material cell vs a0^3 (1 + tr eta)");
  }
  const double pin_open = hypot(res[1].P[0], res[1].P[1]);
  CHECK(fabs(res[0].P[2]) > 0.1, "electrodes: P_z %.4f C/m^2, expected > 0.1", res[0].P[2]);
  CHECK(fabs(res[1].P[2]) < 0.1 * pin_open && pin_open > 0.1,
        "open circuit: P_z %.4f, in-plane |P| %.4f C/m^2; expected |P_z| < 0.1 |P_in-plane|, "
        "|P_in-plane| > 0.1",
        res[1].P[2], pin_open);
  return 0;
}

/* ----------------------------------------------------------- 5. bad input */

static int test_bad_input(void) {
  struct {
    const char *key, *expect;
  } keys[] = {
      {"[4, 6]", "key 'vacuum': expected a mapping {axis: x|y|z, layers"},
      {"{axis: q, layers: [4, 6]}", "key 'axis': expected x, y or z"},
      {"{layers: [4, 6]}", "axis: x, y or z"},
      {"{axis: z}", "layers: [k0, k1]"},
      {"{axis: z, layers: [4, 7]}", "got [4, 7] along z, where the supercell has L = 6"},
      {"{axis: z, layers: [3, 3]}", "got [3, 3] along z"},
      {"{axis: z, layers: [2.5, 4]}", "got [2.5, 4] along z"},
      {"{axis: z, layers: [[0, 2], [1, 3]]}", "layers: [1, 3] overlaps [0, 2]"},
      {"{axis: z, layers: [0, 6]}", "all 6 layers along z are vacuum"},
      {"{axis: z, layers: []}", "key 'layers': expected half-open ranges"},
      {"{axis: z, layers: [4, 6], thick: 2}", "unknown key 'thick'"},
  };
  const int nk = (int)(sizeof keys / sizeof keys[0]);
  for (int t = 0; t < nk; t++) {
    hf_err err = {{0}};
    char text[256];
    snprintf(text, sizeof text, "supercell: [4, 4, 6]\nvacuum: %s\n", keys[t].key);
    CHECK(testfile_rejects(dir, text, "run.yaml:4", keys[t].expect, &err),
          "key case %d: expected '%s' at run.yaml:4, got '%s'", t, keys[t].expect, err.msg);
    if (t == 4 || t == 7) printf("rejected: %s\n", err.msg);
  }
  printf("malformed vacuum keys: %d rejected as expected\n", nk);
  return 0;
}

/* ------------------------------------------------------ 6. alloy films */

/* A smooth, cell-dependent value in [-1, 1] that does not depend on the
 * supercell size: the same material state in supercells of any Lz. */
static double wave(int x, int y, int z, int c) {
  return sin(1.3 * x + 0.7 * y + 2.1 * z + 0.9 * c) * cos(0.4 * x - 1.1 * y + 0.3 * c);
}

/* The sweep's occupation of the alloy film run file path (hf_sweep_create
 * writes it), read back into sigma. */
static int film_occupation(const char *path, const hf_model *m, const char *out,
                           const hf_lattice *lat, double *sigma, hf_err *err) {
  hf_run_config c;
  hf_sweep *s;
  int resumed;
  if (hf_run_config_load(&c, path, err) || hf_sweep_create(&s, &c, m, 0, &resumed, err))
    return HF_FAIL;
  hf_sweep_free(s);
  char occ[300];
  snprintf(occ, sizeof occ, "%s/%s/run_occupation.txt", dir, out);
  return hf_occ_read(occ, lat, sigma, err);
}

static void write_alloy_run(const char *path, int Lz, const char *occ, const char *out) {
  char text[800];
  snprintf(text, sizeof text,
           "model: alloy.yaml\nsupercell: [4, 4, %d]\nseed: 5\nmethod: hmc\n"
           "temperatures: [50]\nvacuum: {axis: z, layers: [4, %d]}\noccupation: %s\n"
           "output: {dir: %s, prefix: run, vtk: false}\n",
           Lz, Lz, occ, out);
  testfile_write(path, text);
}

/* Energy and dE/deta of the material state wave() in layers z < 4 of a
 * 4x4xLz film (vacuum above) with occupation sigma. */
static double alloy_film_energy(const hf_model *m, int Lz, const double *sigma, double dE[6],
                                hf_err *err) {
  hf_lattice lat;
  hf_engine *e;
  hf_fields x;
  if (hf_lattice_init(&lat, (int[3]){4, 4, Lz}, err)) return NAN;
  hf_engine_opts o = {.pressure = -2.0, .material_cells = 64};
  if (hf_engine_create(&e, m, &lat, &o, err)) return NAN;
  if (hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), err)) return NAN;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      for (int k = 0; k < Lz; k++) {
        const size_t q = hf_index(&lat, i, j, k);
        for (int c = 0; c < 9; c++)
          if (hf_fields_comp(&x, c))
            hf_fields_comp(&x, c)[q] = k < 4 ? (c < 3 ? 0.1 : 0.02) * wave(i, j, k, c) : 0;
        x.sigma[q] = sigma[q];
      }
  const double eta[6] = {0.008, -0.004, 0.012, 0.002, -0.003, 0.001};
  memcpy(x.eta, eta, sizeof eta);
  hf_energy E;
  hf_engine_eval(e, &x, NULL, dE, &E);
  hf_fields_free(&x);
  hf_engine_free(e);
  return E.total;
}

static int test_alloy_film(void) {
  hf_err err = {{0}};
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 0, &err), err);
  /* paper 003 Eq. 23 springs (neighbour sigma, own mode) and sigma x strain:
   * the terms a vacuum cell's sigma would reach across the surface */
  static const struct {
    const char *name, *expr;
    double c;
  } extra[] = {{"spring_u1", "ux*sigma[1,0,0]", 0.35},
               {"spring_u2", "ux^2*sigma[1,0,0]", -0.6},
               {"spring_v1", "vx*sigma[1,0,0]", 0.8},
               {"sigma_eta", "sigma*eta1", 1.7}};
  for (int t = 0; t < 4; t++)
    REQUIRE_OK(hf_model_add_term(&m, extra[t].name, extra[t].c, extra[t].expr, HF_SYM_ORBIT, &err),
               err);
  char path[300];
  snprintf(path, sizeof path, "%s/alloy.yaml", dir);
  REQUIRE_OK(hf_model_save(&m, path, &err), err);
  /* layered (sigma 1 on even z) films of 4 material layers, vacuum 4 and 8 */
  double sig8[128], sig12[192], E[3], dE[3][6];
  hf_lattice l8, l12;
  REQUIRE_OK(hf_lattice_init(&l8, (int[3]){4, 4, 8}, &err), err);
  REQUIRE_OK(hf_lattice_init(&l12, (int[3]){4, 4, 12}, &err), err);
  const char *layered = "{pattern: layered, axis: z, layers: [1, 1]}";
  snprintf(path, sizeof path, "%s/alloy8.yaml", dir);
  write_alloy_run(path, 8, layered, "alloy8");
  REQUIRE_OK(film_occupation(path, &m, "alloy8", &l8, sig8, &err), err);
  snprintf(path, sizeof path, "%s/alloy12.yaml", dir);
  write_alloy_run(path, 12, layered, "alloy12");
  REQUIRE_OK(film_occupation(path, &m, "alloy12", &l12, sig12, &err), err);
  long wrong = 0;
  for (size_t q = 0; q < l12.n; q++) {
    const int z = (int)(q % 12);
    wrong += sig12[q] != (z < 4 && z % 2 == 0);
  }
  CHECK(wrong == 0, "layered film: %ld of 192 cells with the wrong sigma", wrong);
  E[0] = alloy_film_energy(&m, 8, sig8, dE[0], &err);
  E[1] = alloy_film_energy(&m, 12, sig12, dE[1], &err);
  REQUIRE_OK(isnan(E[0]) || isnan(E[1]), err);
  CHECK_CLOSE(E[1], E[0], 1e-12, 1e-12, "alloy film energy vs vacuum thickness");
  for (int l = 0; l < 6; l++)
    CHECK_CLOSE(dE[1][l], dE[0][l], 1e-12, 1e-11, "alloy film dE/deta vs vacuum thickness");
  /* control: the layered pattern left in the vacuum changes the energy */
  for (size_t q = 0; q < l12.n; q++) sig12[q] = (int)(q % 12) % 2 == 0;
  E[2] = alloy_film_energy(&m, 12, sig12, dE[2], &err);
  CHECK(fabs(E[2] - E[1]) > 1e-3, "control: sigma in the vacuum changed E by only %.3g eV",
        E[2] - E[1]);
  printf(
      "alloy film, 4 layers: E %.12f eV (4 vacuum layers), %.12f (8); with the pattern left in "
      "the vacuum %.6f\n",
      E[0], E[1], E[2]);
  /* random occupation on the material cells only */
  snprintf(path, sizeof path, "%s/alloy_rand.yaml", dir);
  write_alloy_run(path, 8, "{pattern: random, composition: 0.25}", "alloy_rand");
  REQUIRE_OK(film_occupation(path, &m, "alloy_rand", &l8, sig8, &err), err);
  long in_mat = 0, in_vac = 0;
  for (size_t q = 0; q < l8.n; q++) {
    in_mat += sig8[q] == 1 && q % 8 < 4;
    in_vac += sig8[q] != 0 && q % 8 >= 4;
  }
  CHECK(in_mat == 16 && in_vac == 0, "random x = 0.25: %ld of 64 material, %ld vacuum sites",
        in_mat, in_vac);
  snprintf(path, sizeof path, "%s/alloy_rand/run.tsv", dir);
  char *tab = testfile_read(path);
  CHECK(tab && strstr(tab, "occupation x 0.2500 of the 64 material cells (vacuum sigma 0)"),
        "random film: the table header does not give the material composition");
  free(tab);
  printf("random film x = 0.25: %ld of 64 material sites species 1, %ld vacuum sites\n", in_mat,
         in_vac);
  /* refused: patterns without meaning on a film, a file with sigma in the vacuum */
  for (size_t q = 0; q < l8.n; q++) sig8[q] = q == 13; /* cell (0, 1, 5): vacuum */
  snprintf(path, sizeof path, "%s/occ_vac.txt", dir);
  REQUIRE_OK(hf_occ_write(path, &l8, sig8, &err), err);
  const char *bad[3][2] = {
      {"{pattern: sro, composition: 0.3, alpha1: 0.2}", "pattern sro is not defined on a film"},
      {"{pattern: core_shell, composition: 0.3}", "pattern core_shell is not defined on a film"},
      {"{pattern: file, file: occ_vac.txt}", "cell (0, 1, 5) lies in the vacuum but has sigma 1"},
  };
  for (int k = 0; k < 3; k++) {
    snprintf(path, sizeof path, "%s/alloy_bad%d.yaml", dir, k);
    write_alloy_run(path, 8, bad[k][0], "alloy_bad");
    hf_run_config c;
    hf_sweep *s;
    int resumed;
    REQUIRE_OK(hf_run_config_load(&c, path, &err), err);
    const int rc = hf_sweep_create(&s, &c, &m, 0, &resumed, &err);
    CHECK(rc && strstr(err.msg, bad[k][1]), "alloy film case %d: expected '%s', got '%s'", k,
          bad[k][1], err.msg);
    if (k == 2) printf("rejected: %s\n", err.msg);
  }
  hf_model_free(&m);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_vacuum models-dir\n");
    return 2;
  }
  hf_err err = {{0}};
  char path[1024], cmd[1200];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
  if (system(cmd)) return 1;
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", argv[1]);
  hf_model m;
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  /* the sweeps' run files name m.yaml next to them */
  char *text = testfile_read(path);
  snprintf(path, sizeof path, "%s/m.yaml", dir);
  if (text) testfile_write(path, text);
  free(text);
  int rc = test_engine_terms(&m) | test_slab(&m) | test_sweeps_zero(&m) | test_film_physics(&m) |
           test_bad_input() | test_alloy_film() | test_film_any_vacuum(&m);
  hf_model_free(&m);
  return rc ? 1 : check_done("test_vacuum");
}
