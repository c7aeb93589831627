/* test_threads.c - the engine and the integrators on 1, 2 and 3 threads:
 *  - energies, gradients and dE/deta are bit-identical with the default
 *    k-space path, and agree to 1e-12 relative with FFTW's 3D plans (whose
 *    threaded plans may round differently);
 *  - with several x chunks in the row pass (Lx >= 16), the compiled engine
 *    still equals the generic polynomial evaluator, term by term;
 *  - Langevin and NVE trajectories with the barostat are bit-identical after
 *    20 steps. */
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dynamics.h"
#include "engine.h"
#include "local_strain.h"
#include "poly_eval.h"
#include "testconfig.h"
#include "testmodels.h"

/* max |a - b| over every field entry and over dE/deta, and max |b| */
static void field_diff(const hf_fields *a, const hf_fields *b, const hf_lattice *lat, double *dmax,
                       double *bmax) {
  *dmax = *bmax = 0;
  for (int c = 0; c < 9; c++) {
    const double *p = hf_fields_comp((hf_fields *)a, c), *q = hf_fields_comp((hf_fields *)b, c);
    if (!p || !q) continue;
    for (size_t i = 0; i < lat->n; i++) {
      *dmax = fmax(*dmax, fabs(p[i] - q[i]));
      *bmax = fmax(*bmax, fabs(q[i]));
    }
  }
}

/* Engine on nt threads against the same engine on one thread. */
static void eval_threads(const hf_model *m, const hf_lattice *lat, const hf_fields *x, int fftw_3d,
                         const char *what) {
  hf_err err;
  hf_engine *e1, *en;
  hf_fields g1, gn;
  double d1[6], dn[6];
  hf_energy E1, En;
  hf_engine_opts o = {
      .pressure = -4.8, .fftw_flags = FFTW_ESTIMATE, .threads = 1, .fftw_3d = fftw_3d};
  const double tol = fftw_3d ? 1e-12 : 0.0;
  if (hf_engine_create(&e1, m, lat, &o, &err) ||
      hf_fields_alloc(&g1, lat, hf_engine_field_mask(e1), &err)) {
    CHECK(0, "%s: %s", what, err.msg);
    return;
  }
  hf_engine_eval(e1, x, &g1, d1, &E1);
  for (int nt = 2; nt <= 3; nt++) {
    o.threads = nt;
    if (hf_engine_create(&en, m, lat, &o, &err) ||
        hf_fields_alloc(&gn, lat, hf_engine_field_mask(en), &err)) {
      CHECK(0, "%s: %s", what, err.msg);
      return;
    }
    CHECK(hf_engine_threads(en) == nt, "%s: engine runs on %d threads", what, nt);
    hf_engine_eval(en, x, &gn, dn, &En);
    char label[512];
    snprintf(label, sizeof label, "%s%s: energy on %d threads vs 1", what,
             fftw_3d ? " (FFTW 3D)" : "", nt);
    CHECK_CLOSE(En.total, E1.total, tol, 1e-6, label);
    snprintf(label, sizeof label, "%s: real-space energy on %d threads vs 1 (exact)", what, nt);
    CHECK(En.onsite == E1.onsite && En.strain_loc == E1.strain_loc &&
              En.elastic_v == E1.elastic_v && En.strain_hom == E1.strain_hom,
          "%s", label);
    double dmax, gmax;
    field_diff(&gn, &g1, lat, &dmax, &gmax);
    for (int l = 0; l < 6; l++) {
      dmax = fmax(dmax, fabs(dn[l] - d1[l]));
      gmax = fmax(gmax, fabs(d1[l]));
    }
    CHECK(dmax <= tol * gmax, "%s%s: gradient on %d threads vs 1 (max diff %.3g of %.3g)", what,
          fftw_3d ? " (FFTW 3D)" : "", nt, dmax, gmax);
    hf_fields_free(&gn);
    hf_engine_free(en);
  }
  hf_fields_free(&g1);
  hf_engine_free(e1);
}

