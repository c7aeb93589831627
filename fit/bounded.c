/* bounded.c - the positive quartic form as constraints on the posterior
 * (bounded.h). */
#include "bounded.h"

#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "quartic_form.h"

#define DUAL_SWEEPS 20000

typedef struct {
  int M, k;
  double *A;  /* k x M rows */
  double *SA; /* M x k: Sigma A^T */
  double *G;  /* k x k: A Sigma A^T */
  double *h;  /* k: eps - c - A w0 */
  double *lam;
  double *c; /* k: each row's constant part (the well form's dipole sum / R^2) */
  double *r; /* k: the radius each row came from (0: the quartic form) */
} qp;

/* The minima a round's rows were cut at (not the elastic row's), in row
 * order: after the solve each is descended again under the new coefficients
 * (follow), since the cut rarely removes a valley, only makes it shallower. */
typedef struct {
  int k, cap;
  size_t stride; /* 6 N of the largest supercell */
  int *l, *form; /* the supercell and form of each */
  double *cfg;   /* k configurations, stride apart (hf_form_search_from's start) */
} cut_points;

static void cut_points_free(cut_points *p) {
  free(p->l), free(p->form), free(p->cfg);
  *p = (cut_points){0};
}

static int cut_points_alloc(cut_points *p, int cap, size_t stride) {
  *p = (cut_points){.cap = cap,
                    .stride = stride,
                    .l = malloc((size_t)cap * sizeof *p->l),
                    .form = malloc((size_t)cap * sizeof *p->form),
                    .cfg = malloc((size_t)cap * stride * sizeof *p->cfg)};
  if (p->l && p->form && p->cfg) return HF_OK;
  cut_points_free(p);
  return HF_FAIL;
}

static void cut_points_add(cut_points *p, int l, int form, const double *cfg, size_t n) {
  if (p->k >= p->cap) return;
  p->l[p->k] = l, p->form[p->k] = form;
  memcpy(p->cfg + (size_t)p->k * p->stride, cfg, 6 * n * sizeof *cfg);
  p->k++;
}

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
  q->h[a] = FIT_BOUND_EPS - q->c[a] - t;
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

/* 1 if row a of q repeats an earlier one (symmetry-equivalent minima give the
 * same row: the terms are invariants). */
static int repeated(const qp *q, int a) {
  const double *x = q->A + (size_t)a * q->M;
  for (int b = 0; b < a; b++) {
    const double *y = q->A + (size_t)b * q->M;
    double d = fabs(q->c[a] - q->c[b]), s = fabs(q->c[a]);
    for (int i = 0; i < q->M; i++) d = fmax(d, fabs(x[i] - y[i])), s = fmax(s, fabs(x[i]));
    if (q->r[a] == q->r[b] && d <= 1e-6 * s) return 1;
  }
  return 0;
}

/* One search on supercell L, of the form with weights wt (the top form, or
 * with radius > 0 a well form, its rows tagged with the radius), each start
 * on its own: a constraint row after q's rows for every start that ends
 * negative (and, for the top form, for an unstable elastic matrix), repeats
 * dropped, so that one round cuts off every valley the starts found.  Returns
 * the rows added (q->k moved past them), *full set when one was due and the
 * rows were full, or HF_FAIL. */
