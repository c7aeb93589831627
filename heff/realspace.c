/* realspace.c - the engine's real-space pass: on-site polynomials, homogeneous
 * and local strain couplings, the local strain of v and its adjoint, and the
 * v-v stencil, plane by plane along x and row by row along y with z innermost
 * (see docs/design.md).  Allocates only in hf_realspace_setup. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine_internal.h"
#include "parallel.h"

static size_t round4(size_t n) { return (n + 3) & ~(size_t)3; }

/* a mod m in [0, m) for any sign of a */
static int imod(int a, int m) {
  int r = a % m;
  return r < 0 ? r + m : r;
}

/* Sets e->fast and e->fk if the on-site polynomial and the local coupling
 * have the form local_fast_span evaluates (see fast_coef). */
static void detect_fast(hf_engine *e) {
  memset(&e->fk, 0, sizeof e->fk);
  e->fast = 0;
  double A[3] = {0, 0, 0}, B[3] = {0, 0, 0}; /* s_a^2; s_b s_c for the pair opposite a */
  for (int t = 0; t < e->on.n; t++) {
    const int *p = e->on.pow[t];
    if (p[0] % 2 || p[1] % 2 || p[2] % 2 || p[0] + p[1] + p[2] != 4) return;
    int a = p[0] == 4 ? 0 : p[1] == 4 ? 1 : p[2] == 4 ? 2 : -1;
    if (a >= 0)
      A[a] += e->on.c[t];
    else
      B[!p[0] ? 0 : !p[1] ? 1 : 2] += e->on.c[t];
  }
  if (A[1] != A[0] || A[2] != A[0] || B[1] != B[0] || B[2] != B[0]) return;
  const double(*C)[6] = e->Cloc, f = e->stencil.inv4a0;
  for (int l = 0; l < 6; l++)
    for (int p = 0; p < 6; p++) {
      double want = l < 3 && p < 3 ? (l == p ? C[0][0] : C[0][1]) : l == p ? C[3][3] : 0.0;
      if (C[l][p] != want) return;
    }
  e->fk.al = 2 * A[0] - B[0];
  e->fk.qx = B[0];
  e->fk.amb = (C[0][0] - C[0][1]) * f;
  e->fk.b = C[0][1] * f;
  e->fk.c = C[3][3] * f;
  e->fast = 1;
}

/* Sets e->won_even and e->wq if every on-site omega monomial is even in
 * each variable and of degree 2 or 4 (see even_quartic). */
static void detect_even_quartic(hf_engine *e) {
  memset(&e->wq, 0, sizeof e->wq);
  e->won_even = 0;
  for (int t = 0; t < e->won.n; t++) {
    const int *p = e->won.pow[t];
    int deg = 0, k1 = -1, k2 = -1;
    for (int k = 0; k < 6; k++) {
      if (p[k] % 2) return;
      deg += p[k];
      for (int h = 0; h < p[k] / 2; h++) *(k1 < 0 ? &k1 : &k2) = k;
    }
    const double c = e->won.c[t];
    if (deg == 2)
      e->wq.A[k1] += c;
    else if (deg == 4 && k1 == k2)
      e->wq.B[k1][k1] += 2 * c; /* d(c s^2)/ds = 2 c s */
    else if (deg == 4) {
      e->wq.B[k1][k2] += c;
      e->wq.B[k2][k1] += c;
    } else
      return;
  }
  e->won_even = e->won.n > 0;
}

/* x planes per chunk of the row pass: fixed, so that the chunks and with
 * them every sum are the same for any number of threads */
#define CHUNK_PLANES 8

static size_t row_count(const hf_engine *e) {
  return 24 + 27 + 3 * (size_t)(e->on.maxp + 2); /* 27 rows hold the 3 x-row sets */
}

static int work_alloc(const hf_engine *e, rs_work *w, int nmax, int nmaxw) {
  const size_t nrow = row_count(e), Ly = (size_t)e->lat.L[1];
  w->row = fftw_alloc_real(nrow * e->rs);
  w->vvp = malloc((size_t)nmax * sizeof *w->vvp);
  w->vvc = malloc((size_t)nmax * sizeof *w->vvc);
  w->vpl = malloc((size_t)e->nvs * sizeof *w->vpl);
  w->gpl = malloc((size_t)e->ngs * sizeof *w->gpl);
  if (!w->row || !w->vvp || !w->vvc || !w->vpl || !w->gpl) return HF_FAIL;
  memset(w->row, 0, nrow * e->rs * sizeof(double));
  for (int l = 0; l < 6; l++) {
    w->eL[l] = w->row + (size_t)l * e->rs;
    w->sL[l] = w->row + (size_t)(6 + l) * e->rs + 4; /* [-1] and [Lz] stay 0 */
    w->U[l] = w->row + (size_t)(12 + l) * e->rs;
    w->C[l] = w->row + (size_t)(18 + l) * e->rs;
  }
  for (int k = 0; k < 3; k++) w->xr[k] = w->row + (size_t)(24 + 9 * k) * e->rs;
  w->pw = w->row + 51 * e->rs;
  if (e->has_w) {
    const size_t npad = (size_t)e->n_wsrc * e->wpz, npw = 6 * (size_t)(e->won.maxp + 2) * e->rs;
    w->wpad = fftw_alloc_real(npad + 1);
    w->wpw = fftw_alloc_real(npw + 1);
    w->wwp = malloc((size_t)nmaxw * sizeof *w->wwp);
    w->wsp = malloc((size_t)(e->n_wsrc + 1) * sizeof *w->wsp);
    w->wwc = malloc((size_t)nmaxw * sizeof *w->wwc);
    if (!w->wpad || !w->wpw || !w->wwp || !w->wwc || !w->wsp) return HF_FAIL;
    memset(w->wpad, 0, (npad + 1) * sizeof(double));
    memset(w->wpw, 0, (npw + 1) * sizeof(double));
  }
  if (e->ring) {
    size_t nv = (size_t)e->nvs * 3 * Ly * e->pz, ng = (size_t)e->ngs * 3 * Ly * e->pz;
    w->vring = fftw_alloc_real(nv);
    w->gring = fftw_alloc_real(ng);
    if (!w->vring || !w->gring) return HF_FAIL;
    memset(w->vring, 0, nv * sizeof(double));
    memset(w->gring, 0, ng * sizeof(double));
  }
  return HF_OK;
}

void hf_realspace_free(hf_engine *e) {
  for (int t = 0; e->work && t < (e->nthreads > 1 ? e->nthreads : 1); t++) {
    rs_work *w = &e->work[t];
    fftw_free(w->row);
    free(w->vvp);
    free(w->vvc);
    free(w->vpl);
    free(w->gpl);
    fftw_free(w->vring);
    fftw_free(w->gring);
    fftw_free(w->wpad);
    fftw_free(w->wpw);
    free(w->wwp);
    free(w->wsp);
    free(w->wwc);
  }
  free(e->work);
  fftw_free(e->edge);
  free(e->part);
}

size_t hf_realspace_bytes(const hf_engine *e) {
  const size_t nt = (size_t)(e->nthreads > 1 ? e->nthreads : 1), Ly = (size_t)e->lat.L[1];
  size_t b = nt * row_count(e) * e->rs * sizeof(double);
  if (e->has_w)
    b += nt * ((size_t)e->n_wsrc * e->wpz + 6 * (size_t)(e->won.maxp + 2) * e->rs) * sizeof(double);
  if (e->ring) b += nt * (size_t)(e->nvs + e->ngs) * 3 * Ly * e->pz * sizeof(double);
  if (e->edge)
    b += (size_t)e->nchunk * (size_t)e->ntail * 3 * Ly * (size_t)e->lat.L[2] * sizeof(double);
  return b;
}

/* Ghost planes for several ranks: every rank's slab must hold as many
 * planes as the widest halo, so that only neighbours exchange. */
