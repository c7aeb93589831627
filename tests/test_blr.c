/* test_blr.c - the regression core of fit (fit/blr.h), each part against an
 * independent reference:
 *  1. closed form (polynomial features, energy and force rows, Gaussian noise):
 *     with fixed hyperparameters the posterior mean, covariance, prediction and
 *     training residuals equal the textbook formulas evaluated here in long
 *     double on the normalised, column-scaled design (normal equations, matrix
 *     inverse); least squares equals the normal-equation solution; the
 *     evidence-maximising hyperparameters equal a grid maximisation of
 *     ln N(Y~; 0, sigma_v^2 I + sigma_w^2 Phi' Phi'^T) - the N x N marginal
 *     covariance, not the M-space formulas blr.c uses - and the reported log
 *     evidence equals that function at the reported hyperparameters; also with
 *     types that have fewer rows than parameters and leading zero columns;
 *  2. calibration: data drawn from the prior and noise model, fitted with the
 *     true hyperparameters: the truth lies within 1 and 2 posterior sigma at the
 *     Gaussian frequencies, for the coefficients and for predictions (also with
 *     fewer rows than parameters); with evidence hyperparameters and rows well
 *     above parameters the frequencies are close, and the Bayesian error tracks
 *     the actual error of predictions from interpolation to extrapolation (RMS
 *     ratio per quartile of predicted error);
 *  3. rank deficiency (duplicated and zero columns, all-zero data): no NaN, least
 *     squares reports the reduced rank and the minimum-norm solution (from the
 *     normal equations of the independent columns), the Bayesian fit keeps finite
 *     positive variances and the prior one for the zero column;
 *  4. per-type normalisation: scaling the force features and targets by 1000
 *     leaves w, Sigma and the hyperparameters unchanged (but not without
 *     normalisation, and weights do change w); blocks appended one by one and
 *     all at once give the same fit, also after every block (incremental refit);
 *  5. prediction: no allocation (malloc/calloc/realloc are wrapped at link time
 *     and counted), errors equal sqrt(diag(phi Sigma phi^T)) from the returned
 *     Sigma for sparse rows, the max variant agrees with the full one.
 * 10. row weights: blocks appended with weights give the weighted textbook
 *     posterior (row noise sigma_v^2 / wt), log evidence (the weighted N x N
 *     marginal less sum ln(wt) / 2) and its grid maximum, weighted training RMS,
 *     weighted least squares, and for weight 3 the fit of three copies of the
 *     block; sigma_t counts each row wt times; weight 1 is the plain append bit for
 *     bit; weights 0, -1, NaN and infinity are refused and change nothing.
 *
 * Usage: test_blr; exit status 0 = pass. */
#include <lapacke.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#undef I /* complex.h (from lapacke.h): the tests use I as a name */

#include "blr.h"
#include "check.h"

/* ------------------------------------------------ allocation counter (test 5) */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_realloc(void *p, size_t n);
static long alloc_count = 0;
void *__wrap_malloc(size_t n) {
  alloc_count++;
  return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s) {
  alloc_count++;
  return __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n) {
  alloc_count++;
  return __real_realloc(p, n);
}

/* ------------------------------------------------ random numbers */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static double unif(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif()); }

/* ------------------------------------------------ rows kept by the test */

#define MAXR 400
#define MAXM 64
typedef struct {
  int M, n;
  double phi[MAXR * MAXM], y[MAXR];
  double wt[MAXR]; /* row weight (test 10; add_row sets 1) */
  int type[MAXR];
} rows;

static void add_row(rows *r, int type, const double *phi, double y) {
  memcpy(r->phi + (size_t)r->n * r->M, phi, (size_t)r->M * sizeof(double));
  r->y[r->n] = y;
  r->type[r->n] = type;
  r->wt[r->n] = 1;
  r->n++;
}

/* appends rows [from, to) of r to d as one block */
static int append_range(hf_blr_data *d, const rows *r, int from, int to, hf_err *e) {
  return hf_blr_data_append(d, to - from, r->phi + (size_t)from * r->M, r->y + from, r->type + from,
                            e);
}

static int has_nan(const double *x, int n) {
  for (int i = 0; i < n; i++)
    if (!isfinite(x[i])) return 1;
  return 0;
}

/* ------------------------------------------------ long double references */

/* Row scales s_t = h_t / sigma_t (population standard deviation of the targets
 * of type t, each row counted wt times, RMS if that is zero or one row) and
 * column RMS d_j of the row-scaled design (weighted: sum_i wt_i (s phi_ij)^2 / N,
 * N the number of rows), as blr.h defines them. */
static void ref_scales(const rows *r, const double *h, int normalize, long double *s,
                       long double *d) {
  for (int t = 0; t < HF_BLR_NTYPES; t++) {
    long double sum = 0, sq = 0, ws = 0;
    int k = 0;
    for (int i = 0; i < r->n; i++)
      if (r->type[i] == t)
        sum += r->wt[i] * r->y[i], sq += r->wt[i] * (long double)r->y[i] * r->y[i], ws += r->wt[i],
            k++;
    if (!k) {
      s[t] = 0;
      continue;
    }
    long double mean = sum / ws, var = 0;
    for (int i = 0; i < r->n; i++)
      if (r->type[i] == t) var += r->wt[i] * (r->y[i] - mean) * (r->y[i] - mean);
    var /= ws;
    long double sig = (k >= 2 && var > 0) ? sqrtl(var) : sqrtl(sq / ws);
    if (sig == 0) sig = 1;
    s[t] = normalize ? h[t] / sig : h[t];
  }
  long double N = 0;
  for (int i = 0; i < r->n; i++) N += s[r->type[i]] > 0;
  for (int j = 0; j < r->M; j++) {
    long double a = 0;
    for (int i = 0; i < r->n; i++) {
      long double v = s[r->type[i]] * r->phi[(size_t)i * r->M + j];
      a += r->wt[i] * v * v;
    }
    d[j] = a > 0 ? sqrtl(a / N) : 1;
  }
}

/* Inverse of an n x n matrix (Gauss-Jordan, partial pivoting), in place. */
static void ld_inverse(int n, long double *A) {
  long double I[MAXM * MAXM];
  for (int i = 0; i < n * n; i++) I[i] = 0;
  for (int i = 0; i < n; i++) I[i * n + i] = 1;
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int i = c + 1; i < n; i++)
      if (fabsl(A[i * n + c]) > fabsl(A[p * n + c])) p = i;
    for (int k = 0; k < n; k++) {
      long double t = A[c * n + k];
      A[c * n + k] = A[p * n + k], A[p * n + k] = t;
      t = I[c * n + k], I[c * n + k] = I[p * n + k], I[p * n + k] = t;
    }
    long double piv = A[c * n + c];
    for (int k = 0; k < n; k++) A[c * n + k] /= piv, I[c * n + k] /= piv;
    for (int i = 0; i < n; i++) {
      if (i == c) continue;
      long double f = A[i * n + c];
      for (int k = 0; k < n; k++)
        A[i * n + k] -= f * A[c * n + k], I[i * n + k] -= f * I[c * n + k];
    }
  }
  for (int i = 0; i < n * n; i++) A[i] = I[i];
}

/* Textbook posterior (Eqs. 11-12) on Phi' = H Phi D^-1, Y~ = H Y, mapped back:
 * w = D^-1 Sigma' Phi'^T Y~ / sv^2, Sigma = D^-1 Sigma' D^-1; row i's noise
 * variance is sv^2 / wt_i (W = diag wt: Phi'^T W Phi', Phi'^T W Y~). */
static void ref_bayes(const rows *r, const long double *s, const long double *d, double sv,
                      double sw, long double *w, long double *cov) {
  const int M = r->M;
  long double A[MAXM * MAXM] = {0}, b[MAXM] = {0};
  for (int i = 0; i < r->n; i++) {
    long double si = s[r->type[i]];
    if (si == 0) continue;
    long double p[MAXM];
    for (int j = 0; j < M; j++) p[j] = si * r->phi[(size_t)i * M + j] / d[j];
    for (int j = 0; j < M; j++) {
      b[j] += r->wt[i] * p[j] * si * r->y[i];
      for (int k = 0; k < M; k++) A[j * M + k] += r->wt[i] * p[j] * p[k];
    }
  }
  long double v2 = (long double)sv * sv, w2 = (long double)sw * sw;
  for (int j = 0; j < M * M; j++) A[j] /= v2;
  for (int j = 0; j < M; j++) A[j * M + j] += 1 / w2;
  ld_inverse(M, A);
  for (int j = 0; j < M; j++) {
    long double acc = 0;
    for (int k = 0; k < M; k++) acc += A[j * M + k] * b[k];
    w[j] = acc / v2 / d[j];
    for (int k = 0; k < M; k++) cov[j * M + k] = A[j * M + k] / (d[j] * d[k]);
  }
}

/* Weighted least squares on the columns cols[0..nc) by the normal equations
 * (Phi~^T W Phi~) w = Phi~^T W Y~; also returns the weighted residual sum of
 * squares. */
static long double ref_lsq(const rows *r, const long double *s, int nc, const int *cols,
                           long double *w, long double *cov_unscaled) {
  long double A[MAXM * MAXM] = {0}, b[MAXM] = {0};
  for (int i = 0; i < r->n; i++) {
    long double si = s[r->type[i]];
    for (int j = 0; j < nc; j++) {
      long double pj = si * r->phi[(size_t)i * r->M + cols[j]];
      b[j] += r->wt[i] * pj * si * r->y[i];
      for (int k = 0; k < nc; k++)
        A[j * nc + k] += r->wt[i] * pj * si * r->phi[(size_t)i * r->M + cols[k]];
    }
  }
  ld_inverse(nc, A);
  for (int j = 0; j < nc; j++) {
    w[j] = 0;
    for (int k = 0; k < nc; k++) w[j] += A[j * nc + k] * b[k];
  }
  if (cov_unscaled)
    for (int j = 0; j < nc * nc; j++) cov_unscaled[j] = A[j];
  long double rss = 0;
  for (int i = 0; i < r->n; i++) {
    long double si = s[r->type[i]], q = si * r->y[i];
    for (int j = 0; j < nc; j++) q -= si * r->phi[(size_t)i * r->M + cols[j]] * w[j];
    rss += r->wt[i] * q * q;
  }
  return rss;
}

