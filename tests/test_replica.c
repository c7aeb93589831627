/* test_replica.c - a configuration on a small supercell and the same configuration
 * repeated n_a times along each axis are one periodic crystal: the energy and
 * -dE/deta per cell, and the gradient at every image of a cell, must agree to
 * round-off.  This is what makes frames of a 1x1x4 or 2x2x2 fitting cell valid
 * for a model run on any lattice.  Small cells include one cell along an axis
 * (every bond along it folds onto the cell itself) and along two (1x1x4, the
 * (Pb,Sr)TiO3 fitting cell).  The model has every kernel class, the dipole sum
 * (reciprocal space: the small cell's k-points are a subset of the large one's)
 * and the alloy's spring terms, the odd ones among them (u_a times the
 * difference of sigma across a), with a random occupation. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "engine.h"
#include "testconfig.h"
#include "testmodels.h"

/* E/N, dE/deta / N and the gradient of config x on lattice lat. */
static int evaluate(const hf_model *m, const hf_lattice *lat, const hf_fields *x, double *e,
                    double dedeta[6], hf_fields *g, hf_err *err) {
  hf_engine *eng;
  hf_engine_opts o = {.pressure = 0, .fftw_flags = 0};
  if (hf_engine_create(&eng, m, lat, &o, err)) return HF_FAIL;
  hf_energy E;
  hf_engine_eval(eng, x, g, dedeta, &E);
  *e = E.total / (double)lat->n;
  for (int l = 0; l < 6; l++) dedeta[l] /= (double)lat->n;
  hf_engine_free(eng);
  return HF_OK;
}

/* big = small repeated: cell (X, Y, Z) of big is cell (X mod L) of small. */
static void repeat(hf_fields *big, const hf_lattice *lb, const hf_fields *small,
                   const hf_lattice *ls) {
  for (int X = 0; X < lb->L[0]; X++)
    for (int Y = 0; Y < lb->L[1]; Y++)
      for (int Z = 0; Z < lb->L[2]; Z++) {
        const size_t i = hf_index(lb, X, Y, Z),
                     j = hf_index(ls, X % ls->L[0], Y % ls->L[1], Z % ls->L[2]);
        for (int c = 0; c < 9; c++) {
          double *d = hf_fields_comp(big, c);
          const double *s = hf_fields_comp((hf_fields *)small, c);
          if (d && s) d[i] = s[j];
        }
        if (big->sigma) big->sigma[i] = small->sigma[j];
      }
  for (int l = 0; l < 6; l++) big->eta[l] = small->eta[l];
}

int main(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  /* paper 003's springs (Eq. 23) with the odd ones, which only differ from 0 where
   * sigma(i+a) != sigma(i-a), i.e. on an axis of 3 or more cells */
  const testmodel_term springs[] = {{"u1_sigma_nn", 0.07, "ux*sigma[1,0,0]", HF_SYM_ORBIT},
                                    {"u3_sigma_nn", -0.4, "ux^3*sigma[1,0,0]", HF_SYM_ORBIT},
                                    {"u3b_sigma_nn", 0.3, "ux*uy^2*sigma[1,0,0]", HF_SYM_ORBIT},
                                    {"u2_sigma_nn", 0.2, "uy^2*sigma[1,0,0]", HF_SYM_ORBIT},
                                    {"v_sigma_nn", -0.05, "vx*sigma[1,0,0]", HF_SYM_ORBIT}};
  REQUIRE_OK(testmodel_add_terms(&m, springs, (int)(sizeof springs / sizeof springs[0]), &err),
             err);
  /* small cell, repeats */
  const int cases[5][2][3] = {{{1, 1, 4}, {2, 2, 1}},
                              {{1, 1, 4}, {3, 2, 2}},
                              {{1, 1, 1}, {2, 3, 2}},
                              {{1, 2, 3}, {4, 2, 2}},
                              {{2, 2, 2}, {2, 1, 3}}};
  hf_rng r;
  hf_rng_seed(&r, 4242);
  for (int t = 0; t < 5; t++) {
    hf_lattice ls, lb;
    const int *L = cases[t][0], *n = cases[t][1];
    REQUIRE_OK(hf_lattice_init(&ls, L, &err), err);
    REQUIRE_OK(hf_lattice_init(&lb, (int[3]){L[0] * n[0], L[1] * n[1], L[2] * n[2]}, &err), err);
    const unsigned mask = HF_FIELD_U | HF_FIELD_V | HF_FIELD_W | HF_FIELD_SIGMA;
    hf_fields xs, gs, xb, gb;
    REQUIRE_OK(hf_fields_alloc(&xs, &ls, mask, &err), err);
    REQUIRE_OK(hf_fields_alloc(&gs, &ls, mask, &err), err);
    REQUIRE_OK(hf_fields_alloc(&xb, &lb, mask, &err), err);
    REQUIRE_OK(hf_fields_alloc(&gb, &lb, mask, &err), err);
    testconfig_random(&xs, &ls, &r, 0.3, 0.05, 0.05, 0.01);
    for (size_t i = 0; i < ls.n; i++) xs.sigma[i] = hf_rng_uniform(&r) < 0.4; /* 0 or 1 */
    xs.sigma[0] = 1;
    repeat(&xb, &lb, &xs, &ls);
    double es, eb, ds[6], db[6];
    REQUIRE_OK(evaluate(&m, &ls, &xs, &es, ds, &gs, &err), err);
    REQUIRE_OK(evaluate(&m, &lb, &xb, &eb, db, &gb, &err), err);
    double dg = 0, gmax = 0, dd = 0, dmax = 0;
    for (int X = 0; X < lb.L[0]; X++)
      for (int Y = 0; Y < lb.L[1]; Y++)
        for (int Z = 0; Z < lb.L[2]; Z++) {
          const size_t i = hf_index(&lb, X, Y, Z), j = hf_index(&ls, X % L[0], Y % L[1], Z % L[2]);
          for (int c = 0; c < 9; c++) {
            const double a = hf_fields_comp(&gs, c)[j], b = hf_fields_comp(&gb, c)[i];
            dg = fmax(dg, fabs(a - b)), gmax = fmax(gmax, fabs(a));
          }
        }
    for (int l = 0; l < 6; l++) dd = fmax(dd, fabs(ds[l] - db[l])), dmax = fmax(dmax, fabs(ds[l]));
    printf(
        "%dx%dx%d repeated %dx%dx%d: E/N %.12f vs %.12f eV, gradient %.2e of %.3g, dE/deta/N "
        "%.2e of %.3g\n",
        L[0], L[1], L[2], n[0], n[1], n[2], es, eb, dg, gmax, dd, dmax);
    CHECK(fabs(es - eb) <= 1e-11 * fmax(1, fabs(es)), "%dx%dx%d: energy per cell %.15g vs %.15g",
          L[0], L[1], L[2], es, eb);
    CHECK(dg <= 1e-11 * fmax(1, gmax), "%dx%dx%d: gradient differs by %.3g", L[0], L[1], L[2], dg);
    CHECK(dd <= 1e-11 * fmax(1, dmax), "%dx%dx%d: dE/deta per cell differs by %.3g", L[0], L[1],
          L[2], dd);
    hf_fields_free(&xs), hf_fields_free(&gs), hf_fields_free(&xb), hf_fields_free(&gb);
  }
  hf_model_free(&m);
  return check_done("replica");
}
