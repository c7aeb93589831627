/* test_quartic_form.c - hf_quartic_form_min against exact cases.
 * On-site q(u) = a sum_a u_a^4 + b sum_{a<b} u_a^2 u_b^2 is, on |u| = 1,
 * a + (b - 2a) S with S = sum_{a<b} u_a^2 u_b^2 in [0, 1/3] (1/3 along <111>), so
 * q_min = a + (b - 2a)/3 for b < 2a.  Summed over cells with sum |u_i|^2 = N:
 *  - q_min > 0: min = q_min N (equal |u_i| along <111>), kappa = q_min;
 *  - q_min < 0: min = q_min N^2 (all of it in one cell), kappa = q_min N;
 *  and quartic = Q / sum |u_i|^4 = q_min in both.
 *  1. a = 1, b = 1: kappa = 2/3, every cell occupied (participation N);
 *  2. a = 1, b = -5: kappa = -4/3 N, quartic -4/3, one cell (participation 1);
 *  3. case 1 plus u^2, u^6 and v terms: kappa unchanged (only monomials of
 *     degree 4 count), nterms 2, higher 1;
 *  4. on-site |u|^4 plus the pair ux^3 ux[1,0,0] and its images (test_soft_modes,
 *     5.): the X [100] pattern has (alpha - 2c) per cell, so kappa <= alpha - 2c
 *     (here the minimum is two antiparallel cells along x: quartic = alpha - 2c);
 *     the configuration it returns has Q = kappa N by the generic polynomial
 *     evaluator (the search uses the compiled engine);
 *  5. strain relaxed: a |u|^4 + g eta_a u_a^2 + (c/2) eta_a^2 gives kappa = a - g^2/2c
 *     (uniform u along an axis, eta = -g/c there), negative for a = 1 and positive
 *     for a = 3 (g = 2, c = 1);
 *     with the elastic term negative the strain is reported unstable and held at
 *     0 (kappa = a = 1, the isotropic |u|^4 alone), the soft strain a normal one;
 *  6. omega searched too: a negative on-site w^4 next to a positive |u|^4 gives
 *     kappa = -N, all of it in one cell's omega;
 *  7. ZVR 1995 BaTiO3 (a published, bounded model): kappa > 0;
 *  8. a model without u is refused with a message;
 *  9. the well form Q + H / R^2 of A |u|^2 + B |u|^4 (on-site): B + A / R^2
 *     exactly (the uniform |u_i| = 1 is lowest), 0 at the well's edge
 *     R^2 = -A / B, and a radius of 0 is refused;
 * 10. the well form of ZVR 1995 (dipole sum, strain, v) against its full
 *     energy, by the compiled engine at the returned direction d scaled by R
 *     (strain by R^2): E(R d) / (N R^4) = kappa; its row (coefficients . phi
 *     plus the constant, the dipole sum / R^2) gives kappa too; a radius
 *     inside the ferroelectric well gives kappa < 0, one far outside > 0;
 * 11. the sextic form: see sextic_cases;
 * 12. an omega radius (hf_form_weights omega_scale R_w / R): with on-site
 *     a |w|^2 + b |w|^4 (a tilt well whose edge is at |w| = sqrt(-a/b) =
 *     0.2 rad) next to a stiff u, the well form at R = 1.3 is, along uniform
 *     omega of rms R_w, (b R_w^4 + a R_w^2) / R^4 exactly: negative for R_w
 *     0.1 (the well reaches past it), 0 at 0.2, positive at 0.3; the mixed
 *     metric (no scale) finds no well at R = 1.3 at all; the returned
 *     direction holds |omega_i| = R_w / R (rad; R_w at the amplitude R) in
 *     every cell, and its row gives kappa;
 * 13. search objects: see search_objects;
 * 14. descents from given starts: see given_starts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "poly_eval.h"
#include "quartic_form.h"
#include "testmodels.h"

static hf_model onsite(double a, double b, hf_err *err) {
  hf_model m;
  if (testmodel_one_term(&m, "a", 0, 40.0, "u4a", a, "ux^4+uy^4+uz^4", HF_SYM_NONE, err) ||
      hf_model_add_term(&m, "u4b", b, "ux^2*uy^2+uy^2*uz^2+uz^2*ux^2", HF_SYM_NONE, err))
    printf("model: %s\n", err->msg);
  return m;
}

/* 11. -|u|^4 + s |u|^6: hf_form_degree 6; on sum |u_i|^2 = N the sextic form
 * s sum |u_i|^6 is lowest uniform (kappa = s) for s > 0 and in one cell
 * (kappa = s N^2) for s < 0, while the quartic form is -N.  The anisotropic
 * a sum u_a^6 + c ux^2 uy^2 uz^2, with x_a = u_a^2 on sum x_a = 1: both parts
 * extreme at x_a = 1/3, so for c < 0 its lowest value is a/9 + c/27, along
 * <111> (-1 for a = 1, c = -30: one cell, kappa -N^2).  The row of degree 6
 * gives kappa back; a model with omega and no w^6, one with eta u^4 and one
 * with u^10 are refused, naming the reason.  12. degree 8: -|u|^6 + p |u|^8
 * has kappa p (p > 0) and p N^3 (p < 0), and no quartic terms. */