static int search(hf_model *m, const int L[3], const hf_form_weights *wt, int nstart, uint64_t seed,
                  double radius, double pressure, qp *q, double *kappa, int *full, cut_points *pts,
                  int l, int form, hf_err *err) {
  static const hf_form_weights quartic = {{0, 0, 1, 0, 0}, 0};
  const size_t n = (size_t)L[0] * L[1] * L[2];
  /* the starts side by side, a search object per thread (created here, one
   * thread: FFTW's planner), each start's result in its own place, so the
   * rows below come in start order whatever the thread count */
  const int nt = omp_get_max_threads() < nstart ? omp_get_max_threads() : nstart;
  hf_form_search **fs = calloc((size_t)nt, sizeof *fs);
  hf_quartic_form *f = malloc((size_t)nstart * sizeof *f);
  double *cfg = malloc((size_t)nstart * 6 * n * sizeof *cfg);
  int rc = fs && f && cfg ? HF_OK : hf_fail(err, "out of memory"), added = 0;
  for (int t = 0; t < nt && !rc; t++) rc = hf_form_search_create(&fs[t], m, L, wt, pressure, err);
  if (!rc) {
#pragma omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1)
    for (int s = 0; s < nstart; s++)
      hf_form_search_run(fs[omp_get_thread_num()], 1, seed + 104729ull * (uint64_t)s, &f[s],
                         cfg + (size_t)s * 6 * n);
  }
  for (int s = 0; s < nstart && !rc; s++) {
    double *c = cfg + (size_t)s * 6 * n;
    *kappa = fmin(*kappa, f[s].kappa);
    const int elastic = !(radius > 0) && f[s].strain < 0 && s == 0;
    if (elastic) { /* the elastic terms alone: their softest strain, no modes */
      memset(c, 0, 6 * n * sizeof *c);
      memcpy(f[s].eta, f[s].eta_soft, sizeof f[s].eta);
    }
    if (!((f[s].nterms && f[s].kappa < 0) || elastic)) continue;
    if (q->k >= FIT_BOUND_ROWS) { /* negative, and no room for its row */
      *full = 1;
      continue;
    }
    q->r[q->k] = radius > 0 ? radius : 0;
    /* the elastic row is the eta^2 terms' energy at the soft strain: degree 4 */
    rc = hf_form_row(m, L, elastic ? &quartic : wt, c, f[s].eta, wt->w[1] != 0 ? f[s].eta0 : NULL,
                     q->A + (size_t)q->k * q->M, &q->c[q->k], err);
    if (rc || repeated(q, q->k)) continue;
    q->k++, added++;
    if (!elastic) cut_points_add(pts, l, form, c, n);
  }
  for (int t = 0; fs && t < nt; t++) hf_form_search_free(fs[t]);
  free(fs), free(f), free(cfg);
  return rc ? HF_FAIL : added;
}

/* The weights of form number `form` of a bounded solve: 0 the top form of
 * degree D, 1 .. D/2 - 1 the well conditions k = form - 1 at this radius. */
static hf_form_weights form_weights(int D, int form, double radius, double omega_radius) {
  hf_form_weights wt = hf_form_well_weights(D, form ? form - 1 : D / 2 - 1, radius);
  if (form && omega_radius > 0) wt.omega_scale = omega_radius / radius;
  return wt;
}

/* The starts of a verifying search on supercell L: FIT_BOUND_VERIFY_CELLS
 * cells' worth, at least FIT_BOUND_VERIFY_STARTS.  A small supercell's starts
 * are cheap, and a valley there can be rare: a bounded ZVR with its signs
 * turned kept one that 1.7% of starts on 2x2x2 reached, which 32 starts
 * missed half the time (test_bounded 8). */
static int verify_starts(const int L[3]) {
  const int n = L[0] * L[1] * L[2], s = FIT_BOUND_VERIFY_CELLS / n;
  return s > FIT_BOUND_VERIFY_STARTS ? s : FIT_BOUND_VERIFY_STARTS;
}

/* Solves again for the last `added` rows of q, a row per call to qp_solve:
 * each warm-starts from the last. */
static void solve_added(qp *q, int added, const double *w0, const double *cov, double *w) {
  const int k = q->k;
  q->k = k - added;
  for (int r = 0; r < added; r++) q->k++, qp_solve(q, w0, cov, w);
}

/* Drops the rows with a zero multiplier (they do not hold w where it is: the
 * solution without them is the same), making room for a round's new rows. */
static void qp_compact(qp *q) {
  int map[FIT_BOUND_ROWS], k = 0;
  for (int a = 0; a < q->k; a++)
    if (q->lam[a] > 0) map[k++] = a;
  /* map[j] >= j: every copy reads a place not yet written */
  for (int j = 0; j < k; j++) {
    const int a = map[j];
    memmove(q->A + (size_t)j * q->M, q->A + (size_t)a * q->M, q->M * sizeof *q->A);
    q->c[j] = q->c[a], q->r[j] = q->r[a], q->h[j] = q->h[a], q->lam[j] = q->lam[a];
    for (int i = 0; i < q->M; i++)
      q->SA[(size_t)i * FIT_BOUND_ROWS + j] = q->SA[(size_t)i * FIT_BOUND_ROWS + a];
    for (int l = 0; l < k; l++) q->G[j * FIT_BOUND_ROWS + l] = q->G[a * FIT_BOUND_ROWS + map[l]];
  }
  q->k = k;
}

/* After a solve: descends again from each of pts's points under the new
 * coefficients w, adds a row for every one still negative (repeats dropped),
 * solves, and follows the new points in turn, up to FIT_BOUND_FOLLOW passes
 * or until none is negative.  A round's random starts find each valley anew
 * and cut it a little shallower each time (PZT25: 30-48 rows a round for 31
 * rounds, bench/README.md); following a valley down costs one descent from
 * near its floor.  The descents run on a thread each, their rows are added in
 * point order: the result does not depend on the thread count.  Returns the
 * rows added, or HF_FAIL. */
