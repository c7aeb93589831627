/* blr.c - Bayesian linear regression of the SAT coefficients (see blr.h). */
#include "blr.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QR_NB 32          /* block size of the Householder update */
#define APPEND_CHUNK 1024 /* rows staged per update */
#define PRED_RB 4         /* prediction: rows per register block */
#define PRED_KB 8         /* prediction: columns of L per register block (L padded to it) */
#define PRED_RC 32        /* prediction: rows per chunk (kept in cache across column blocks) */

typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
_Static_assert(PRED_KB == 8, "chunk_err2 holds a column block in two v4d");

static const char *type_names[HF_BLR_NTYPES] = {"energy", "force_u", "force_v", "force_w",
                                                "stress"};

const char *hf_blr_type_name(int type) {
  return type >= 0 && type < HF_BLR_NTYPES ? type_names[type] : NULL;
}

/* ------------------------------------------------------------------ data */

int hf_blr_data_init(hf_blr_data *d, int M, hf_err *err) {
  memset(d, 0, sizeof *d);
  if (M < 1) return hf_fail(err, "blr: need at least one parameter (M = %d)", M);
  d->M = M;
  return HF_OK;
}

void hf_blr_data_free(hf_blr_data *d) {
  for (int t = 0; t < HF_BLR_NTYPES; t++) free(d->r[t]);
  free(d->buf);
  memset(d, 0, sizeof *d);
}

double hf_blr_data_sigma(const hf_blr_data *d, int t) {
  if (t < 0 || t >= HF_BLR_NTYPES || d->n[t] == 0) return 1.0;
  double var = d->m2[t] / d->wsum[t];
  if (d->n[t] >= 2 && var > 0) return sqrt(var);
  double rms = sqrt(d->mean[t] * d->mean[t] + var);
  return rms > 0 ? rms : 1.0;
}

int hf_blr_data_append(hf_blr_data *d, int m, const double *phi, const double *y, const int *type,
                       hf_err *err) {
  return hf_blr_data_append_weighted(d, m, phi, y, type, 1.0, err);
}

int hf_blr_data_append_weighted(hf_blr_data *d, int m, const double *phi, const double *y,
                                const int *type, double wt, hf_err *err) {
  const int M = d->M, n = M + 1;
  if (M < 1) return hf_fail(err, "blr: data set not initialised");
  if (m < 0) return hf_fail(err, "blr: negative row count %d", m);
  if (m == 0) return HF_OK;
  if (!phi || !y || !type) return hf_fail(err, "blr: append: NULL rows");
  if (!(wt > 0) || !isfinite(wt))
    return hf_fail(err, "blr: append: row weight %g (expected a finite weight > 0)", wt);
  const double sw = sqrt(wt); /* rows scaled by it: their squares carry wt */
  int cnt[HF_BLR_NTYPES] = {0};
  for (int i = 0; i < m; i++) {
    if (type[i] < 0 || type[i] >= HF_BLR_NTYPES)
      return hf_fail(err, "blr: row %d of the block: unknown type %d", i, type[i]);
    if (!isfinite(y[i])) return hf_fail(err, "blr: row %d of the block: target not finite", i);
    for (int j = 0; j < M; j++)
      if (!isfinite(phi[(size_t)i * M + j]))
        return hf_fail(err, "blr: row %d of the block: feature %d not finite", i, j);
    cnt[type[i]]++;
  }
  /* all allocation first, so that a failure leaves d unchanged */
  int chunk = 0; /* rows staged per Householder update */
  for (int t = 0; t < HF_BLR_NTYPES; t++) chunk = cnt[t] > chunk ? cnt[t] : chunk;
  if (chunk > APPEND_CHUNK) chunk = APPEND_CHUNK;
  const int nb = n < QR_NB ? n : QR_NB;
  size_t need = (size_t)chunk * n + 2 * (size_t)nb * n;
  if (need > d->bufcap) {
    double *nbuf = malloc(need * sizeof *nbuf);
    if (!nbuf) return hf_fail(err, "blr: out of memory (%zu doubles)", need);
    free(d->buf);
    d->buf = nbuf;
    d->bufcap = need;
  }
  for (int t = 0; t < HF_BLR_NTYPES; t++)
    if (cnt[t] && !d->r[t]) {
      d->r[t] = calloc((size_t)n * n, sizeof(double));
      if (!d->r[t]) return hf_fail(err, "blr: out of memory");
    }
  double *B = d->buf, *T = B + (size_t)chunk * n, *W = T + (size_t)nb * n;
  for (int t = 0; t < HF_BLR_NTYPES; t++) {
    if (!cnt[t]) continue;
    /* targets: mean and squared deviations of the block, merged (Chan et al.),
     * each row counted wt times */
    double bm = 0, bm2 = 0;
    int k = 0;
    for (int i = 0; i < m; i++)
      if (type[i] == t) {
        k++;
        double dl = y[i] - bm;
        bm += dl / k;
        bm2 += dl * (y[i] - bm);
      }
    /* rows of type t into column-major staging [phi | y], chunk by chunk */
    int i = 0;
    while (i < m) {
      int rows = 0;
      for (; i < m && rows < chunk; i++) {
        if (type[i] != t) continue;
        const double *p = phi + (size_t)i * M;
        for (int j = 0; j < M; j++) B[(size_t)j * chunk + rows] = sw * p[j];
        B[(size_t)M * chunk + rows] = sw * y[i];
        rows++;
      }
      if (!rows) break;
      /* [R; B] = Q [R'; 0] (B full, no triangular part: l = 0) */
      const int bs = rows < nb ? rows : nb; /* small blocks: unblocked is cheaper */
      lapack_int info =
          LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, rows, n, 0, bs, d->r[t], n, B, chunk, T, bs, W);
      if (info != 0) return hf_fail(err, "blr: dtpqrt failed (info %d)", (int)info);
    }
    const double w0 = d->wsum[t], w1 = wt * cnt[t], ws = w0 + w1;
    double delta = bm - d->mean[t];
    d->mean[t] += delta * w1 / ws;
    d->m2[t] += wt * bm2 + delta * delta * w0 * w1 / ws;
    d->n[t] += cnt[t];
    d->wsum[t] = ws;
  }
  d->nrows += m;
  d->nblocks++;
  return HF_OK;
}