static int halo_setup(hf_engine *e, hf_err *err) {
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  const int vlo = -e->vx_lo, vhi = e->vx_hi, glo = -e->gx_lo, ghi = e->gx_hi;
  const int wlo = e->has_w ? -e->ww.lo[0] : 0, whi = e->has_w ? e->ww.hi[0] : 0;
  int w = 0, need = 0; /* widest halo; planes every rank must hold */
  const int widths[6] = {vlo, vhi, glo, ghi, e->ntail, 0};
  for (int k = 0; e->ring && k < 5; k++) w = widths[k] > w ? widths[k] : w;
  need = w;
  w = wlo > w ? wlo : w;
  w = whi > w ? whi : w;
  need = w > need ? w : need;
  if (hf_comm_any(e->comm, e->lat.nx < need))
    return hf_fail(err,
                   "the short-range terms reach %d x planes, more than some MPI rank holds "
                   "(%d x planes over %d ranks): use fewer ranks",
                   need, e->lat.L[0], e->comm->size);
  if (e->ring) {
    e->vghost = fftw_alloc_real(3 * (size_t)(vlo + vhi) * plane + 1);
    e->gghost = fftw_alloc_real(3 * (size_t)(glo + ghi) * plane + 1);
    if (!e->vghost || !e->gghost) return hf_fail(err, "out of memory for halo planes");
  }
  if (wlo + whi && !(e->wghost = fftw_alloc_real(3 * (size_t)(wlo + whi) * plane + 1)))
    return hf_fail(err, "out of memory for halo planes");
  if (w && !(e->hbuf = fftw_alloc_real(3 * (size_t)w * plane + 1)))
    return hf_fail(err, "out of memory for halo planes");
  return HF_OK;
}

/* Lists the nonzeros of the gathers of S per gradient component and the
 * offsets they reach; returns the largest count (at least 1), 0 when out of
 * memory. */
static int gather_list(gather_set *S) {
  int nmax = 1;
  memset(S->lo, 0, sizeof S->lo);
  memset(S->hi, 0, sizeof S->hi);
  for (int a = 0; a < 3; a++) {
    int n = 0;
    for (int k = 0; k < S->n; k++)
      for (int b = 0; b < 3; b++) n += S->g[k].M[a][b] != 0;
    if (!(S->t[a] = malloc((size_t)(n > 0 ? n : 1) * sizeof(vv_term)))) return 0;
    S->nt[a] = n;
    nmax = n > nmax ? n : nmax;
    n = 0;
    for (int k = 0; k < S->n; k++)
      for (int b = 0; b < 3; b++) {
        const vv_gather *G = &S->g[k];
        if (G->M[a][b] == 0) continue; /* the matrices are sparse */
        vv_term *t = &S->t[a][n++];
        memcpy(t->d, G->d, sizeof t->d);
        t->from = b;
        t->c = G->M[a][b];
        for (int j = 0; j < 3; j++) {
          S->lo[j] = G->d[j] < S->lo[j] ? G->d[j] : S->lo[j];
          S->hi[j] = G->d[j] > S->hi[j] ? G->d[j] : S->hi[j];
        }
      }
  }
  return nmax;
}

/* The omega layout: w-w nonzeros, their distinct source rows (dx, dy,
 * component) and the padded w row; returns the largest nonzero count, 0
 * when out of memory. */
static int omega_setup(hf_engine *e) {
  e->has_w = (e->mask & HF_FIELD_W) && (e->won.n || e->has_homw || e->ww.n);
  const int nmax = gather_list(&e->ww);
  if (!nmax) return 0;
  int cap = 1;
  for (int a = 0; a < 3; a++) cap += e->ww.nt[a];
  if (!(e->wsrc = malloc((size_t)cap * sizeof *e->wsrc))) return 0;
  for (int a = 0; a < 3; a++) {
    if (!(e->wtsrc[a] = malloc((size_t)(e->ww.nt[a] + 1) * sizeof(int)))) return 0;
    for (int t = 0; t < e->ww.nt[a]; t++) {
      const vv_term *T = &e->ww.t[a][t];
      const int key[4] = {T->d[0], T->d[1], T->from, T->d[2] != 0};
      int k = 0;
      while (k < e->n_wsrc && memcmp(e->wsrc[k], key, sizeof key)) k++;
      if (k == e->n_wsrc) memcpy(e->wsrc[e->n_wsrc++], key, sizeof key);
      e->wtsrc[a][t] = k;
    }
  }
  detect_even_quartic(e);
  e->wzlo = -e->ww.lo[2];
  e->wzhi = e->ww.hi[2];
  e->wzoff = round4((size_t)e->wzlo);
  e->wpz = round4(e->wzoff + (size_t)e->lat.L[2] + (size_t)e->wzhi);
  return nmax;
}

/* Lays out the row pass: the v-v nonzeros per gradient component, the
 * extent of the v and dE/dv rings, and the row scratch. */
int hf_realspace_setup(hf_engine *e, hf_err *err) {
  const int *L = e->lat.L;
  const size_t Lz = (size_t)L[2], Ly = (size_t)L[1];
  const int fused = e->has_loc && (e->mask & HF_FIELD_U);
  const int nmax = gather_list(&e->vv), nmaxw = omega_setup(e);
  if (!nmax || !nmaxw) return hf_fail(err, "out of memory");
  int lo[3], hi[3]; /* offsets of the v read, per axis */
  memcpy(lo, e->vv.lo, sizeof lo);
  memcpy(hi, e->vv.hi, sizeof hi);
  e->gx_lo = e->gx_hi = 0;
  if (fused) {
    /* corner c sits at sb + (bit k of c) along axis k */
    memcpy(e->sb, e->stencil.d[0], sizeof e->sb);
    for (int j = 0; j < 3; j++) {
      lo[j] = e->sb[j] < lo[j] ? e->sb[j] : lo[j];
      hi[j] = e->sb[j] + 1 > hi[j] ? e->sb[j] + 1 : hi[j];
    }
    e->gx_lo = e->sb[0] < 0 ? e->sb[0] : 0;
    e->gx_hi = e->sb[0] + 1 > 0 ? e->sb[0] + 1 : 0;
  }
  e->ring = (e->mask & HF_FIELD_V) && (e->vv.n || fused);
  detect_fast(e);
  e->vx_lo = lo[0];
  e->vx_hi = hi[0];
  e->nvs = hi[0] - lo[0] + 1;
  e->ngs = e->gx_hi - e->gx_lo + 1;
  e->zlo = -lo[2];
  e->zhi = hi[2];
  e->zoff = round4((size_t)e->zlo);
  e->pz = round4(e->zoff + round4(Lz) + (size_t)e->zhi + 1); /* full blocks in strain_xrow */
  e->rs = round4(Lz + 8);
  const int nt = e->nthreads > 1 ? e->nthreads : 1;
  if (!(e->work = calloc((size_t)nt, sizeof *e->work))) return hf_fail(err, "out of memory");
  for (int t = 0; t < nt; t++)
    if (work_alloc(e, &e->work[t], nmax, nmaxw))
      return hf_fail(err, "out of memory for the row pass");
  /* dE/dv larger than about half the last-level cache of a small machine
   * (4 MiB) is written around the caches (stream_row) */
  e->stream_gv = 3 * e->lat.nloc * sizeof(double) >= ((size_t)4 << 20);
  e->ntail = e->gx_hi - e->gx_lo;
  e->nchunk = e->lat.nx / CHUNK_PLANES;
  if (e->nchunk < 1 || e->ntail > CHUNK_PLANES) e->nchunk = 1;
  if (!(e->part = calloc((size_t)e->nchunk, sizeof *e->part))) return hf_fail(err, "out of memory");
  if (e->ring && e->ntail) {
    size_t ne = (size_t)e->nchunk * (size_t)e->ntail * 3 * Ly * Lz;
    if (!(e->edge = fftw_alloc_real(ne))) return hf_fail(err, "out of memory for the row pass");
    memset(e->edge, 0, ne * sizeof(double));
  }
  return e->dist ? halo_setup(e, err) : HF_OK;
}

