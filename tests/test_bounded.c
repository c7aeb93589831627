/* test_bounded.c - fit_bound (fit/bounded.h) against exact cases.
 * Terms a (ux^4 + uy^4 + uz^4) + b (ux^2 uy^2 + uy^2 uz^2 + uz^2 ux^2): on |u| = 1
 * the form is a + (b - 2a) S, S in [0, 1/3], lowest along <111> for b < 2a
 * ((a + b)/3) and concentrated in one cell when negative.  The constraint row
 * there (one cell with |u|^2 = N, per cell) is (8/3, 8/3) on 2^3, so with
 * w0 = (1, -5):
 *  1. Sigma = I: w = w0 + t (1, 1) with 2 t - 4 = 3 eps / 8 (the projection
 *     onto (8/3)(a + b) = eps), i.e. (3, -3) plus 3 eps / 16 each;
 *  2. Sigma = diag(1, 100): the change goes to b 100 times more than to a,
 *     a + b = 3 eps / 8 again;
 *  3. w0 = (1, 1), positive already: nothing moves, no rows, distance 0;
 *  4. a negative elastic term (strain) is raised to eps along its soft strain;
 *  5. rows carried from case 1's solve (fit_bound_cuts) into one from w0 = (2, -6):
 *     the same projection, (4, -4) plus 3 eps / 16 each; into one from (1, 1):
 *     nothing moves;
 *  6. the well form (radius R): A |u|^2 + B |u|^4 from w0 = (-1, 1/2), Sigma = I,
 *     R = 1: its row at the uniform |u_i| = 1 is (1 / R^2, 1) = (1, 1), so
 *     w = (-3/4, 3/4) plus eps / 2 each, the well's edge sqrt(-A / B) then R up to
 *     eps; with R = 2 (B + A / 4 > 0) nothing moves, and the R = 1 row is not
 *     carried into it; it is into an R = 1 solve from (-2, 1): (-3/2, 3/2) plus
 *     eps / 2 each;
 *  7. held coefficients: see held_cases;
 *  8. the sextic form: q |u|^4 + s |u|^6 from w0 = (-1, -1/2), Sigma = I.  The
 *     one-cell minimum's rows are (0, N^2) on each supercell (kappa_in
 *     -N^2 / 2 = -2048 on 4^3), the one on 2^3 binding: s = eps / 64, and the
 *     uniform minimum then has kappa s > 0, so w = (-1, eps / 64) exactly, the
 *     quartic coefficient left negative;
 *  9. with a radius R = 1 the conditions that no well reaches beyond it
 *     (hf_form_well_weights): A |u|^2 + B |u|^4 + C |u|^6 from w0 = (-1, -1/2,
 *     1/2): at the uniform |u_i| = 1 the condition k = 0 (f(R^2) >= 0) is
 *     A + B + C = -1, its row (1, 1, 1), and k = 1 (B + 2C = 1/2) and the top
 *     form (C) hold: w = w0 + (1 + eps) / 3 (1, 1, 1);
 * 10. an omega radius: a |w|^2 + b |w|^4 from (a, b) = (-1/2, 2) (a tilt well
 *     to 0.5 rad) next to a stiff u held (Sigma 0 on its terms), R = 1.3 and
 *     R_w = 0.2 rad: the row at uniform omega of rms R_w / R is
 *     r = (R_w^2, R_w^4) / R^4, so w = w0 + r (eps - r . w0) / |r|^2 (the move
 *     falls mostly on a, the well's edge sqrt(-a / b) ends inside R_w); without
 *     R_w (the mixed metric) nothing moves. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounded.h"
#include "check.h"
#include "quartic_form.h"
#include "testmodels.h"

static hf_model onsite(hf_err *err) {
  hf_model m;
  if (testmodel_one_term(&m, "a", 0, 40.0, "a", 1, "ux^4+uy^4+uz^4", HF_SYM_NONE, err) ||
      hf_model_add_term(&m, "b", 1, "ux^2*uy^2+uy^2*uz^2+uz^2*ux^2", HF_SYM_NONE, err))
    printf("model: %s\n", err->msg);
  return m;
}

/* 7. held coefficients (fit_bound_hold_cov).  Its conditional covariance
 * against the inverse of the precision's free block, ((Sigma^-1)_RR)^-1, on
 * a 4 x 4 Sigma with coefficients 1 and 3 held (inverses by Gauss-Jordan,
 * independent of the LAPACK solve).  Then case 1's a, b with
 * Sigma = [[1, 1/2], [1/2, 1]]: unheld the move is along Sigma (1, 1), a and b
 * by the same amount, (3, -3) plus 3 eps / 16 each; b held at -5, a alone
 * meets (8/3)(a + b) = eps: (5 + 3 eps / 8, -5).  And a held pair tied by an
 * exact constraint (Sigma_HH singular: its pseudo-inverse). */
