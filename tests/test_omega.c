/* test_omega.c - the compiled omega kernels (on-site w and u-w polynomials,
 * homogeneous strain x w^2, w-w bilinears) against the generic polynomial
 * evaluator (hf_poly_eval, an independent monomial-by-monomial sum): energy,
 * every gradient component and dE/deta on random configurations, on
 * supercells with odd and even edges; and thread counts giving identical
 * bits.  Units: eV, Angstrom. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "poly_eval.h"
#include "testconfig.h"

typedef struct {
  const char *name, *expr;
  double c;
} spec;

/* u on-site (so that u-w terms meet the compiled u path), then omega terms */
static int build(hf_model *m, const spec *s, int n, hf_err *err) {
  hf_model_init(m);
  snprintf(m->name, sizeof m->name, "omega-families");
  m->a0 = 3.9477;
  m->mass[0] = 39.0;
  m->mass[2] = 64.0;
  m->dof = HF_DOF_U | HF_DOF_W | HF_DOF_ETA;
  if (hf_model_add_term(m, "kappa2", 5.5, "ux^2+uy^2+uz^2", HF_SYM_NONE, err) ||
      hf_model_add_term(m, "alpha", 110.4, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, err))
    return HF_FAIL;
  for (int k = 0; k < n; k++)
    if (hf_model_add_term(m, s[k].name, s[k].c, s[k].expr, HF_SYM_ORBIT, err)) return HF_FAIL;
  return HF_OK;
}

/* Engine vs the sum of hf_poly_eval over the model's terms. */
static void compare(const hf_model *m, const int L[3], hf_rng *r, const char *what) {
  hf_err err;
  hf_lattice lat;
  hf_engine *e = NULL;
  hf_fields x, g, g2;
  if (hf_lattice_init(&lat, L, &err) || hf_engine_create(&e, m, &lat, NULL, &err)) {
    CHECK(0, "%s: %s", what, err.msg);
    return;
  }
  const unsigned mask = hf_engine_field_mask(e);
  if (hf_fields_alloc(&x, &lat, mask, &err) || hf_fields_alloc(&g, &lat, mask, &err) ||
      hf_fields_alloc(&g2, &lat, mask, &err)) {
    CHECK(0, "%s: %s", what, err.msg);
    return;
  }
  hf_engine_census cs;
  hf_engine_get_census(e, &cs);
  CHECK(cs.generic == 0 && cs.onsite_w > 0 && cs.hom_ww > 0 && cs.ww > 0,
        "%s: census generic %d onsite_w %d hom_ww %d ww %d", what, cs.generic, cs.onsite_w,
        cs.hom_ww, cs.ww);
  for (int trial = 0; trial < 3; trial++) {
    testconfig_random(&x, &lat, r, 0.2, 0, 0.3, 0.02);
    hf_energy E;
    double d1[6], d2[6] = {0, 0, 0, 0, 0, 0};
    hf_engine_eval(e, &x, &g, d1, &E);
    hf_fields_zero(&g2, &lat);
    hf_poly_input in = {&lat, &x, NULL, 0, NULL};
    hf_poly_output out = {&g2, NULL, d2};
    double eg = 0;
    for (int t = 0; t < m->nterms; t++)
      eg += hf_poly_eval(&m->terms[t].poly, m->terms[t].coef, &in, &out);
    char label[200];
    snprintf(label, sizeof label, "%s %dx%dx%d: energy vs generic", what, L[0], L[1], L[2]);
    CHECK_CLOSE(E.total, eg, 1e-12, 1e-9, label);
    double gmax = 0, dmax = 0;
    for (int c = 0; c < 9; c++) {
      const double *a = hf_fields_comp(&g, c), *b = hf_fields_comp(&g2, c);
      if (!a) continue;
      for (size_t i = 0; i < lat.n; i++) {
        gmax = fmax(gmax, fabs(b[i]));
        dmax = fmax(dmax, fabs(a[i] - b[i]));
      }
    }
    CHECK(dmax <= 1e-12 * gmax, "%s %dx%dx%d: gradient vs generic: max diff %.3g of max |g| %.3g",
          what, L[0], L[1], L[2], dmax, gmax);
    for (int l = 0; l < 6; l++) {
      snprintf(label, sizeof label, "%s %dx%dx%d: dE/deta%d vs generic", what, L[0], L[1], L[2],
               l + 1);
      CHECK_CLOSE(d1[l], d2[l], 1e-12, 1e-9 * fabs(eg), label);
    }
    if (trial == 0)
      printf("%s %dx%dx%d: E %.10g eV vs generic %.10g, gradient max diff %.2g of %.3g\n", what,
             L[0], L[1], L[2], E.total, eg, dmax, gmax);
  }
  hf_fields_free(&x);
  hf_fields_free(&g);
  hf_fields_free(&g2);
  hf_engine_free(e);
}