/* ------------------------------------------------------------------ create */

/* out[z] += sum_t c[t] p[t][z] for z < n: the v-v gradient of one component
 * along a row; out may be NULL (energy only).  Returns sum_z v0[z] times that
 * sum (twice the energy share).  Sixteen cells at a time. */
static double gather_row(double *restrict out, const double *restrict v0,
                         const double *const *restrict p, const double *restrict c, int nt,
                         size_t n) {
  v4d e4 = {0, 0, 0, 0};
  size_t z = 0;
  for (; z + 16 <= n; z += 16) {
    v4d a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0, q0, q1, q2, q3;
    for (int t = 0; t < nt; t++) {
      const double *q = p[t] + z, ct = c[t];
      memcpy(&q0, q, sizeof q0);
      memcpy(&q1, q + 4, sizeof q1);
      memcpy(&q2, q + 8, sizeof q2);
      memcpy(&q3, q + 12, sizeof q3);
      a0 += ct * q0;
      a1 += ct * q1;
      a2 += ct * q2;
      a3 += ct * q3;
    }
    if (out) {
      memcpy(&q0, out + z, sizeof q0);
      memcpy(&q1, out + z + 4, sizeof q1);
      memcpy(&q2, out + z + 8, sizeof q2);
      memcpy(&q3, out + z + 12, sizeof q3);
      q0 += a0;
      q1 += a1;
      q2 += a2;
      q3 += a3;
      memcpy(out + z, &q0, sizeof q0);
      memcpy(out + z + 4, &q1, sizeof q1);
      memcpy(out + z + 8, &q2, sizeof q2);
      memcpy(out + z + 12, &q3, sizeof q3);
    }
    memcpy(&q0, v0 + z, sizeof q0);
    memcpy(&q1, v0 + z + 4, sizeof q1);
    memcpy(&q2, v0 + z + 8, sizeof q2);
    memcpy(&q3, v0 + z + 12, sizeof q3);
    e4 += (q0 * a0 + q1 * a1) + (q2 * a2 + q3 * a3);
  }
  double e = (e4[0] + e4[1]) + (e4[2] + e4[3]);
  for (; z < n; z++) {
    double s = 0;
    for (int t = 0; t < nt; t++) s += c[t] * p[t][z];
    if (out) out[z] += s;
    e += v0[z] * s;
  }
  return e;
}

/* Local strain of a row from the cube corners, separably.  For one v
 * component, with A and B its rows on the -x and +x side of the cube at one
 * y, each read at z (side -z) and z + 1 (side +z), strain_xrow forms
 *   Uz = (B - A)(z) + (B - A)(z+1),  Tz = (A + B)(z) + (A + B)(z+1),
 *   Td = (A + B)(z+1) - (A + B)(z),
 * and the 8-corner sums sum_c h_c,k v(c) of a cell are then
 *   along x: Uz(y0) + Uz(y1),  y: Tz(y1) - Tz(y0),  z: Td(y0) + Td(y1)
 * with y0, y1 its rows on the -y and +y side (see xr_strain).  Row y1 of one
 * cell row is row y0 of the next, so each x-row is formed once and used
 * twice: ~11 adds per component and cell instead of 8 x 3 multiply-adds.
 * The 1/(4 a0) sits in the coupling coefficients.
 * An x-row set is stored by blocks of 4 cells, [block][3 a + k][4] for
 * component a and k = Uz, Tz, Td, so a block's nine vectors sit together.
 * Every block is full: the cells past the row end hold finite filler. */
static void strain_xrow(double *restrict xr, const double *restrict A, const double *restrict B,
                        size_t nblk) {
  for (size_t b = 0; b < nblk; b++) {
    v4d a0, a1, b0, b1;
    memcpy(&a0, A + 4 * b, sizeof a0);
    memcpy(&a1, A + 4 * b + 1, sizeof a1);
    memcpy(&b0, B + 4 * b, sizeof b0);
    memcpy(&b1, B + 4 * b + 1, sizeof b1);
    const v4d t0 = a0 + b0, t1 = a1 + b1, u = (b0 - a0) + (b1 - a1), t = t0 + t1, d = t1 - t0;
    memcpy(xr + 36 * b, &u, sizeof u);
    memcpy(xr + 36 * b + 4, &t, sizeof t);
    memcpy(xr + 36 * b + 8, &d, sizeof d);
  }
}

/* Planar etaL (without 1/(4 a0)) of a row from its x-row sets p (y0 side)
 * and q (y1 side), for the general local terms (local_row); the fast path
 * forms the same sums in registers.  e0 = d vx/dx, e1 = d vy/dy,
 * e2 = d vz/dz, e3 = d vy/dz + d vz/dy, e4 = d vx/dz + d vz/dx,
 * e5 = d vx/dy + d vy/dx. */
static void xr_strain(double *const e[6], const double *p, const double *q, size_t n) {
  for (size_t z = 0; z < n; z++) {
    const double *a = p + 36 * (z / 4) + z % 4, *b = q + 36 * (z / 4) + z % 4;
    e[0][z] = a[0] + b[0];
    e[1][z] = b[16] - a[16];
    e[2][z] = a[32] + b[32];
    e[3][z] = (a[20] + b[20]) + (b[28] - a[28]);
    e[4][z] = (a[8] + b[8]) + (a[24] + b[24]);
    e[5][z] = (b[4] - a[4]) + (a[12] + b[12]);
  }
}

/* Adjoint of the local strain for one component: fx, fy, fz are dE/d(the
 * three 8-corner sums, along x, y, z) with zeros at [-1] and [n]; adds dE/dv
 * to the corner rows A (-x,-y), B (+x,-y), C (-x,+y), D (+x,+y) at the n + 1
 * positions z = 0..n they cover.  The rows may coincide (Ly = 1). */
static inline void sd_adjoint_body(double *A, double *B, double *C, double *D, const double *fx,
                                   const double *fy, const double *fz, size_t n) {
  for (size_t z = 0; z <= n; z++) {
    double p = fx[z] + fx[z - 1], q = fy[z] + fy[z - 1], s = fz[z - 1] - fz[z];
    double m = s - p, pp = s + p;
    A[z] += m - q;
    B[z] += pp - q;
    C[z] += m + q;
    D[z] += pp + q;
  }
}

/* The same for distinct rows, vectorised. */
static void strain_sd_adjoint(double *restrict A, double *restrict B, double *restrict C,
                              double *restrict D, const double *restrict fx,
                              const double *restrict fy, const double *restrict fz, size_t n) {
  sd_adjoint_body(A, B, C, D, fx, fy, fz, n);
}

/* One on-site monomial over a row, for K factors (a constant after
 * inlining): returns sum_z prod_j a_j and adds cp_j d_j prod_{k != j} a_k to
 * g_j (if g).  a_j = x^p, d_j = x^(p-1) of its variable, cp_j = c p. */
static inline __attribute__((always_inline)) double mono_row(int K, const double *const *a,
                                                             const double *const *d,
                                                             const double *cp, double *const *g,
                                                             size_t n) {
  double et = 0;
#pragma omp simd reduction(+ : et)
  for (size_t z = 0; z < n; z++) {
    double pr = a[0][z];
    for (int j = 1; j < K; j++) pr *= a[j][z];
    et += pr;
  }
  for (int j = 0; g && j < K; j++) {
    double *restrict gj = g[j];
    const double *restrict dj = d[j];
    const double c = cp[j];
    for (size_t z = 0; z < n; z++) {
      double q = c * dj[z];
      for (int k = 0; k < K; k++)
        if (k != j) q *= a[k][z];
      gj[z] += q;
    }
  }
  return et;
}

