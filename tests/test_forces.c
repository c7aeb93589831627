/* test_forces.c - energy gradients and strain derivatives of every term and
 * of the total against central finite differences; the compiled engine
 * against the generic polynomial evaluator; invariance of the energy under
 * the 48 cubic operations and lattice translations. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "local_strain.h"
#include "poly_eval.h"
#include "testconfig.h"
#include "testmodels.h"

static double energy(hf_engine *e, const hf_fields *x) {
  hf_energy E;
  hf_engine_eval(e, x, NULL, NULL, &E);
  return E.total;
}

/* Central differences on n_samples random field entries and all strains. */
static void fd_check(hf_engine *e, hf_fields *x, hf_fields *g, const hf_lattice *lat, hf_rng *r,
                     const char *what) {
  double dEdeta[6];
  hf_energy E;
  hf_engine_eval(e, x, g, dEdeta, &E);
  const double h = 1e-5;
  char label[160];
  for (int s = 0; s < 24; s++) {
    int c = (int)(hf_rng_u64(r) % 9);
    double *a = hf_fields_comp(x, c);
    if (!a) continue;
    size_t i = hf_rng_u64(r) % lat->n;
    double keep = a[i];
    a[i] = keep + h;
    double ep = energy(e, x);
    a[i] = keep - h;
    double em = energy(e, x);
    a[i] = keep;
    double fd = (ep - em) / (2 * h);
    snprintf(label, sizeof label, "%s: dE/dx comp %d cell %zu", what, c, i);
    CHECK_CLOSE(hf_fields_comp(g, c)[i], fd, 1e-6, 1e-4, label);
  }
  for (int l = 0; l < 6; l++) {
    double keep = x->eta[l];
    x->eta[l] = keep + h;
    double ep = energy(e, x);
    x->eta[l] = keep - h;
    double em = energy(e, x);
    x->eta[l] = keep;
    snprintf(label, sizeof label, "%s: dE/deta%d", what, l + 1);
    CHECK_CLOSE(dEdeta[l], (ep - em) / (2 * h), 1e-6, 1e-3, label);
  }
}