static int follow(hf_model *m, const int (*L)[3], int nl, int D, double radius, double omega_radius,
                  double pressure, const double *w0, const double *cov, double *w, qp *q,
                  cut_points *pts, cut_points *next, hf_err *err) {
  const int cap = pts->cap, nform = radius > 0 ? D / 2 : 1;
  hf_quartic_form *f = malloc((size_t)cap * sizeof *f);
  double *end = malloc((size_t)cap * pts->stride * sizeof *end);
  int *idx = malloc((size_t)cap * sizeof *idx), *ok = malloc((size_t)cap * sizeof *ok);
  int rc = f && end && idx && ok ? HF_OK : hf_fail(err, "out of memory"), total = 0;
  for (int pass = 0; !rc && pass < FIT_BOUND_FOLLOW && pts->k; pass++) {
    for (int t = 0; t < q->M; t++) m->terms[t].coef = w[t];
    if (q->k > FIT_BOUND_ROWS - pts->k) qp_compact(q);
    for (int l = 0; l < nl && !rc; l++)
      for (int form = 0; form < nform && !rc; form++) {
        int cnt = 0;
        for (int i = 0; i < pts->k; i++)
          if (pts->l[i] == l && pts->form[i] == form) idx[cnt++] = i;
        if (!cnt) continue;
        const hf_form_weights wt = form_weights(D, form, radius, omega_radius);
        const int nt = omp_get_max_threads() < cnt ? omp_get_max_threads() : cnt;
        hf_form_search **fs = calloc((size_t)nt, sizeof *fs);
        if (!fs) rc = hf_fail(err, "out of memory");
        for (int t = 0; t < nt && !rc; t++)
          rc = hf_form_search_create(&fs[t], m, L[l], &wt, pressure, err);
        if (!rc) {
          /* a point is a minimum on the sphere, never zero: ok[i] 0 cannot
           * happen, and such a point would only be dropped */
#pragma omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1)
          for (int j = 0; j < cnt; j++) {
            const int i = idx[j];
            ok[i] = !hf_form_search_from(fs[omp_get_thread_num()], pts->cfg + i * pts->stride,
                                         &f[i], end + i * pts->stride, NULL);
          }
        }
        for (int t = 0; fs && t < nt; t++) hf_form_search_free(fs[t]);
        free(fs);
      }
    next->k = 0;
    int added = 0;
    for (int i = 0; i < pts->k && !rc && q->k < FIT_BOUND_ROWS; i++) {
      if (!ok[i] || !(f[i].nterms && f[i].kappa < 0)) continue;
      const int l = pts->l[i], form = pts->form[i];
      const hf_form_weights wt = form_weights(D, form, radius, omega_radius);
      double *c = end + i * pts->stride;
      q->r[q->k] = form ? radius : 0;
      rc = hf_form_row(m, L[l], &wt, c, f[i].eta, wt.w[1] != 0 ? f[i].eta0 : NULL,
                       q->A + (size_t)q->k * q->M, &q->c[q->k], err);
      if (rc || repeated(q, q->k)) continue;
      q->k++, added++;
      cut_points_add(next, l, form, c, (size_t)L[l][0] * L[l][1] * L[l][2]);
    }
    if (rc || !added) break;
    solve_added(q, added, w0, cov, w);
    total += added;
    const cut_points t = *pts;
    *pts = *next, *next = t;
  }
  free(f), free(end), free(idx), free(ok);
  return rc ? HF_FAIL : total;
}

void fit_bound_cuts_free(fit_bound_cuts *c) {
  free(c->A), free(c->c), free(c->radius);
  *c = (fit_bound_cuts){0};
}

int fit_bound_cuts_alloc(fit_bound_cuts *c, int M, int k) {
  const size_t n = k > 0 ? (size_t)k : 1;
  *c = (fit_bound_cuts){.M = M,
                        .k = k,
                        .A = calloc(n * (size_t)M, sizeof(double)),
                        .c = calloc(n, sizeof(double)),
                        .radius = calloc(n, sizeof(double))};
  if (c->A && c->c && c->radius) return HF_OK;
  fit_bound_cuts_free(c);
  return HF_FAIL;
}

/* The rows of cuts that hold at this radius (the quartic form's always, the
 * well form's when theirs is this one) into q after its own, as many as fit;
 * returns how many. */
