/* bounded.c - the positive quartic form as constraints on the posterior
 * (bounded.h). */
#include "bounded.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quartic_form.h"

#define DUAL_SWEEPS 20000

typedef struct {
  int M, k;
  double *A;  /* k x M rows */
  double *SA; /* M x k: Sigma A^T */
  double *G;  /* k x k: A Sigma A^T */
  double *h;  /* k: eps - A w0 */
  double *lam;
} qp;

/* The dual by exact coordinate ascent from the previous lambda (a warm start:
 * the new row's lambda is 0), then w = w0 + Sigma A^T lambda. */
static void qp_solve(qp *q, const double *w0, const double *cov, double *w) {
  const int M = q->M, k = q->k, a = k - 1;
  for (int i = 0; i < M; i++) { /* the new row's column of SA, G and h */
    double t = 0;
    for (int j = 0; j < M; j++) t += cov[(size_t)i * M + j] * q->A[(size_t)a * M + j];
    q->SA[(size_t)i * FIT_BOUND_ROWS + a] = t;
  }
  for (int b = 0; b < k; b++) {
    double t = 0;
    for (int i = 0; i < M; i++)
      t += q->A[(size_t)b * M + i] * q->SA[(size_t)i * FIT_BOUND_ROWS + a];
    q->G[b * FIT_BOUND_ROWS + a] = q->G[a * FIT_BOUND_ROWS + b] = t;
  }
  double t = 0;
  for (int i = 0; i < M; i++) t += q->A[(size_t)a * M + i] * w0[i];
  q->h[a] = FIT_BOUND_EPS - t;
  q->lam[a] = 0;
  for (int sweep = 0; sweep < DUAL_SWEEPS; sweep++) {
    double change = 0;
    for (int b = 0; b < k; b++) {
      const double gbb = q->G[b * FIT_BOUND_ROWS + b];
      if (!(gbb > 0)) continue; /* a row the posterior cannot move: nothing to do */
      double g = q->h[b];
      for (int c = 0; c < k; c++) g -= q->G[b * FIT_BOUND_ROWS + c] * q->lam[c];
      const double nl = fmax(0, q->lam[b] + g / gbb);
      change = fmax(change, fabs(nl - q->lam[b]) * sqrt(gbb));
      q->lam[b] = nl;
    }
    if (change < 1e-13) break;
  }
  for (int i = 0; i < M; i++) {
    double s = w0[i];
    for (int b = 0; b < k; b++) s += q->SA[(size_t)i * FIT_BOUND_ROWS + b] * q->lam[b];
    w[i] = s;
  }
}

/* One search on supercell L: a constraint row into q->A[q->k] when the form
 * is negative or the elastic matrix unstable; returns 1 if a row was added, 2
 * if one was due but the rows are full, 0 if none was due. */
static int search(hf_model *m, const int L[3], int nstart, uint64_t seed, qp *q, double *kappa,
                  hf_err *err) {
  const size_t n = (size_t)L[0] * L[1] * L[2];
  double *cfg = malloc(6 * n * sizeof *cfg);
  if (!cfg) return hf_fail(err, "out of memory");
  hf_quartic_form f;
  int rc = hf_quartic_form_min(m, L, nstart, seed, &f, cfg, err);
  int add = 0;
  if (!rc) {
    *kappa = fmin(*kappa, f.kappa);
    if (f.strain < 0) { /* the elastic terms alone: their softest strain, no modes */
      memset(cfg, 0, 6 * n * sizeof *cfg);
      memcpy(f.eta, f.eta_soft, sizeof f.eta);
    }
    add = (f.nterms && f.kappa < 0) || f.strain < 0;
    if (add && q->k >= FIT_BOUND_ROWS)
      add = 2; /* negative, and no room for its row */
    else if (add)
      rc = hf_quartic_form_row(m, L, cfg, f.eta, q->A + (size_t)q->k * q->M, err);
  }
  free(cfg);
  return rc ? HF_FAIL : add;
}

void fit_bound_cuts_free(fit_bound_cuts *c) {
  free(c->A);
  *c = (fit_bound_cuts){0};
}

/* The rows of cuts into q after its own (as many as fit; 1 if any). */
static int add_carried(qp *q, const fit_bound_cuts *cuts) {
  if (!cuts || cuts->M != q->M) return 0;
  const int k = cuts->k < FIT_BOUND_ROWS - q->k ? cuts->k : FIT_BOUND_ROWS - q->k;
  if (k > 0) memcpy(q->A + (size_t)q->k * q->M, cuts->A, (size_t)k * q->M * sizeof *q->A);
  return k > 0 ? k : 0;
}

