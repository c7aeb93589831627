/* test_pair_kernel.c - the engine's pair kernel (heff/pair_kernel.h) against
 * the generic evaluator (heff/poly_eval.h, monomial by monomial, the
 * reference path) on random two-cell monomials: random u, v, w factors (one
 * to three at each cell, repeats allowed), random offsets of both cells in
 * [-2, 2]^3 (so bonds point any way, including down in y and z and across
 * several x planes), zero to two strain factors, and the same monomial
 * twice; on supercells from 1x1x1 (every bond folds onto one cell) to
 * 5x3x4.  Energy, every component of dE/dx and dE/deta must agree to
 * round-off.  And hf_pair_takes: one-cell, three-cell, sigma and local
 * strain monomials are refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fields.h"
#include "pair_kernel.h"
#include "poly_eval.h"
#include "rng.h"
#include "testconfig.h"

static int rand_int(hf_rng *r, int n) { return (int)(hf_rng_u64(r) % (uint64_t)n); }

/* A random two-cell monomial (cells o0 != o1). */
static hf_mono random_pair(hf_rng *r) {
  hf_mono m = {.c = 2 * hf_rng_uniform(r) - 1, .deg = 0};
  int o[2][3];
  do
    for (int k = 0; k < 2; k++)
      for (int a = 0; a < 3; a++) o[k][a] = rand_int(r, 5) - 2;
  while (!memcmp(o[0], o[1], sizeof o[0]));
  for (int k = 0; k < 2; k++) {
    const int n = 1 + rand_int(r, 3);
    for (int f = 0; f < n; f++) {
      hf_var v = {.kind = (uint8_t)rand_int(r, 3), .comp = (uint8_t)rand_int(r, 3)};
      for (int a = 0; a < 3; a++) v.off[a] = (int8_t)o[k][a];
      m.f[m.deg++] = v;
    }
  }
  const int neta = rand_int(r, 3);
  for (int f = 0; f < neta; f++)
    m.f[m.deg++] = (hf_var){.kind = HF_VAR_ETA, .comp = (uint8_t)rand_int(r, 6)};
  return m;
}

int main(void) {
  hf_err err;
  hf_rng r;
  hf_rng_seed(&r, 2026);
  const int sizes[5][3] = {{1, 1, 1}, {2, 2, 2}, {3, 1, 2}, {4, 4, 4}, {5, 3, 4}};
  for (int trial = 0; trial < 12; trial++) {
    hf_poly p;
    hf_poly_init(&p);
    const int n = 1 + rand_int(&r, 40);
    for (int i = 0; i < n; i++) {
      hf_mono m = random_pair(&r);
      CHECK(hf_pair_takes(&m), "trial %d: a random pair is taken", trial);
      REQUIRE_OK(hf_poly_add_mono(&p, &m), err);
      if (i == 0) REQUIRE_OK(hf_poly_add_mono(&p, &m), err); /* the same twice: merged */
    }
    for (int s = 0; s < 5; s++) {
      hf_lattice lat;
      REQUIRE_OK(hf_lattice_init(&lat, sizes[s], &err), err);
      hf_pair_kernel *k;
      REQUIRE_OK(hf_pair_kernel_create(&k, &p, lat.L, lat.L[0], 1, &err), err);
      hf_fields x, g1, g2;
      const unsigned mask = HF_FIELD_U | HF_FIELD_V | HF_FIELD_W;
      REQUIRE_OK(hf_fields_alloc(&x, &lat, mask, &err), err);
      REQUIRE_OK(hf_fields_alloc(&g1, &lat, mask, &err), err);
      REQUIRE_OK(hf_fields_alloc(&g2, &lat, mask, &err), err);
      testconfig_random(&x, &lat, &r, 0.4, 0.2, 0.3, 0.05);
      double d1[6] = {0}, d2[6] = {0};
      hf_poly_input in = {&lat, &x, NULL, 0, NULL};
      hf_poly_output o1 = {&g1, NULL, d1}, o2 = {&g2, NULL, d2};
      const double e1 = hf_pair_kernel_eval(k, &in, &o1);
      const double e2 = hf_poly_eval(&p, 1.0, &in, &o2);
      const double e3 = hf_pair_kernel_eval(k, &in, NULL); /* energy alone */
      double gmax = 0, gd = 0, dd = 0;
      for (int c = 0; c < 9; c++)
        for (size_t i = 0; i < lat.n; i++) {
          const double a = hf_fields_comp(&g1, c)[i], b = hf_fields_comp(&g2, c)[i];
          gmax = fmax(gmax, fabs(b));
          gd = fmax(gd, fabs(a - b));
        }
      for (int l = 0; l < 6; l++) dd = fmax(dd, fabs(d1[l] - d2[l]) / fmax(1, fabs(d2[l])));
      CHECK(fabs(e1 - e2) <= 1e-11 * fmax(1, fabs(e2)) && e1 == e3,
            "trial %d, %dx%dx%d, %d monomials: energy %.15g, generic %.15g (alone %.15g)", trial,
            lat.L[0], lat.L[1], lat.L[2], n, e1, e2, e3);
      CHECK(gd <= 1e-11 * fmax(1, gmax) && dd <= 1e-11,
            "trial %d, %dx%dx%d: gradient off by %.3g (of %.3g), dE/deta by %.3g", trial, lat.L[0],
            lat.L[1], lat.L[2], gd, gmax, dd);
      hf_fields_free(&x), hf_fields_free(&g1), hf_fields_free(&g2);
      hf_pair_kernel_free(k);
    }
    hf_poly_free(&p);
  }
  printf(
      "12 random sets of up to 40 two-cell monomials on 5 supercells: energy, dE/dx and "
      "dE/deta as the generic evaluator\n");

  /* what the kernel refuses */
  const char *refused[] = {"ux^2*uy^2",          "ux*ux[1,0,0]*ux[2,0,0]", "sigma*ux*ux[1,0,0]",
                           "etaL1*ux*ux[1,0,0]", "ux^4*uy[1,0,0]",         "eta1^2"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    hf_poly p;
    REQUIRE_OK(hf_poly_parse(&p, refused[i], &err), err);
    CHECK(p.n == 1 && !hf_pair_takes(&p.m[0]), "%s is not taken", refused[i]);
    hf_poly_free(&p);
  }
  return check_done("test_pair_kernel");
}