/* The on-site monomials of L over the n cells of a row of the variables
 * x[k] (k < 6: ux uy uz wx wy wz; entries a monomial never uses may be
 * NULL): returns their energy and adds the gradient to g[k] (if g).  pw is
 * scratch for 6 (L->maxp + 2) rows of stride rs.  Every loop runs over z
 * innermost, so the work vectorises: powers of each variable per row, then
 * one product sweep per monomial over its factors only. */
static double onsite_row(const onsite_list *L, const double *const x[6], double *const g[6],
                         double *pw, size_t rs, size_t n) {
  /* P(k, j)[z] = x_k^(j-1), P(k, 0) = 0 */
  const int np = L->maxp + 2;
  int used[6] = {0, 0, 0, 0, 0, 0};
  for (int t = 0; t < L->n; t++)
    for (int k = 0; k < 6; k++)
      if (L->pow[t][k] > used[k]) used[k] = L->pow[t][k];
  for (int k = 0; k < 6; k++) {
    if (!used[k]) continue;
    double *p0 = pw + (size_t)(k * np) * rs;
    for (size_t z = 0; z < n; z++) {
      p0[z] = 0.0;
      p0[rs + z] = 1.0;
    }
    for (int j = 2; j <= used[k] + 1; j++) {
      double *pk = p0 + (size_t)j * rs;
      const double *pm = pk - rs;
      for (size_t z = 0; z < n; z++) pk[z] = pm[z] * x[k][z];
    }
  }
  double eon = 0;
  for (int t = 0; t < L->n; t++) {
    const double *a[6], *d[6];
    double cp[6];
    double *gt[6];
    int K = 0;
    for (int k = 0; k < 6; k++) {
      const int p = L->pow[t][k];
      if (!p) continue;
      a[K] = pw + (size_t)(k * np + p + 1) * rs;
      d[K] = a[K] - rs;
      cp[K] = L->c[t] * p;
      gt[K++] = g ? g[k] : NULL;
    }
    double *const *gg = g ? gt : NULL;
    /* a constant K per call, so that mono_row unrolls its factor loops */
    const double et = K == 1   ? mono_row(1, a, d, cp, gg, n)
                      : K == 2 ? mono_row(2, a, d, cp, gg, n)
                      : K == 3 ? mono_row(3, a, d, cp, gg, n)
                               : mono_row(K, a, d, cp, gg, n);
    eon += L->c[t] * et;
  }
  return eon;
}

/* On-site polynomial, homogeneous and local strain-u couplings for the Lz
 * cells of one row (on-site terms through onsite_row, then one multiply-add
 * sweep per nonzero coupling). */
static void local_row(const hf_engine *e, const rs_work *w, const double *restrict ux,
                      const double *restrict uy, const double *restrict uz, const double Ceff[6],
                      double *restrict gx, double *restrict gy, double *restrict gz, size_t n,
                      rs_energy *re) {
  const double *u[3] = {ux, uy, uz};
  double *g[3] = {gx, gy, gz};
  if (e->on.n) {
    const double *x6[6] = {ux, uy, uz, NULL, NULL, NULL};
    double *g6[6] = {gx, gy, gz, NULL, NULL, NULL};
    re->on += onsite_row(&e->on, x6, gx ? g6 : NULL, w->pw, e->rs, n);
  }
  if (!e->has_hom && !e->has_loc) return;
  double *const *U = w->U, *const *C = w->C, *const *eL = w->eL, *const *sL = w->sL;
  for (int p = 0; p < 6; p++) {
    const double *a = u[hf_voigt_pair[p][0]], *b = u[hf_voigt_pair[p][1]];
    for (size_t z = 0; z < n; z++) U[p][z] = a[z] * b[z];
    for (size_t z = 0; z < n; z++) C[p][z] = Ceff[p];
  }
  if (e->has_hom)
    for (int p = 0; p < 6; p++) {
      double s = 0;
#pragma omp simd reduction(+ : s)
      for (size_t z = 0; z < n; z++) s += U[p][z];
      re->Usum[p] += s;
    }
  if (e->has_loc) {
    for (int l = 0; l < 6; l++)
      for (size_t z = 0; z < n; z++) sL[l][z] = 0.0;
    for (int k = 0; k < e->n_loc; k++) {
      const int l = e->loc_l[k], p = e->loc_p[k];
      const double c = e->loc_c[k];
      const double *el = eL[l], *up = U[p];
      double *sl = sL[l], *cp = C[p];
      for (size_t z = 0; z < n; z++) {
        sl[z] += c * up[z];
        cp[z] += c * el[z];
      }
    }
    double eloc = 0;
    for (int l = 0; l < 6; l++)
#pragma omp simd reduction(+ : eloc)
      for (size_t z = 0; z < n; z++) eloc += eL[l][z] * sL[l][z];
    re->loc += eloc;
  }
  if (!gx) return;
  /* d(u^T A u)/du with A_aa = C_aa, A_ab = C_ab / 2 */
  for (int a = 0; a < 3; a++) {
    const int b = (a + 1) % 3, c = (a + 2) % 3;
    const double *Caa = C[a], *Cab = C[hf_voigt_index(a, b)], *Cac = C[hf_voigt_index(a, c)];
    const double *ua = u[a], *ub = u[b], *uc = u[c];
    double *ga = g[a];
    for (size_t z = 0; z < n; z++) ga[z] += 2 * Caa[z] * ua[z] + Cab[z] * ub[z] + Cac[z] * uc[z];
  }
}

/* nb blocks of 4 cells: on-site and coupling energy into eon (twice the
 * on-site energy) and eloc, dE/dlocal strain into sL, gradient added to g
 * (if gx != NULL).  The local strain comes from the x-row sets p, q
 * (strain_xrow, xr_strain). */