/* 1 and 3 threads on a supercell of several row-pass chunks: the same bits. */
static void threads_same(const hf_model *m, hf_rng *r) {
  hf_err err;
  hf_lattice lat;
  hf_engine *e1 = NULL, *e3 = NULL;
  hf_fields x, g1, g3;
  const int L[3] = {26, 3, 5};
  hf_engine_opts o3 = {.threads = 3};
  if (hf_lattice_init(&lat, L, &err) || hf_engine_create(&e1, m, &lat, NULL, &err) ||
      hf_engine_create(&e3, m, &lat, &o3, &err) ||
      hf_fields_alloc(&x, &lat, hf_engine_field_mask(e1), &err) ||
      hf_fields_alloc(&g1, &lat, hf_engine_field_mask(e1), &err) ||
      hf_fields_alloc(&g3, &lat, hf_engine_field_mask(e1), &err)) {
    CHECK(0, "threads: %s", err.msg);
    return;
  }
  testconfig_random(&x, &lat, r, 0.2, 0, 0.3, 0.02);
  hf_energy E1, E3;
  double d1[6], d3[6];
  hf_engine_eval(e1, &x, &g1, d1, &E1);
  hf_engine_eval(e3, &x, &g3, d3, &E3);
  int same = E1.total == E3.total && !memcmp(d1, d3, sizeof d1);
  for (int c = 0; c < 9; c++)
    if (hf_fields_comp(&g1, c))
      same &= !memcmp(hf_fields_comp(&g1, c), hf_fields_comp(&g3, c), lat.n * sizeof(double));
  CHECK(same, "omega kernels: 3 threads differ from 1 (energy %.17g vs %.17g)", E3.total, E1.total);
  hf_fields_free(&x);
  hf_fields_free(&g1);
  hf_fields_free(&g3);
  hf_engine_free(e1);
  hf_engine_free(e3);
}

int main(void) {
  hf_err err;
  hf_rng r;
  hf_rng_seed(&r, 2718);
  /* the even quartic on-site kernel (degree 2 and 4, even powers) */
  const spec quartic[] = {{"w2", "wx^2+wy^2+wz^2", 2.0},     {"w4", "(wx^2+wy^2+wz^2)^2", 10.0},
                          {"w4b", "wx^2*wy^2", 3.0},         {"uw_par", "ux^2*wx^2", 2.0},
                          {"uw_cross", "ux^2*wy^2", 1.0},    {"etaw_par", "eta1*wx^2", -3.0},
                          {"etaw_cross", "eta1*wy^2", 1.5},  {"etaw_shear", "eta4*wy*wz", 0.8},
                          {"wnn_long", "wx*wx[1,0,0]", 0.5}, {"wnn_trans", "wy*wy[1,0,0]", 0.3},
                          {"wxy", "wx*wy[1,1,0]", -0.2}};
  /* the general on-site kernel (odd powers, sextic) and w-w reaching 2 cells */
  const spec general[] = {{"w2", "wx^2+wy^2+wz^2", 2.0},   {"w6", "(wx^2+wy^2+wz^2)^3", 4.0},
                          {"w6b", "wx^4*wy^2", -1.0},      {"uw_odd", "ux*uy*wx*wy", 0.7},
                          {"uw_6", "ux^2*wx^2*wy^2", 0.4}, {"etaw", "eta1*wx^2", -3.0},
                          {"wz2", "wx*wx[0,0,2]", 0.15},   {"wxy2", "wx*wy[2,1,0]", 0.1}};
  hf_model mq, mg;
  REQUIRE_OK(build(&mq, quartic, (int)(sizeof quartic / sizeof quartic[0]), &err), err);
  REQUIRE_OK(build(&mg, general, (int)(sizeof general / sizeof general[0]), &err), err);
  const int sizes[4][3] = {{5, 4, 7}, {6, 3, 8}, {3, 5, 2}, {4, 4, 4}};
  for (int s = 0; s < 4; s++) {
    compare(&mq, sizes[s], &r, "even quartic");
    compare(&mg, sizes[s], &r, "general on-site");
  }
  threads_same(&mq, &r);
  threads_same(&mg, &r);
  hf_model_free(&mq);
  hf_model_free(&mg);
  return check_done("test_omega");
}