/* ------------------------------------------------------------------ fit */

void hf_blr_opts_default(hf_blr_opts *o) {
  memset(o, 0, sizeof *o);
  o->method = HF_BLR_BAYES;
  for (int t = 0; t < HF_BLR_NTYPES; t++) o->weight[t] = 1.0;
  o->normalize = 1;
  o->rcond = 1e-10;
  o->max_iter = 1000;
  o->tol = 1e-10;
}

void hf_blr_fit_init(hf_blr_fit *f) { memset(f, 0, sizeof *f); }

static void fit_release(hf_blr_fit *f) {
  free(f->w);
  free(f->cov);
  free(f->sd);
  free(f->colscale);
  free(f->unseen);
  free(f->L);
}

void hf_blr_fit_free(hf_blr_fit *f) {
  fit_release(f);
  memset(f, 0, sizeof *f);
}

static double clampd(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

static double softplus(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }

/* The evidence in the log hyperparameters a = ln alpha, b = ln beta, from the
 * SVD pieces s_i, c_i, rho^2.  With u_i = alpha / (alpha + beta s_i^2) (the
 * shrinkage of direction i) and q_i = u_i (1 - u_i):
 *   F  = ln p(Y~) = (M a + N b - beta (sum c_i^2 u_i + rho^2) - sum ln(alpha + beta s_i^2)
 *                    - N ln 2 pi) / 2
 *   dF/da = (gamma - beta sum c_i^2 q_i) / 2,   gamma = sum (1 - u_i)
 *   dF/db = (N - gamma - beta sum c_i^2 u_i^2 - beta rho^2) / 2
 * and the Hessian (Newton steps).  Also the MacKay fixed-point values
 * alpha* = gamma / |w'|^2, beta* = (N - gamma) / E_D. */
typedef struct {
  double F, ga, gb, haa, hab, hbb;
  double gamma, wn2, ed; /* effective parameters, |w'|^2, |Y~ - Phi' w'|^2 */
} evid;

static evid evidence(int M, long N, const double *s, const double *c, double rho2, double a,
                     double b, double *v, double *dvar) {
  const double beta = exp(b);
  double sq = 0, scq = 0, scu = 0, scu2 = 0, scqd = 0, scuq = 0, lden = 0;
  evid e = {0};
  for (int i = 0; i < M; i++) {
    double u, ub, ld, c2 = c[i] * c[i];
    if (s[i] > 0) {
      double t = b + 2 * log(s[i]) - a; /* ln(beta s^2 / alpha) */
      u = 1 / (1 + exp(t));
      ub = 1 / (1 + exp(-t));
      ld = a + softplus(t);
      double vi = c[i] / s[i] * ub;
      e.wn2 += vi * vi;
      if (v) v[i] = vi;
    } else {
      u = 1, ub = 0, ld = a;
      if (v) v[i] = 0;
    }
    if (dvar) dvar[i] = exp(-ld);
    double q = u * ub;
    e.gamma += ub;
    sq += q;
    scq += c2 * q;
    scu += c2 * u;
    scu2 += c2 * u * u;
    scqd += c2 * (u - ub) * q;
    scuq += c2 * u * q;
    lden += ld;
  }
  e.ed = scu2 + rho2;
  e.F = 0.5 * (M * a + (double)N * b - beta * (scu + rho2) - lden - (double)N * log(2 * M_PI));
  e.ga = 0.5 * (e.gamma - beta * scq);
  e.gb = 0.5 * ((double)N - e.gamma - beta * e.ed);
  e.haa = 0.5 * (-sq + beta * scqd);
  e.hab = 0.5 * (sq - 2 * beta * scuq);
  e.hbb = 0.5 * (-sq - beta * e.ed + 2 * beta * scuq);
  return e;
}

/* Maximises the evidence over the free log hyperparameters (fix_a, fix_b keep
 * them) within [lo, hi]: Newton steps where the Hessian is negative definite
 * (backtracking until the evidence does not decrease, unless the step is already
 * small), otherwise MacKay's fixed-point step, lengthened while the evidence
 * grows.  Converged when a step moves both by less than tol.  Returns the
 * iterations done. */
static int maximise_evidence(int M, long N, const double *s, const double *c, double rho2,
                             int fix_a, int fix_b, double lo, double hi, int max_iter, double tol,
                             double *a, double *b, int *converged) {
  *converged = fix_a && fix_b;
  int it = 0;
  while (!*converged && it < max_iter) {
    it++;
    evid e = evidence(M, N, s, c, rho2, *a, *b, NULL, NULL);
    double da = 0, db = 0;
    int newton = 0;
    if (!fix_a && !fix_b) {
      double det = e.haa * e.hbb - e.hab * e.hab;
      if (e.haa < 0 && det > 0) {
        da = -(e.hbb * e.ga - e.hab * e.gb) / det;
        db = -(e.haa * e.gb - e.hab * e.ga) / det;
        newton = 1;
      }
    } else if (!fix_a && e.haa < 0) {
      da = -e.ga / e.haa, newton = 1;
    } else if (!fix_b && e.hbb < 0) {
      db = -e.gb / e.hbb, newton = 1;
    }
    double na = *a, nb = *b;
    int ok = 0;
    if (newton && isfinite(da) && isfinite(db)) {
      double big = fmax(fabs(da), fabs(db));
      if (big < 1e-2) { /* quadratic regime: differences of F are at rounding level */
        na = clampd(*a + da, lo, hi), nb = clampd(*b + db, lo, hi);
        ok = 1;
      } else {
        if (big > 8) da *= 8 / big, db *= 8 / big; /* at most a factor e^8 per step */
        for (int k = 0; k < 40 && !ok; k++, da *= 0.5, db *= 0.5) {
          na = clampd(*a + da, lo, hi), nb = clampd(*b + db, lo, hi);
          if (evidence(M, N, s, c, rho2, na, nb, NULL, NULL).F >= e.F) ok = 1;
        }
      }
    }
    if (!ok) { /* MacKay's step, lengthened while that increases the evidence */
      na = *a, nb = *b;
      if (!fix_a) na = e.wn2 > 0 && e.gamma > 0 ? clampd(log(e.gamma / e.wn2), lo, hi) : hi;
      if (!fix_b) nb = e.ed > 0 ? clampd(log(((double)N - e.gamma) / e.ed), lo, hi) : hi;
      double ma = na - *a, mb = nb - *b;
      double fb = evidence(M, N, s, c, rho2, na, nb, NULL, NULL).F;
      for (double t = 2; t <= 64; t *= 2) {
        double ta = clampd(*a + t * ma, lo, hi), tb = clampd(*b + t * mb, lo, hi);
        double ft = evidence(M, N, s, c, rho2, ta, tb, NULL, NULL).F;
        if (!(ft > fb)) break;
        na = ta, nb = tb, fb = ft;
      }
    }
    double step = fmax(fabs(na - *a), fabs(nb - *b));
    *a = na, *b = nb;
    if (step < tol) *converged = 1;
  }
  return it;
}

/* Rows of the (n x n, column-major) triangular factor up to its last non-zero
 * one.  Not simply min(n_t, n): a column that is zero or dependent in the rows
 * so far leaves its row of R zero, and later columns fill rows beyond n_t. */
static int factor_rows(const double *R, int n) {
  for (int i = n - 1; i >= 0; i--)
    for (int j = i; j < n; j++)
      if (R[(size_t)j * n + i] != 0) return i + 1;
  return 0;
}

/* An orthonormal basis of the null space of A D^-1 (A: nc x M row-major):
 * *out, M x *P column-major, malloc'd.  Singular values below 1e-10 times the
 * largest count as zero (dependent constraints). */
static int null_space(const double *A, int nc, int M, const double *dcol, double **out, int *P,
                      hf_err *err) {
  const int k = nc < M ? nc : M;
  double *Ad = malloc((size_t)nc * M * sizeof *Ad), *sv = malloc((size_t)k * sizeof *sv);
  double *VT = malloc((size_t)M * M * sizeof *VT), *sup = malloc((size_t)k * sizeof *sup);
  int rc = HF_FAIL;
  *out = NULL;
  if (!Ad || !sv || !VT || !sup) {
    hf_fail(err, "blr: out of memory (constraints)");
    goto done;
  }
  for (int i = 0; i < nc; i++)
    for (int j = 0; j < M; j++) {
      if (!isfinite(A[(size_t)i * M + j])) {
        hf_fail(err, "blr: constraint %d has a non-finite entry (column %d)", i, j);
        goto done;
      }
      Ad[(size_t)j * nc + i] = A[(size_t)i * M + j] / dcol[j];
    }
  lapack_int info =
      LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'A', nc, M, Ad, nc, sv, NULL, 1, VT, M, sup);
  if (info != 0) {
    hf_fail(err, "blr: SVD of the constraints failed (info %d)", (int)info);
    goto done;
  }
  int r = 0;
  while (r < k && sv[r] > 1e-10 * sv[0]) r++;
  *P = M - r;
  if (*P == 0) {
    hf_fail(err, "blr: the constraints leave no coefficient free");
    goto done;
  }
  if (!(*out = malloc((size_t)M * *P * sizeof **out))) {
    hf_fail(err, "blr: out of memory (constraints)");
    goto done;
  }
  for (int q = 0; q < *P; q++) /* column q = row r + q of V^T */
    for (int j = 0; j < M; j++) (*out)[(size_t)q * M + j] = VT[(size_t)j * M + r + q];
  rc = HF_OK;
done:
  free(Ad), free(sv), free(VT), free(sup);
  return rc;
}