/* ln N(Y~; 0, sv^2 W^-1 + sw^2 P P^T) with P = Phi' (n x M) and W = diag wt
 * (NULL: I), by Cholesky of the n x n marginal covariance. */
static double logml(int n, int M, const double *P, const double *Y, const double *wt, double sv,
                    double sw) {
  static double C[MAXR * MAXR];
  double a[MAXR];
  for (int i = 0; i < n; i++)
    for (int k = 0; k <= i; k++) {
      double acc = 0;
      for (int j = 0; j < M; j++) acc += P[i * M + j] * P[k * M + j];
      C[i * n + k] = sw * sw * acc + (i == k ? sv * sv / (wt ? wt[i] : 1) : 0);
    }
  double logdet = 0;
  for (int j = 0; j < n; j++) {
    double dj = C[j * n + j];
    for (int k = 0; k < j; k++) dj -= C[j * n + k] * C[j * n + k];
    if (!(dj > 0)) return -INFINITY;
    dj = sqrt(dj);
    C[j * n + j] = dj;
    logdet += 2 * log(dj);
    for (int i = j + 1; i < n; i++) {
      double v = C[i * n + j];
      for (int k = 0; k < j; k++) v -= C[i * n + k] * C[j * n + k];
      C[i * n + j] = v / dj;
    }
  }
  double q = 0;
  for (int i = 0; i < n; i++) {
    double v = Y[i];
    for (int k = 0; k < i; k++) v -= C[i * n + k] * a[k];
    a[i] = v / C[i * n + i];
    q += a[i] * a[i];
  }
  return -0.5 * (q + logdet + n * log(2 * M_PI));
}

/* Normalised, column-scaled design P and targets Y as doubles. */
static void ref_design(const rows *r, const long double *s, const long double *d, double *P,
                       double *Y) {
  for (int i = 0; i < r->n; i++) {
    long double si = s[r->type[i]];
    Y[i] = (double)(si * r->y[i]);
    for (int j = 0; j < r->M; j++)
      P[i * r->M + j] = (double)(si * r->phi[(size_t)i * r->M + j] / d[j]);
  }
}

/* ------------------------------------------------ data generators */

/* Energy row f(x) = sum_k w_k x^k (k = 1..M) and force row -f'(x). */
static void poly_rows(int M, double x, double *pe, double *pf) {
  for (int k = 1; k <= M; k++) {
    pe[k - 1] = pow(x, k);
    pf[k - 1] = -k * pow(x, k - 1);
  }
}

static double dot(int M, const double *a, const double *b) {
  double s = 0;
  for (int j = 0; j < M; j++) s += a[j] * b[j];
  return s;
}

/* A fit of d with the hyperparameters fixed at (sv, sw) into *f (initialised
 * here; opts, when not NULL, gets the options used); 1 on failure, reported
 * as a failed check labelled what. */
static int solve_fixed(const hf_blr_data *d, double sv, double sw, hf_blr_fit *f, hf_blr_opts *opts,
                       const char *what) {
  hf_err e;
  hf_blr_opts o;
  hf_blr_opts_default(&o);
  o.sigma_v = sv, o.sigma_w = sw;
  if (opts) *opts = o;
  hf_blr_fit_init(f);
  if (hf_blr_solve(f, d, &o, &e)) {
    CHECK(0, "%s: %s", what, e.msg);
    return 1;
  }
  return 0;
}

/* ------------------------------------------------ 1. closed form */

static rows R1;

static void grid_max(int n, int M, const double *P, const double *Y, const double *wt, double *lsv,
                     double *lsw, double *best) {
  double b = -INFINITY, bv = 0, bw = 0;
  for (double a = -7; a <= 3 + 1e-9; a += 0.1)
    for (double c = -5; c <= 6 + 1e-9; c += 0.1) {
      double l = logml(n, M, P, Y, wt, exp(a), exp(c));
      if (l > b) b = l, bv = a, bw = c;
    }
  CHECK(bv > -6.9 && bv < 2.9 && bw > -4.9 && bw < 5.9, "grid maximum on the boundary (%g, %g)", bv,
        bw);
  double steps[2] = {0.005, 0.00025};
  for (int pass = 0; pass < 2; pass++) {
    double h = steps[pass], cv = bv, cw = bw;
    for (int i = -30; i <= 30; i++)
      for (int k = -30; k <= 30; k++) {
        double l = logml(n, M, P, Y, wt, exp(cv + i * h), exp(cw + k * h));
        if (l > b) b = l, bv = cv + i * h, bw = cw + k * h;
      }
  }
  *lsv = bv, *lsw = bw, *best = b;
}