static void local_fast_span(const fast_coef *k, const double *restrict ux,
                            const double *restrict uy, const double *restrict uz,
                            const double *restrict p, const double *restrict q, double *const sL[6],
                            double *restrict gx, double *restrict gy, double *restrict gz,
                            size_t nb, double *eon, double *eloc) {
  double *restrict s0 = sL[0], *restrict s1 = sL[1], *restrict s2 = sL[2], *restrict s3 = sL[3],
                   *restrict s4 = sL[4], *restrict s5 = sL[5];
  /* local copies: stores through sL and g could otherwise alias *k */
  const double al = k->al, qx = k->qx, amb = k->amb, cb = k->b, cs = k->c;
  const double C0 = k->Ceff[0], C1 = k->Ceff[1], C2 = k->Ceff[2], C3 = k->Ceff[3], C4 = k->Ceff[4],
               C5 = k->Ceff[5];
  v4d aon = {0, 0, 0, 0}, aloc = aon;
  for (size_t b = 0; b < nb; b++) {
    const size_t z = 4 * b;
    const double *pb = p + 36 * b, *qb = q + 36 * b;
    v4d x, y, w, l0, l1, l2, l3, l4, l5, m0, m1;
    memcpy(&x, ux + z, sizeof x);
    memcpy(&y, uy + z, sizeof y);
    memcpy(&w, uz + z, sizeof w);
    /* etaL as in xr_strain */
    memcpy(&m0, pb, sizeof m0);
    memcpy(&m1, qb, sizeof m1);
    l0 = m0 + m1;
    memcpy(&m0, pb + 16, sizeof m0);
    memcpy(&m1, qb + 16, sizeof m1);
    l1 = m1 - m0;
    memcpy(&m0, pb + 32, sizeof m0);
    memcpy(&m1, qb + 32, sizeof m1);
    l2 = m0 + m1;
    memcpy(&m0, pb + 20, sizeof m0);
    memcpy(&m1, qb + 20, sizeof m1);
    l3 = m0 + m1;
    memcpy(&m0, pb + 28, sizeof m0);
    memcpy(&m1, qb + 28, sizeof m1);
    l3 += m1 - m0;
    memcpy(&m0, pb + 8, sizeof m0);
    memcpy(&m1, qb + 8, sizeof m1);
    l4 = m0 + m1;
    memcpy(&m0, pb + 24, sizeof m0);
    memcpy(&m1, qb + 24, sizeof m1);
    l4 += m0 + m1;
    memcpy(&m0, pb + 4, sizeof m0);
    memcpy(&m1, qb + 4, sizeof m1);
    l5 = m1 - m0;
    memcpy(&m0, pb + 12, sizeof m0);
    memcpy(&m1, qb + 12, sizeof m1);
    l5 += m0 + m1;
    const v4d sx = x * x, sy = y * y, sz = w * w, syz = y * w, szx = w * x, sxy = x * y;
    /* dP/ds_a; s . grad P = 2 P */
    const v4d T = sx + sy + sz, qT = qx * T;
    const v4d fx = al * sx + qT, fy = al * sy + qT, fz = al * sz + qT;
    aon += sx * fx + sy * fy + sz * fz;
    /* dE/detaL_l = sum_p C_lp U_p */
    const v4d bT = cb * T;
    const v4d t0 = amb * sx + bT, t1 = amb * sy + bT, t2 = amb * sz + bT;
    const v4d t3 = cs * syz, t4 = cs * szx, t5 = cs * sxy;
    memcpy(s0 + z, &t0, sizeof t0);
    memcpy(s1 + z, &t1, sizeof t1);
    memcpy(s2 + z, &t2, sizeof t2);
    memcpy(s3 + z, &t3, sizeof t3);
    memcpy(s4 + z, &t4, sizeof t4);
    memcpy(s5 + z, &t5, sizeof t5);
    aloc += (l0 * t0 + l1 * t1) + (l2 * t2 + l3 * t3) + (l4 * t4 + l5 * t5);
    if (!gx) continue;
    /* C_p = Ceff_p + sum_l C_lp etaL_l; g_a = d(sum_p C_p U_p)/du_a + dP/du_a */
    const v4d btr = cb * (l0 + l1 + l2);
    const v4d c0 = C0 + amb * l0 + btr, c1 = C1 + amb * l1 + btr, c2 = C2 + amb * l2 + btr;
    const v4d c3 = C3 + cs * l3, c4 = C4 + cs * l4, c5 = C5 + cs * l5;
    v4d g0, g1, g2;
    memcpy(&g0, gx + z, sizeof g0);
    memcpy(&g1, gy + z, sizeof g1);
    memcpy(&g2, gz + z, sizeof g2);
    g0 += 2 * x * (fx + c0) + c5 * y + c4 * w;
    g1 += 2 * y * (fy + c1) + c5 * x + c3 * w;
    g2 += 2 * w * (fz + c2) + c4 * x + c3 * y;
    memcpy(gx + z, &g0, sizeof g0);
    memcpy(gy + z, &g1, sizeof g1);
    memcpy(gz + z, &g2, sizeof g2);
  }
  *eon += (aon[0] + aon[1]) + (aon[2] + aon[3]);
  *eloc += (aloc[0] + aloc[1]) + (aloc[2] + aloc[3]);
}

/* local_fast_span over a row of any length: the last n mod 4 cells go
 * through zero-padded copies of u and g (the strain blocks are full). */
static void local_fast_row(const rs_work *w, const fast_coef *k, const double *ux, const double *uy,
                           const double *uz, const double *p, const double *q, double *gx,
                           double *gy, double *gz, size_t n, rs_energy *re) {
  double eon = 0, eloc = 0;
  const size_t nb = n / 4, z0 = 4 * nb, nt = n - z0;
  local_fast_span(k, ux, uy, uz, p, q, w->sL, gx, gy, gz, nb, &eon, &eloc);
  if (nt) {
    double t[12][4] = {{0}}; /* u, g, dE/detaL of the tail */
    const double *u[3] = {ux, uy, uz};
    double *g[3] = {gx, gy, gz};
    for (int a = 0; a < 3; a++) memcpy(t[a], u[a] + z0, nt * sizeof(double));
    for (int a = 0; a < 3 && gx; a++) memcpy(t[3 + a], g[a] + z0, nt * sizeof(double));
    double *ts[6] = {t[6], t[7], t[8], t[9], t[10], t[11]};
    local_fast_span(k, t[0], t[1], t[2], p + 36 * nb, q + 36 * nb, ts, gx ? t[3] : NULL, t[4], t[5],
                    1, &eon, &eloc);
    for (int l = 0; l < 6; l++) memcpy(w->sL[l] + z0, ts[l], nt * sizeof(double));
    for (int a = 0; a < 3 && gx; a++) memcpy(g[a] + z0, t[3 + a], nt * sizeof(double));
  }
  re->on += 0.5 * eon;
  re->loc += eloc;
}

/* sum_z u_a u_b over a row for the six Voigt pairs (homogeneous coupling) */
static void usum_row(const double *restrict ux, const double *restrict uy,
                     const double *restrict uz, size_t n, double Usum[6]) {
  v4d a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  size_t z = 0;
  for (; z + 4 <= n; z += 4) {
    v4d x, y, w;
    memcpy(&x, ux + z, sizeof x);
    memcpy(&y, uy + z, sizeof y);
    memcpy(&w, uz + z, sizeof w);
    a0 += x * x;
    a1 += y * y;
    a2 += w * w;
    a3 += y * w;
    a4 += w * x;
    a5 += x * y;
  }
  const v4d *acc[6] = {&a0, &a1, &a2, &a3, &a4, &a5};
  for (int p = 0; p < 6; p++)
    Usum[p] += ((*acc[p])[0] + (*acc[p])[1]) + ((*acc[p])[2] + (*acc[p])[3]);
  for (; z < n; z++) {
    Usum[0] += ux[z] * ux[z];
    Usum[1] += uy[z] * uy[z];
    Usum[2] += uz[z] * uz[z];
    Usum[3] += uy[z] * uz[z];
    Usum[4] += uz[z] * ux[z];
    Usum[5] += ux[z] * uy[z];
  }
}

/* ------------------------------------------------------ row-pass rings */

/* Padded row y of component a in ring plane P (an unwrapped x index). */
static double *ring_row(const hf_engine *e, double *ring, int slots, int P, int a, int y) {
  size_t Ly = (size_t)e->lat.L[1];
  return ring + (((size_t)imod(P, slots) * 3 + (size_t)a) * Ly + (size_t)y) * e->pz + e->zoff;
}

/* y + d wrapped into [0, L) (no division: d is a few cells at most) */
static inline int ywrap(int y, int L) {
  while (y < 0) y += L;
  while (y >= L) y -= L;
  return y;
}

/* Plane P (a global x, unwrapped) of component a of a field whose planes
 * are the rank's arrays f[3] plus a halo of lo planes below and hi above
 * (layout [lo planes x 3 components][hi planes x 3 components]); one rank:
 * P mod Lx of f. */
static double *slab_plane(const hf_engine *e, double *const f[3], double *halo, int lo, int hi,
                          int P, int a) {
  const hf_lattice *lat = &e->lat;
  const size_t plane = (size_t)lat->L[1] * (size_t)lat->L[2];
  if (!e->dist) return f[a] + (size_t)imod(P, lat->L[0]) * plane;
  if (P < lat->x0) return halo + ((size_t)(a * lo) + (size_t)(P - lat->x0 + lo)) * plane;
  if (P >= lat->x0 + lat->nx)
    return halo + ((size_t)(3 * lo + a * hi) + (size_t)(P - lat->x0 - lat->nx)) * plane;
  return f[a] + (size_t)(P - lat->x0) * plane;
}