int main(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  /* more two-cell families of learned models (the engine's pair kernel,
   * heff/pair_kernel.h): u^2 w^2, w^2 w^2 and u^2 v pairs, a pair along
   * [1,1,0] whose images point down in y, one reaching two x planes, a
   * three-cell monomial (generic) and the sum of two strains on one pair */
  const testmodel_term pairs[] = {{"u2w2_nn", 0.45, "ux^2*wy[1,0,0]^2", HF_SYM_ORBIT},
                                  {"w2w2_nn", -0.3, "wx^2*wx[1,0,0]^2", HF_SYM_ORBIT},
                                  {"u2v_nn", 0.6, "ux^2*vx[1,0,0]", HF_SYM_ORBIT},
                                  {"u2u2_110", 0.8, "ux^2*uy[1,1,0]^2", HF_SYM_ORBIT},
                                  {"u3u_2nd", -0.25, "uz^3*uz[0,0,2]", HF_SYM_ORBIT},
                                  {"uuu_3cell", 0.15, "ux^2*ux[1,0,0]*ux[2,0,0]", HF_SYM_ORBIT},
                                  {"eta_w2_w", 0.9, "eta3*wz*wz[0,0,1]*ux^2", HF_SYM_ORBIT}};
  REQUIRE_OK(testmodel_add_terms(&m, pairs, (int)(sizeof pairs / sizeof pairs[0]), &err), err);
  const int sizes[4][3] = {{4, 4, 4}, {3, 4, 5}, {2, 2, 2}, {1, 3, 2}};
  hf_rng r;
  hf_rng_seed(&r, 12345);
  for (int sz = 0; sz < 4; sz++) {
    hf_lattice lat;
    REQUIRE_OK(hf_lattice_init(&lat, sizes[sz], &err), err);
    hf_engine *e;
    hf_engine_opts o = {.pressure = -4.8, .fftw_flags = 0};
    REQUIRE_OK(hf_engine_create(&e, &m, &lat, &o, &err), err);
    hf_engine_census cs;
    hf_engine_get_census(e, &cs);
    CHECK(cs.pair > 0 && cs.generic > 0, "pair (%d) and generic (%d) monomials", cs.pair,
          cs.generic);
    unsigned mask = hf_engine_field_mask(e);
    hf_fields x, g, g2;
    REQUIRE_OK(hf_fields_alloc(&x, &lat, mask, &err), err);
    REQUIRE_OK(hf_fields_alloc(&g, &lat, mask, &err), err);
    REQUIRE_OK(hf_fields_alloc(&g2, &lat, mask, &err), err);
    testconfig_random(&x, &lat, &r, 0.15, 0.05, 0.05, 0.01);
    fd_check(e, &x, &g, &lat, &r, "total");

    /* Each term alone, through its own engine (dipole off). */
    for (int t = 0; t < m.nterms; t++) {
      hf_model one = m;
      one.dipole = 0;
      one.nterms = 1;
      one.terms = &m.terms[t];
      hf_engine *et;
      REQUIRE_OK(hf_engine_create(&et, &one, &lat, NULL, &err), err);
      fd_check(et, &x, &g, &lat, &r, m.terms[t].name);
      /* engine vs generic evaluator for this term */
      hf_energy E;
      double d1[6], d2[6] = {0, 0, 0, 0, 0, 0};
      hf_engine_eval(et, &x, &g, d1, &E);
      hf_fields_zero(&g2, &lat);
      double *etaL[6] = {0}, *gEtaL[6] = {0};
      for (int l = 0; l < 6; l++) {
        etaL[l] = calloc(lat.n, sizeof(double));
        gEtaL[l] = calloc(lat.n, sizeof(double));
      }
      hf_sites sites;
      hf_model_sites(&m, &sites);
      hf_strain_stencil st;
      REQUIRE_OK(hf_strain_stencil_init(&st, &sites, m.a0, &err), err);
      hf_wraptab wt;
      REQUIRE_OK(hf_wraptab_init(&wt, &lat, &err), err);
      hf_local_strain(&lat, &wt, &st, x.v, etaL);
      hf_poly_input in = {&lat, &x, etaL, 0, NULL};
      hf_poly_output out = {&g2, gEtaL, d2};
      double eg = hf_poly_eval(&m.terms[t].poly, m.terms[t].coef, &in, &out);
      hf_local_strain_adjoint(&lat, &wt, &st, gEtaL, g2.v);
      hf_wraptab_free(&wt);
      char label[128];
      snprintf(label, sizeof label, "%s: engine vs generic energy", m.terms[t].name);
      /* absolute floor 1e-15 eV: some terms vanish by symmetry in 2x2x2 cells */
      CHECK_CLOSE(E.total - E.pv, eg, 1e-11, 1e-4, label);
      double gmax = 0, dmax = 0;
      for (int c = 0; c < 9; c++)
        for (size_t i = 0; i < lat.n; i++) {
          gmax = fmax(gmax, fabs(hf_fields_comp(&g2, c)[i]));
          dmax = fmax(dmax, fabs(hf_fields_comp(&g, c)[i] - hf_fields_comp(&g2, c)[i]));
        }
      for (int l = 0; l < 6; l++) dmax = fmax(dmax, fabs(d1[l] - d2[l]));
      snprintf(label, sizeof label, "%s: engine vs generic gradient", m.terms[t].name);
      CHECK(dmax <= 1e-10 * fmax(gmax, 1.0), "%s (max diff %.3g)", label, dmax);
      for (int l = 0; l < 6; l++) {
        free(etaL[l]);
        free(gEtaL[l]);
      }
      hf_engine_free(et);
    }

    /* Invariance under the cubic group and translations (cubic cell only). */
    if (lat.L[0] == lat.L[1] && lat.L[1] == lat.L[2]) {
      hf_symop ops[48];
      hf_oh_group(ops);
      double e0 = energy(e, &x);
      double worst = 0;
      for (int k = 0; k < 48; k++) {
        int t[3] = {k % 3, (k / 3) % 4, 1};
        testconfig_transform(&g2, &x, &lat, &m, &ops[k], t);
        worst = fmax(worst, fabs(energy(e, &g2) - e0));
      }
      CHECK(worst <= 1e-10 * fabs(e0), "cubic invariance: worst |dE| %.3g of E %.6g", worst, e0);
      printf("invariance over 48 ops + translations: max |dE| = %.3g eV (E = %.6f eV)\n", worst,
             e0);
    }
    hf_fields_free(&x);
    hf_fields_free(&g);
    hf_fields_free(&g2);
    hf_engine_free(e);
  }
  hf_model_free(&m);
  return check_done("test_forces");
}