static void test_closed_form(void) {
  printf("1. closed form\n");
  hf_err e;
  const int M = 4;
  const double wt[4] = {0.3, -1.2, 0.5, 0.8}, noise_e = 0.05, noise_f = 0.2;
  rows *r = &R1;
  r->M = M, r->n = 0;
  for (int i = 0; i < 40; i++) {
    double x = -1.5 + 3 * unif(), pe[4], pf[4];
    poly_rows(M, x, pe, pf);
    if (i % 8 < 3)
      add_row(r, HF_BLR_ENERGY, pe, dot(M, pe, wt) + noise_e * gauss());
    else
      add_row(r, HF_BLR_FORCE_U, pf, dot(M, pf, wt) + noise_f * gauss());
  }
  hf_blr_data d;
  hf_blr_data_init(&d, M, &e);
  if (append_range(&d, r, 0, 13, &e) || append_range(&d, r, 13, 29, &e) ||
      append_range(&d, r, 29, 40, &e)) {
    CHECK(0, "append: %s", e.msg);
    return;
  }
  const double h[HF_BLR_NTYPES] = {1, 1, 1, 1, 1};
  long double s[HF_BLR_NTYPES], dc[MAXM], wref[MAXM], cref[MAXM * MAXM];
  ref_scales(r, h, 1, s, dc);
  CHECK_CLOSE(hf_blr_data_sigma(&d, HF_BLR_ENERGY), (double)(1 / s[HF_BLR_ENERGY]), 1e-12, 0,
              "sigma energy");
  CHECK_CLOSE(hf_blr_data_sigma(&d, HF_BLR_FORCE_U), (double)(1 / s[HF_BLR_FORCE_U]), 1e-12, 0,
              "sigma force");

  /* (a) fixed hyperparameters */
  hf_blr_opts o;
  hf_blr_fit f;
  if (solve_fixed(&d, 0.3, 2.0, &f, &o, "solve")) return;
  ref_bayes(r, s, dc, o.sigma_v, o.sigma_w, wref, cref);
  double wmax = 0, cmax = 0;
  for (int j = 0; j < M; j++) wmax = fmax(wmax, fabs((double)wref[j]));
  for (int j = 0; j < M * M; j++) cmax = fmax(cmax, fabs((double)cref[j]));
  for (int j = 0; j < M; j++) {
    CHECK_CLOSE(f.w[j], (double)wref[j], 1e-10, wmax, "fixed: w_j");
    CHECK_CLOSE(f.sd[j], sqrtl(cref[j * M + j]), 1e-10, 0, "fixed: sd_j");
    CHECK_CLOSE(f.colscale[j], (double)dc[j], 1e-12, 0, "column scale d_j");
    for (int k = 0; k < M; k++)
      CHECK_CLOSE(f.cov[j * M + k], (double)cref[j * M + k], 1e-10, 1e-6 * cmax, "fixed: Sigma_jk");
  }
  printf("  fixed (0.3, 2): w = %.6f %.6f %.6f %.6f (true %.1f %.1f %.1f %.1f)\n", f.w[0], f.w[1],
         f.w[2], f.w[3], wt[0], wt[1], wt[2], wt[3]);
  CHECK(f.iterations == 0 && f.converged, "fixed hyperparameters iterate (%d)", f.iterations);
  static double P[MAXR * MAXM], Y[MAXR];
  ref_design(r, s, dc, P, Y);
  CHECK_CLOSE(f.log_evidence, logml(r->n, M, P, Y, NULL, o.sigma_v, o.sigma_w), 1e-10, 1,
              "fixed: log evidence vs N-space marginal");
  /* prediction: mean phi w, error sqrt(phi Sigma phi^T) */
  for (int q = 0; q < 6; q++) {
    double x = -2 + 4 * unif(), pe[4], pf[4], mean[2], er[2], two[8];
    poly_rows(M, x, pe, pf);
    memcpy(two, pe, sizeof pe), memcpy(two + 4, pf, sizeof pf);
    if (hf_blr_predict(&f, 2, two, mean, er, &e)) CHECK(0, "predict: %s", e.msg);
    for (int k = 0; k < 2; k++) {
      const double *p = two + 4 * k;
      long double mu = 0, var = 0;
      for (int j = 0; j < M; j++) {
        mu += p[j] * wref[j];
        for (int l = 0; l < M; l++) var += p[j] * cref[j * M + l] * p[l];
      }
      CHECK_CLOSE(mean[k], (double)mu, 1e-10, 1e-3, "predicted mean");
      CHECK_CLOSE(er[k], sqrtl(var), 1e-8, 0, "Bayesian error");
    }
  }
  /* training residual RMS per type */
  for (int t = HF_BLR_ENERGY; t <= HF_BLR_FORCE_U; t++) {
    long double rr = 0;
    int k = 0;
    for (int i = 0; i < r->n; i++) {
      if (r->type[i] != t) continue;
      long double q = r->y[i];
      for (int j = 0; j < M; j++) q -= r->phi[i * M + j] * wref[j];
      rr += q * q, k++;
    }
    CHECK_CLOSE(f.rmse[t], sqrtl(rr / k), 1e-8, 0, "training rmse");
  }

  /* (b) least squares */
  hf_blr_opts ol;
  hf_blr_opts_default(&ol);
  ol.method = HF_BLR_LSQ;
  hf_blr_fit fl;
  hf_blr_fit_init(&fl);
  if (hf_blr_solve(&fl, &d, &ol, &e)) {
    CHECK(0, "lsq: %s", e.msg);
    return;
  }
  int cols[4] = {0, 1, 2, 3};
  long double wl[MAXM], cu[MAXM * MAXM];
  long double rss = ref_lsq(r, s, M, cols, wl, cu);
  long double sv2 = rss / (r->n - M);
  CHECK(fl.rank == M, "lsq rank %d", fl.rank);
  CHECK_CLOSE(fl.sigma_v, sqrtl(sv2), 1e-9, 0, "lsq sigma_v = sqrt(rss / (N - M))");
  for (int j = 0; j < M; j++) {
    CHECK_CLOSE(fl.w[j], (double)wl[j], 1e-9, 1e-3, "lsq w_j vs normal equations");
    for (int k = 0; k < M; k++)
      CHECK_CLOSE(fl.cov[j * M + k], (double)(sv2 * cu[j * M + k]), 1e-8,
                  1e-6 * (double)(sv2 * cu[j * M + j]), "lsq Sigma = sigma_v^2 (Phi~^T Phi~)^-1");
  }
  printf("  lsq: rank %d, w = %.6f %.6f %.6f %.6f, sigma_v %.4f\n", fl.rank, fl.w[0], fl.w[1],
         fl.w[2], fl.w[3], fl.sigma_v);

  /* (c) evidence: two data sets, the second with few rows so that the prior matters */
  for (int set = 0; set < 2; set++) {
    rows *rr = r;
    static rows R1b;
    hf_blr_data d2;
    if (set == 1) {
      rr = &R1b;
      rr->M = 5, rr->n = 0;
      const double w5[5] = {0.4, -0.3, 0.2, 0.05, -0.02};
      for (int i = 0; i < 9; i++) {
        double x = -1 + 2 * unif(), pe[5], pf[5];
        poly_rows(5, x, pe, pf);
        add_row(rr, HF_BLR_ENERGY, pe, dot(5, pe, w5) + 0.05 * gauss());
      }
    }
    hf_blr_data_init(&d2, rr->M, &e);
    if (append_range(&d2, rr, 0, rr->n, &e)) CHECK(0, "append: %s", e.msg);
    hf_blr_opts oe;
    hf_blr_opts_default(&oe);
    hf_blr_fit fe;
    hf_blr_fit_init(&fe);
    if (hf_blr_solve(&fe, &d2, &oe, &e)) {
      CHECK(0, "evidence: %s", e.msg);
      continue;
    }
    long double s2[HF_BLR_NTYPES], d2c[MAXM];
    ref_scales(rr, h, 1, s2, d2c);
    ref_design(rr, s2, d2c, P, Y);
    double lsv, lsw, best;
    grid_max(rr->n, rr->M, P, Y, NULL, &lsv, &lsw, &best);
    printf(
        "  evidence set %d (N %d, M %d): sigma_v %.5f sigma_w %.5f (grid %.5f %.5f), "
        "%d iterations, gamma %.3f, ln Z %.6f (grid %.6f)\n",
        set, rr->n, rr->M, fe.sigma_v, fe.sigma_w, exp(lsv), exp(lsw), fe.iterations, fe.gamma,
        fe.log_evidence, best);
    CHECK(fe.converged, "evidence iteration did not converge (%d)", fe.iterations);
    CHECK(fabs(log(fe.sigma_v) - lsv) < 2e-3, "sigma_v %.6g vs grid %.6g", fe.sigma_v, exp(lsv));
    CHECK(fabs(log(fe.sigma_w) - lsw) < 2e-3, "sigma_w %.6g vs grid %.6g", fe.sigma_w, exp(lsw));
    CHECK_CLOSE(fe.log_evidence, logml(rr->n, rr->M, P, Y, NULL, fe.sigma_v, fe.sigma_w), 1e-10, 1,
                "log evidence vs N-space marginal");
    CHECK(fe.log_evidence >= best - 1e-9, "evidence %.10g below the grid maximum %.10g",
          fe.log_evidence, best);
    /* the posterior at the evidence hyperparameters is the textbook one */
    ref_bayes(rr, s2, d2c, fe.sigma_v, fe.sigma_w, wref, cref);
    for (int j = 0; j < rr->M; j++) {
      CHECK_CLOSE(fe.w[j], (double)wref[j], 1e-9, 1e-3, "evidence: w_j");
      CHECK_CLOSE(fe.sd[j], sqrtl(cref[j * rr->M + j]), 1e-9, 0, "evidence: sd_j");
    }
    hf_blr_fit_free(&fe);
    hf_blr_data_free(&d2);
  }
  hf_blr_fit_free(&f);
  hf_blr_fit_free(&fl);
  hf_blr_data_free(&d);
}

/* (d) a type with fewer rows than parameters whose leading columns are zero
 * (e.g. strain terms in the energy rows of unstrained structures): its
 * triangular factor has rows beyond its row count */
static void test_few_rows(void) {
  hf_err e;
  static rows r;
  const int M = 6;
  r.M = M, r.n = 0;
  const double wt[6] = {0.5, -0.2, 0.3, 0.1, -0.4, 0.25};
  for (int i = 0; i < 3; i++) { /* 3 energy rows, columns 0-2 zero */
    double x = -1 + 2 * unif(), p[6] = {0, 0, 0, x * x * x, x * x * x * x, pow(x, 5)};
    add_row(&r, HF_BLR_ENERGY, p, dot(M, p, wt) + 0.01 * gauss());
  }
  for (int i = 0; i < 2; i++) { /* 2 stress rows, only column 1 and 4 */
    double x = -1 + 2 * unif(), p[6] = {0, x, 0, 0, x * x, 0};
    add_row(&r, HF_BLR_STRESS, p, dot(M, p, wt) + 0.01 * gauss());
  }
  for (int i = 0; i < 20; i++) {
    double x = -1 + 2 * unif(), pe[6], pf[6];
    poly_rows(M, x, pe, pf);
    add_row(&r, HF_BLR_FORCE_U, pf, dot(M, pf, wt) + 0.05 * gauss());
  }
  hf_blr_data d;
  hf_blr_data_init(&d, M, &e);
  append_range(&d, &r, 0, 2, &e); /* blocks mixing the types */
  append_range(&d, &r, 2, 9, &e);
  append_range(&d, &r, 9, r.n, &e);
  const double h[HF_BLR_NTYPES] = {1, 1, 1, 1, 1};
  long double s[HF_BLR_NTYPES], dc[MAXM], wref[MAXM], cref[MAXM * MAXM];
  ref_scales(&r, h, 1, s, dc);
  hf_blr_opts o;
  hf_blr_fit f;
  if (solve_fixed(&d, 0.2, 3, &f, &o, "few rows")) return;
  ref_bayes(&r, s, dc, o.sigma_v, o.sigma_w, wref, cref);
  double worst = 0;
  for (int j = 0; j < M; j++) {
    worst = fmax(worst, fabs(f.w[j] - (double)wref[j]) / fabs((double)wref[j]));
    worst = fmax(worst,
                 fabs(f.sd[j] - (double)sqrtl(cref[j * M + j])) / (double)sqrtl(cref[j * M + j]));
  }
  o.method = HF_BLR_LSQ;
  hf_blr_fit fl;
  hf_blr_fit_init(&fl);
  hf_blr_solve(&fl, &d, &o, &e);
  int cols[6] = {0, 1, 2, 3, 4, 5};
  long double wl[MAXM];
  ref_lsq(&r, s, M, cols, wl, NULL);
  for (int j = 0; j < M; j++)
    worst = fmax(worst, fabs(fl.w[j] - (double)wl[j]) / fabs((double)wl[j]));
  printf(
      "  types with fewer rows than parameters, leading zero columns: worst relative "
      "difference %.2e\n",
      worst);
  CHECK(worst < 1e-8, "few rows: w or sd differ from the reference by %.3g", worst);
  hf_blr_fit_free(&f);
  hf_blr_fit_free(&fl);
  hf_blr_data_free(&d);
}

/* ------------------------------------------------ 2. calibration */