static int add_carried(qp *q, const fit_bound_cuts *cuts, double radius) {
  if (!cuts || cuts->M != q->M) return 0;
  int k = 0;
  for (int a = 0; a < cuts->k && q->k + k < FIT_BOUND_ROWS; a++) {
    if (cuts->radius[a] != 0 && cuts->radius[a] != radius) continue;
    memcpy(q->A + (size_t)(q->k + k) * q->M, cuts->A + (size_t)a * q->M, q->M * sizeof *q->A);
    q->c[q->k + k] = cuts->c[a];
    q->r[q->k + k] = cuts->radius[a];
    k++;
  }
  return k;
}

/* The rows with a positive multiplier (those that hold w where it is) into
 * cuts, for the next solve. */
static int keep_active(const qp *q, fit_bound_cuts *cuts, hf_err *err) {
  int k = 0;
  for (int a = 0; a < q->k; a++) k += q->lam[a] > 0;
  fit_bound_cuts_free(cuts);
  if (fit_bound_cuts_alloc(cuts, q->M, k)) return hf_fail(err, "out of memory");
  for (int a = 0, j = 0; a < q->k; a++)
    if (q->lam[a] > 0) {
      memcpy(cuts->A + (size_t)j * q->M, q->A + (size_t)a * q->M, q->M * sizeof *q->A);
      cuts->c[j] = q->c[a], cuts->radius[j] = q->r[a];
      j++;
    }
  return HF_OK;
}