/* v: this rank's plane or a neighbour's from the halo */
static const double *v_plane(const hf_engine *e, const hf_fields *x, int P, int a) {
  return slab_plane(e, x->v, e->vghost, -e->vx_lo, e->vx_hi, P, a);
}

/* dE/dv: planes of the neighbours go to the halo buffer */
static double *g_plane(const hf_engine *e, hf_fields *g, int P, int a) {
  return slab_plane(e, g->v, e->gghost, -e->gx_lo, e->gx_hi, P, a);
}

/* even_quartic for one cell or one block of 4 (T = double or v4d): adds
 * s_k (A_k + f_k) to *en (twice the energy) and 2 x_k f'_k to the gradient,
 * f'_k = A_k + sum_l B_kl s_l. */
#define EVEN_QUARTIC_CELL(T, X, G, EN)                     \
  do {                                                     \
    T s_[6], f_[6];                                        \
    for (int k = 0; k < 6; k++) s_[k] = X[k] * X[k];       \
    for (int k = 0; k < 6; k++) {                          \
      T f = q->A[k] + q->B[k][0] * s_[0];                  \
      for (int l = 1; l < 6; l++) f += q->B[k][l] * s_[l]; \
      f_[k] = f;                                           \
      EN += s_[k] * (q->A[k] + f);                         \
    }                                                      \
    for (int k = 0; k < 6; k++) G[k] = 2 * X[k] * f_[k];   \
  } while (0)

/* The even quartic on-site polynomial over a row of n cells: returns its
 * energy and adds the gradient to g[k] (if g and g[k]).  x[k] may be NULL
 * (a variable the model has not: zero). */
static double even_quartic_row(const even_quartic *qin, const double *const x[6],
                               double *const g[6], size_t n) {
  /* a local copy: stores through g could otherwise alias *qin (reloads per block) */
  const even_quartic qv = *qin, *q = &qv;
  v4d e4 = {0, 0, 0, 0};
  size_t z = 0;
  for (; z + 4 <= n; z += 4) {
    v4d X[6], G[6];
    for (int k = 0; k < 6; k++) {
      X[k] = (v4d){0, 0, 0, 0};
      if (x[k]) memcpy(&X[k], x[k] + z, sizeof X[k]);
    }
    EVEN_QUARTIC_CELL(v4d, X, G, e4);
    for (int k = 0; g && k < 6; k++) {
      if (!g[k]) continue;
      v4d o;
      memcpy(&o, g[k] + z, sizeof o);
      o += G[k];
      memcpy(g[k] + z, &o, sizeof o);
    }
  }
  double en = (e4[0] + e4[1]) + (e4[2] + e4[3]);
  for (; z < n; z++) {
    double X[6], G[6];
    for (int k = 0; k < 6; k++) X[k] = x[k] ? x[k][z] : 0.0;
    EVEN_QUARTIC_CELL(double, X, G, en);
    for (int k = 0; g && k < 6; k++)
      if (g[k]) g[k][z] += G[k];
  }
  return 0.5 * en;
}

/* g_a += dE/dw_a of sum_p C_p w_p (w_p = w_a w_b of Voigt pair p) for one
 * row: the homogeneous strain-w coupling at this evaluation's strain. */
static void pair_grad_row(const double C[6], const double *const w[3], double *const g[3],
                          size_t n) {
  for (int a = 0; a < 3; a++) {
    const int b = (a + 1) % 3, c = (a + 2) % 3;
    const double caa = 2 * C[a], cab = C[hf_voigt_index(a < b ? a : b, a < b ? b : a)],
                 cac = C[hf_voigt_index(a < c ? a : c, a < c ? c : a)];
    const double *restrict wa = w[a], *restrict wb = w[b], *restrict wc = w[c];
    double *restrict ga = g[a];
    for (size_t z = 0; z < n; z++) ga[z] += caa * wa[z] + cab * wb[z] + cac * wc[z];
  }
}

/* The omega kernels for the Lz cells of row (ix, iy), ix global: w-w
 * gathers from padded copies of their source rows, on-site w and u-w
 * monomials, and the homogeneous strain-w coupling (Cw = sum_l eta_l
 * Chomw[l]; its energy is formed from Wsum after the pass). */
static void w_row(const hf_engine *e, rs_work *w, const hf_fields *x, hf_fields *g, int ix, int iy,
                  size_t i0, const double Cw[6], rs_energy *re) {
  const int *L = e->lat.L;
  const size_t Lz = (size_t)L[2];
  const double *xw[3] = {x->w[0] + i0, x->w[1] + i0, x->w[2] + i0};
  double *gw[3] = {NULL, NULL, NULL};
  for (int a = 0; a < 3 && g; a++) {
    gw[a] = g->w[a] + i0;
    memset(gw[a], 0, Lz * sizeof(double)); /* hf_engine_eval leaves g->w to this row */
  }
  if (e->ww.n) {
    for (int k = 0; k < e->n_wsrc; k++) {
      const int *s = e->wsrc[k];
      const double *src =
          slab_plane(e, x->w, e->wghost, -e->ww.lo[0], e->ww.hi[0], ix + s[0], s[2]) +
          (size_t)ywrap(iy + s[1], L[1]) * Lz;
      if (!s[3]) { /* read at z offset 0 only: straight from the plane */
        w->wsp[k] = src;
        continue;
      }
      double *dst = w->wpad + (size_t)k * e->wpz + e->wzoff;
      w->wsp[k] = dst;
      memcpy(dst, src, Lz * sizeof(double));
      for (int z = -e->wzlo; z < 0; z++) dst[z] = src[imod(z, L[2])];
      for (int z = L[2]; z < L[2] + e->wzhi; z++) dst[z] = src[imod(z, L[2])];
    }
    for (int a = 0; a < 3; a++) {
      const vv_term *T = e->ww.t[a];
      for (int t = 0; t < e->ww.nt[a]; t++) {
        w->wwp[t] = w->wsp[e->wtsrc[a][t]] + T[t].d[2];
        w->wwc[t] = T[t].c;
      }
      re->w += 0.5 * gather_row(gw[a], xw[a], w->wwp, w->wwc, e->ww.nt[a], Lz);
    }
  }
  if (e->won.n) {
    const double *x6[6] = {NULL, NULL, NULL, xw[0], xw[1], xw[2]};
    double *g6[6] = {NULL, NULL, NULL, gw[0], gw[1], gw[2]};
    for (int a = 0; a < 3 && x->u[0]; a++) {
      x6[a] = x->u[a] + i0;
      g6[a] = g ? g->u[a] + i0 : NULL;
    }
    re->w += e->won_even ? even_quartic_row(&e->wq, x6, g ? g6 : NULL, Lz)
                         : onsite_row(&e->won, x6, g ? g6 : NULL, w->wpw, e->rs, Lz);
  }
  if (e->has_homw) {
    usum_row(xw[0], xw[1], xw[2], Lz, re->Wsum);
    if (g) pair_grad_row(Cw, xw, gw, Lz);
  }
}

/* Copies v plane P, with its z halos, into the worker's ring. */
static void ring_load(const hf_engine *e, rs_work *w, const hf_fields *x, int P) {
  const int *L = e->lat.L;
  const size_t Lz = (size_t)L[2];
  for (int a = 0; a < 3; a++)
    for (int y = 0; y < L[1]; y++) {
      double *dst = ring_row(e, w->vring, e->nvs, P, a, y);
      const double *src = v_plane(e, x, P, a) + (size_t)y * Lz;
      memcpy(dst, src, Lz * sizeof(double));
      for (int z = -e->zlo; z < 0; z++) dst[z] = src[imod(z, L[2])];
      for (int z = L[2]; z < L[2] + e->zhi; z++) dst[z] = src[imod(z, L[2])];
    }
}