static void test_calibration(void) {
  printf("2. calibration\n");
  hf_err e;
  /* (a) truth drawn from the prior, fitted with the true hyperparameters:
   * exact Bayesian calibration, also with fewer rows than parameters */
  {
    const int M = 6, ntrial = 2000;
    const double sv = 0.5, sw = 1.0;
    long in1 = 0, in2 = 0, tot = 0, pin1 = 0, pin2 = 0, ptot = 0;
    double z2 = 0;
    hf_blr_opts o;
    hf_blr_opts_default(&o);
    o.normalize = 0, o.sigma_v = sv, o.sigma_w = sw;
    hf_blr_fit f;
    hf_blr_fit_init(&f);
    for (int trial = 0; trial < ntrial; trial++) {
      const int N = trial % 2 ? 10 : 4; /* over- and underdetermined */
      double phi[10 * 6], y[10], wt[6];
      int type[10];
      /* columns of unit RMS: the scaled coefficients are the coefficients */
      for (int i = 0; i < N * M; i++) phi[i] = gauss();
      for (int j = 0; j < M; j++) {
        double a = 0;
        for (int i = 0; i < N; i++) a += phi[i * M + j] * phi[i * M + j];
        a = sqrt(a / N);
        for (int i = 0; i < N; i++) phi[i * M + j] /= a;
      }
      for (int j = 0; j < M; j++) wt[j] = sw * gauss();
      for (int i = 0; i < N; i++) {
        y[i] = dot(M, phi + i * M, wt) + sv * gauss();
        type[i] = HF_BLR_FORCE_U;
      }
      hf_blr_data d;
      hf_blr_data_init(&d, M, &e);
      if (hf_blr_data_append(&d, N, phi, y, type, &e) || hf_blr_solve(&f, &d, &o, &e)) {
        CHECK(0, "calibration fit: %s", e.msg);
        hf_blr_data_free(&d);
        break;
      }
      for (int j = 0; j < M; j++) {
        double z = fabs(f.w[j] - wt[j]) / f.sd[j];
        in1 += z < 1, in2 += z < 2, tot++;
      }
      double q[4 * 6], mean[4], er[4];
      for (int i = 0; i < 4 * M; i++) q[i] = gauss();
      hf_blr_predict(&f, 4, q, mean, er, &e);
      for (int k = 0; k < 4; k++) {
        double z = (dot(M, q + k * M, wt) - mean[k]) / er[k];
        pin1 += fabs(z) < 1, pin2 += fabs(z) < 2, ptot++, z2 += z * z;
      }
      hf_blr_data_free(&d);
    }
    double c1 = (double)in1 / tot, c2 = (double)in2 / tot, p1 = (double)pin1 / ptot,
           p2 = (double)pin2 / ptot;
    printf(
        "  true hyperparameters: w within 1 sigma %.4f, 2 sigma %.4f (%ld); predictions "
        "%.4f, %.4f, <z^2> %.4f (%ld)\n",
        c1, c2, tot, p1, p2, z2 / ptot, ptot);
    CHECK(fabs(c1 - 0.6827) < 0.02, "coverage 1 sigma %.4f", c1);
    CHECK(fabs(c2 - 0.9545) < 0.01, "coverage 2 sigma %.4f", c2);
    CHECK(fabs(p1 - 0.6827) < 0.025, "prediction coverage 1 sigma %.4f", p1);
    CHECK(fabs(p2 - 0.9545) < 0.012, "prediction coverage 2 sigma %.4f", p2);
    CHECK(fabs(z2 / ptot - 1) < 0.06, "prediction <z^2> %.4f", z2 / ptot);
    hf_blr_fit_free(&f);
  }
  /* (b) evidence hyperparameters, polynomial features, rows well above the
   * parameters (the regime of paper 003); the truth drawn from a prior of the
   * model's form (each term's RMS contribution ~ N(0, tau^2)); predictions from
   * inside the data range to beyond it.  (With few rows and weakly determined
   * directions the evidence underestimates sigma_w and the coverage drops - a
   * property of the approximation, not tested here.) */
  {
    const int M = 5, N = 60, ntrial = 1000, NQ = 20;
    const double tau = 1.0, noise = 0.05;
    long in1 = 0, in2 = 0, tot = 0;
    static double pred[1000 * 20], act[1000 * 20];
    int np = 0, nconv = 0;
    hf_blr_opts o;
    hf_blr_opts_default(&o);
    hf_blr_fit f;
    hf_blr_fit_init(&f);
    for (int trial = 0; trial < ntrial; trial++) {
      double phi[60 * 5], y[60], pf[5], wt[5];
      int type[60];
      for (int i = 0; i < N; i++) {
        poly_rows(M, -1 + 2 * unif(), phi + i * M, pf);
        type[i] = HF_BLR_ENERGY;
      }
      for (int j = 0; j < M; j++) {
        double a = 0;
        for (int i = 0; i < N; i++) a += phi[i * M + j] * phi[i * M + j];
        wt[j] = tau * gauss() / sqrt(a / N);
      }
      for (int i = 0; i < N; i++) y[i] = dot(M, phi + i * M, wt) + noise * gauss();
      hf_blr_data d;
      hf_blr_data_init(&d, M, &e);
      if (hf_blr_data_append(&d, N, phi, y, type, &e) || hf_blr_solve(&f, &d, &o, &e)) {
        CHECK(0, "calibration fit: %s", e.msg);
        hf_blr_data_free(&d);
        break;
      }
      nconv += f.converged;
      for (int j = 0; j < M; j++) {
        double z = fabs(f.w[j] - wt[j]) / f.sd[j];
        in1 += z < 1, in2 += z < 2, tot++;
      }
      double q[20 * 5], mean[20], er[20];
      for (int k = 0; k < NQ; k++) poly_rows(M, -1.3 + 2.6 * unif(), q + k * M, pf);
      hf_blr_predict(&f, NQ, q, mean, er, &e);
      for (int k = 0; k < NQ; k++)
        pred[np] = er[k], act[np] = dot(M, q + k * M, wt) - mean[k], np++;
      hf_blr_data_free(&d);
      hf_blr_fit_free(&f);
    }
    double c1 = (double)in1 / tot, c2 = (double)in2 / tot;
    printf(
        "  evidence hyperparameters: w within 1 sigma %.4f, 2 sigma %.4f (%ld), %d/%d "
        "converged\n",
        c1, c2, tot, nconv, ntrial);
    CHECK(nconv == ntrial, "evidence did not converge in %d trials", ntrial - nconv);
    CHECK(fabs(c1 - 0.6827) < 0.025, "coverage 1 sigma %.4f", c1);
    CHECK(fabs(c2 - 0.9545) < 0.015, "coverage 2 sigma %.4f", c2);
    /* quartiles of the predicted error: RMS actual / RMS predicted */
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < np; i++) lo = fmin(lo, pred[i]), hi = fmax(hi, pred[i]);
    double *srt = malloc((size_t)np * sizeof *srt);
    memcpy(srt, pred, (size_t)np * sizeof *srt);
    /* shell sort */
    for (int gap = np / 2; gap > 0; gap /= 2)
      for (int i = gap; i < np; i++) {
        double t = srt[i];
        int j = i;
        for (; j >= gap && srt[j - gap] > t; j -= gap) srt[j] = srt[j - gap];
        srt[j] = t;
      }
    printf("  predicted error spans %.3g .. %.3g\n", lo, hi);
    CHECK(hi > 10 * lo, "predictions do not span interpolation and extrapolation");
    for (int qb = 0; qb < 4; qb++) {
      double a = srt[qb * np / 4], b = qb == 3 ? INFINITY : srt[(qb + 1) * np / 4];
      double sa = 0, sp = 0;
      int k = 0;
      for (int i = 0; i < np; i++)
        if (pred[i] >= a && pred[i] < b) sa += act[i] * act[i], sp += pred[i] * pred[i], k++;
      double ratio = sqrt(sa / sp);
      printf("  quartile %d (error %.3g..%.3g, %d rows): RMS actual / RMS predicted = %.3f\n", qb,
             a, qb == 3 ? hi : b, k, ratio);
      CHECK(fabs(ratio - 1) < 0.12, "quartile %d: actual/predicted %.3f", qb, ratio);
    }
    free(srt);
  }
}

/* ------------------------------------------------ 3. rank deficiency */