static void invert(double *A, int n) { /* in place, SPD: no pivoting needed */
  for (int k = 0; k < n; k++) {
    const double p = A[k * n + k];
    A[k * n + k] = 1;
    for (int j = 0; j < n; j++) A[k * n + j] /= p;
    for (int i = 0; i < n; i++) {
      if (i == k) continue;
      const double f = A[i * n + k];
      A[i * n + k] = 0;
      for (int j = 0; j < n; j++) A[i * n + j] -= f * A[k * n + j];
    }
  }
}

static int held_cases(const int L[2][3], hf_err *err) {
  double S[16], P[16], out[16];
  for (int i = 0; i < 4; i++) /* B B^T + I with B[i][j] = sin(1 + i + 3 j): SPD, correlated */
    for (int j = 0; j < 4; j++) {
      double t = i == j;
      for (int k = 0; k < 4; k++) t += sin(1 + i + 3 * k) * sin(1 + j + 3 * k);
      S[i * 4 + j] = P[i * 4 + j] = t;
    }
  const int held[4] = {0, 1, 0, 1};
  REQUIRE_OK(fit_bound_hold_cov(S, 4, held, out, err) != 2, *err);
  invert(P, 4);
  double R[4] = {P[0], P[2], P[8], P[10]}; /* (Sigma^-1) on coefficients 0 and 2 */
  invert(R, 2);
  const int fr[2] = {0, 2};
  double dev = 0, heldmax = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) dev = fmax(dev, fabs(out[fr[a] * 4 + fr[b]] - R[a * 2 + b]));
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      if (held[i] || held[j]) heldmax = fmax(heldmax, fabs(out[i * 4 + j]));
  printf("held covariance: |conditional - ((Sigma^-1)_RR)^-1| %.3g, held rows and columns %g\n",
         dev, heldmax);
  CHECK(dev < 1e-12 && heldmax == 0, "held covariance: deviation %g, held entries %g", dev,
        heldmax);

  /* held coefficients tied by an exact constraint (w0 = w1, the posterior's
   * Sigma_HH singular): w2's conditional variance given w0 is c - a^2 */
  const double a = 0.6, c = 2, T[9] = {1, 1, a, 1, 1, a, a, a, c};
  const int held01[3] = {1, 1, 0};
  double tout[9];
  REQUIRE_OK(fit_bound_hold_cov(T, 3, held01, tout, err) != 2, *err);
  printf("tied held pair: conditional variance %.15g (exact %.15g)\n", tout[8], c - a * a);
  CHECK(fabs(tout[8] - (c - a * a)) < 1e-14 && tout[0] == 0 && tout[2] == 0 && tout[5] == 0,
        "tied held pair: variance %.17g (exact %.17g)", tout[8], c - a * a);

  hf_model m = onsite(err);
  const double w0[2] = {1, -5}, C[4] = {1, 0.5, 0.5, 1}, eps = FIT_BOUND_EPS;
  const int hold_b[2] = {0, 1};
  double Cb[4], w[2];
  fit_bound_report rep;
  REQUIRE_OK(fit_bound(&m, w0, C, 2, L, 2, 1, 0, 0, 0, NULL, w, &rep, err), *err);
  printf("correlated Sigma: w = (%.9f, %.9f), exact (%.9f, %.9f)\n", w[0], w[1], 3 + 3 * eps / 16,
         -3 + 3 * eps / 16);
  CHECK(fabs(w[0] - (3 + 3 * eps / 16)) < 1e-7 && fabs(w[1] - (-3 + 3 * eps / 16)) < 1e-7,
        "correlated Sigma: w (%.10g, %.10g)", w[0], w[1]);
  REQUIRE_OK(fit_bound_hold_cov(C, 2, hold_b, Cb, err) != 1, *err);
  REQUIRE_OK(fit_bound(&m, w0, Cb, 2, L, 2, 1, 0, 0, 0, NULL, w, &rep, err), *err);
  printf("b held: w = (%.9f, %.9f), exact (%.9f, -5); distance %.6f (exact %.6f)\n", w[0], w[1],
         5 + 3 * eps / 8, rep.distance, (4 + 3 * eps / 8) / sqrt(0.75));
  CHECK(fabs(w[0] - (5 + 3 * eps / 8)) < 1e-7 && w[1] == -5 && rep.converged &&
            fabs(rep.distance - (4 + 3 * eps / 8) / sqrt(0.75)) < 1e-6,
        "b held: w (%.10g, %.10g), distance %g", w[0], w[1], rep.distance);
  hf_model_free(&m);
  return 0;
}