/* dst[0, n) = src[0, n) with non-temporal stores: dE/dv is read again
 * only by the integrator, long after it has left the caches on a large
 * lattice, so writing it around the caches saves reading every line of it
 * from memory first.  Readers on other threads need an sfence after it. */
static void stream_row(double *restrict dst, const double *restrict src, size_t n) {
  size_t i = 0;
#ifdef __SSE2__
  for (; i < n && (uintptr_t)(dst + i) % 16; i++) dst[i] = src[i];
  for (; i + 2 <= n; i += 2) _mm_stream_pd(dst + i, _mm_loadu_pd(src + i));
#endif
  for (; i < n; i++) dst[i] = src[i];
}

/* Writes ring plane P of dE/dv to the plane at dst[a] (one unpadded plane per
 * component), with the halos folded back, and clears the ring plane. */
static void ring_flush(const hf_engine *e, rs_work *w, double *const dst3[3], int P, int stream) {
  const int *L = e->lat.L;
  const size_t Lz = (size_t)L[2];
  for (int a = 0; a < 3; a++)
    for (int y = 0; y < L[1]; y++) {
      double *src = ring_row(e, w->gring, e->ngs, P, a, y);
      double *restrict dst = dst3[a] + (size_t)y * Lz;
      for (int z = -e->zlo; z < 0; z++) src[imod(z, L[2])] += src[z];
      for (int z = L[2]; z < L[2] + e->zhi; z++) src[imod(z, L[2])] += src[z];
      if (stream)
        stream_row(dst, src, Lz);
      else
        memcpy(dst, src, Lz * sizeof(double));
      memset(src - e->zlo, 0, (Lz + (size_t)(e->zlo + e->zhi)) * sizeof(double));
    }
}

static int chunk_start(const hf_engine *e, int c) {
  return e->lat.x0 + (int)((long)c * e->lat.nx / e->nchunk);
}

/* Flushes ring plane P of chunk c: planes the next chunk also writes (from
 * x1 + gx_lo on) go to the chunk's edge buffer, the others to g->v (or the
 * halo buffer of the rank below). */
static void chunk_flush(const hf_engine *e, rs_work *w, hf_fields *g, int c, int x1, int P) {
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  double *dst[3];
  const int edge = P >= x1 + e->gx_lo;
  for (int a = 0; a < 3; a++)
    dst[a] = edge ? e->edge + (((size_t)c * (size_t)e->ntail + (size_t)(P - x1 - e->gx_lo)) * 3 +
                               (size_t)a) *
                                  plane
                  : g_plane(e, g, P, a);
  ring_flush(e, w, dst, P, e->stream_gv && !edge); /* (edge planes are read soon) */
}

/* Everything local in real space for the x planes [x0, x1) of chunk c, one z
 * row at a time so that the rows it touches stay in cache: the v-v gathers,
 * the local strain of the row from its corner rows, the on-site and coupling
 * terms, and dE/dlocal strain carried back to the corner v's.  No per-cell
 * strain arrays are stored.  Planes of v enter the ring as x advances; a
 * plane of dE/dv leaves it when no later row of the chunk writes to it. */
static void chunk_pass(const hf_engine *e, rs_work *w, const hf_fields *x, hf_fields *g,
                       const fast_coef *fk, const double Ceff[6], const double Cw[6], int c,
                       rs_energy *re) {
  const hf_lattice *lat = &e->lat;
  const int *L = lat->L;
  const size_t Lz = (size_t)L[2];
  const int has_u = (e->mask & HF_FIELD_U) && (e->on.n || e->has_hom || e->has_loc);
  const int fused = e->has_loc && has_u;
  const int x0 = chunk_start(e, c), x1 = chunk_start(e, c + 1);
  memset(re, 0, sizeof *re);
  if (e->ring)
    for (int P = x0 + e->vx_lo; P <= x0 + e->vx_hi; P++) ring_load(e, w, x, P);
  const size_t Ly = (size_t)L[1], pz = e->pz, cs = Ly * pz; /* component stride in a plane */
  double **vpl = w->vpl, **gpl = w->gpl; /* ring planes of this x, from offset vx_lo, gx_lo */
  int xr0 = 0; /* w->xr set (0 or 1) holding the x-rows of the current cell row's -y side */
  const size_t nblk = (Lz + 3) / 4;
  for (int ix = x0; ix < x1; ix++) {
    if (e->defer_c2r) /* k-space dE/du of this plane, into cache */
      hf_kspace_c2r_plane(e, g, ix - lat->x0);
    for (int k = 0; e->ring && k < e->nvs; k++)
      vpl[k] = ring_row(e, w->vring, e->nvs, ix + e->vx_lo + k, 0, 0);
    for (int k = 0; e->ring && k < e->ngs; k++)
      gpl[k] = ring_row(e, w->gring, e->ngs, ix + e->gx_lo + k, 0, 0);
    for (int iy = 0; iy < L[1]; iy++) {
      const size_t i0 = hf_index(lat, ix - lat->x0, iy, 0); /* this rank's arrays */
      for (int a = 0; a < 3 && e->vv.n; a++) {
        const vv_term *T = e->vv.t[a];
        for (int t = 0; t < e->vv.nt[a]; t++) {
          w->vvp[t] = vpl[T[t].d[0] - e->vx_lo] + (size_t)T[t].from * cs +
                      (size_t)ywrap(iy + T[t].d[1], L[1]) * pz + T[t].d[2];
          w->vvc[t] = T[t].c;
        }
        double *out = g ? gpl[-e->gx_lo] + a * cs + (size_t)iy * pz : NULL;
        re->vv += 0.5 * gather_row(out, vpl[-e->vx_lo] + a * cs + (size_t)iy * pz, w->vvp, w->vvc,
                                   e->vv.nt[a], Lz);
      }
      const int cx = e->sb[0] - e->vx_lo, gx = e->sb[0] - e->gx_lo;
      size_t cy[2];
      for (int r = 0; r < 2 && fused; r++)
        cy[r] = (size_t)ywrap(iy + e->sb[1] + r, L[1]) * pz + e->sb[2];
      /* x-rows of the cube's +y side, and of its -y side on the first row of a plane */
      const double *xp = w->xr[2], *xq = w->xr[2]; /* zeros without local strain */
      if (fused) {
        xr0 = iy == 0 ? 0 : xr0 ^ 1;
        for (int r = iy > 0; r < 2; r++)
          for (int a = 0; a < 3; a++)
            strain_xrow(w->xr[xr0 ^ r] + 12 * a, vpl[cx] + a * cs + cy[r],
                        vpl[cx + 1] + a * cs + cy[r], nblk);
        xp = w->xr[xr0];
        xq = w->xr[xr0 ^ 1];
      }
      if (has_u && e->fast) {
        local_fast_row(w, fk, x->u[0] + i0, x->u[1] + i0, x->u[2] + i0, xp, xq,
                       g ? g->u[0] + i0 : NULL, g ? g->u[1] + i0 : NULL, g ? g->u[2] + i0 : NULL,
                       Lz, re);
        if (e->has_hom) usum_row(x->u[0] + i0, x->u[1] + i0, x->u[2] + i0, Lz, re->Usum);
      } else if (has_u) {
        if (fused) xr_strain(w->eL, xp, xq, Lz);
        local_row(e, w, x->u[0] + i0, x->u[1] + i0, x->u[2] + i0, Ceff, g ? g->u[0] + i0 : NULL,
                  g ? g->u[1] + i0 : NULL, g ? g->u[2] + i0 : NULL, Lz, re);
      }
      if (e->has_w) w_row(e, w, x, g, ix, iy, i0, Cw, re);
      if (fused && g) {
        double *gc[4][3];
        for (int r = 0; r < 4; r++)
          for (int a = 0; a < 3; a++) gc[r][a] = gpl[gx + (r & 1)] + a * cs + cy[r >> 1];
        double *const *sl = w->sL;
        const int fi[3][3] = {{0, 5, 4}, {5, 1, 3}, {4, 3, 2}}; /* as in xr_strain */
        for (int a = 0; a < 3; a++)
          (L[1] > 1 ? strain_sd_adjoint : sd_adjoint_body)(
              gc[0][a], gc[1][a], gc[2][a], gc[3][a], sl[fi[a][0]], sl[fi[a][1]], sl[fi[a][2]], Lz);
      }
    }
    if (e->ring && g) chunk_flush(e, w, g, c, x1, ix + e->gx_lo); /* no later row writes it */
    if (e->ring && ix + 1 < x1) ring_load(e, w, x, ix + 1 + e->vx_hi);
  }
  if (e->ring && g)
    for (int P = x1 + e->gx_lo; P <= x1 - 1 + e->gx_hi; P++) chunk_flush(e, w, g, c, x1, P);
#ifdef __SSE2__
  if (e->stream_gv) _mm_sfence(); /* the streamed planes, before other threads read them */
#endif
}