/* The null space of the constraints on the free columns (held[j] = 0): an
 * orthonormal basis (M x P, column-major, rows of held columns zero) in the
 * scaled coefficients.  Without constraints it spans the free columns. */
static int free_null_space(const double *A, int nc, int M, const double *dcol,
                           const unsigned char *held, double **out, int *P, hf_err *err) {
  int nf = 0;
  for (int j = 0; j < M; j++) nf += !held[j];
  if (nf == 0) return hf_fail(err, "blr: every coefficient is held");
  int *col = malloc((size_t)nf * sizeof *col);
  double *Af = malloc(((size_t)nc * nf + 1) * sizeof *Af), *df = malloc((size_t)nf * sizeof *df);
  double *Nf = NULL;
  int rc = HF_FAIL;
  *out = NULL;
  if (!col || !Af || !df) {
    hf_fail(err, "blr: out of memory (held coefficients)");
    goto done;
  }
  for (int j = 0, k = 0; j < M; j++)
    if (!held[j]) col[k] = j, df[k] = dcol[j], k++;
  for (int i = 0; i < nc; i++)
    for (int k = 0; k < nf; k++) Af[(size_t)i * nf + k] = A[(size_t)i * M + col[k]];
  if (nc > 0) {
    if (null_space(Af, nc, nf, df, &Nf, P, err)) goto done;
  } else {
    *P = nf;
  }
  if (!(*out = calloc((size_t)M * *P, sizeof **out))) {
    hf_fail(err, "blr: out of memory (held coefficients)");
    goto done;
  }
  for (int q = 0; q < *P; q++)
    for (int k = 0; k < nf; k++)
      (*out)[(size_t)q * M + col[k]] = Nf ? Nf[(size_t)q * nf + k] : (double)(k == q);
  rc = HF_OK;
done:
  free(col), free(Af), free(df), free(Nf);
  return rc;
}