static void test_rank_deficiency(void) {
  printf("3. rank deficiency\n");
  hf_err e;
  static rows r;
  const int M = 5; /* columns x, x^2, x (again), 0, x^3 */
  r.M = M, r.n = 0;
  for (int i = 0; i < 30; i++) {
    double x = -1 + 2 * unif(), p[5] = {x, x * x, x, 0, x * x * x};
    add_row(&r, HF_BLR_ENERGY, p, x - 0.5 * x * x + 0.25 * x * x * x + 0.01 * gauss());
  }
  hf_blr_data d;
  hf_blr_data_init(&d, M, &e);
  append_range(&d, &r, 0, 30, &e);
  hf_blr_opts o;
  hf_blr_opts_default(&o);
  o.method = HF_BLR_LSQ;
  hf_blr_fit f;
  hf_blr_fit_init(&f);
  if (hf_blr_solve(&f, &d, &o, &e)) {
    CHECK(0, "lsq: %s", e.msg);
    return;
  }
  const double h[HF_BLR_NTYPES] = {1, 1, 1, 1, 1};
  long double s[HF_BLR_NTYPES], dc[MAXM], wl[3];
  ref_scales(&r, h, 1, s, dc);
  const int cols[3] = {0, 1, 4};
  ref_lsq(&r, s, 3, cols, wl, NULL);
  const double expect[5] = {(double)wl[0] / 2, (double)wl[1], (double)wl[0] / 2, 0, (double)wl[2]};
  printf("  lsq: rank %d, w = %.6f %.6f %.6f %.6f %.6f\n", f.rank, f.w[0], f.w[1], f.w[2], f.w[3],
         f.w[4]);
  CHECK(f.rank == 3, "lsq rank %d (expected 3)", f.rank);
  for (int j = 0; j < M; j++) CHECK_CLOSE(f.w[j], expect[j], 1e-9, 1e-9, "minimum-norm w_j");
  CHECK(!has_nan(f.w, M) && !has_nan(f.cov, M * M) && !has_nan(f.sd, M), "lsq: NaN in output");
  CHECK(f.sd[3] == 0, "lsq: zero column has variance %g", f.sd[3]);
  double q[2 * 5] = {0.3, 0.09, 0.3, 0, 0.027, 1, 2, 3, 4, 5}, mean[2], er[2];
  hf_blr_predict(&f, 2, q, mean, er, &e);
  CHECK(!has_nan(mean, 2) && !has_nan(er, 2), "lsq: NaN in prediction");
  for (int k = 0; k < 2; k++) { /* the rank-3 factor against the returned Sigma */
    long double var = 0;
    for (int j = 0; j < M; j++)
      for (int l = 0; l < M; l++)
        var += (long double)q[k * M + j] * f.cov[j * M + l] * q[k * M + l];
    CHECK_CLOSE(er[k], sqrtl(var), 1e-8, 1e-12, "lsq: error of a rank-deficient fit");
  }

  /* Bayesian, evidence */
  hf_blr_opts_default(&o);
  hf_blr_fit fb;
  hf_blr_fit_init(&fb);
  if (hf_blr_solve(&fb, &d, &o, &e)) {
    CHECK(0, "bayes: %s", e.msg);
    return;
  }
  printf(
      "  bayes: w = %.6f %.6f %.6f %.6f %.6f, sd = %.3g %.3g %.3g %.3g %.3g, rank %d, "
      "%d iterations\n",
      fb.w[0], fb.w[1], fb.w[2], fb.w[3], fb.w[4], fb.sd[0], fb.sd[1], fb.sd[2], fb.sd[3], fb.sd[4],
      fb.rank, fb.iterations);
  CHECK(!has_nan(fb.w, M) && !has_nan(fb.cov, M * M) && !has_nan(fb.sd, M) &&
            isfinite(fb.log_evidence),
        "bayes: non-finite output");
  for (int j = 0; j < M; j++) CHECK(fb.sd[j] > 0, "bayes: sd_%d = %g", j, fb.sd[j]);
  CHECK(fb.converged, "bayes: not converged");
  CHECK_CLOSE(fb.w[0], fb.w[2], 1e-9, 1e-9, "bayes: duplicated columns share the weight");
  CHECK(fabs(fb.w[0] + fb.w[2] - (double)wl[0]) < 3 * (fb.sd[0] + fb.sd[2]),
        "bayes: combined weight %.6f vs %.6f", fb.w[0] + fb.w[2], (double)wl[0]);
  CHECK_CLOSE(fb.sd[3], fb.sigma_w, 1e-12, 0, "bayes: zero column keeps the prior");
  CHECK(fb.w[3] == 0, "bayes: zero column weight %g", fb.w[3]);
  hf_blr_predict(&fb, 2, q, mean, er, &e);
  CHECK(!has_nan(mean, 2) && !has_nan(er, 2), "bayes: NaN in prediction");

  /* all-zero data: nothing to learn, still no NaN */
  hf_blr_data z;
  hf_blr_data_init(&z, 3, &e);
  double zp[4 * 3] = {0}, zy[4] = {0};
  int zt[4] = {HF_BLR_ENERGY, HF_BLR_FORCE_U, HF_BLR_FORCE_U, HF_BLR_STRESS};
  hf_blr_data_append(&z, 4, zp, zy, zt, &e);
  for (int method = 0; method < 2; method++) {
    hf_blr_opts_default(&o);
    o.method = method;
    hf_blr_fit fz;
    hf_blr_fit_init(&fz);
    if (hf_blr_solve(&fz, &z, &o, &e)) {
      CHECK(0, "zero data: %s", e.msg);
      continue;
    }
    CHECK(!has_nan(fz.w, 3) && !has_nan(fz.sd, 3) && !has_nan(fz.cov, 9) && !isnan(fz.sigma_v),
          "zero data (%s): NaN", method ? "lsq" : "bayes");
    CHECK(fz.w[0] == 0 && fz.w[1] == 0 && fz.w[2] == 0, "zero data: w not zero");
    if (method == HF_BLR_LSQ) CHECK(fz.rank == 0, "zero data: rank %d", fz.rank);
    double zq[3] = {1, 2, 3}, zm, ze;
    hf_blr_predict(&fz, 1, zq, &zm, &ze, &e);
    CHECK(isfinite(zm) && isfinite(ze), "zero data: prediction not finite");
    hf_blr_fit_free(&fz);
  }
  /* errors are reported, not printed */
  hf_blr_fit fe;
  hf_blr_fit_init(&fe);
  hf_blr_data empty;
  hf_blr_data_init(&empty, 3, &e);
  CHECK(hf_blr_solve(&fe, &empty, &o, &e) == HF_FAIL, "empty data set fitted");
  double bad = NAN;
  int bt = HF_BLR_ENERGY;
  CHECK(hf_blr_data_append(&empty, 1, zp, &bad, &bt, &e) == HF_FAIL && empty.nrows == 0,
        "NaN target accepted");
  bt = 7;
  CHECK(hf_blr_data_append(&empty, 1, zp, zy, &bt, &e) == HF_FAIL, "bad type accepted");
  CHECK(hf_blr_predict(&fe, 1, zp, zy, NULL, &e) == HF_FAIL, "prediction without a fit");
  hf_blr_data_free(&empty);
  hf_blr_data_free(&z);
  hf_blr_fit_free(&f);
  hf_blr_fit_free(&fb);
  hf_blr_data_free(&d);
}

/* ------------------------------------------------ 4. normalisation */

/* Blocks of one energy, five u-force and six stress rows; the truth has an x^5
 * term outside the basis so that the weighting of the types matters. */
static void make_blocks(rows *r, double fscale) {
  const int M = 4;
  const double wt[4] = {0.3, -1.2, 0.5, 0.8};
  uint64_t keep = rng_state;
  rng_state = 777;
  r->M = M, r->n = 0;
  for (int b = 0; b < 12; b++) {
    double x = -1.2 + 2.4 * unif(), pe[4], pf[4];
    poly_rows(M, x, pe, pf);
    add_row(r, HF_BLR_ENERGY, pe, dot(M, pe, wt) + 0.3 * pow(x, 5) + 0.01 * gauss());
    for (int k = 0; k < 5; k++) {
      x = -1.2 + 2.4 * unif();
      poly_rows(M, x, pe, pf);
      for (int j = 0; j < M; j++) pf[j] *= fscale;
      add_row(r, HF_BLR_FORCE_U, pf,
              fscale * (dot(M, pf, wt) / fscale - 1.5 * pow(x, 4) + 0.05 * gauss()));
    }
    for (int k = 0; k < 6; k++) {
      x = -1.2 + 2.4 * unif();
      double ps[4] = {x / 2, x * x, 1.5 * x * x * x, 2 * pow(x, 4)};
      add_row(r, HF_BLR_STRESS, ps, dot(M, ps, wt) + 0.2 * pow(x, 5) + 0.02 * gauss());
    }
  }
  rng_state = keep;
}

static int fit_rows(const rows *r, const hf_blr_opts *o, int blockwise, hf_blr_fit *f) {
  hf_err e;
  hf_blr_data d;
  hf_blr_data_init(&d, r->M, &e);
  int rc = 0;
  if (blockwise) {
    for (int b = 0; b < r->n && !rc; b += 12) rc = append_range(&d, r, b, b + 12, &e);
  } else {
    rc = append_range(&d, r, 0, r->n, &e);
  }
  if (!rc) rc = hf_blr_solve(f, &d, o, &e);
  if (rc) CHECK(0, "fit: %s", e.msg);
  hf_blr_data_free(&d);
  return rc;
}

static double max_rel_diff(int n, const double *a, const double *b) {
  double m = 0, s = 0;
  for (int i = 0; i < n; i++) s = fmax(s, fabs(b[i]));
  for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]) / s);
  return m;
}

static void test_normalisation(void) {
  printf("4. per-type normalisation\n");
  static rows r1, r2;
  make_blocks(&r1, 1.0);
  make_blocks(&r2, 1000.0);
  for (int method = 0; method < 2; method++) {
    hf_blr_opts o;
    hf_blr_opts_default(&o);
    o.method = method;
    hf_blr_fit a, b;
    hf_blr_fit_init(&a), hf_blr_fit_init(&b);
    if (fit_rows(&r1, &o, 1, &a) || fit_rows(&r2, &o, 1, &b)) return;
    const int M = r1.M;
    double dw = max_rel_diff(M, b.w, a.w), dc = max_rel_diff(M * M, b.cov, a.cov);
    printf("  %s: forces x1000 change w by %.2e, Sigma by %.2e (relative); sigma_v %.6f vs %.6f\n",
           method ? "lsq" : "bayes", dw, dc, b.sigma_v, a.sigma_v);
    CHECK(dw < 1e-10, "w changed by %.3g", dw);
    CHECK(dc < 1e-9, "Sigma changed by %.3g", dc);
    CHECK_CLOSE(b.sigma_v, a.sigma_v, 1e-10, 0, "sigma_v");
    if (method == HF_BLR_BAYES) {
      CHECK_CLOSE(b.sigma_w, a.sigma_w, 1e-9, 0, "sigma_w");
      CHECK_CLOSE(b.log_evidence, a.log_evidence, 1e-10, 1, "log evidence");
    }
    CHECK_CLOSE(b.rmse[HF_BLR_FORCE_U], 1000 * a.rmse[HF_BLR_FORCE_U], 1e-8, 0, "force rmse x1000");
    CHECK_CLOSE(b.noise[HF_BLR_FORCE_U], 1000 * a.noise[HF_BLR_FORCE_U], 1e-8, 0,
                "force noise x1000");
    CHECK_CLOSE(b.rmse[HF_BLR_STRESS], a.rmse[HF_BLR_STRESS], 1e-8, 0, "stress rmse unchanged");
    /* sensitivity: without normalisation the scaling matters, and so do weights */
    hf_blr_opts on = o;
    on.normalize = 0;
    hf_blr_fit c, c2, wgt;
    hf_blr_fit_init(&c), hf_blr_fit_init(&c2), hf_blr_fit_init(&wgt);
    fit_rows(&r1, &on, 1, &c);
    fit_rows(&r2, &on, 1, &c2);
    hf_blr_opts ow = o;
    ow.weight[HF_BLR_FORCE_U] = 3;
    fit_rows(&r1, &ow, 1, &wgt);
    double dn = max_rel_diff(M, c2.w, c.w), dh = max_rel_diff(M, wgt.w, a.w);
    printf("  %s: without normalisation forces x1000 change w by %.2e; force weight 3 by %.2e\n",
           method ? "lsq" : "bayes", dn, dh);
    CHECK(dn > 1e-3, "unnormalised fit insensitive to the force units (%.3g)", dn);
    CHECK(dh > 1e-3, "weights ignored (%.3g)", dh);
    /* one block at once vs block by block */
    hf_blr_fit one;
    hf_blr_fit_init(&one);
    fit_rows(&r1, &o, 0, &one);
    double d1 = max_rel_diff(M, one.w, a.w);
    CHECK(d1 < 1e-11, "blockwise vs single block: w differs by %.3g", d1);
    hf_blr_fit_free(&a), hf_blr_fit_free(&b), hf_blr_fit_free(&c), hf_blr_fit_free(&c2);
    hf_blr_fit_free(&wgt), hf_blr_fit_free(&one);
  }
  /* incremental: after each appended block the refit equals a fit of a data set
   * built from scratch from all rows so far in one block */
  {
    hf_err e;
    hf_blr_opts o;
    hf_blr_opts_default(&o);
    hf_blr_data d;
    hf_blr_data_init(&d, r1.M, &e);
    hf_blr_fit inc, scratch;
    hf_blr_fit_init(&inc);
    int iters = 0, nfit = 0;
    double worst = 0;
    for (int b = 0; b < r1.n; b += 12) {
      append_range(&d, &r1, b, b + 12, &e);
      if (hf_blr_solve(&inc, &d, &o, &e)) {
        CHECK(0, "incremental: %s", e.msg);
        break;
      }
      hf_blr_data d0;
      hf_blr_data_init(&d0, r1.M, &e);
      append_range(&d0, &r1, 0, b + 12, &e);
      hf_blr_fit_init(&scratch);
      hf_blr_solve(&scratch, &d0, &o, &e);
      CHECK(inc.converged, "incremental fit %d not converged", nfit);
      iters += inc.iterations, nfit++;
      worst = fmax(worst, max_rel_diff(r1.M, inc.w, scratch.w));
      worst = fmax(worst, fabs(log(inc.sigma_w / scratch.sigma_w)));
      worst = fmax(worst, fabs(log(inc.sigma_v / scratch.sigma_v)));
      hf_blr_fit_free(&scratch);
      hf_blr_data_free(&d0);
    }
    printf(
        "  incremental refits (%d): differ from fits from scratch by %.2e; %.1f evidence "
        "iterations per fit\n",
        nfit, worst, (double)iters / nfit);
    CHECK(worst < 1e-8, "incremental refit differs from a fit from scratch by %.3g", worst);
    hf_blr_fit_free(&inc);
    hf_blr_data_free(&d);
  }
}