/* Every term through its own engine (no dipole) on 2 threads against the
 * generic evaluator: the chunked row pass on a lattice of several chunks. */
static void terms_vs_generic(const hf_model *m, const hf_lattice *lat, const hf_fields *x,
                             const char *what) {
  hf_err err;
  hf_sites sites;
  hf_model_sites(m, &sites);
  hf_strain_stencil st;
  hf_wraptab wt;
  if (hf_strain_stencil_init(&st, &sites, m->a0, &err) || hf_wraptab_init(&wt, lat, &err)) {
    CHECK(0, "%s: %s", what, err.msg);
    return;
  }
  double *etaL[6], *gEtaL[6];
  for (int l = 0; l < 6; l++) {
    etaL[l] = calloc(lat->n, sizeof(double));
    gEtaL[l] = calloc(lat->n, sizeof(double));
  }
  hf_local_strain(lat, &wt, &st, x->v, etaL);
  for (int t = 0; t < m->nterms; t++) {
    hf_model one = *m;
    one.dipole = 0;
    one.nterms = 1;
    one.terms = &m->terms[t];
    hf_engine *e;
    hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE, .threads = 2};
    hf_fields g, g2;
    if (hf_engine_create(&e, &one, lat, &o, &err) ||
        hf_fields_alloc(&g, lat, hf_engine_field_mask(e), &err) ||
        hf_fields_alloc(&g2, lat, hf_engine_field_mask(e), &err)) {
      CHECK(0, "%s: %s", what, err.msg);
      return;
    }
    double d1[6], d2[6] = {0, 0, 0, 0, 0, 0};
    hf_energy E;
    hf_engine_eval(e, x, &g, d1, &E);
    hf_fields_zero(&g2, lat);
    for (int l = 0; l < 6; l++) memset(gEtaL[l], 0, lat->n * sizeof(double));
    hf_poly_input in = {lat, x, etaL, 0, NULL};
    hf_poly_output out = {&g2, gEtaL, d2};
    double eg = hf_poly_eval(&m->terms[t].poly, m->terms[t].coef, &in, &out);
    hf_local_strain_adjoint(lat, &wt, &st, gEtaL, g2.v);
    char label[512];
    snprintf(label, sizeof label, "%s, %s: engine (2 threads) vs generic energy", what,
             m->terms[t].name);
    CHECK_CLOSE(E.total - E.pv, eg, 1e-11, 1e-4, label);
    double dmax, gmax;
    field_diff(&g, &g2, lat, &dmax, &gmax);
    for (int l = 0; l < 6; l++) dmax = fmax(dmax, fabs(d1[l] - d2[l]));
    CHECK(dmax <= 1e-10 * fmax(gmax, 1.0), "%s, %s: engine vs generic gradient (max diff %.3g)",
          what, m->terms[t].name, dmax);
    hf_fields_free(&g);
    hf_fields_free(&g2);
    hf_engine_free(e);
  }
  for (int l = 0; l < 6; l++) {
    free(etaL[l]);
    free(gEtaL[l]);
  }
  hf_wraptab_free(&wt);
}