int hf_blr_solve(hf_blr_fit *f, const hf_blr_data *d, const hf_blr_opts *o, hf_err *err) {
  return hf_blr_solve_held(f, d, o, NULL, 0, NULL, NULL, err);
}

int hf_blr_solve_constrained(hf_blr_fit *f, const hf_blr_data *d, const hf_blr_opts *o,
                             const double *A, int nc, hf_err *err) {
  return hf_blr_solve_held(f, d, o, A, nc, NULL, NULL, err);
}

int hf_blr_solve_held(hf_blr_fit *f, const hf_blr_data *d, const hf_blr_opts *o, const double *A,
                      int nc, const unsigned char *held, const double *w0, hf_err *err) {
  const int M = d->M, n = M + 1;
  if (nc < 0 || (nc > 0 && !A)) return hf_fail(err, "blr: bad constraint matrix");
  if (!held != !w0) return hf_fail(err, "blr: held coefficients need both the mask and values");
  for (int j = 0; held && j < M; j++)
    if (held[j] && !isfinite(w0[j]))
      return hf_fail(err, "blr: held coefficient %d is not finite", j);
  if (M < 1) return hf_fail(err, "blr: data set not initialised");
  if (o->method != HF_BLR_BAYES && o->method != HF_BLR_LSQ)
    return hf_fail(err, "blr: unknown method %d", o->method);
  if (!(o->rcond >= 0 && o->rcond < 1))
    return hf_fail(err, "blr: rcond %g not in [0, 1)", o->rcond);
  if (!(o->sigma_v >= 0) || !(o->sigma_w >= 0) || !isfinite(o->sigma_v) || !isfinite(o->sigma_w))
    return hf_fail(err, "blr: fixed hyperparameters must be finite and >= 0 (0 = evidence)");
  if (o->method == HF_BLR_BAYES && (o->max_iter < 1 || !(o->tol > 0)))
    return hf_fail(err, "blr: need max_iter >= 1 and tol > 0");

  /* row scales and the rows of the stacked factors */
  double srow[HF_BLR_NTYPES] = {0};
  int krow[HF_BLR_NTYPES] = {0};
  long N = 0;
  int nstack = 0;
  for (int t = 0; t < HF_BLR_NTYPES; t++) {
    double h = o->weight[t];
    if (!(h >= 0) || !isfinite(h))
      return hf_fail(err, "blr: weight of %s must be finite and >= 0", type_names[t]);
    if (h == 0 || d->n[t] == 0) continue;
    srow[t] = o->normalize ? h / hf_blr_data_sigma(d, t) : h;
    N += d->n[t];
    krow[t] = factor_rows(d->r[t], n);
    nstack += krow[t];
  }
  if (N == 0) return hf_fail(err, "blr: no rows (of types with positive weight) to fit");
  const int ld = nstack > n ? nstack : n;

  /* one allocation for the work arrays, separate ones for the results */
  size_t nwork = (size_t)ld * n + n + (size_t)M * M * 3 + 5 * (size_t)M + 1;
  double *work = malloc(nwork * sizeof *work);
  double *w = malloc((size_t)M * sizeof *w), *cov = malloc((size_t)M * M * sizeof *cov);
  double *sd = malloc((size_t)M * sizeof *sd), *dcol = malloc((size_t)M * sizeof *dcol);
  double *L = malloc((size_t)M * (M + PRED_KB) * sizeof *L);
  unsigned char *unseen = calloc((size_t)M, 1);
  double *Nc = NULL, *Vf = NULL; /* constraints: null-space basis, Nc V */
  if (!work || !w || !cov || !sd || !dcol || !L || !unseen) {
    free(work), free(w), free(cov), free(sd), free(dcol), free(L), free(unseen);
    return hf_fail(err, "blr: out of memory (M = %d)", M);
  }
  double *S = work, *tau = S + (size_t)ld * n, *Bm = tau + n, *U = Bm + (size_t)M * M;
  double *VT = U + (size_t)M * M, *s = VT + (size_t)M * M, *c = s + M, *v = c + M;
  double *dvar = v + M, *zt = dvar + M;
  int rc = HF_FAIL;

  /* stack s_t R_t (upper triangles, their non-zero rows), column-major */
  memset(S, 0, (size_t)ld * n * sizeof *S);
  int off = 0;
  for (int t = 0; t < HF_BLR_NTYPES; t++) {
    if (srow[t] == 0) continue;
    const int k = krow[t];
    const double *R = d->r[t];
    for (int j = 0; j < n; j++)
      for (int i = 0; i < k && i <= j; i++)
        S[(size_t)j * ld + off + i] = srow[t] * R[(size_t)j * n + i];
    off += k;
  }
  /* held coefficients: the targets less their part, y - Phi_H w0_H (in the
   * factors: the last column less the held columns times w0) */
  for (int j = 0; held && j < M; j++)
    if (held[j] && w0[j] != 0)
      cblas_daxpy(ld, -w0[j], S + (size_t)j * ld, 1, S + (size_t)M * ld, 1);
  /* column scales: RMS of each normalised feature column.  A column at the
   * round-off level of the others is a term the training cells cannot see
   * (in a 2x2x2 supercell some second-shell couplings vanish by symmetry):
   * scaled up it would be noise with a coefficient of 1e14; it is zeroed
   * instead, so that its coefficient stays at the prior mean, 0. */
  double nmax = 0;
  for (int j = 0; j < M; j++) {
    dcol[j] = cblas_dnrm2(ld, S + (size_t)j * ld, 1) / sqrt((double)N);
    if (isfinite(dcol[j]) && dcol[j] > nmax) nmax = dcol[j];
  }
  int nunseen = 0;
  for (int j = 0; j < M; j++) {
    if (!(dcol[j] > HF_BLR_UNSEEN * nmax) || !isfinite(dcol[j])) {
      memset(S + (size_t)j * ld, 0, (size_t)ld * sizeof *S);
      dcol[j] = 1.0;
      unseen[j] = 1, nunseen++;
      continue;
    }
    cblas_dscal(ld, 1.0 / dcol[j], S + (size_t)j * ld, 1);
  }
  lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, ld, n, S, ld, tau);
  if (info != 0) {
    hf_fail(err, "blr: dgeqrf failed (info %d)", (int)info);
    goto out;
  }
  for (int j = 0; j < M; j++)
    for (int i = 0; i < M; i++) Bm[(size_t)j * M + i] = i <= j ? S[(size_t)j * ld + i] : 0.0;
  for (int i = 0; i < M; i++) zt[i] = S[(size_t)M * ld + i];
  const double rho = S[(size_t)M * ld + M];
  double rho2 = rho * rho;

  /* constraints: w' = Nc z, the fit runs on B Nc (M x P) */
  int P = M;
  if (nc > 0 || held) {
    if (held ? free_null_space(A, nc, M, dcol, held, &Nc, &P, err)
             : null_space(A, nc, M, dcol, &Nc, &P, err))
      goto out;
    memcpy(S, Bm, (size_t)M * M * sizeof *S);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, M, P, M, 1.0, S, M, Nc, M, 0.0, Bm, M);
  }
  /* B Nc = U diag(s) V^T; S is free again and holds a copy for the fallback */
  memcpy(S, Bm, (size_t)M * P * sizeof *S);
  info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', M, P, Bm, M, s, U, M, VT, P);
  if (info > 0) {
    memcpy(Bm, S, (size_t)M * P * sizeof *S);
    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'S', M, P, Bm, M, s, U, M, VT, P, tau);
  }
  if (info != 0) {
    hf_fail(err, "blr: SVD failed (info %d)", (int)info);
    goto out;
  }
  /* V in the coefficient space, read as V(j, i) = Vc[j P + i]: V itself (V^T
   * column-major is V row-major) or, with constraints, Nc V (M x P) */
  const double *Vc = VT;
  if (Nc) {
    if (!(Vf = malloc((size_t)M * P * sizeof *Vf))) {
      hf_fail(err, "blr: out of memory (constraints)");
      goto out;
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, P, P, 1.0, Nc, M, VT, P, 0.0, Vf, P);
    Vc = Vf;
  }
  for (int i = 0; i < P; i++) c[i] = cblas_ddot(M, U + (size_t)i * M, 1, zt, 1);
  double yy = rho2;
  for (int i = 0; i < M; i++) yy += zt[i] * zt[i];
  const double yms = yy > 0 ? yy / (double)N : 1.0; /* mean square of the normalised targets */
  if (Nc) { /* the part of z outside the range of B Nc is residual too */
    double cc = 0;
    for (int i = 0; i < P; i++) cc += c[i] * c[i];
    rho2 = fmax(yy - cc, 0.0);
  }
  int rank = 0;
  while (rank < P && s[rank] > o->rcond * s[0]) rank++;

  hf_blr_fit nf;
  memset(&nf, 0, sizeof nf);
  nf.M = M;
  nf.nfree = P;
  nf.method = o->method;
  nf.nrows = N;
  nf.rank = rank;
  nf.converged = 1;
  int lcols;
  if (o->method == HF_BLR_LSQ) {
    double ed = rho2;
    for (int i = 0; i < P; i++) {
      v[i] = i < rank ? c[i] / s[i] : 0.0;
      if (i >= rank) ed += c[i] * c[i];
    }
    double sv2 = N > rank ? ed / (double)(N - rank) : 0.0;
    for (int i = 0; i < rank; i++) dvar[i] = sv2 / (s[i] * s[i]);
    lcols = rank;
    nf.sigma_v = sqrt(sv2);
    nf.sigma_w = INFINITY;
    nf.gamma = rank;
  } else {
    /* ln alpha, ln beta kept within 1e-24..1e24 of 1 / (mean square target) */
    const double lo = log(1 / yms) - 55.3, hi = log(1 / yms) + 55.3;
    const int fix_a = o->sigma_w > 0, fix_b = o->sigma_v > 0;
    /* start: one term ~ the targets' spread; noise from the least-squares residual.
     * Always the same start, so that a fit depends on the data only. */
    double ed = rho2;
    for (int i = rank; i < P; i++) ed += c[i] * c[i];
    double a = log(1 / yms);
    double b = N > rank && ed > 0 ? log((double)(N - rank) / ed) : log(100 / yms);
    a = fix_a ? -2 * log(o->sigma_w) : clampd(a, lo, hi);
    b = fix_b ? -2 * log(o->sigma_v) : clampd(b, lo, hi);
    int conv;
    int it = maximise_evidence(P, N, s, c, rho2, fix_a, fix_b, lo, hi, o->max_iter, o->tol, &a, &b,
                               &conv);
    evid ev = evidence(P, N, s, c, rho2, a, b, v, dvar);
    lcols = P;
    nf.sigma_v = exp(-0.5 * b);
    nf.sigma_w = exp(-0.5 * a);
    nf.gamma = ev.gamma;
    nf.iterations = it;
    nf.converged = conv;
    nf.log_evidence = ev.F;
  }

  /* back to physical units: w = D^-1 V v;  K = D^-1 V diag(sqrt(dvar)) (M x lcols) */
  for (int j = 0; j < M; j++) {
    double acc = 0;
    for (int i = 0; i < P; i++) acc += Vc[(size_t)j * P + i] * v[i];
    w[j] = acc / dcol[j] + (held && held[j] ? w0[j] : 0.0);
  }
  /* K^T (lcols x M) column-major in L: KT(i, j) = V(j, i) sqrt(dvar_i) / d_j */
  for (int j = 0; j < M; j++)
    for (int i = 0; i < lcols; i++)
      L[(size_t)j * lcols + i] = Vc[(size_t)j * P + i] * sqrt(dvar[i]) / dcol[j];
  /* Sigma = K K^T: K is row-major M x lcols in the same storage */
  if (lcols > 0) {
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, M, lcols, 1.0, L, lcols, 0.0, cov, M);
  } else {
    memset(cov, 0, (size_t)M * M * sizeof *cov);
  }
  for (int j = 0; j < M; j++) {
    for (int l = 0; l < j; l++) cov[(size_t)l * M + j] = cov[(size_t)j * M + l];
    sd[j] = sqrt(cov[(size_t)j * M + j]);
  }
  /* K^T = Q R_K  =>  Sigma = R_K^T R_K: L = R_K^T.  R_K in column-major storage
   * with leading dimension lcols is L row-major (M x lcols). */
  if (lcols > 0) {
    info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, lcols, M, L, lcols, tau);
    if (info != 0) {
      hf_fail(err, "blr: dgeqrf (covariance factor) failed (info %d)", (int)info);
      goto out;
    }
    for (int j = 0; j < M; j++)
      for (int k = j + 1; k < lcols; k++) L[(size_t)j * lcols + k] = 0.0;
  }
  /* rows padded with zeros to a multiple of PRED_KB columns (in place, last row first) */
  const int lcp = (lcols + PRED_KB - 1) / PRED_KB * PRED_KB;
  for (int j = M - 1; j >= 0 && lcp > lcols; j--) {
    memmove(L + (size_t)j * lcp, L + (size_t)j * lcols, (size_t)lcols * sizeof *L);
    for (int k = lcols; k < lcp; k++) L[(size_t)j * lcp + k] = 0.0;
  }

  /* per-type scales, noise, and training residuals ||z_t - R_t w||^2 + rho_t^2 */
  for (int t = 0; t < HF_BLR_NTYPES; t++) {
    nf.rowscale[t] = srow[t];
    nf.noise[t] = srow[t] > 0 ? nf.sigma_v / srow[t] : 0.0;
    if (d->n[t] == 0) continue;
    const double *R = d->r[t];
    double rr = R[(size_t)M * n + M] * R[(size_t)M * n + M];
    for (int i = 0; i < M; i++) {
      double q = -R[(size_t)M * n + i];
      for (int j = i; j < M; j++) q += R[(size_t)j * n + i] * w[j];
      rr += q * q;
    }
    nf.rmse[t] = sqrt(rr / d->wsum[t]);
  }
  nf.lcols = lcp;
  nf.w = w, nf.cov = cov, nf.sd = sd, nf.colscale = dcol, nf.L = L;
  nf.unseen = unseen, nf.nunseen = nunseen;
  fit_release(f);
  *f = nf;
  w = cov = sd = dcol = L = NULL; /* owned by f now */
  unseen = NULL;
  rc = HF_OK;