/* 8. the searches of a round, and the descents that follow the cut minima
 * after each solve, run on a thread each: the same model on one thread and on
 * two, bit for bit (ZVR 1995 with every other term's sign turned, an
 * unbounded start with many directions to cut; Sigma = I; 2x2x2; the top form
 * and the well form at -4.8 GPa), rows added by following among them; and
 * the result holds against a search it never ran: 64 starts of another seed
 * on each form find nothing below 0. */
static int thread_count_cases(const int L[2][3], const char *models, hf_err *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", models);
  hf_model m;
  REQUIRE_OK(hf_model_load(&m, path, err), *err);
  const int M = m.nterms;
  double *w0 = malloc((size_t)M * sizeof *w0), *S = calloc((size_t)M * M, sizeof *S);
  double *w[2] = {malloc((size_t)M * sizeof(double)), malloc((size_t)M * sizeof(double))};
  for (int t = 0; t < M; t++) w0[t] = (t % 2 ? -1 : 1) * m.terms[t].coef, S[(size_t)t * M + t] = 1;
  const double radius[2] = {0, 1.3};
  for (int k = 0; k < 2; k++) {
    fit_bound_report rep[2];
    for (int n = 0; n < 2; n++) {
      omp_set_num_threads(n + 1);
      REQUIRE_OK(fit_bound(&m, w0, S, M, L, 1, 3, radius[k], 0, -4.8, NULL, w[n], &rep[n], err),
                 *err);
    }
    printf(
        "ZVR, signs turned, radius %g: %d rows (%d followed), %d rounds, kappa %.6g -> %.6g on 1 "
        "thread; %d (%d), %d, %.6g -> %.6g on 2\n",
        radius[k], rep[0].rows, rep[0].followed, rep[0].iterations, rep[0].kappa_in,
        rep[0].kappa_out, rep[1].rows, rep[1].followed, rep[1].iterations, rep[1].kappa_in,
        rep[1].kappa_out);
    CHECK(!memcmp(w[0], w[1], (size_t)M * sizeof(double)) && rep[0].rows == rep[1].rows &&
              rep[0].iterations == rep[1].iterations && rep[0].followed == rep[1].followed &&
              rep[0].rows > 1 && rep[0].converged,
          "radius %g: the bounded coefficients depend on the thread count", radius[k]);
    CHECK(rep[0].followed > 0, "radius %g: no row came from following the cut minima", radius[k]);
    for (int t = 0; t < M; t++) m.terms[t].coef = w[0][t];
    const int nform = radius[k] > 0 ? rep[0].degree / 2 : 1;
    for (int form = 0; form < nform; form++) {
      const int D = rep[0].degree;
      const hf_form_weights wt = hf_form_well_weights(D, form ? form - 1 : D / 2 - 1, radius[k]);
      hf_quartic_form f;
      REQUIRE_OK(hf_form_min(&m, L[0], &wt, -4.8, 64, 777, &f, NULL, err), *err);
      printf("  form %d at the bounded coefficients, 64 fresh starts: %.6g\n", form, f.kappa);
      CHECK(f.kappa >= 0, "radius %g form %d: a fresh search finds %g", radius[k], form, f.kappa);
    }
  }
  free(w0), free(S), free(w[0]), free(w[1]);
  hf_model_free(&m);
  return 0;
}