/* The rows with a positive multiplier (those that hold w where it is) into
 * cuts, for the next solve. */
static int keep_active(const qp *q, fit_bound_cuts *cuts, hf_err *err) {
  int k = 0;
  for (int a = 0; a < q->k; a++) k += q->lam[a] > 0;
  double *A = malloc((k ? (size_t)k : 1) * q->M * sizeof *A);
  if (!A) return hf_fail(err, "out of memory");
  for (int a = 0, j = 0; a < q->k; a++)
    if (q->lam[a] > 0) memcpy(A + (size_t)j++ * q->M, q->A + (size_t)a * q->M, q->M * sizeof *A);
  free(cuts->A);
  *cuts = (fit_bound_cuts){.M = q->M, .k = k, .A = A};
  return HF_OK;
}

int fit_bound(hf_model *m, const double *w0, const double *cov, int M, const int (*L)[3], int nl,
              uint64_t seed, fit_bound_cuts *cuts, double *w, fit_bound_report *rep, hf_err *err) {
  *rep = (fit_bound_report){.kappa_in = INFINITY, .kappa_out = INFINITY};
  if (M != m->nterms) return hf_fail(err, "bounded: %d coefficients for %d terms", M, m->nterms);
  qp q = {.M = M};
  double *w0c = malloc((size_t)M * sizeof *w0c);
  q.A = malloc((size_t)FIT_BOUND_ROWS * M * sizeof *q.A);
  q.SA = malloc((size_t)M * FIT_BOUND_ROWS * sizeof *q.SA);
  q.G = malloc((size_t)FIT_BOUND_ROWS * FIT_BOUND_ROWS * sizeof *q.G);
  q.h = malloc(FIT_BOUND_ROWS * sizeof *q.h);
  q.lam = calloc(FIT_BOUND_ROWS, sizeof *q.lam);
  int rc = HF_OK;
  if (!w0c || !q.A || !q.SA || !q.G || !q.h || !q.lam) rc = hf_fail(err, "out of memory");
  if (!rc) {
    memcpy(w0c, w0, (size_t)M * sizeof *w0c); /* w may be w0 */
    memcpy(w, w0c, (size_t)M * sizeof *w);
  }
  int verify = 0; /* 1: the last round found nothing; this one searches wider */
  for (int it = 0; !rc && it < FIT_BOUND_ITER; it++) {
    for (int t = 0; t < M; t++) m->terms[t].coef = w[t];
    double kappa = INFINITY;
    int added = 0, full = 0;
    const int nstart = verify ? FIT_BOUND_VERIFY_STARTS : FIT_BOUND_STARTS;
    for (int l = 0; l < nl && !rc; l++) {
      const int a =
          search(m, L[l], nstart, seed + 1000003ull * (uint64_t)it + (uint64_t)l, &q, &kappa, err);
      if (a < 0) rc = HF_FAIL;
      if (a == 1) q.k++, added++;
      if (a == 2) full = 1;
    }
    if (rc) break;
    if (it == 0) { /* kappa_in is the posterior mean's; the carried rows come in after it */
      rep->kappa_in = kappa;
      rep->carried = add_carried(&q, cuts);
      q.k += rep->carried, added += rep->carried;
    }
    rep->kappa_out = kappa;
    rep->iterations = it + 1;
    if (!added && !full && !verify) { /* nothing from the usual starts: once more, wider */
      verify = 1;
      continue;
    }
    verify = 0;
    if (!added) {
      rep->converged = !full;
      break;
    }
    /* a row per call to qp_solve: each warm-starts from the last */
    const int k = q.k;
    q.k = k - added;
    for (int r = 0; r < added; r++) q.k++, qp_solve(&q, w0c, cov, w);
  }
  if (!rc) {
    rep->rows = q.k;
    /* the Mahalanobis distance: (w - w0) = Sigma A^T lambda, so it is
     * lambda^T G lambda */
    double d2 = 0;
    for (int a = 0; a < q.k; a++)
      for (int b = 0; b < q.k; b++) d2 += q.lam[a] * q.G[a * FIT_BOUND_ROWS + b] * q.lam[b];
    rep->distance = sqrt(fmax(d2, 0));
    for (int t = 0; t < M; t++) m->terms[t].coef = w[t];
    if (cuts) rc = keep_active(&q, cuts, err);
  }
  free(w0c), free(q.A), free(q.SA), free(q.G), free(q.h), free(q.lam);
  return rc;
}