out:
  free(work), free(w), free(cov), free(sd), free(dcol), free(L), free(Nc), free(Vf), free(unseen);
  return rc;
}

/* ------------------------------------------------------------------ prediction */

/* Squared Bayesian errors of nr <= PRED_RC rows phi: e2[r] = |phi_r L|^2.
 * L is lower trapezoidal (L[j][k] = 0 for k > j), so column block k0 needs rows
 * j >= k0 only.  A register block of PRED_RB rows x PRED_KB columns of phi L is
 * accumulated over j and squared; the column block of L stays in L1 while the
 * row blocks of the chunk pass over it. */
static void chunk_err2(const hf_blr_fit *f, int nr, const double *phi, double *e2) {
  const int M = f->M, lc = f->lcols;
  for (int r = 0; r < nr; r++) e2[r] = 0;
  for (int k0 = 0; k0 < lc; k0 += PRED_KB) {
    for (int r0 = 0; r0 < nr; r0 += PRED_RB) {
      const double *pr[PRED_RB];
      for (int r = 0; r < PRED_RB; r++) /* rows past the chunk repeat row r0, unused */
        pr[r] = phi + (size_t)(r0 + r < nr ? r0 + r : r0) * M;
      /* GCC/Clang vector extensions: 4 x 2 vectors of 4 doubles stay in registers */
      v4d acc[PRED_RB][2] = {{{0}}};
      for (int j = k0; j < M; j++) {
        v4d l0, l1;
        memcpy(&l0, f->L + (size_t)j * lc + k0, sizeof l0);
        memcpy(&l1, f->L + (size_t)j * lc + k0 + 4, sizeof l1);
        for (int r = 0; r < PRED_RB; r++) {
          const v4d p = {pr[r][j], pr[r][j], pr[r][j], pr[r][j]};
          acc[r][0] += p * l0;
          acc[r][1] += p * l1;
        }
      }
      for (int r = 0; r < PRED_RB && r0 + r < nr; r++) {
        v4d q = acc[r][0] * acc[r][0] + acc[r][1] * acc[r][1];
        e2[r0 + r] += (q[0] + q[1]) + (q[2] + q[3]);
      }
    }
  }
}