/* ------------------------------------------------ 5. prediction */

static void test_prediction(void) {
  printf("5. prediction\n");
  hf_err e;
  const int M = 40, N = 300, m = 57;
  double *phi = malloc((size_t)N * M * sizeof *phi), *y = malloc(N * sizeof *y);
  int *type = malloc(N * sizeof *type);
  double wt[40];
  for (int j = 0; j < M; j++) wt[j] = gauss() * pow(10.0, (j % 5) - 2); /* mixed units */
  for (int i = 0; i < N; i++) {
    type[i] = i % HF_BLR_NTYPES;
    for (int j = 0; j < M; j++)
      phi[i * M + j] = (unif() < 0.4 ? 0 : gauss()) * pow(10.0, 2 - (j % 5));
    y[i] = dot(M, phi + i * M, wt) + 0.1 * gauss();
  }
  hf_blr_data d;
  hf_blr_data_init(&d, M, &e);
  hf_blr_data_append(&d, N / 2, phi, y, type, &e);
  hf_blr_data_append(&d, N - N / 2, phi + (N / 2) * M, y + N / 2, type + N / 2, &e);
  for (int method = 0; method < 2; method++) {
    hf_blr_opts o;
    hf_blr_opts_default(&o);
    o.method = method;
    hf_blr_fit f;
    hf_blr_fit_init(&f);
    long before = alloc_count;
    if (hf_blr_solve(&f, &d, &o, &e)) {
      CHECK(0, "solve: %s", e.msg);
      continue;
    }
    CHECK(alloc_count > before, "allocation counter does not count");
    double q[57 * 40], mean[57], er[57];
    int qt[57];
    for (int i = 0; i < m; i++) {
      qt[i] = (i * 7) % HF_BLR_NTYPES;
      for (int j = 0; j < M; j++)
        q[i * M + j] = (unif() < 0.5 ? 0 : gauss()) * pow(10.0, 2 - (j % 5));
    }
    hf_blr_maxerr mx;
    before = alloc_count;
    for (int rep = 0; rep < 50; rep++) {
      hf_blr_predict(&f, m, q, mean, er, &e);
      hf_blr_predict_max(&f, m, q, qt, &mx, &e);
    }
    long used = alloc_count - before;
    printf("  %s: %ld allocations in 100 prediction calls\n", method ? "lsq" : "bayes", used);
    CHECK(used == 0, "prediction allocated %ld times", used);
    /* against the returned covariance */
    double worst = 0;
    for (int i = 0; i < m; i++) {
      long double var = 0, mu = 0;
      for (int j = 0; j < M; j++) {
        mu += q[i * M + j] * f.w[j];
        for (int k = 0; k < M; k++)
          var += (long double)q[i * M + j] * f.cov[j * M + k] * q[i * M + k];
      }
      worst = fmax(worst, (double)(fabsl(er[i] - sqrtl(var)) / sqrtl(var)));
      CHECK_CLOSE(mean[i], (double)mu, 1e-10, 1e-3, "mean");
    }
    printf("  %s: error vs sqrt(phi Sigma phi^T): worst relative difference %.2e\n",
           method ? "lsq" : "bayes", worst);
    CHECK(worst < 1e-7, "Bayesian error differs from phi Sigma phi^T by %.3g", worst);
    /* max variant */
    double fmaxe = 0;
    int frow = -1;
    for (int t = 0; t < HF_BLR_NTYPES; t++) {
      double best = 0;
      int row = -1;
      for (int i = 0; i < m; i++)
        if (qt[i] == t && (row < 0 || er[i] > best)) best = er[i], row = i;
      CHECK(mx.row[t] == row && mx.err[t] == best, "max of %s: %g (row %d) vs %g (row %d)",
            hf_blr_type_name(t), mx.err[t], mx.row[t], best, row);
      if (t >= HF_BLR_FORCE_U && t <= HF_BLR_FORCE_W && best > fmaxe) fmaxe = best, frow = row;
    }
    CHECK(mx.force == fmaxe && mx.force_row == frow, "max force error %g vs %g", mx.force, fmaxe);
    /* the coefficient standard deviations are the diagonal */
    for (int j = 0; j < M; j++) CHECK_CLOSE(f.sd[j], sqrt(f.cov[j * M + j]), 1e-14, 0, "sd");
    hf_blr_fit_free(&f);
  }
  hf_blr_data_free(&d);
  free(phi), free(y), free(type);
}

/* A column at round-off level (a term that vanishes on the training cells
 * up to 1e-17 noise) is unseen: its coefficient stays exactly 0 and the
 * others are those of the fit without it; scaled up as a feature it would
 * fit the noise with a coefficient ~1e15. */
static void test_unseen_column(void) {
  printf("7. unseen (round-off) column\n");
  static rows r4, r3;
  r4.M = 4, r4.n = 0, r3.M = 3, r3.n = 0;
  for (int i = 0; i < 40; i++) {
    double x = -1 + 2 * unif(), p4[4] = {x, x * x, 1e-17 * gauss(), x * x * x};
    double p3[3] = {p4[0], p4[1], p4[3]}, y = x - 0.5 * x * x + 0.25 * x * x * x + 0.01 * gauss();
    add_row(&r4, HF_BLR_ENERGY, p4, y);
    add_row(&r3, HF_BLR_ENERGY, p3, y);
  }
  for (int method = HF_BLR_BAYES; method <= HF_BLR_LSQ; method++) {
    hf_blr_opts o;
    hf_blr_opts_default(&o);
    o.method = method;
    hf_blr_fit f4, f3;
    hf_blr_fit_init(&f4);
    hf_blr_fit_init(&f3);
    if (fit_rows(&r4, &o, 0, &f4) || fit_rows(&r3, &o, 0, &f3)) return;
    printf("  %s: w = %.6f %.6f %.3g %.6f (without the column: %.6f %.6f %.6f)\n",
           method == HF_BLR_BAYES ? "bayes" : "lsq", f4.w[0], f4.w[1], f4.w[2], f4.w[3], f3.w[0],
           f3.w[1], f3.w[2]);
    CHECK(f4.w[2] == 0, "unseen column: coefficient %g (expected exactly 0)", f4.w[2]);
    CHECK(f4.nunseen == 1 && f4.unseen[2] && !f4.unseen[0] && !f4.unseen[1] && !f4.unseen[3] &&
              f3.nunseen == 0,
          "unseen columns reported: %d (expected column 2 alone), without it %d", f4.nunseen,
          f3.nunseen);
    const double w4[3] = {f4.w[0], f4.w[1], f4.w[3]};
    CHECK(max_rel_diff(3, w4, f3.w) < 1e-9,
          "the seen coefficients differ from the 3-column fit by %.2g", max_rel_diff(3, w4, f3.w));
    hf_blr_fit_free(&f4);
    hf_blr_fit_free(&f3);
  }
}

/* N energy rows of M random columns of unequal scales, targets X wt + noise 0.01. */
static void random_rows(int M, int N, const double *wt, double *X, double *y, int *type) {
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < M; j++) X[i * M + j] = gauss() * (1 + j);
    y[i] = dot(M, X + i * M, wt) + 0.01 * gauss();
    type[i] = HF_BLR_ENERGY;
  }
}

/* A data set of one block of N rows (M columns), an empty fit, and LSQ options. */
static void one_block(hf_blr_data *d, hf_blr_fit *f, hf_blr_opts *o, int M, int N, const double *X,
                      const double *y, const int *type) {
  hf_err e;
  hf_blr_fit_init(f);
  CHECK(hf_blr_data_init(d, M, &e) == HF_OK, "init: %s", e.msg);
  CHECK(hf_blr_data_append(d, N, X, y, type, &e) == HF_OK, "append: %s", e.msg);
  hf_blr_opts_default(o);
  o->method = HF_BLR_LSQ;
}

