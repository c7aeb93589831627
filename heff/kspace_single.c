/* kspace_single.c - the fused reciprocal-space path of kspace.c in single
 * precision (hf_engine_opts.single_precision): spectra, D(k) and transforms in
 * float (fftwf), half the bytes and twice the SIMD width of the double path;
 * u planes are converted on the way in and dE/du planes on the way out, in a
 * per-thread plane buffer that stays in cache.  Energies are summed in
 * double.  Round-off is ~1e-7 relative: see tests/test_single.c for the
 * force error and the NVE energy drift it costs. */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "parallel.h"

static size_t plane_nc(const hf_lattice *lat) {
  return (size_t)lat->L[1] * (size_t)(lat->L[2] / 2 + 1);
}

/* Df is stored block by block for the product loop: for column block b and
 * kx, the six components of D as rows of kbs floats (kb rounded up to whole
 * groups of 4 k-points, zero padded), at ((b L0 + kx) 6 + k) kbs. */
static size_t df_kbs(const hf_engine *e) { return ((size_t)e->kb + 3) & ~(size_t)3; }
static size_t df_size(const hf_engine *e) {
  return (size_t)e->nkpart * (size_t)e->lat.L[0] * 6 * df_kbs(e);
}

int hf_kspace_single_setup(hf_engine *e, unsigned flags, hf_err *err) {
  const hf_lattice *lat = &e->lat;
  const int *L = lat->L;
  const size_t nc = plane_nc(lat), plane = (size_t)L[1] * (size_t)L[2];
  const int nt = e->nthreads > 1 ? e->nthreads : 1;
  e->fpl = (plane + 15) & ~(size_t)15; /* each thread's buffer 64-byte aligned */
  e->ncp = hf_kspace_plane_stride(nc, sizeof(fftwf_complex));
  e->Df = fftwf_alloc_real(df_size(e));
  e->fbuf = fftwf_alloc_real((size_t)nt * e->fpl);
  for (int a = 0; a < 3; a++) e->ckf[a] = fftwf_alloc_complex((size_t)L[0] * e->ncp);
  if (!e->Df || !e->fbuf || !e->ckf[0] || !e->ckf[1] || !e->ckf[2])
    return hf_fail(err, "out of memory for the single-precision k-space kernel");
  const unsigned pf = e->ncp % 4 == 0 ? flags : flags | FFTW_UNALIGNED;
  e->r2cf = fftwf_plan_dft_r2c_2d(L[1], L[2], e->fbuf, e->ckf[0], pf);
  e->c2rf = fftwf_plan_dft_c2r_2d(L[1], L[2], e->ckf[0], e->fbuf, pf);
  const int rem = (int)(nc - (size_t)(e->nkpart - 1) * (size_t)e->kb);
  int n = L[0], st = (int)e->ncp, ok = e->r2cf && e->c2rf;
  fftwf_complex *c = e->ckf[0];
  for (int r = 0; r < 2; r++) {
    const int w = r ? rem : e->kb;
    if (r && w == e->kb) break;
    e->xff[r] = fftwf_plan_many_dft(1, &n, w, c, NULL, st, 1, c, NULL, st, 1, FFTW_FORWARD, flags);
    e->xbf[r] = fftwf_plan_many_dft(1, &n, w, c, NULL, st, 1, c, NULL, st, 1, FFTW_BACKWARD, flags);
    ok &= e->xff[r] && e->xbf[r];
  }
  if (!ok)
    return hf_fail(err, "FFTW could not plan a single-precision %dx%dx%d transform", L[0], L[1],
                   L[2]);
  return HF_OK;
}

void hf_kspace_single_load_D(hf_engine *e) {
  const size_t nc = plane_nc(&e->lat), kb = (size_t)e->kb, kbs = df_kbs(e);
  memset(e->Df, 0, df_size(e) * sizeof *e->Df);
  for (size_t kx = 0; kx < (size_t)e->lat.L[0]; kx++)
    for (size_t j = 0; j < nc; j++) {
      float *d = e->Df + ((j / kb * (size_t)e->lat.L[0] + kx) * 6) * kbs + j % kb;
      for (int k = 0; k < 6; k++) d[(size_t)k * kbs] = (float)e->D[6 * (kx * nc + j) + (size_t)k];
    }
}

void hf_kspace_single_free(hf_engine *e) {
  fftwf_plan p[6] = {e->r2cf, e->c2rf, e->xff[0], e->xff[1], e->xbf[0], e->xbf[1]};
  for (int k = 0; k < 6; k++)
    if (p[k]) fftwf_destroy_plan(p[k]);
  fftwf_free(e->Df);
  fftwf_free(e->fbuf);
  for (int a = 0; a < 3; a++) fftwf_free(e->ckf[a]);
}

size_t hf_kspace_single_bytes(const hf_engine *e) {
  const size_t nt = (size_t)(e->nthreads > 1 ? e->nthreads : 1);
  return (df_size(e) + nt * e->fpl) * sizeof(float) +
         3 * (size_t)e->lat.L[0] * e->ncp * sizeof(fftwf_complex);
}

/* u planes ix to the spectrum (on the calling thread's buffer) */
void hf_kspace_single_r2c_plane(const hf_engine *e, const hf_fields *x, int ix) {
  const size_t ncp = e->ncp, plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  float *restrict buf = e->fbuf + (size_t)hf_thread_id() * e->fpl;
  for (int a = 0; a < 3; a++) {
    const double *restrict u = x->u[a] + (size_t)ix * plane;
    for (size_t i = 0; i < plane; i++) buf[i] = (float)u[i];
    fftwf_execute_dft_r2c(e->r2cf, buf, e->ckf[a] + (size_t)ix * ncp);
  }
}