int hf_blr_predict(const hf_blr_fit *f, int m, const double *phi, double *mean, double *err_out,
                   hf_err *err) {
  if (f->M < 1) return hf_fail(err, "blr: predict: no fit");
  if (m < 0) return hf_fail(err, "blr: predict: negative row count %d", m);
  const int M = f->M;
  double e2[PRED_RC];
  for (int r0 = 0; r0 < m; r0 += PRED_RC) {
    const int nr = m - r0 < PRED_RC ? m - r0 : PRED_RC;
    const double *p = phi + (size_t)r0 * M;
    if (mean)
      for (int r = 0; r < nr; r++) {
        const double *pr = p + (size_t)r * M;
        double acc = 0;
        for (int j = 0; j < M; j++) acc += pr[j] * f->w[j];
        mean[r0 + r] = acc;
      }
    if (err_out) {
      chunk_err2(f, nr, p, e2);
      for (int r = 0; r < nr; r++) err_out[r0 + r] = sqrt(e2[r]);
    }
  }
  return HF_OK;
}

int hf_blr_predict_max(const hf_blr_fit *f, int m, const double *phi, const int *type,
                       hf_blr_maxerr *out, hf_err *err) {
  if (f->M < 1) return hf_fail(err, "blr: predict: no fit");
  if (m < 0) return hf_fail(err, "blr: predict: negative row count %d", m);
  for (int i = 0; i < m; i++)
    if (type[i] < 0 || type[i] >= HF_BLR_NTYPES)
      return hf_fail(err, "blr: predict: row %d: unknown type %d", i, type[i]);
  for (int t = 0; t < HF_BLR_NTYPES; t++) out->err[t] = 0, out->row[t] = -1;
  out->force = 0;
  out->force_row = -1;
  const int M = f->M;
  double e2[PRED_RC];
  for (int r0 = 0; r0 < m; r0 += PRED_RC) {
    const int nr = m - r0 < PRED_RC ? m - r0 : PRED_RC;
    chunk_err2(f, nr, phi + (size_t)r0 * M, e2);
    for (int r = 0; r < nr; r++) {
      const int t = type[r0 + r];
      const double e = sqrt(e2[r]);
      if (out->row[t] < 0 || e > out->err[t]) out->err[t] = e, out->row[t] = r0 + r;
      if (t >= HF_BLR_FORCE_U && t <= HF_BLR_FORCE_W && (out->force_row < 0 || e > out->force))
        out->force = e, out->force_row = r0 + r;
    }
  }
  return HF_OK;
}