int main(int argc, char **argv) {
  hf_err err;
  const int L[2][3] = {{2, 2, 2}, {4, 4, 4}};
  const double eps = FIT_BOUND_EPS;
  fit_bound_report rep;
  hf_model m = onsite(&err);
  double w[2], w0[2] = {1, -5}, I[4] = {1, 0, 0, 1};
  REQUIRE_OK(fit_bound(&m, w0, I, 2, L, 2, 1, 0, 0, 0, NULL, w, &rep, &err), err);
  printf(
      "Sigma = I: w = (%.9f, %.9f), exact (%.9f, %.9f); %d rows, %d rounds, kappa %.4g -> "
      "%.4g, distance %.6f (exact %.6f)\n",
      w[0], w[1], 3 + 3 * eps / 16, -3 + 3 * eps / 16, rep.rows, rep.iterations, rep.kappa_in,
      rep.kappa_out, rep.distance, sqrt(2) * (2 + 3 * eps / 16));
  CHECK(fabs(w[0] - (3 + 3 * eps / 16)) < 1e-7 && fabs(w[1] - (-3 + 3 * eps / 16)) < 1e-7,
        "Sigma = I: w (%.10g, %.10g)", w[0], w[1]);
  CHECK(rep.converged && rep.kappa_in < 0 && rep.kappa_out >= 0 &&
            fabs(rep.distance - sqrt(2) * (2 + 3 * eps / 16)) < 1e-6,
        "Sigma = I: converged %d kappa %g -> %g distance %g", rep.converged, rep.kappa_in,
        rep.kappa_out, rep.distance);
  CHECK(m.terms[0].coef == w[0] && m.terms[1].coef == w[1], "the model holds w");

  double D[4] = {1, 0, 0, 100};
  REQUIRE_OK(fit_bound(&m, w0, D, 2, L, 2, 1, 0, 0, 0, NULL, w, &rep, &err), err);
  printf("Sigma = diag(1, 100): w = (%.9f, %.9f): a + b = %.3g (3 eps/8 = %.3g), db/da = %.6f\n",
         w[0], w[1], w[0] + w[1], 3 * eps / 8, (w[1] - w0[1]) / (w[0] - w0[0]));
  CHECK(
      fabs(w[0] + w[1] - 3 * eps / 8) < 1e-9 && fabs((w[1] - w0[1]) / (w[0] - w0[0]) - 100) < 1e-6,
      "Sigma = diag(1, 100): w (%.10g, %.10g)", w[0], w[1]);

  const double w1[2] = {1, 1};
  REQUIRE_OK(fit_bound(&m, w1, I, 2, L, 2, 1, 0, 0, 0, NULL, w, &rep, &err), err);
  printf("bounded already: w = (%g, %g), %d rows, distance %g\n", w[0], w[1], rep.rows,
         rep.distance);
  CHECK(w[0] == 1 && w[1] == 1 && rep.rows == 0 && rep.distance == 0 && rep.converged,
        "bounded already: moved to (%g, %g), %d rows", w[0], w[1], rep.rows);

  fit_bound_cuts cuts = {0};
  REQUIRE_OK(fit_bound(&m, w0, I, 2, L, 2, 1, 0, 0, 0, &cuts, w, &rep, &err), err);
  const int active = cuts.k;
  const double w2[2] = {2, -6};
  REQUIRE_OK(fit_bound(&m, w2, I, 2, L, 2, 7, 0, 0, 0, &cuts, w, &rep, &err), err);
  printf(
      "carried: %d active rows kept; from (2, -6): w = (%.9f, %.9f), exact (%.9f, %.9f), %d of "
      "%d rows carried, %d rounds\n",
      active, w[0], w[1], 4 + 3 * eps / 16, -4 + 3 * eps / 16, rep.carried, rep.rows,
      rep.iterations);
  CHECK(active >= 1 && rep.carried == active && rep.converged &&
            fabs(w[0] - (4 + 3 * eps / 16)) < 1e-7 && fabs(w[1] - (-4 + 3 * eps / 16)) < 1e-7,
        "carried: %d rows, w (%.10g, %.10g)", rep.carried, w[0], w[1]);
  REQUIRE_OK(fit_bound(&m, w1, I, 2, L, 2, 9, 0, 0, 0, &cuts, w, &rep, &err), err);
  CHECK(w[0] == 1 && w[1] == 1 && rep.distance == 0 && rep.converged && cuts.k == 0,
        "carried, bounded already: moved to (%g, %g), %d rows kept", w[0], w[1], cuts.k);
  fit_bound_cuts_free(&cuts);
  hf_model_free(&m);

  /* elastic: (c/2) sum eta_a^2 with c = -1 next to |u|^4: the row at the soft strain
   * (a unit normal strain, per cell sum eta_a^2 = 1) asks c/2 >= eps */
  REQUIRE_OK(testmodel_one_term(&m, "a", 0, 40.0, "u4", 1, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err),
             err);
  m.dof |= HF_DOF_ETA;
  REQUIRE_OK(hf_model_add_term(&m, "c", -0.5, "eta1^2+eta2^2+eta3^2", HF_SYM_NONE, &err), err);
  const double e0[2] = {1, -0.5};
  REQUIRE_OK(fit_bound(&m, e0, I, 2, L, 2, 1, 0, 0, 0, NULL, w, &rep, &err), err);
  printf("negative elastic term: w = (%.9f, %.9f), %d rows (want the second at eps %g)\n", w[0],
         w[1], rep.rows, eps);
  CHECK(w[0] == 1 && fabs(w[1] - eps) < 1e-9 && rep.converged,
        "elastic: w (%.10g, %.10g) converged %d", w[0], w[1], rep.converged);
  CHECK(!fit_term_is_pure_strain(&m.terms[0]) && fit_term_is_pure_strain(&m.terms[1]),
        "pure strain terms: |u|^4 %d, sum eta_a^2 %d", fit_term_is_pure_strain(&m.terms[0]),
        fit_term_is_pure_strain(&m.terms[1]));
  hf_model_free(&m);
  if (held_cases(L, &err)) return 1;

  REQUIRE_OK(testmodel_one_term(&m, "a", 0, 40.0, "u4", 0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err),
             err);
  REQUIRE_OK(hf_model_add_term(&m, "u6", 0, "(ux^2+uy^2+uz^2)^3", HF_SYM_NONE, &err), err);
  const double s0[2] = {-1, -0.5};
  REQUIRE_OK(fit_bound(&m, s0, I, 2, L, 2, 1, 0, 0, 0, NULL, w, &rep, &err), err);
  printf(
      "sextic form: w = (%.12f, %.12f), exact (-1, %.12f); degree %d, kappa %.4g -> %.4g, %d "
      "rows, %d rounds, distance %.9f (exact %.9f)\n",
      w[0], w[1], eps / 64, rep.degree, rep.kappa_in, rep.kappa_out, rep.rows, rep.iterations,
      rep.distance, 0.5 + eps / 64);
  CHECK(w[0] == -1 && fabs(w[1] - eps / 64) < 1e-12 && rep.degree == 6 && rep.converged &&
            fabs(rep.kappa_in + 2048) < 1e-6 && fabs(rep.kappa_out - eps / 64) < 1e-12 &&
            fabs(rep.distance - (0.5 + eps / 64)) < 1e-9,
        "sextic: w (%.12g, %.12g) degree %d", w[0], w[1], rep.degree);
  hf_model_free(&m);

  REQUIRE_OK(testmodel_one_term(&m, "a", 0, 40.0, "u2", 0, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err),
             err);
  REQUIRE_OK(hf_model_add_term(&m, "u4", 0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u6", 0, "(ux^2+uy^2+uz^2)^3", HF_SYM_NONE, &err), err);
  const double g0[3] = {-1, -0.5, 0.5}, I3[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, t = (eps + 1) / 3;
  double w3[3];
  REQUIRE_OK(fit_bound(&m, g0, I3, 3, L, 2, 1, 1.0, 0, 0, NULL, w3, &rep, &err), err);
  printf(
      "degree 6, R = 1: w = (%.12f, %.12f, %.12f), exact (%.12f, %.12f, %.12f); well %.4g -> "
      "%.4g, %d rows, distance %.9f (exact %.9f)\n",
      w3[0], w3[1], w3[2], g0[0] + t, g0[1] + t, g0[2] + t, rep.well_in, rep.well_out, rep.rows,
      rep.distance, t * sqrt(3));
  CHECK(fabs(w3[0] - (g0[0] + t)) < 1e-9 && fabs(w3[1] - (g0[1] + t)) < 1e-9 &&
            fabs(w3[2] - (g0[2] + t)) < 1e-9 && rep.degree == 6 && rep.converged &&
            fabs(rep.well_in + 1) < 1e-7 && rep.well_out > 0 &&
            fabs(rep.distance - t * sqrt(3)) < 1e-9,
        "degree 6 well: w (%.12g, %.12g, %.12g) well %g -> %g", w3[0], w3[1], w3[2], rep.well_in,
        rep.well_out);
  hf_model_free(&m);

  REQUIRE_OK(testmodel_one_term(&m, "a", 0, 40.0, "u2", 0, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err),
             err);
  REQUIRE_OK(hf_model_add_term(&m, "u4", 0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
  const double h0[2] = {-1, 0.5}, h1[2] = {-2, 1};
  fit_bound_cuts wc = {0};
  REQUIRE_OK(fit_bound(&m, h0, I, 2, L, 2, 1, 1.0, 0, 0, &wc, w, &rep, &err), err);
  printf(
      "well form, R = 1: w = (%.9f, %.9f), exact (%.9f, %.9f); well %.4g -> %.4g, quartic "
      "%.4g, %d rows, edge %.6f\n",
      w[0], w[1], -0.75 + eps / 2, 0.75 + eps / 2, rep.well_in, rep.well_out, rep.kappa_out,
      rep.rows, sqrt(-w[0] / w[1]));
  CHECK(fabs(w[0] - (-0.75 + eps / 2)) < 1e-7 && fabs(w[1] - (0.75 + eps / 2)) < 1e-7 &&
            rep.converged && rep.radius == 1 && fabs(rep.well_in + 0.5) < 1e-7 &&
            rep.well_out >= 0 && wc.k == 1 && wc.radius[0] == 1,
        "well form R = 1: w (%.10g, %.10g), well %g -> %g, %d rows kept", w[0], w[1], rep.well_in,
        rep.well_out, wc.k);
  REQUIRE_OK(fit_bound(&m, h0, I, 2, L, 2, 1, 2.0, 0, 0, &wc, w, &rep, &err), err);
  printf("well form, R = 2: w = (%g, %g), %d carried, well %.6f (exact %.6f)\n", w[0], w[1],
         rep.carried, rep.well_in, 0.5 - 1.0 / 4);
  CHECK(w[0] == h0[0] && w[1] == h0[1] && rep.carried == 0 && fabs(rep.well_in - 0.25) < 1e-7,
        "well form R = 2: w (%g, %g), %d carried", w[0], w[1], rep.carried);
  REQUIRE_OK(fit_bound(&m, h0, I, 2, L, 2, 1, 1.0, 0, 0, &wc, w, &rep, &err), err);
  REQUIRE_OK(fit_bound(&m, h1, I, 2, L, 2, 5, 1.0, 0, 0, &wc, w, &rep, &err), err);
  printf("well form, R = 1 again from (-2, 1): w = (%.9f, %.9f), exact (%.9f, %.9f), %d carried\n",
         w[0], w[1], -1.5 + eps / 2, 1.5 + eps / 2, rep.carried);
  CHECK(rep.carried == 1 && fabs(w[0] - (-1.5 + eps / 2)) < 1e-7 &&
            fabs(w[1] - (1.5 + eps / 2)) < 1e-7,
        "well form carried: w (%.10g, %.10g), %d carried", w[0], w[1], rep.carried);
  fit_bound_cuts_free(&wc);
  hf_model_free(&m);

  REQUIRE_OK(testmodel_one_term(&m, "w", 2, 40.0, "w2", 0, "wx^2+wy^2+wz^2", HF_SYM_NONE, &err),
             err);
  m.dof |= HF_DOF_U;
  REQUIRE_OK(hf_model_add_term(&m, "w4", 0, "(wx^2+wy^2+wz^2)^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u2", 0, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "u4", 0, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE, &err), err);
  const double o0[4] = {-0.5, 2, 1, 1}, R = 1.3, Rw = 0.2;
  double S4[16] = {0}, w4[4];
  S4[0] = S4[5] = 1; /* u's terms held */
  REQUIRE_OK(fit_bound(&m, o0, S4, 4, L, 2, 1, R, Rw, 0, NULL, w4, &rep, &err), err);
  const double r[2] = {Rw * Rw / pow(R, 4), pow(Rw, 4) / pow(R, 4)};
  const double lam = (eps - r[0] * o0[0] - r[1] * o0[1]) / (r[0] * r[0] + r[1] * r[1]);
  const double want[2] = {o0[0] + lam * r[0], o0[1] + lam * r[1]};
  printf(
      "omega radius %.2f rad, R %.2f A: w = (%.9f, %.9f), exact (%.9f, %.9f); well %.4g -> "
      "%.4g, edge %.6f rad\n",
      Rw, R, w4[0], w4[1], want[0], want[1], rep.well_in, rep.well_out, sqrt(-w4[0] / w4[1]));
  /* (to 1e-6: the row comes from the search's minimum, found to ~1e-5 in position) */
  CHECK(fabs(w4[0] - want[0]) < 1e-6 && fabs(w4[1] - want[1]) < 1e-6 && w4[2] == 1 && w4[3] == 1 &&
            rep.converged && sqrt(-w4[0] / w4[1]) <= Rw && rep.well_out > 0.99 * eps,
        "omega radius: w (%.12g, %.12g, %g, %g), converged %d, well out %.9g", w4[0], w4[1], w4[2],
        w4[3], rep.converged, rep.well_out);
  REQUIRE_OK(fit_bound(&m, o0, S4, 4, L, 2, 1, R, 0, 0, NULL, w4, &rep, &err), err);
  printf("mixed metric, R %.2f: w = (%g, %g), well %.4g\n", R, w4[0], w4[1], rep.well_in);
  CHECK(w4[0] == o0[0] && w4[1] == o0[1] && rep.well_in > 0, "mixed metric: w (%g, %g)", w4[0],
        w4[1]);
  hf_model_free(&m);
  if (thread_count_cases(L, argc > 1 ? argv[1] : "models", &err)) return 1;
  return check_done("test_bounded");
}