/* 20 MD steps from the same state and seed on 1 and 2 threads. */
static void md_threads(const hf_model *m, const hf_lattice *lat, int thermostat, const char *what) {
  hf_err err;
  hf_fields x[2];
  double H[2];
  for (int k = 0; k < 2; k++) {
    hf_engine *e;
    hf_engine_opts o = {.pressure = -4.8, .fftw_flags = FFTW_ESTIMATE, .threads = 1 + k};
    hf_dyn *d;
    hf_dyn_opts dopt;
    hf_dyn_opts_default(&dopt);
    dopt.temperature = 200;
    dopt.thermostat = thermostat;
    dopt.barostat = 1;
    hf_rng r;
    hf_rng_seed(&r, 77);
    if (hf_engine_create(&e, m, lat, &o, &err) ||
        hf_fields_alloc(&x[k], lat, hf_engine_field_mask(e), &err)) {
      CHECK(0, "%s: %s", what, err.msg);
      return;
    }
    testconfig_random(&x[k], lat, &r, 0.1, 0.01, 0.0, 0.001);
    if (hf_dyn_create(&d, e, &x[k], &dopt, &err)) {
      CHECK(0, "%s: %s", what, err.msg);
      return;
    }
    hf_dyn_randomize_velocities(d, 200, &r);
    for (int s = 0; s < 20; s++) hf_dyn_step(d, &r);
    H[k] = hf_dyn_conserved(d);
    hf_dyn_free(d);
    hf_engine_free(e);
  }
  double dmax, xmax;
  field_diff(&x[1], &x[0], lat, &dmax, &xmax);
  for (int l = 0; l < 6; l++) {
    dmax = fmax(dmax, fabs(x[1].eta[l] - x[0].eta[l]));
    xmax = fmax(xmax, fabs(x[0].eta[l]));
  }
  CHECK(dmax == 0, "%s: configuration after 20 steps, 2 threads vs 1 (max diff %.3g of %.3g)", what,
        dmax, xmax);
  CHECK(H[1] == H[0], "%s: H after 20 steps, 2 threads vs 1: %.17g vs %.17g", what, H[1], H[0]);
  hf_fields_free(&x[0]);
  hf_fields_free(&x[1]);
}

int main(int argc, char **argv) {
  hf_err err;
  const char *dir = argc > 1 ? argv[1] : "models";
  char path[1024];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", dir);
  hf_model zvr, sink;
  REQUIRE_OK(hf_model_load(&zvr, path, &err), err);
  REQUIRE_OK(testmodel_kitchen_sink(&sink, 1, &err), err);
  /* 17 and 24 planes: two and three row-pass chunks of unequal and equal size */
  /* 10x36x36: planes large enough that the pair kernel cuts the slab into
   * blocks of 2 (heff/pair_kernel.c), run on several threads */
  const int sizes[4][3] = {{17, 6, 5}, {24, 4, 7}, {5, 4, 3}, {10, 36, 36}};
  hf_rng r;
  hf_rng_seed(&r, 2024);
  for (int s = 0; s < 4; s++) {
    hf_lattice lat;
    REQUIRE_OK(hf_lattice_init(&lat, sizes[s], &err), err);
    const hf_model *ms[2] = {&zvr, &sink};
    const char *names[2] = {"ZVR", "kitchen sink"};
    for (int k = 0; k < 2; k++) {
      char what[160];
      snprintf(what, sizeof what, "%s %dx%dx%d", names[k], lat.L[0], lat.L[1], lat.L[2]);
      hf_engine *e;
      hf_fields x;
      REQUIRE_OK(hf_engine_create(&e, ms[k], &lat, NULL, &err), err);
      REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
      hf_engine_free(e);
      testconfig_random(&x, &lat, &r, 0.15, 0.05, 0.05, 0.01);
      eval_threads(ms[k], &lat, &x, 0, what);
      eval_threads(ms[k], &lat, &x, 1, what);
      terms_vs_generic(ms[k], &lat, &x, what);
      hf_fields_free(&x);
    }
    char what[160];
    snprintf(what, sizeof what, "ZVR %dx%dx%d Langevin", lat.L[0], lat.L[1], lat.L[2]);
    md_threads(&zvr, &lat, HF_THERMO_LANGEVIN, what);
    snprintf(what, sizeof what, "ZVR %dx%dx%d NVE", lat.L[0], lat.L[1], lat.L[2]);
    md_threads(&zvr, &lat, HF_THERMO_NONE, what);
  }
  hf_model_free(&zvr);
  hf_model_free(&sink);
  return check_done("threads");
}