/* Exact linear constraints (hf_blr_solve_constrained).  LSQ against the
 * constrained least-squares solution from the KKT system (LAPACK dgesv), with
 * a dependent third constraint; BAYES: the posterior mean and covariance live
 * in the null space, and a row along a constrained direction has no error. */
static void test_constraints(void) {
  enum { M = 6, N = 40, NC = 3 };
  double X[N * M], y[N], A[NC * M], wt[M];
  int type[N];
  for (int j = 0; j < 2 * M; j++) A[j] = gauss();
  for (int j = 0; j < M; j++) A[2 * M + j] = A[j] - 2 * A[M + j]; /* dependent */
  /* w_true in the null space: a random vector minus its projection on the rows */
  for (int j = 0; j < M; j++) wt[j] = gauss();
  double G[4] = {0}, h[2] = {0};
  for (int a = 0; a < 2; a++) {
    for (int b = 0; b < 2; b++) G[a * 2 + b] = dot(M, A + a * M, A + b * M);
    h[a] = dot(M, A + a * M, wt);
  }
  double det = G[0] * G[3] - G[1] * G[2];
  double l0 = (G[3] * h[0] - G[1] * h[1]) / det, l1 = (G[0] * h[1] - G[2] * h[0]) / det;
  for (int j = 0; j < M; j++) wt[j] -= l0 * A[j] + l1 * A[M + j];
  random_rows(M, N, wt, X, y, type);
  /* reference: [[X^T X, A12^T], [A12, 0]] [w; mu] = [X^T y; 0] (the two independent rows) */
  enum { K = M + 2 };
  double KKT[K * K] = {0}, rhs[K] = {0};
  lapack_int piv[K];
  for (int a = 0; a < M; a++) {
    for (int b = 0; b < M; b++)
      for (int i = 0; i < N; i++) KKT[a * K + b] += X[i * M + a] * X[i * M + b];
    for (int i = 0; i < N; i++) rhs[a] += X[i * M + a] * y[i];
    for (int c = 0; c < 2; c++) KKT[a * K + M + c] = KKT[(M + c) * K + a] = A[c * M + a];
  }
  CHECK(LAPACKE_dgesv(LAPACK_ROW_MAJOR, K, 1, KKT, K, piv, rhs, 1) == 0, "KKT solve");
  hf_err e;
  hf_blr_data d;
  hf_blr_fit f;
  hf_blr_opts o;
  one_block(&d, &f, &o, M, N, X, y, type);
  CHECK(hf_blr_solve_constrained(&f, &d, &o, A, NC, &e) == HF_OK, "LSQ: %s", e.msg);
  double dev = 0, wn = 0, an = 0;
  for (int j = 0; j < M; j++) {
    dev = fmax(dev, fabs(f.w[j] - rhs[j]));
    wn = fmax(wn, fabs(rhs[j]));
  }
  for (int c = 0; c < NC; c++) an = fmax(an, fabs(dot(M, A + c * M, f.w)));
  printf("constrained LSQ: %d free of %d, |w - w_KKT| %.2e of %.2e, |A w| %.2e\n", f.nfree, M, dev,
         wn, an);
  CHECK(f.nfree == M - 2, "free coefficients %d, expected %d (one constraint dependent)", f.nfree,
        M - 2);
  CHECK(dev < 1e-10 * wn && an < 1e-12 * wn, "LSQ: KKT %.2e, constraint %.2e", dev, an);
  o.method = HF_BLR_BAYES;
  CHECK(hf_blr_solve_constrained(&f, &d, &o, A, NC, &e) == HF_OK, "BAYES: %s", e.msg);
  double aw = 0, asa = 0, tr = 0, wdev = 0;
  for (int c = 0; c < NC; c++) {
    aw = fmax(aw, fabs(dot(M, A + c * M, f.w)));
    double q = 0; /* a Sigma a^T */
    for (int a = 0; a < M; a++)
      for (int b = 0; b < M; b++) q += A[c * M + a] * f.cov[a * M + b] * A[c * M + b];
    asa = fmax(asa, fabs(q));
  }
  for (int j = 0; j < M; j++) {
    tr += f.cov[j * M + j];
    wdev = fmax(wdev, fabs(f.w[j] - wt[j]));
  }
  double err1;
  CHECK(hf_blr_predict(&f, 1, A, NULL, &err1, &e) == HF_OK, "predict: %s", e.msg);
  printf(
      "constrained BAYES: |A w| %.2e, max a Sigma a^T %.2e (trace %.2e), |w - w_true| %.2e, "
      "error along a constraint %.2e\n",
      aw, asa, tr, wdev, err1);
  CHECK(f.nfree == M - 2 && aw < 1e-12 * wn && asa < 1e-12 * tr && err1 < 1e-6 * sqrt(tr),
        "BAYES: the posterior leaves the null space");
  CHECK(wdev < 0.05 * wn, "BAYES: w off w_true by %.3g", wdev);
  /* an all-zero constraint is no constraint; one row per coefficient leaves none */
  double Z[M] = {0}, I[M * M] = {0};
  for (int j = 0; j < M; j++) I[j * M + j] = 1;
  CHECK(hf_blr_solve_constrained(&f, &d, &o, Z, 1, &e) == HF_OK && f.nfree == M,
        "zero constraint: nfree %d", f.nfree);
  CHECK(
      hf_blr_solve_constrained(&f, &d, &o, I, M, &e) == HF_FAIL && strstr(e.msg, "no coefficient"),
      "full-rank constraints: '%s'", e.msg);
  hf_blr_fit_free(&f);
  hf_blr_data_free(&d);
}

/* Held coefficients (hf_blr_solve_held) with a constraint on all columns.
 * LSQ against the KKT solution of min |X_F w_F - (y - X_H w0_H)| subject to
 * A_F w_F = 0; BAYES: the held ones come back bit for bit, without variance,
 * and a row along a held column has no Bayesian error. */
static void test_held(void) {
  enum { M = 6, N = 40, F = 4 };
  const int free_col[F] = {0, 2, 3, 5};
  unsigned char held[M] = {0, 1, 0, 0, 1, 0};
  double X[N * M], y[N], A[M], w0[M] = {0, 0.7, 0, 0, -1.3, 0}, wt[M];
  int type[N];
  for (int j = 0; j < M; j++) A[j] = gauss(), wt[j] = held[j] ? 0.5 : gauss(); /* off w0 */
  random_rows(M, N, wt, X, y, type);
  enum { K = F + 1 };
  double KKT[K * K] = {0}, rhs[K] = {0};
  lapack_int piv[K];
  for (int a = 0; a < F; a++) {
    const int ca = free_col[a];
    for (int b = 0; b < F; b++)
      for (int i = 0; i < N; i++) KKT[a * K + b] += X[i * M + ca] * X[i * M + free_col[b]];
    for (int i = 0; i < N; i++)
      rhs[a] += X[i * M + ca] * (y[i] - X[i * M + 1] * w0[1] - X[i * M + 4] * w0[4]);
    KKT[a * K + F] = KKT[F * K + a] = A[ca];
  }
  CHECK(LAPACKE_dgesv(LAPACK_ROW_MAJOR, K, 1, KKT, K, piv, rhs, 1) == 0, "KKT solve (held)");
  hf_err e;
  hf_blr_data d;
  hf_blr_fit f;
  hf_blr_opts o;
  one_block(&d, &f, &o, M, N, X, y, type);
  CHECK(hf_blr_solve_held(&f, &d, &o, A, 1, held, w0, &e) == HF_OK, "held LSQ: %s", e.msg);
  double dev = 0, wn = 0;
  for (int a = 0; a < F; a++) {
    dev = fmax(dev, fabs(f.w[free_col[a]] - rhs[a]));
    wn = fmax(wn, fabs(rhs[a]));
  }
  printf("held LSQ: %d free of %d, |w_F - w_KKT| %.2e of %.2e, held %.17g %.17g\n", f.nfree, M, dev,
         wn, f.w[1], f.w[4]);
  CHECK(f.nfree == F - 1 && dev < 1e-10 * wn, "held LSQ: nfree %d, KKT %.2e", f.nfree, dev);
  CHECK(f.w[1] == w0[1] && f.w[4] == w0[4], "held LSQ: held moved");
  o.method = HF_BLR_BAYES;
  CHECK(hf_blr_solve_held(&f, &d, &o, A, 1, held, w0, &e) == HF_OK, "held BAYES: %s", e.msg);
  double heldvar = 0, tr = 0, err1 = -1, aw = fabs(dot(M, A, f.w) - A[1] * w0[1] - A[4] * w0[4]);
  for (int j = 0; j < M; j++) {
    tr += f.cov[j * M + j];
    for (int k = 0; k < M; k++)
      if (held[j]) heldvar = fmax(heldvar, fabs(f.cov[j * M + k]));
  }
  const double e4[M] = {0, 0, 0, 0, 1, 0};
  CHECK(hf_blr_predict(&f, 1, e4, NULL, &err1, &e) == HF_OK, "predict: %s", e.msg);
  printf(
      "held BAYES: held covariance %.2e (trace %.2e), error along a held column %.2e, "
      "|A_F w_F| %.2e\n",
      heldvar, tr, err1, aw);
  CHECK(f.w[1] == w0[1] && f.w[4] == w0[4] && heldvar == 0 && err1 < 1e-12 * sqrt(tr) &&
            aw < 1e-12 * wn,
        "held BAYES: held %.17g %.17g, covariance %.3g, error %.3g", f.w[1], f.w[4], heldvar, err1);
  unsigned char all[M] = {1, 1, 1, 1, 1, 1};
  CHECK(hf_blr_solve_held(&f, &d, &o, NULL, 0, all, w0, &e) == HF_FAIL &&
            strstr(e.msg, "every coefficient is held"),
        "all held: '%s'", e.msg);
  hf_blr_fit_free(&f);
  hf_blr_data_free(&d);
}

/* ------------------------------------------------ 10. row weights */