int fit_bound(hf_model *m, const double *w0, const double *cov, int M, const int (*L)[3], int nl,
              uint64_t seed, double radius, double omega_radius, double pressure,
              fit_bound_cuts *cuts, double *w, fit_bound_report *rep, hf_err *err) {
  if (!(radius >= 0)) return hf_fail(err, "bounded: well radius %g (expected >= 0)", radius);
  if (!(omega_radius >= 0))
    return hf_fail(err, "bounded: omega well radius %g (expected >= 0)", omega_radius);
  *rep = (fit_bound_report){.kappa_in = INFINITY,
                            .kappa_out = INFINITY,
                            .radius = radius,
                            .well_in = INFINITY,
                            .well_out = INFINITY};
  if (M != m->nterms) return hf_fail(err, "bounded: %d coefficients for %d terms", M, m->nterms);
  if (hf_form_degree(m, &rep->degree, err)) return hf_wrap(err, "bounded");
  /* form 0 the top form; with a radius, forms 1 .. D/2 - 1 the conditions
   * k = 0 .. D/2 - 2 that no well reaches beyond it (hf_form_well_weights) */
  const int D = rep->degree, nform = radius > 0 ? D / 2 : 1;
  qp q = {.M = M};
  double *w0c = malloc((size_t)M * sizeof *w0c);
  q.A = malloc((size_t)FIT_BOUND_ROWS * M * sizeof *q.A);
  q.SA = malloc((size_t)M * FIT_BOUND_ROWS * sizeof *q.SA);
  q.G = malloc((size_t)FIT_BOUND_ROWS * FIT_BOUND_ROWS * sizeof *q.G);
  q.h = malloc(FIT_BOUND_ROWS * sizeof *q.h);
  q.lam = calloc(FIT_BOUND_ROWS, sizeof *q.lam);
  q.c = calloc(FIT_BOUND_ROWS, sizeof *q.c);
  q.r = calloc(FIT_BOUND_ROWS, sizeof *q.r);
  size_t stride = 0; /* 6 N of the largest supercell */
  for (int l = 0; l < nl; l++) {
    const size_t sl = 6 * (size_t)L[l][0] * L[l][1] * L[l][2];
    stride = sl > stride ? sl : stride;
  }
  cut_points pts = {0}, next = {0};
  int rc = HF_OK;
  if (!w0c || !q.A || !q.SA || !q.G || !q.h || !q.lam || !q.c || !q.r ||
      cut_points_alloc(&pts, FIT_BOUND_ROWS, stride) ||
      cut_points_alloc(&next, FIT_BOUND_ROWS, stride))
    rc = hf_fail(err, "out of memory");
  if (!rc) {
    memcpy(w0c, w0, (size_t)M * sizeof *w0c); /* w may be w0 */
    memcpy(w, w0c, (size_t)M * sizeof *w);
  }
  int verify = 0; /* 1: the last round found nothing; this one searches wider */
  for (int it = 0; !rc && it < FIT_BOUND_ITER; it++) {
    for (int t = 0; t < M; t++) m->terms[t].coef = w[t];
    if (q.k > FIT_BOUND_ROWS - 4 * nl * FIT_BOUND_VERIFY_STARTS) qp_compact(&q);
    double kappa = INFINITY, well = INFINITY;
    int added = 0, full = 0;
    pts.k = 0;
    for (int l = 0; l < nl && !rc; l++)
      for (int form = 0; form < nform && !rc; form++) {
        const int nstart = verify ? verify_starts(L[l]) : FIT_BOUND_STARTS;
        const uint64_t s = seed + 1000003ull * (uint64_t)it + (uint64_t)l + 7919ull * form;
        const hf_form_weights wt = form_weights(D, form, radius, omega_radius);
        const int a = search(m, L[l], &wt, nstart, s, form ? radius : 0, pressure, &q,
                             form ? &well : &kappa, &full, &pts, l, form, err);
        if (a < 0) rc = HF_FAIL;
        if (a > 0) added += a;
      }
    if (rc) break;
    if (it == 0) { /* kappa_in is the posterior mean's; the carried rows come in after it */
      rep->kappa_in = kappa, rep->well_in = well;
      rep->carried = add_carried(&q, cuts, radius);
      q.k += rep->carried, added += rep->carried;
    }
    rep->kappa_out = kappa, rep->well_out = well;
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
    solve_added(&q, added, w0c, cov, w);
    /* (the carried rows of round 0 hold no points: they were cut earlier) */
    const int f =
        follow(m, L, nl, D, radius, omega_radius, pressure, w0c, cov, w, &q, &pts, &next, err);
    if (f < 0) rc = HF_FAIL;
    if (f > 0) rep->followed += f;
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
  free(w0c), free(q.A), free(q.SA), free(q.G), free(q.h), free(q.lam), free(q.c), free(q.r);
  cut_points_free(&pts), cut_points_free(&next);
  return rc;
}

int fit_term_is_pure_strain(const hf_term *t) {
  return t->poly.n > 0 && hf_poly_dof(&t->poly) == HF_DOF_ETA;
}

int fit_bound_hold_cov(const double *cov, int M, const int *held, double *out, hf_err *err) {
  int nh = 0;
  for (int i = 0; i < M; i++) nh += held[i] != 0;
  memcpy(out, cov, (size_t)M * M * sizeof *out);
  if (!nh) return 0;
  int *h = malloc((size_t)nh * sizeof *h);
  double *V = malloc((size_t)nh * nh * sizeof *V), *lam = malloc((size_t)nh * sizeof *lam);
  double *Y = malloc((size_t)nh * M * sizeof *Y), *X = malloc((size_t)nh * M * sizeof *X);
  int rc = HF_OK;
  if (!h || !V || !lam || !Y || !X) rc = hf_fail(err, "out of memory");
  for (int i = 0, k = 0; !rc && i < M; i++)
    if (held[i]) h[k++] = i;
  for (int a = 0; !rc && a < nh; a++)
    for (int b = 0; b < nh; b++) V[a * nh + b] = cov[(size_t)h[a] * M + h[b]];
  /* X = Sigma_HH^+ Sigma_H: through Sigma_HH = V diag(lam) V^T: held
   * coefficients tied by an exact constraint (the acoustic sum rule) make
   * Sigma_HH singular; the directions without variance are held already */
  if (!rc && LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', nh, V, nh, lam) != 0)
    rc = hf_fail(err, "the held coefficients' posterior covariance: eigensolver failed");
  const double cut = rc ? 0 : 1e-12 * fmax(lam[nh - 1], 0);
  for (int k = 0; !rc && k < nh; k++)
    for (int j = 0; j < M; j++) {
      double t = 0;
      if (lam[k] > cut) { /* (a direction without variance contributes nothing) */
        for (int a = 0; a < nh; a++) t += V[a * nh + k] * cov[(size_t)h[a] * M + j];
        t /= lam[k];
      }
      Y[(size_t)k * M + j] = t;
    }
  for (int a = 0; !rc && a < nh; a++)
    for (int j = 0; j < M; j++) {
      double t = 0;
      for (int k = 0; k < nh; k++) t += V[a * nh + k] * Y[(size_t)k * M + j];
      X[(size_t)a * M + j] = t;
    }
  for (int i = 0; !rc && i < M; i++) /* out -= Sigma_:H X, symmetric by construction */
    for (int j = 0; j < M; j++) {
      double t = 0;
      for (int a = 0; a < nh; a++) t += cov[(size_t)i * M + h[a]] * X[(size_t)a * M + j];
      out[(size_t)i * M + j] -= t;
    }
  for (int a = 0; !rc && a < nh; a++) /* exactly 0, not round-off: fit_bound must not move them */
    for (int j = 0; j < M; j++) out[(size_t)h[a] * M + j] = out[(size_t)j * M + h[a]] = 0;
  free(h), free(V), free(lam), free(Y), free(X);
  return rc ? HF_FAIL : nh;
}
