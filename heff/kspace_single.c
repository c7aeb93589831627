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

int hf_kspace_single_setup(hf_engine *e, unsigned flags, hf_err *err) {
  const hf_lattice *lat = &e->lat;
  const int *L = lat->L;
  const size_t nc = plane_nc(lat), plane = (size_t)L[1] * (size_t)L[2];
  const int nt = e->nthreads > 1 ? e->nthreads : 1;
  e->fpl = (plane + 15) & ~(size_t)15; /* each thread's buffer 64-byte aligned */
  e->Df = fftwf_alloc_real(6 * lat->nk);
  e->fbuf = fftwf_alloc_real((size_t)nt * e->fpl);
  for (int a = 0; a < 3; a++) e->ckf[a] = fftwf_alloc_complex(lat->nk);
  if (!e->Df || !e->fbuf || !e->ckf[0] || !e->ckf[1] || !e->ckf[2])
    return hf_fail(err, "out of memory for the single-precision k-space kernel");
  const unsigned pf = nc % 4 == 0 ? flags : flags | FFTW_UNALIGNED;
  e->r2cf = fftwf_plan_dft_r2c_2d(L[1], L[2], e->fbuf, e->ckf[0], pf);
  e->c2rf = fftwf_plan_dft_c2r_2d(L[1], L[2], e->ckf[0], e->fbuf, pf);
  const int rem = (int)(nc - (size_t)(e->nkpart - 1) * (size_t)e->kb);
  int n = L[0], st = (int)nc, ok = e->r2cf && e->c2rf;
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
  for (size_t i = 0; i < 6 * e->lat.nk; i++) e->Df[i] = (float)e->D[i];
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
  return (6 * e->lat.nk + nt * e->fpl) * sizeof(float) + 3 * e->lat.nk * sizeof(fftwf_complex);
}

/* u planes ix to the spectrum (on the calling thread's buffer) */
void hf_kspace_single_r2c_plane(const hf_engine *e, const hf_fields *x, int ix) {
  const size_t nc = plane_nc(&e->lat), plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  float *restrict buf = e->fbuf + (size_t)hf_thread_id() * e->fpl;
  for (int a = 0; a < 3; a++) {
    const double *restrict u = x->u[a] + (size_t)ix * plane;
    for (size_t i = 0; i < plane; i++) buf[i] = (float)u[i];
    fftwf_execute_dft_r2c(e->r2cf, buf, e->ckf[a] + (size_t)ix * nc);
  }
}

void hf_kspace_single_c2r_plane(const hf_engine *e, hf_fields *g, int ix) {
  const size_t nc = plane_nc(&e->lat), plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  float *restrict buf = e->fbuf + (size_t)hf_thread_id() * e->fpl;
  for (int a = 0; a < 3; a++) {
    fftwf_execute_dft_c2r(e->c2rf, e->ckf[a] + (size_t)ix * nc, buf);
    double *restrict d = g->u[a] + (size_t)ix * plane;
    for (size_t i = 0; i < plane; i++) d[i] = (double)buf[i];
  }
}

/* Column block b: x transforms, y = D x / N in place, inverse x transforms
 * (if back); returns the block's share of 2 E_k N, summed in double. */
double hf_kspace_single_block(const hf_engine *e, int b, int back) {
  const hf_lattice *lat = &e->lat;
  const size_t nzh = (size_t)(lat->L[2] / 2 + 1), nc = plane_nc(lat);
  const int even = lat->L[2] % 2 == 0, r = b == e->nkpart - 1 && e->xff[1];
  const size_t j0 = (size_t)b * (size_t)e->kb;
  const size_t j1 = j0 + (size_t)e->kb < nc ? j0 + (size_t)e->kb : nc;
  const float invN = (float)(1.0 / (double)lat->n);
  for (int a = 0; a < 3; a++) fftwf_execute_dft(e->xff[r], e->ckf[a] + j0, e->ckf[a] + j0);
  float *c0 = (float *)e->ckf[0], *c1 = (float *)e->ckf[1], *c2 = (float *)e->ckf[2];
  double energy = 0;
  for (size_t kx = 0; kx < (size_t)lat->L[0]; kx++) {
    double ex = 0;
    for (size_t j = j0; j < j1; j++) {
      const size_t q = kx * nc + j, kz = j % nzh;
      const float *D = e->Df + 6 * q;
      const float w = kz == 0 || (even && kz == nzh - 1) ? 1.0f : 2.0f;
      float s = 0;
      for (int p = 0; p < 2; p++) { /* real and imaginary parts */
        const float x0 = c0[2 * q + p], x1 = c1[2 * q + p], x2 = c2[2 * q + p];
        const float y0 = D[0] * x0 + D[5] * x1 + D[4] * x2;
        const float y1 = D[5] * x0 + D[1] * x1 + D[3] * x2;
        const float y2 = D[4] * x0 + D[3] * x1 + D[2] * x2;
        s += x0 * y0 + x1 * y1 + x2 * y2;
        c0[2 * q + p] = y0 * invN;
        c1[2 * q + p] = y1 * invN;
        c2[2 * q + p] = y2 * invN;
      }
      ex += (double)(w * s);
    }
    energy += ex;
  }
  if (back)
    for (int a = 0; a < 3; a++) fftwf_execute_dft(e->xbf[r], e->ckf[a] + j0, e->ckf[a] + j0);
  return energy;
}