/* ------------------------------------------------------------ halos */

/* The neighbours' planes of field f (v or w) this rank's rows read, into
 * ghost: its last lo planes go up, its first hi planes go down (packed per
 * component). */
static void halo_fwd(hf_engine *e, double *const f[3], double *ghost, int lo, int hi) {
  const hf_lattice *lat = &e->lat;
  const size_t plane = (size_t)lat->L[1] * (size_t)lat->L[2];
  if (lo) {
    for (int a = 0; a < 3; a++)
      memcpy(e->hbuf + (size_t)(a * lo) * plane, f[a] + (size_t)(lat->nx - lo) * plane,
             (size_t)lo * plane * sizeof(double));
    hf_comm_shift(e->comm, e->hbuf, ghost, 3 * (size_t)lo * plane, +1);
  }
  if (hi) {
    for (int a = 0; a < 3; a++)
      memcpy(e->hbuf + (size_t)(a * hi) * plane, f[a], (size_t)hi * plane * sizeof(double));
    hf_comm_shift(e->comm, e->hbuf, ghost + 3 * (size_t)lo * plane, 3 * (size_t)hi * plane, -1);
  }
}

/* Energy sum_l eta_l sum_p C[l][p] S[p] of a homogeneous strain coupling
 * to the pair sums S; adds its derivative to dEdeta. */
static double hom_energy(const double C[6][6], const double S[6], const double eta[6],
                         double *dEdeta) {
  double en = 0;
  for (int l = 0; l < 6; l++) {
    double sum = 0;
    for (int p = 0; p < 6; p++) sum += C[l][p] * S[p];
    en += eta[l] * sum;
    dEdeta[l] += sum;
  }
  return en;
}

/* Before the edge planes are added: the planes only edges write (the
 * upper halo, and this rank's last planes, whose first part the rank above
 * holds) start at zero. */
static void halo_g_clear(hf_engine *e, hf_fields *g) {
  const hf_lattice *lat = &e->lat;
  const size_t plane = (size_t)lat->L[1] * (size_t)lat->L[2];
  const int lo = -e->gx_lo, hi = e->gx_hi;
  memset(e->gghost + 3 * (size_t)lo * plane, 0, 3 * (size_t)hi * plane * sizeof(double));
  for (int a = 0; a < 3; a++)
    memset(g->v[a] + (size_t)(lat->nx - lo) * plane, 0, (size_t)lo * plane * sizeof(double));
}

/* Sends n planes per component of the gradient halo from gghost + off to
 * rank + dir, and adds the n planes per component that arrive to this rank's
 * planes from local plane p0 on. */
static void return_planes(hf_engine *e, hf_fields *g, size_t off, int n, int dir, int p0) {
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2], m = (size_t)n * plane;
  hf_comm_shift(e->comm, e->gghost + off, e->hbuf, 3 * m, dir);
  for (int a = 0; a < 3; a++) {
    double *restrict dst = g->v[a] + (size_t)p0 * plane;
    const double *restrict src = e->hbuf + (size_t)a * m;
    for (size_t i = 0; i < m; i++) dst[i] += src[i];
  }
}

/* dE/dv this rank computed for its neighbours' planes goes back to them and
 * is added there (the adjoint of halo_v): the lower halo to the last planes
 * of the rank below, the upper halo to the first planes of the rank above. */
static void halo_g_return(hf_engine *e, hf_fields *g) {
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  const int lo = -e->gx_lo, hi = e->gx_hi;
  if (lo) return_planes(e, g, 0, lo, -1, e->lat.nx - lo);
  if (hi) return_planes(e, g, 3 * (size_t)lo * plane, hi, +1, 0);
}

/* The chunks in parallel (each on its thread's scratch), then the shared
 * dE/dv planes from the edge buffers, then the energies in chunk order;
 * on several ranks with the halo exchanges around. */
void hf_realspace_pass(hf_engine *e, const hf_fields *x, hf_fields *g, double *dEdeta,
                       hf_energy *E) {
  const int *L = e->lat.L;
  double Ceff[6] = {0, 0, 0, 0, 0, 0};
  if (e->has_hom)
    for (int l = 0; l < 6; l++)
      for (int p = 0; p < 6; p++) Ceff[p] += x->eta[l] * e->Chom[l][p];
  double Cw[6] = {0, 0, 0, 0, 0, 0};
  if (e->has_homw)
    for (int l = 0; l < 6; l++)
      for (int p = 0; p < 6; p++) Cw[p] += x->eta[l] * e->Chomw[l][p];
  fast_coef fk = e->fk;
  memcpy(fk.Ceff, Ceff, sizeof Ceff);
  const int nt = e->nthreads > 1 ? e->nthreads : 1, nchunk = e->nchunk;
  if (e->dist && e->ring) halo_fwd(e, x->v, e->vghost, -e->vx_lo, e->vx_hi);
  if (e->dist && e->has_w && e->ww.n) halo_fwd(e, x->w, e->wghost, -e->ww.lo[0], e->ww.hi[0]);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && nchunk > 1)
  for (int c = 0; c < nchunk; c++)
    chunk_pass(e, &e->work[hf_thread_id()], x, g, &fk, Ceff, Cw, c, &e->part[c]);
  if (e->ring && g && e->ntail) {
    const size_t plane = (size_t)L[1] * (size_t)L[2];
    if (e->dist) halo_g_clear(e, g);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && nchunk > 1)
    for (int c = 0; c < nchunk; c++) {
      const int x1 = chunk_start(e, c + 1);
      for (int k = 0; k < e->ntail; k++)
        for (int a = 0; a < 3; a++) {
          double *restrict dst = g_plane(e, g, x1 + e->gx_lo + k, a);
          const double *restrict src =
              e->edge + (((size_t)c * (size_t)e->ntail + (size_t)k) * 3 + (size_t)a) * plane;
          for (size_t i = 0; i < plane; i++) dst[i] += src[i];
        }
    }
    if (e->dist) halo_g_return(e, g);
  }
  rs_energy re;
  memset(&re, 0, sizeof re);
  for (int c = 0; c < nchunk; c++) {
    const rs_energy *p = &e->part[c];
    re.on += p->on;
    re.loc += p->loc;
    re.vv += p->vv;
    re.w += p->w;
    for (int k = 0; k < 6; k++) {
      re.Usum[k] += p->Usum[k];
      re.Wsum[k] += p->Wsum[k];
    }
  }
  const double ehom = e->has_hom ? hom_energy(e->Chom, re.Usum, x->eta, dEdeta) : 0;
  E->other = re.w + (e->has_homw ? hom_energy(e->Chomw, re.Wsum, x->eta, dEdeta) : 0);
  E->onsite = re.on;
  E->strain_hom = ehom;
  E->strain_loc = re.loc;
  E->elastic_v = re.vv;
}