static int sextic_cases(const int L3[3], int N) {
  hf_err err;
  hf_model m;
  hf_quartic_form f;
  double cfg[6 * 8], phi[3];
  /* -|u|^(D-2) + s |u|^D, D = 6 and 8: s uniform (every cell), s N^(D/2 - 1) in one cell */
  static const char *const pw[3] = {"(ux^2+uy^2+uz^2)^2", "(ux^2+uy^2+uz^2)^3",
                                    "(ux^2+uy^2+uz^2)^4"};
  const double s[4] = {0.5, -0.5, 0.25, -0.25};
  for (int k = 0; k < 4; k++) {
    const int D = k < 2 ? 6 : 8;
    REQUIRE_OK(testmodel_one_term(&m, "a", 0, 40.0, "lower", -1, pw[D / 2 - 3], HF_SYM_NONE, &err),
               err);
    REQUIRE_OK(hf_model_add_term(&m, "top", s[k], pw[D / 2 - 2], HF_SYM_NONE, &err), err);
    int degree = 0;
    REQUIRE_OK(hf_form_degree(&m, &degree, &err), err);
    REQUIRE_OK(hf_top_form_min(&m, L3, D, 6, 1, &f, cfg, &err), err);
    const double want = s[k] > 0 ? s[k] : s[k] * pow(N, D / 2 - 1);
    const hf_form_weights top = hf_form_well_weights(D, D / 2 - 1, 0);
    REQUIRE_OK(hf_form_row(&m, L3, &top, cfg, f.eta, NULL, phi, NULL, &err), err);
    const double row = m.terms[0].coef * phi[0] + m.terms[1].coef * phi[1];
    hf_quartic_form q; /* -|u|^4 for D = 6: -N, in one cell; none for D = 8 */
    REQUIRE_OK(hf_quartic_form_min(&m, L3, 6, 1, &q, NULL, &err), err);
    const double qwant = D == 6 ? -N : 0;
    printf(
        "-|u|^%d + %g |u|^%d: degree %d, kappa %.10f (exact %g), cells %.3f, row %.10f; "
        "quartic kappa %.6f (exact %g)\n",
        D - 2, s[k], D, degree, f.kappa, want, f.participation, row, q.kappa, qwant);
    CHECK(degree == D && f.degree == D && fabs(f.kappa - want) < 1e-8 * fabs(want) &&
              fabs(f.participation - (s[k] > 0 ? N : 1)) < 1e-3 && phi[0] == 0 &&
              fabs(row - f.kappa) < 1e-9 * fabs(want) && fabs(q.kappa - qwant) < 1e-6,
          "degree %d, s = %g: degree %d kappa %.12g row %.12g quartic %.12g", D, s[k], degree,
          f.kappa, row, q.kappa);
    hf_model_free(&m);
  }

  REQUIRE_OK(testmodel_one_term(&m, "a", 0, 40.0, "a", 1, "ux^6+uy^6+uz^6", HF_SYM_NONE, &err),
             err);
  REQUIRE_OK(hf_model_add_term(&m, "c", -30, "ux^2*uy^2*uz^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_top_form_min(&m, L3, 6, 6, 1, &f, NULL, &err), err);
  printf("u^6 anisotropy a = 1, c = -30: kappa %.8f (exact %d), u (%.4f %.4f %.4f)\n", f.kappa,
         -N * N, fabs(f.u[0]), fabs(f.u[1]), fabs(f.u[2]));
  CHECK(fabs(f.kappa + N * N) < 1e-6 * N * N && fabs(fabs(f.u[0]) - 1 / sqrt(3)) < 1e-4 &&
            fabs(fabs(f.u[2]) - 1 / sqrt(3)) < 1e-4,
        "anisotropic sextic: kappa %.10g", f.kappa);
  hf_model_free(&m);
  /* the well conditions for D = 8, R = 2, f(s) = a + b s + c s^2 + d s^3:
   * f(R^2) / R^6 = a/64 + b/16 + c/4 + d, f'(R^2) / R^4 = b/16 + c/2 + 3d,
   * f''(R^2) / 2R^2 = c/4 + 3d, and d */
  const double want_w[4][5] = {
      {0, 1. / 64, 1. / 16, 0.25, 1}, {0, 0, 1. / 16, 0.5, 3}, {0, 0, 0, 0.25, 3}, {0, 0, 0, 0, 1}};
  double werr = 0;
  for (int k = 0; k < 4; k++) {
    const hf_form_weights wt = hf_form_well_weights(8, k, 2.0);
    for (int j = 0; j < 5; j++) werr = fmax(werr, fabs(wt.w[j] - want_w[k][j]));
  }
  printf("well weights D = 8, R = 2: largest deviation %g\n", werr);
  CHECK(werr < 1e-15, "well weights: deviation %g", werr);
  /* refusals: omega without w^6, strain coupled to u^4, a term of degree 10 */
  const char *why[3] = {"omega", "eta u^4", "degree 10"};
  for (int k = 0; k < 3; k++) {
    hf_model r;
    REQUIRE_OK(
        testmodel_one_term(&r, "a", 0, 40.0, "u6", 1, "(ux^2+uy^2+uz^2)^3", HF_SYM_NONE, &err),
        err);
    if (k == 0) r.dof |= HF_DOF_W;
    if (k == 1) r.dof |= HF_DOF_ETA;
    if (k > 0)
      REQUIRE_OK(
          hf_model_add_term(&r, "x", 1,
                            k == 1 ? "(eta1+eta2+eta3)*(ux^2+uy^2+uz^2)^2" : "(ux^2+uy^2+uz^2)^5",
                            HF_SYM_NONE, &err),
          err);
    int degree = 0;
    const int rc = hf_form_degree(&r, &degree, &err);
    printf("refused (%s): %s\n", why[k], rc ? err.msg : "(accepted)");
    CHECK(rc == HF_FAIL && strstr(err.msg, why[k]), "%s: rc %d '%s'", why[k], rc, err.msg);
    hf_model_free(&r);
  }
  return 0;
}

/* 12.: the well form along omega with its own radius. */
static int omega_radius_cases(const int L3[3], int N) {
  hf_err err;
  hf_model m;
  hf_quartic_form f;
  const double a = -0.5, b = 12.5, R = 1.3, rw[3] = {0.1, 0.2, 0.3};
  REQUIRE_OK(testmodel_one_term(&m, "w", 2, 40.0, "w2", a, "wx^2+wy^2+wz^2", HF_SYM_NONE, &err),
             err);
  m.dof |= HF_DOF_U;
  REQUIRE_OK(hf_model_add_term(&m, "w4", b, "(wx^2+wy^2+wz^2)^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u2", 1.0, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u4", 1.0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
  double *cfg = malloc(6 * (size_t)N * sizeof *cfg), phi[4];
  for (int k = 0; k < 3; k++) {
    hf_form_weights wt = hf_form_well_weights(4, 0, R);
    wt.omega_scale = rw[k] / R;
    REQUIRE_OK(hf_form_min(&m, L3, &wt, 0, 4, 1, &f, cfg, &err), err);
    const double want = (b * pow(rw[k], 4) + a * rw[k] * rw[k]) / pow(R, 4);
    double wmin = INFINITY, wmax = 0, umax = 0, cst;
    for (int i = 0; i < N; i++) {
      const double *c = cfg + 6 * i;
      wmin = fmin(wmin, sqrt(c[3] * c[3] + c[4] * c[4] + c[5] * c[5]));
      wmax = fmax(wmax, sqrt(c[3] * c[3] + c[4] * c[4] + c[5] * c[5]));
      umax = fmax(umax, sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]));
    }
    REQUIRE_OK(hf_form_row(&m, L3, &wt, cfg, f.eta, NULL, phi, &cst, &err), err);
    double row = cst;
    for (int t = 0; t < m.nterms; t++) row += m.terms[t].coef * phi[t];
    printf(
        "omega radius %.2f rad (R %.2f A): kappa %.3e (exact %.3e), |omega_i| %.6f..%.6f, "
        "max |u_i| %.1e, row %.3e\n",
        rw[k], R, f.kappa, want, wmin, wmax, umax, row);
    CHECK(fabs(f.kappa - want) < 1e-9 && (k != 1 || fabs(f.kappa) < 1e-12) &&
              (k != 0 || f.kappa < 0) && (k != 2 || f.kappa > 0),
          "omega radius %g: kappa %.12g, want %.12g", rw[k], f.kappa, want);
    /* the direction has rms 1 in the search's metric: |omega_i| = R_w / R, R_w at t = R
     * (to the search's precision in position, ~1e-5; kappa to 1e-9 above) */
    CHECK(fabs(wmin - rw[k] / R) < 1e-5 && fabs(wmax - rw[k] / R) < 1e-5 && umax < 1e-5,
          "omega radius %g: |omega_i| %g..%g (want %g), |u_i| up to %g", rw[k], wmin, wmax,
          rw[k] / R, umax);
    CHECK(fabs(row - f.kappa) < 1e-12, "omega radius %g: row %.15g, kappa %.15g", rw[k], row,
          f.kappa);
  }
  /* the mixed metric: this tilt well lies far inside an rms (u, omega) of 1.3 */
  REQUIRE_OK(hf_well_form_min(&m, L3, R, 0, 4, 1, &f, NULL, &err), err);
  printf("mixed metric, R %.2f: kappa %.4g (no well reaches past R)\n", R, f.kappa);
  CHECK(f.kappa > 0, "mixed metric: kappa %g, want > 0", f.kappa);
  free(cfg);
  hf_model_free(&m);
  return 0;
}

/* 13. a search object: the same start gives the same minimum, bit for bit,
 * on a fresh object, on one that ran another start before, and through
 * hf_form_min (fit/bounded.c runs the starts of a round on a thread each, so
 * its rows must not depend on which object ran which start), for every form
 * of the shipped PbTiO3 model (degree 8, omega, strain; R = 1.3 A, -6 GPa). */
static int search_objects(const char *models) {
  char path[4096];
  snprintf(path, sizeof path, "%s/PbTiO3_GPAW_PBEsol_k2.yaml", models);
  hf_err err = {0};
  hf_model m;
  int D;
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  REQUIRE_OK(hf_form_degree(&m, &D, &err), err);
  const int L[3] = {2, 2, 2};
  for (int form = 0; form < D / 2; form++) {
    const hf_form_weights wt = hf_form_well_weights(D, form ? form - 1 : D / 2 - 1, 1.3);
    hf_form_search *a, *b;
    hf_quartic_form f1, f2, f3, f4;
    double c2[48], c3[48], c4[48];
    REQUIRE_OK(hf_form_search_create(&a, &m, L, &wt, -6, &err), err);
    REQUIRE_OK(hf_form_search_create(&b, &m, L, &wt, -6, &err), err);
    hf_form_search_run(a, 1, 99, &f1, NULL);
    hf_form_search_run(a, 1, 25, &f2, c2);
    hf_form_search_run(b, 1, 25, &f3, c3);
    REQUIRE_OK(hf_form_min(&m, L, &wt, -6, 1, 25, &f4, c4, &err), err);
    printf("form %d of PbTiO3: kappa %.15g after another start, %.15g fresh, %.15g hf_form_min\n",
           form, f2.kappa, f3.kappa, f4.kappa);
    CHECK(f2.kappa == f3.kappa && f3.kappa == f4.kappa && !memcmp(c2, c3, sizeof c2) &&
              !memcmp(c3, c4, sizeof c3) && f2.evaluations == f3.evaluations,
          "form %d: a search object's start depends on what it ran before", form);
    hf_form_search_free(a), hf_form_search_free(b);
  }
  hf_model_free(&m);
  return 0;
}

/* 14. a descent from a given start (hf_form_search_from; fit/bounded.c
 * follows the minima it cut): on-site a = 1, b = 1 from a start near [100]
 * reaches the exact 2/3 (along <111>); a = 1, b = -5 from a start with its
 * amplitude in cell 3 reaches -4/3 N in cell 3, of the N equivalent minima the
 * one the start leads to; the well form along omega with its own radius
 * (case 12, R_w 0.1 rad) started at the minimum hf_form_min returned stays
 * there (the start read in rad, as config is written); a zero start is
 * refused. */
static int given_starts(const int L3[3], int N) {
  hf_err err = {0};
  hf_quartic_form f;
  double start[48], end[48];
  hf_form_search *s;
  const hf_form_weights quartic = {{0, 0, 1, 0, 0}, 0};
  hf_model m = onsite(1, 1, &err);
  REQUIRE_OK(hf_form_search_create(&s, &m, L3, &quartic, 0, &err), err);
  for (int i = 0; i < N; i++)
    for (int c = 0; c < 6; c++) start[6 * i + c] = c ? (c < 3 ? 0.05 * (c + i % 3) : 0) : 1;
  REQUIRE_OK(hf_form_search_from(s, start, &f, end, &err), err);
  printf("from near [100], a = 1, b = 1: kappa %.12f (exact 2/3), participation %.4f\n", f.kappa,
         f.participation);
  CHECK(fabs(f.kappa - 2.0 / 3) < 1e-9 && fabs(f.participation - N) < 1e-3,
        "from a start: kappa %.12g participation %g", f.kappa, f.participation);
  memset(start, 0, sizeof start);
  const int rc = hf_form_search_from(s, start, &f, end, &err);
  printf("from zero: %s\n", rc ? err.msg : "(accepted)");
  CHECK(rc == HF_FAIL && strstr(err.msg, "zero"), "a zero start: rc %d '%s'", rc, err.msg);
  hf_form_search_free(s), hf_model_free(&m);

  m = onsite(1, -5, &err);
  REQUIRE_OK(hf_form_search_create(&s, &m, L3, &quartic, 0, &err), err);
  for (int i = 0; i < N; i++)
    for (int c = 0; c < 3; c++) start[6 * i + c] = i == 3 ? 1 + 0.1 * c : 0.05;
  REQUIRE_OK(hf_form_search_from(s, start, &f, end, &err), err);
  double in3 = 0;
  for (int c = 0; c < 3; c++) in3 += end[18 + c] * end[18 + c];
  printf("from cell 3, a = 1, b = -5: kappa %.10f (exact %.10f), |u_3|^2 %.10f (N)\n", f.kappa,
         -4.0 / 3 * N, in3);
  CHECK(fabs(f.kappa + 4.0 / 3 * N) < 1e-8 * N && fabs(in3 - N) < 1e-6,
        "from cell 3: kappa %.10g, |u_3|^2 %.10g", f.kappa, in3);
  hf_form_search_free(s), hf_model_free(&m);

  REQUIRE_OK(testmodel_one_term(&m, "w", 2, 40.0, "w2", -0.5, "wx^2+wy^2+wz^2", HF_SYM_NONE, &err),
             err);
  m.dof |= HF_DOF_U;
  REQUIRE_OK(hf_model_add_term(&m, "w4", 12.5, "(wx^2+wy^2+wz^2)^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u2", 1.0, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u4", 1.0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
  hf_form_weights wt = hf_form_well_weights(4, 0, 1.3);
  wt.omega_scale = 0.1 / 1.3;
  hf_quartic_form g;
  REQUIRE_OK(hf_form_min(&m, L3, &wt, 0, 4, 1, &g, start, &err), err);
  REQUIRE_OK(hf_form_search_create(&s, &m, L3, &wt, 0, &err), err);
  REQUIRE_OK(hf_form_search_from(s, start, &f, end, &err), err);
  double moved = 0;
  for (int i = 0; i < 6 * N; i++) moved = fmax(moved, fabs(end[i] - start[i]));
  printf("from the omega-scaled minimum: kappa %.6e (hf_form_min %.6e), moved %.1e rad\n", f.kappa,
         g.kappa, moved);
  CHECK(fabs(f.kappa - g.kappa) < 1e-12 && moved < 1e-6,
        "from a minimum: kappa %.12g vs %.12g, moved %g", f.kappa, g.kappa, moved);
  hf_form_search_free(s), hf_model_free(&m);
  return 0;
}

int main(int argc, char **argv) {
  hf_err err;
  hf_quartic_form f;
  const int L = 2, N = 8, L3[3] = {2, 2, 2};

  hf_model m = onsite(1, 1, &err);
  REQUIRE_OK(hf_quartic_form_min(&m, L3, 6, 1, &f, NULL, &err), err);
  printf("a = 1, b = 1: kappa %.10f (exact 2/3), participation %.4f, |u| (%.4f %.4f %.4f)\n",
         f.kappa, f.participation, fabs(f.u[0]), fabs(f.u[1]), fabs(f.u[2]));
  CHECK(fabs(f.kappa - 2.0 / 3) < 1e-6 && fabs(f.quartic - 2.0 / 3) < 1e-6,
        "kappa %.10g quartic %.10g, want 2/3", f.kappa, f.quartic);
  CHECK(fabs(f.participation - N) < 1e-3, "participation %g, want %d", f.participation, N);
  for (int c = 0; c < 3; c++)
    CHECK(fabs(fabs(f.u[c]) - 1 / sqrt(3)) < 1e-3, "direction component %d: %g", c, f.u[c]);
  CHECK(f.nterms == 2 && !f.higher, "nterms %d higher %d", f.nterms, f.higher);

  REQUIRE_OK(hf_model_add_term(&m, "u2", -3.0, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u6", -0.5, "(ux^2+uy^2+uz^2)^3", HF_SYM_NONE, &err), err);
  hf_quartic_form f3;
  REQUIRE_OK(hf_quartic_form_min(&m, L3, 6, 1, &f3, NULL, &err), err);
  printf("with u^2 and u^6 terms: kappa %.10f, nterms %d, higher %d\n", f3.kappa, f3.nterms,
         f3.higher);
  CHECK(fabs(f3.kappa - 2.0 / 3) < 1e-6 && f3.nterms == 2 && f3.higher == 1,
        "filter: kappa %.10g nterms %d higher %d", f3.kappa, f3.nterms, f3.higher);
  hf_model_free(&m);

  m = onsite(1, -5, &err);
  REQUIRE_OK(hf_quartic_form_min(&m, L3, 6, 1, &f, NULL, &err), err);
  printf("a = 1, b = -5: kappa %.10f (exact -4/3 N = %.10f), participation %.4f\n", f.kappa,
         -4.0 / 3 * N, f.participation);
  CHECK(fabs(f.kappa + 4.0 / 3 * N) < 1e-5 * N && fabs(f.quartic + 4.0 / 3) < 1e-5,
        "kappa %.10g quartic %.10g, want %.10g and -4/3", f.kappa, f.quartic, -4.0 / 3 * N);
  CHECK(fabs(f.participation - 1) < 1e-3, "participation %g, want 1", f.participation);
  hf_model_free(&m);

  const double alpha = 1, c = 1;
  REQUIRE_OK(
      testmodel_one_term(&m, "a", 0, 40.0, "u4", alpha, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err),
      err);
  REQUIRE_OK(hf_model_add_term(&m, "pair", c, "ux^3*ux[1,0,0]", HF_SYM_ORBIT, &err), err);
  double cfg[6 * 8];
  REQUIRE_OK(hf_quartic_form_min(&m, L3, 6, 1, &f, cfg, &err), err);
  /* the configuration returned, through the generic polynomial evaluator (not
   * the compiled engine the search used): Q = kappa N, and sum |u|^2 = N */
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){L, L, L}, &err), err);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U, &err), err);
  double norm = 0, Q = 0;
  for (size_t i = 0; i < lat.n; i++)
    for (int a = 0; a < 3; a++) x.u[a][i] = cfg[6 * i + a], norm += cfg[6 * i + a] * cfg[6 * i + a];
  hf_poly_input in = {.lat = &lat, .x = &x};
  for (int t = 0; t < m.nterms; t++)
    Q += hf_poly_eval(&m.terms[t].poly, m.terms[t].coef, &in, NULL);
  printf("its configuration, generic evaluator: Q %.10f (kappa N %.10f), sum |u|^2 %.10f\n", Q,
         f.kappa * N, norm);
  CHECK(fabs(Q - f.kappa * N) < 1e-9 * fabs(Q) && fabs(norm - N) < 1e-9,
        "config: Q %.12g vs kappa N %.12g, norm %.12g", Q, f.kappa * N, norm);
  hf_fields_free(&x);
  printf(
      "|u|^4 + pair: kappa %.6f (X [100] pattern: %.6f), quartic %.6f, participation %.3f, "
      "polar %.3f\n",
      f.kappa, alpha - 2 * c, f.quartic, f.participation, f.polar);
  CHECK(f.kappa <= alpha - 2 * c + 1e-9, "kappa %.10g above the X [100] pattern's %.10g", f.kappa,
        alpha - 2 * c);
  CHECK(fabs(f.quartic - (alpha - 2 * c)) < 1e-6 && fabs(f.participation - 2) < 1e-3,
        "quartic %.10g participation %g, want %g over 2 cells", f.quartic, f.participation,
        alpha - 2 * c);
  hf_model_free(&m);

  /* strain: a |u|^4 + g (eta1 ux^2 + eta2 uy^2 + eta3 uz^2) + (c/2) sum eta_a^2 per cell.
   * eta_a = -g sum_i u_ia^2 / (N c) relaxes it to a sum |u_i|^4 - g^2 sum_a S_a^2 / (2 c N)
   * with S_a = sum_i u_ia^2; both parts are lowest with every u along one axis and of
   * equal size: kappa = a - g^2 / (2c), eta = -g / c on that axis */
  for (int k = 0; k < 2; k++) {
    const double a = k ? 3.0 : 1.0, g = 2.0, cel = 1.0;
    REQUIRE_OK(
        testmodel_one_term(&m, "a", 0, 40.0, "u4", a, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err),
        err);
    m.dof |= HF_DOF_ETA;
    REQUIRE_OK(hf_model_add_term(&m, "g", g, "eta1*ux^2+eta2*uy^2+eta3*uz^2", HF_SYM_NONE, &err),
               err);
    REQUIRE_OK(hf_model_add_term(&m, "c", cel / 2, "eta1^2+eta2^2+eta3^2", HF_SYM_NONE, &err), err);
    REQUIRE_OK(hf_quartic_form_min(&m, L3, 6, 1, &f, NULL, &err), err);
    double emin = 0;
    for (int l = 0; l < 3; l++) emin = fmin(emin, f.eta[l]);
    printf(
        "a = %g, strain coupling g = %g, c = %g: kappa %.10f (exact %.10f), cells %.3f, "
        "strain %d, lowest eta %.6f (exact %.6f)\n",
        a, g, cel, f.kappa, a - g * g / (2 * cel), f.participation, f.strain, emin, -g / cel);
    CHECK(f.strain == 1 && fabs(f.kappa - (a - g * g / (2 * cel))) < 1e-6 &&
              fabs(f.participation - N) < 1e-3 && fabs(emin + g / cel) < 1e-5,
          "strain case a = %g: kappa %.10g cells %g eta %g strain %d", a, f.kappa, f.participation,
          emin, f.strain);
    hf_model_free(&m);
  }

  /* a negative elastic term: strain -1, held at 0 (kappa = a = 1 along an axis),
   * and the soft strain lies among the normal strains it makes negative */
  REQUIRE_OK(
      testmodel_one_term(&m, "a", 0, 40.0, "u4", 1.0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err),
      err);
  m.dof |= HF_DOF_ETA;
  REQUIRE_OK(hf_model_add_term(&m, "g", 2.0, "eta1*ux^2+eta2*uy^2+eta3*uz^2", HF_SYM_NONE, &err),
             err);
  REQUIRE_OK(hf_model_add_term(&m, "c", -0.5, "eta1^2+eta2^2+eta3^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_quartic_form_min(&m, L3, 4, 1, &f, NULL, &err), err);
  const double *es = f.eta_soft;
  const double normal = sqrt(es[0] * es[0] + es[1] * es[1] + es[2] * es[2]),
               shear = sqrt(es[3] * es[3] + es[4] * es[4] + es[5] * es[5]);
  printf("negative elastic term: strain %d, kappa %.6f, soft strain normal part %.6f, shear %.2g\n",
         f.strain, f.kappa, normal, shear);
  CHECK(f.strain == -1 && fabs(f.kappa - 1.0) < 1e-6 && fabs(normal - 1) < 1e-9 && shear < 1e-9,
        "elastic instability: strain %d kappa %g soft (%g, %g)", f.strain, f.kappa, normal, shear);
  hf_model_free(&m);

  /* omega: |u|^4 + b (wx^4 + wy^4 + wz^4) with b = -1: the minimum puts the whole
   * norm into one cell's omega along an axis, kappa = -N, quartic -1 */
  REQUIRE_OK(testmodel_one_term(&m, "w", 2, 40.0, "w4", -1.0, "wx^4+wy^4+wz^4", HF_SYM_NONE, &err),
             err);
  m.dof |= HF_DOF_U;
  REQUIRE_OK(hf_model_add_term(&m, "u4", 1.0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_quartic_form_min(&m, L3, 4, 1, &f, NULL, &err), err);
  printf("omega quartic -1: kappa %.8f (exact %d), quartic %.8f, omega share %.6f, cells %.4f\n",
         f.kappa, -N, f.quartic, f.omega_share, f.participation);
  CHECK(fabs(f.kappa + N) < 1e-5 * N && fabs(f.quartic + 1) < 1e-5 &&
            fabs(f.omega_share - 1) < 1e-6 && fabs(f.participation - 1) < 1e-3,
        "omega case: kappa %g quartic %g share %g cells %g", f.kappa, f.quartic, f.omega_share,
        f.participation);
  hf_model_free(&m);

  /* the well form of A |u|^2 + B |u|^4: B + A / R^2, zero at R^2 = -A / B */
  const double A = -1, B = 0.5, radii[3] = {1, 2, sqrt(2)};
  REQUIRE_OK(testmodel_one_term(&m, "a", 0, 40.0, "u2", A, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err),
             err);
  REQUIRE_OK(hf_model_add_term(&m, "u4", B, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
  for (int k = 0; k < 3; k++) {
    REQUIRE_OK(hf_well_form_min(&m, L3, radii[k], 0, 4, 1, &f, NULL, &err), err);
    const double want = B + A / (radii[k] * radii[k]);
    printf("well form, A = %g, B = %g, R = %.4f: kappa %.10f (exact %.10f), cells %.3f\n", A, B,
           radii[k], f.kappa, want, f.participation);
    CHECK(fabs(f.kappa - want) < 1e-7, "well form R = %g: kappa %.12g, want %.12g", radii[k],
          f.kappa, want);
  }
  const int rc0 = hf_well_form_min(&m, L3, 0, 0, 4, 1, &f, NULL, &err);
  CHECK(rc0 == HF_FAIL && strstr(err.msg, "radius"), "radius 0: rc %d '%s'", rc0, err.msg);
  hf_model_free(&m);

  if (omega_radius_cases(L3, N)) return 1;

  char path[512];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", argc > 1 ? argv[1] : "models");
  hf_model_init(&m);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  REQUIRE_OK(hf_lattice_init(&lat, L3, &err), err);
  /* at 0 GPa and at ZVR's -4.8 GPa: the full engine (pressure on) at R d and
   * the strain eta0 + R^2 eta, less its energy at the strained cubic crystal
   * (0, eta0), per N R^4, is the well form; and eta0 is that crystal's
   * relaxed strain (dE/deta = 0 there) */
  const double zp[2] = {0, -4.8};
  for (int ip = 0; ip < 2; ip++) {
    hf_engine *e;
    hf_engine_opts eo = {.pressure = zp[ip]};
    REQUIRE_OK(hf_engine_create(&e, &m, &lat, &eo, &err), err);
    REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
    const double zr[3] = {0.02, 0.1, 1.0};
    double zk[3];
    for (int k = 0; k < 3; k++) {
      const double R = zr[k];
      REQUIRE_OK(hf_well_form_min(&m, L3, R, zp[ip], 6, 3, &f, cfg, &err), err);
      hf_energy E, E0;
      double dE0[6];
      hf_fields_zero(&x, &lat);
      memcpy(x.eta, f.eta0, sizeof x.eta);
      hf_engine_eval(e, &x, NULL, dE0, &E0);
      for (size_t i = 0; i < lat.n; i++)
        for (int a = 0; a < 3; a++) x.u[a][i] = R * cfg[6 * i + a];
      for (int a = 0; a < 6; a++) x.eta[a] = f.eta0[a] + R * R * f.eta[a];
      hf_engine_eval(e, &x, NULL, NULL, &E);
      const double full = (E.total - E0.total) / ((double)N * R * R * R * R);
      double phi[64], cst, row = 0, stress = 0;
      REQUIRE_OK(m.nterms <= 64 ? HF_OK : hf_fail(&err, "ZVR has %d terms", m.nterms), err);
      const hf_form_weights wt = hf_form_well_weights(4, 0, R);
      REQUIRE_OK(hf_form_row(&m, L3, &wt, cfg, f.eta, f.eta0, phi, &cst, &err), err);
      for (int t = 0; t < m.nterms; t++) row += m.terms[t].coef * phi[t];
      row += cst;
      for (int a = 0; a < 6; a++) stress = fmax(stress, fabs(dE0[a]) / (double)N);
      printf(
          "ZVR well form, p = %g GPa, R = %g: kappa %.10f, full energy at R d / (N R^4) %.10f, "
          "row %.10f (dipole part %.6f), polar %.3f, eta0 %.6f, dE/deta there %.2g eV\n",
          zp[ip], R, f.kappa, full, row, cst, f.polar, f.eta0[0], stress);
      CHECK(fabs(full - f.kappa) < 1e-9 * fmax(1, fabs(f.kappa)) &&
                fabs(row - f.kappa) < 1e-9 * fmax(1, fabs(f.kappa)),
            "ZVR well form p = %g R = %g: kappa %.12g, full %.12g, row %.12g", zp[ip], R, f.kappa,
            full, row);
      CHECK(stress < 1e-12 && (zp[ip] == 0) == (f.eta0[0] == 0),
            "ZVR at %g GPa: eta0 %g, dE/deta %g there", zp[ip], f.eta0[0], stress);
      zk[k] = f.kappa;
    }
    CHECK(zk[0] < 0 && zk[2] > 0, "ZVR well form: kappa %g at R = %g (want < 0), %g at %g (> 0)",
          zk[0], zr[0], zk[2], zr[2]);
    hf_fields_free(&x);
    hf_engine_free(e);
  }
  hf_model_free(&m);

  /* under pressure, exactly: a |u|^2 + b |u|^4 + g (eta1 + eta2 + eta3) |u|^2 +
   * c (eta1^2 + eta2^2 + eta3^2) at p: the strain relaxes to eta_l = -(g s +
   * pi) / 2c (s = |u|^2, pi = p V0), so the energy above the strained crystal
   * is s (a - 3 g pi / 2c) + s^2 (b - 3 g^2 / 4c): W = b - 3 g^2 / 4c + (a - 3
   * g pi / 2c) / R^2 */
  {
    const double a = 0.3, b = 2.0, g = -1.5, c = 4.0, p = -6.0, R = 0.5;
    REQUIRE_OK(testmodel_one_term(&m, "s", 0, 40.0, "u2", a, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err),
               err);
    m.dof |= HF_DOF_ETA;
    REQUIRE_OK(hf_model_add_term(&m, "u4", b, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
    REQUIRE_OK(
        hf_model_add_term(&m, "g", g, "(eta1+eta2+eta3)*(ux^2+uy^2+uz^2)", HF_SYM_NONE, &err), err);
    REQUIRE_OK(hf_model_add_term(&m, "c", c, "eta1^2+eta2^2+eta3^2", HF_SYM_NONE, &err), err);
    const double pi = p * HF_GPA_A3 * m.a0 * m.a0 * m.a0;
    const double want = b - 3 * g * g / (4 * c) + (a - 3 * g * pi / (2 * c)) / (R * R);
    REQUIRE_OK(hf_well_form_min(&m, L3, R, p, 4, 1, &f, NULL, &err), err);
    printf("well form under %g GPa: kappa %.10f (exact %.10f), eta0 %.8f (exact %.8f)\n", p,
           f.kappa, want, f.eta0[0], -pi / (2 * c));
    CHECK(fabs(f.kappa - want) < 1e-7 && fabs(f.eta0[0] + pi / (2 * c)) < 1e-12,
          "well form under pressure: kappa %.12g want %.12g, eta0 %.12g", f.kappa, want, f.eta0[0]);
    hf_model_free(&m);
  }

  hf_model_init(&m);
  hf_model_init(&m);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  REQUIRE_OK(hf_quartic_form_min(&m, (int[3]){4, 4, 4}, 4, 2, &f, NULL, &err), err);
  printf("ZVR 1995 on 4x4x4: kappa %.6f eV, participation %.2f, polar %.3f (%d terms)\n", f.kappa,
         f.participation, f.polar, f.nterms);
  CHECK(f.kappa > 0 && f.nterms > 0, "ZVR: kappa %g with %d terms", f.kappa, f.nterms);
  hf_model_free(&m);

  REQUIRE_OK(
      testmodel_one_term(&m, "v", 1, 40.0, "v4", 1.0, "(vx^2+vy^2+vz^2)^2", HF_SYM_NONE, &err),
      err);
  const int rc = hf_quartic_form_min(&m, L3, 1, 1, &f, NULL, &err);
  printf("no u: %s\n", rc ? err.msg : "(accepted)");
  CHECK(rc == HF_FAIL && strstr(err.msg, "no u"), "a model without u: rc %d '%s'", rc, err.msg);
  hf_model_free(&m);
  if (sextic_cases(L3, N)) return 1;
  if (search_objects(argc > 1 ? argv[1] : "models")) return 1;
  if (given_starts(L3, N)) return 1;
  return check_done("test_quartic_form");
}