void hf_kspace_single_c2r_plane(const hf_engine *e, hf_fields *g, int ix) {
  const size_t ncp = e->ncp, plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  float *restrict buf = e->fbuf + (size_t)hf_thread_id() * e->fpl;
  for (int a = 0; a < 3; a++) {
    fftwf_execute_dft_c2r(e->c2rf, e->ckf[a] + (size_t)ix * ncp, buf);
    double *restrict d = g->u[a] + (size_t)ix * plane;
    for (size_t i = 0; i < plane; i++) d[i] = (double)buf[i];
  }
}

typedef float v8f __attribute__((vector_size(32))); /* 4 complex numbers */
typedef float v4f __attribute__((vector_size(16)));

/* d0 d1 d2 d3 -> d0 d0 d1 d1 d2 d2 d3 d3: one real D value per complex x
 * (a macro: no vector crosses a function boundary, see engine_internal.h) */
#define TWICE(d) __builtin_shufflevector(d, d, 0, 0, 1, 1, 2, 2, 3, 3)

/* y = D x / N in place on m <= 4 k-points of the spectra from float offset
 * o, D rows at d (kbs apart), kz weights at wk (twice each); adds the
 * weighted x.y to *acc in double, lanes summed in pairs.  A group of fewer
 * than 4 (a block's tail) is loaded zero padded, and the padding of Df is 0. */
static inline void group(float *const c[3], size_t o, const float *d, size_t kbs, const float *wk,
                         float invN, int m, v4d *acc) {
  const size_t nb = 2 * sizeof(float) * (size_t)m;
  v8f w, x0 = {0}, x1 = {0}, x2 = {0};
  memcpy(&w, wk, sizeof w);
  memcpy(&x0, c[0] + o, nb);
  memcpy(&x1, c[1] + o, nb);
  memcpy(&x2, c[2] + o, nb);
  v4f D[6];
  for (int k = 0; k < 6; k++) memcpy(&D[k], d + (size_t)k * kbs, sizeof D[k]);
  const v8f dxx = TWICE(D[0]), dyy = TWICE(D[1]), dzz = TWICE(D[2]);
  const v8f dyz = TWICE(D[3]), dzx = TWICE(D[4]), dxy = TWICE(D[5]);
  const v8f y0 = dxx * x0 + dxy * x1 + dzx * x2;
  const v8f y1 = dxy * x0 + dyy * x1 + dyz * x2;
  const v8f y2 = dzx * x0 + dyz * x1 + dzz * x2;
  const v8f s = w * (x0 * y0 + x1 * y1 + x2 * y2);
  const v8f z0 = y0 * invN, z1 = y1 * invN, z2 = y2 * invN;
  memcpy(c[0] + o, &z0, nb);
  memcpy(c[1] + o, &z1, nb);
  memcpy(c[2] + o, &z2, nb);
  const v4f lo = __builtin_shufflevector(s, s, 0, 1, 2, 3);
  const v4f hi = __builtin_shufflevector(s, s, 4, 5, 6, 7);
  *acc += __builtin_convertvector(lo, v4d) + __builtin_convertvector(hi, v4d);
}

/* Column block b: x transforms, y = D x / N in place, inverse x transforms
 * (if back); returns the block's share of 2 E_k N, summed in double. */
double hf_kspace_single_block(const hf_engine *e, int b, int back) {
  const hf_lattice *lat = &e->lat;
  const size_t nzh = (size_t)(lat->L[2] / 2 + 1), nc = plane_nc(lat), kbs = df_kbs(e);
  const int even = lat->L[2] % 2 == 0, r = b == e->nkpart - 1 && e->xff[1];
  const size_t j0 = (size_t)b * (size_t)e->kb;
  const size_t w = j0 + (size_t)e->kb < nc ? (size_t)e->kb : nc - j0, w4 = w & ~(size_t)3;
  const float invN = (float)(1.0 / (double)lat->n);
  for (int a = 0; a < 3; a++) fftwf_execute_dft(e->xff[r], e->ckf[a] + j0, e->ckf[a] + j0);
  /* a kz line's end points stand for one k-point, the others for two */
  float wk[2 * HF_KSPACE_KB];
  for (size_t j = 0; j < kbs; j++) {
    const size_t kz = (j0 + j) % nzh;
    wk[2 * j] = wk[2 * j + 1] = j >= w || kz == 0 || (even && kz == nzh - 1) ? 1.0f : 2.0f;
  }
  float *const c[3] = {(float *)e->ckf[0], (float *)e->ckf[1], (float *)e->ckf[2]};
  const float *D = e->Df + (size_t)b * (size_t)lat->L[0] * 6 * kbs;
  v4d acc = {0, 0, 0, 0};
  for (size_t kx = 0; kx < (size_t)lat->L[0]; kx++, D += 6 * kbs) {
    const size_t o = 2 * (kx * e->ncp + j0);
    for (size_t j = 0; j < w4; j += 4) group(c, o + 2 * j, D + j, kbs, wk + 2 * j, invN, 4, &acc);
    if (w4 < w) group(c, o + 2 * w4, D + w4, kbs, wk + 2 * w4, invN, (int)(w - w4), &acc);
  }
  if (back)
    for (int a = 0; a < 3; a++) fftwf_execute_dft(e->xbf[r], e->ckf[a] + j0, e->ckf[a] + j0);
  return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}