/* Blocks appended with weights (hf_blr_data_append_weighted): the fit is the
 * weighted textbook one (row noise sv^2 / wt), the evidence the weighted N x N
 * marginal less sum ln(wt) / 2, least squares the weighted normal equations
 * and, for an integer weight, the fit with the block appended that many times;
 * sigma_t stays the unweighted one; bad weights are refused. */
static void test_row_weights(void) {
  printf("10. row weights\n");
  hf_err e;
  const int M = 4, cut[4] = {0, 13, 29, 40};
  const double wt[4] = {0.3, -1.2, 0.5, 0.8}, bw[3] = {4, 1, 0.25};
  static rows r;
  r.M = M, r.n = 0;
  for (int i = 0; i < 40; i++) {
    double x = -1.5 + 3 * unif(), pe[4], pf[4];
    poly_rows(M, x, pe, pf);
    if (i % 8 < 3)
      add_row(&r, HF_BLR_ENERGY, pe, dot(M, pe, wt) + 0.05 * gauss() + 0.1 * (i < 13));
    else
      add_row(&r, HF_BLR_FORCE_U, pf, dot(M, pf, wt) + 0.2 * gauss());
  }
  hf_blr_data d, dc;
  hf_blr_data_init(&d, M, &e);
  hf_blr_data_init(&dc, M, &e);
  for (int b = 0; b < 3; b++) {
    for (int i = cut[b]; i < cut[b + 1]; i++) r.wt[i] = bw[b];
    if (hf_blr_data_append_weighted(&d, cut[b + 1] - cut[b], r.phi + (size_t)cut[b] * M,
                                    r.y + cut[b], r.type + cut[b], bw[b], &e)) {
      CHECK(0, "weighted append: %s", e.msg);
      return;
    }
  }
  /* (a) sigma_t: the targets' spread, each row counted wt times */
  const double h[HF_BLR_NTYPES] = {1, 1, 1, 1, 1};
  long double s[HF_BLR_NTYPES], dcol[MAXM], wref[MAXM], cref[MAXM * MAXM];
  ref_scales(&r, h, 1, s, dcol);
  for (int t = HF_BLR_ENERGY; t <= HF_BLR_FORCE_U; t++)
    CHECK_CLOSE(hf_blr_data_sigma(&d, t), (double)(1 / s[t]), 1e-12, 0, "weighted: sigma_t");
  {
    static rows ru;
    ru = r;
    for (int i = 0; i < r.n; i++) ru.wt[i] = 1;
    long double su[HF_BLR_NTYPES], du[MAXM];
    ref_scales(&ru, h, 1, su, du);
    CHECK(fabsl(su[HF_BLR_ENERGY] / s[HF_BLR_ENERGY] - 1) > 1e-3,
          "the test's premise: the weights change sigma_energy");
  }

  /* (b) fixed hyperparameters: weighted posterior, evidence, training rmse */
  hf_blr_opts o;
  hf_blr_fit f;
  if (solve_fixed(&d, 0.3, 2.0, &f, &o, "weighted solve")) return;
  ref_bayes(&r, s, dcol, o.sigma_v, o.sigma_w, wref, cref);
  double cmax = 0, lnw = 0;
  for (int j = 0; j < M * M; j++) cmax = fmax(cmax, fabs((double)cref[j]));
  for (int i = 0; i < r.n; i++) lnw += log(r.wt[i]);
  for (int j = 0; j < M; j++) {
    CHECK_CLOSE(f.w[j], (double)wref[j], 1e-10, 1e-3, "weighted fixed: w_j");
    CHECK_CLOSE(f.colscale[j], (double)dcol[j], 1e-12, 0, "weighted: column scale d_j");
    for (int k = 0; k < M; k++)
      CHECK_CLOSE(f.cov[j * M + k], (double)cref[j * M + k], 1e-10, 1e-6 * cmax,
                  "weighted fixed: Sigma_jk");
  }
  static double P[MAXR * MAXM], Y[MAXR];
  ref_design(&r, s, dcol, P, Y);
  CHECK_CLOSE(f.log_evidence, logml(r.n, M, P, Y, r.wt, o.sigma_v, o.sigma_w) - 0.5 * lnw, 1e-10, 1,
              "weighted fixed: log evidence vs N-space marginal less sum ln(wt) / 2");
  for (int t = HF_BLR_ENERGY; t <= HF_BLR_FORCE_U; t++) {
    long double rr = 0, ws = 0;
    for (int i = 0; i < r.n; i++) {
      if (r.type[i] != t) continue;
      long double q = r.y[i];
      for (int j = 0; j < M; j++) q -= r.phi[i * M + j] * wref[j];
      rr += r.wt[i] * q * q, ws += r.wt[i];
    }
    CHECK_CLOSE(f.rmse[t], sqrtl(rr / ws), 1e-8, 0, "weighted training rmse");
  }
  /* the weights matter: the unweighted fit of the same rows differs */
  hf_blr_data du;
  hf_blr_data_init(&du, M, &e);
  append_range(&du, &r, 0, r.n, &e);
  hf_blr_fit fu;
  hf_blr_fit_init(&fu);
  if (!hf_blr_solve(&fu, &du, &o, &e))
    CHECK(max_rel_diff(M, fu.w, f.w) > 1e-3, "weights left w unchanged (%g)",
          max_rel_diff(M, fu.w, f.w));

  /* (c) least squares: weighted normal equations; weight 3 = three copies */
  hf_blr_opts ol;
  hf_blr_opts_default(&ol);
  ol.method = HF_BLR_LSQ;
  hf_blr_fit fl, fc;
  hf_blr_fit_init(&fl);
  hf_blr_fit_init(&fc);
  int cols[4] = {0, 1, 2, 3};
  long double wl[MAXM], cu[MAXM * MAXM];
  if (!hf_blr_solve(&fl, &d, &ol, &e)) {
    long double rss = ref_lsq(&r, s, M, cols, wl, cu);
    CHECK_CLOSE(fl.sigma_v, sqrtl(rss / (r.n - M)), 1e-9, 0, "weighted lsq sigma_v");
    for (int j = 0; j < M; j++)
      CHECK_CLOSE(fl.w[j], (double)wl[j], 1e-9, 1e-3, "weighted lsq w_j vs normal equations");
  } else {
    CHECK(0, "weighted lsq: %s", e.msg);
  }
  hf_blr_data d3;
  hf_blr_data_init(&d3, M, &e);
  hf_blr_data_append_weighted(&d3, 13, r.phi, r.y, r.type, 3.0, &e);
  append_range(&d3, &r, 13, 40, &e);
  for (int c = 0; c < 3; c++) append_range(&dc, &r, 0, 13, &e);
  append_range(&dc, &r, 13, 40, &e);
  if (!hf_blr_solve(&fl, &d3, &ol, &e) && !hf_blr_solve(&fc, &dc, &ol, &e)) {
    CHECK(max_rel_diff(M, fl.w, fc.w) < 1e-10, "lsq: weight 3 vs three copies differ by %g",
          max_rel_diff(M, fl.w, fc.w));
    printf("  lsq: weight 3 on 13 rows vs three copies of them: w differs by %.2e (relative)\n",
           max_rel_diff(M, fl.w, fc.w));
  } else {
    CHECK(0, "lsq copies: %s", e.msg);
  }

  /* (d) evidence hyperparameters: maximum of the weighted marginal */
  hf_blr_opts oe;
  hf_blr_opts_default(&oe);
  hf_blr_fit fe;
  hf_blr_fit_init(&fe);
  if (!hf_blr_solve(&fe, &d, &oe, &e)) {
    double lsv, lsw, best;
    grid_max(r.n, M, P, Y, r.wt, &lsv, &lsw, &best);
    printf("  evidence: sigma_v %.5f sigma_w %.5f (grid of the weighted marginal %.5f %.5f)\n",
           fe.sigma_v, fe.sigma_w, exp(lsv), exp(lsw));
    CHECK(fabs(log(fe.sigma_v) - lsv) < 2e-3, "weighted sigma_v %.6g vs grid %.6g", fe.sigma_v,
          exp(lsv));
    CHECK(fabs(log(fe.sigma_w) - lsw) < 2e-3, "weighted sigma_w %.6g vs grid %.6g", fe.sigma_w,
          exp(lsw));
    CHECK(fe.log_evidence + 0.5 * lnw >= best - 1e-9, "weighted evidence below the grid maximum");
  } else {
    CHECK(0, "weighted evidence: %s", e.msg);
  }

  /* (e) weight 1 is the plain append bit for bit; bad weights change nothing */
  hf_blr_data d1;
  hf_blr_data_init(&d1, M, &e);
  hf_blr_data_append_weighted(&d1, 40, r.phi, r.y, r.type, 1.0, &e);
  if (!hf_blr_solve(&fe, &d1, &o, &e) && !hf_blr_solve(&fu, &du, &o, &e))
    CHECK(!memcmp(fe.w, fu.w, (size_t)M * sizeof *fe.w), "weight 1 differs from the plain append");
  const double bad[4] = {0, -1, NAN, INFINITY};
  for (int k = 0; k < 4; k++) {
    long before = d1.nrows;
    CHECK(hf_blr_data_append_weighted(&d1, 1, r.phi, r.y, r.type, bad[k], &e) == HF_FAIL &&
              d1.nrows == before && strstr(e.msg, "weight"),
          "row weight %g accepted (%s)", bad[k], e.msg);
  }
  hf_blr_fit_free(&f), hf_blr_fit_free(&fu), hf_blr_fit_free(&fl), hf_blr_fit_free(&fc);
  hf_blr_fit_free(&fe);
  hf_blr_data_free(&d), hf_blr_data_free(&dc), hf_blr_data_free(&du), hf_blr_data_free(&d3);
  hf_blr_data_free(&d1);
}

int main(void) {
  test_closed_form();
  test_few_rows();
  test_calibration();
  test_rank_deficiency();
  test_normalisation();
  test_prediction();
  test_unseen_column();
  test_constraints();
  test_held();
  test_row_weights();
  return check_done("test_blr");
}
