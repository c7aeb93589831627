/* kspace.c - the reciprocal-space product y = D(k) x(k) between an r2c and a
 * c2r transform of the three u components (see engine.h).
 *
 * Default (fused): the 3D transforms are split into 2D transforms of each x
 * plane and 1D transforms along x.  For a block of HF_KSPACE_KB (ky, kz) columns the
 * forward x transforms of the three components, the product with D and the
 * backward x transforms run back to back while the block is in cache, so
 * the spectrum is swept once between the plane passes instead of four times
 * (x transforms and product as separate passes).  Planes and blocks are
 * spread over OpenMP threads; every transform is the same plan whatever the
 * thread count, so results are bit-identical for any count.
 * The backward plane transforms are left to the row pass when it runs
 * (defer_c2r), which does each plane just before it adds the local terms
 * to that plane of dE/du, while the plane is in cache.
 * Alternative (hf_engine_opts.fftw_3d): FFTW's own 3D plans, with FFTW's
 * threads; kept to compare against. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "parallel.h"

static size_t plane_nc(const hf_lattice *lat) {
  return (size_t)lat->L[1] * (size_t)(lat->L[2] / 2 + 1);
}

/* A column block reads one row of kb k-points from each of the L[0] kx
 * planes.  With planes a multiple of 4 KiB apart (L = 128: 8320 complex
 * doubles, 130 KiB) all those rows fall in a few sets of the 8-way caches
 * and evict each other; planes that start kb k-points further on every
 * 4 KiB spread a block's rows over all sets.  Small planes are not padded. */
size_t hf_kspace_plane_stride(size_t nc, size_t csize) {
  const size_t span = 4096 / csize; /* complex numbers per 4 KiB */
  if (nc < 4 * span) return nc;
  return nc + (HF_KSPACE_KB + span - nc % span) % span;
}

int hf_kspace_setup(hf_engine *e, unsigned flags, int fftw_3d, int single, hf_err *err) {
#ifdef HF_MPI /* (several ranks exist only in MPI builds) */
  if (e->dist) {
    if (single) return hf_fail(err, "single-precision k space is not available on several ranks");
    return hf_kspace_mpi_setup(e, flags, err);
  }
#endif
  const hf_lattice *lat = &e->lat;
  const int *L = lat->L;
  e->fused = !fftw_3d;
  if (single && !e->fused)
    return hf_fail(err, "single precision needs the fused k-space path (not fftw_3d)");
  e->ncp = e->fused ? hf_kspace_plane_stride(plane_nc(lat), sizeof(fftw_complex)) : plane_nc(lat);
  e->nck = (size_t)L[0] * e->ncp;
  for (int a = 0; a < 3 && !single; a++) /* (single: float spectra, kspace_single.c) */
    if (!(e->ck[a] = fftw_alloc_complex(e->nck))) return hf_fail(err, "out of memory for spectra");
  double *tmp = fftw_alloc_real(lat->n);
  if (!tmp) return hf_fail(err, "out of memory");
  int ok = 1;
  if (!e->fused) {
    if (e->nthreads > 1 && hf_fftw_threads_init()) {
      fftw_free(tmp);
      return hf_fail(err, "FFTW could not start its threads");
    }
    /* FFTW's thread count is planner-wide state: set for these two plans
     * and put back, so that other plans (Metropolis, tests) stay serial */
    if (e->nthreads > 1) fftw_plan_with_nthreads(e->nthreads);
    e->r2c = fftw_plan_dft_r2c_3d(L[0], L[1], L[2], tmp, e->ck[0], flags);
    e->c2r = fftw_plan_dft_c2r_3d(L[0], L[1], L[2], e->ck[0], tmp, flags);
    if (e->nthreads > 1) fftw_plan_with_nthreads(1);
    ok = e->r2c && e->c2r;
    e->nkpart = L[0];
  } else {
    const size_t nc = plane_nc(lat), plane = (size_t)L[1] * (size_t)L[2];
    /* new-array execution needs every plane as aligned as the planning one */
    const unsigned pf = plane % 4 == 0 && e->ncp % 2 == 0 ? flags : flags | FFTW_UNALIGNED;
    e->kb = nc < HF_KSPACE_KB ? (int)nc : HF_KSPACE_KB;
    e->nkpart = (int)((nc + (size_t)e->kb - 1) / (size_t)e->kb);
    const int rem = (int)(nc - (size_t)(e->nkpart - 1) * (size_t)e->kb);
    int n = L[0], st = (int)e->ncp;
    fftw_complex *c = e->ck[0];
    if (!single) { /* (single precision plans its own, kspace_single.c) */
      e->r2c = fftw_plan_dft_r2c_2d(L[1], L[2], tmp, c, pf);
      e->c2r = fftw_plan_dft_c2r_2d(L[1], L[2], c, tmp, pf);
      ok &= e->r2c && e->c2r;
    }
    for (int r = 0; r < 2 && !single; r++) {
      const int w = r ? rem : e->kb;
      if (r && w == e->kb) break;
      e->xf[r] = fftw_plan_many_dft(1, &n, w, c, NULL, st, 1, c, NULL, st, 1, FFTW_FORWARD, flags);
      e->xb[r] = fftw_plan_many_dft(1, &n, w, c, NULL, st, 1, c, NULL, st, 1, FFTW_BACKWARD, flags);
      ok &= e->xf[r] && e->xb[r];
    }
  }
  fftw_free(tmp);
  if (!ok) return hf_fail(err, "FFTW could not plan a %dx%dx%d transform", L[0], L[1], L[2]);
  if (!(e->kpart = malloc((size_t)e->nkpart * sizeof *e->kpart)))
    return hf_fail(err, "out of memory");
  e->single = single;
  return single ? hf_kspace_single_setup(e, flags, err) : HF_OK;
}

void hf_kspace_free(hf_engine *e) {
  fftw_plan p[6] = {e->r2c, e->c2r, e->xf[0], e->xf[1], e->xb[0], e->xb[1]};
  for (int k = 0; k < 6; k++)
    if (p[k]) fftw_destroy_plan(p[k]);
  free(e->kpart);
  hf_kspace_single_free(e);
}

/* y = D x at k-point q (spectra index s) in place, scaled by 1/N for c2r;
 * returns x^+ D x.  One complex number (re, im) per v2d, written out by
 * hand: C complex products would check for NaN and infinities. */
static inline v2d kpoint(const hf_engine *e, size_t q, size_t s, double invN) {
  double *c0 = (double *)e->ck[0] + 2 * s, *c1 = (double *)e->ck[1] + 2 * s,
         *c2 = (double *)e->ck[2] + 2 * s;
  const double *D = e->D + 6 * q;
  v2d x0, x1, x2;
  memcpy(&x0, c0, sizeof x0);
  memcpy(&x1, c1, sizeof x1);
  memcpy(&x2, c2, sizeof x2);
  const v2d y0 = D[0] * x0 + D[5] * x1 + D[4] * x2;
  const v2d y1 = D[5] * x0 + D[1] * x1 + D[3] * x2;
  const v2d y2 = D[4] * x0 + D[3] * x1 + D[2] * x2;
  const v2d z0 = y0 * invN, z1 = y1 * invN, z2 = y2 * invN;
  memcpy(c0, &z0, sizeof z0);
  memcpy(c1, &z1, sizeof z1);
  memcpy(c2, &z2, sizeof z2);
  return x0 * y0 + x1 * y1 + x2 * y2;
}

/* The energy needs Re(x^+ y) = sum of x.y over both parts; a kz line's end
 * points stand for one k-point, the others for two (k and -k). */
static inline double kz_weight(size_t kz, size_t nzh, int even) {
  return kz == 0 || (even && kz == nzh - 1) ? 1.0 : 2.0;
}

double hf_kspace_lines(const hf_engine *e, size_t q0, size_t q1) {
  const hf_lattice *lat = &e->lat;
  const size_t nzh = (size_t)(lat->L[2] / 2 + 1);
  const int even = lat->L[2] % 2 == 0;
  const double invN = 1.0 / (double)lat->n;
  v2d eend = {0, 0}, emid = {0, 0};
  for (; q0 < q1; q0 += nzh)
    for (size_t kz = 0; kz < nzh; kz++) {
      const v2d ek = kpoint(e, q0 + kz, q0 + kz, invN);
      if (kz_weight(kz, nzh, even) == 1.0)
        eend += ek;
      else
        emid += ek;
    }
  return (eend[0] + eend[1]) + 2 * (emid[0] + emid[1]);
}

/* The product on kx plane kx (3D path). */
static double product_plane(const hf_engine *e, int kx) {
  const size_t nc = plane_nc(&e->lat);
  return hf_kspace_lines(e, (size_t)kx * nc, (size_t)(kx + 1) * nc);
}

/* Column block b of the fused path: forward x transforms, product, and (if
 * back) backward x transforms; returns the block's share of 2 E_k N. */
static double column_block(const hf_engine *e, int b, int back) {
  const hf_lattice *lat = &e->lat;
  const size_t nzh = (size_t)(lat->L[2] / 2 + 1), nc = plane_nc(lat);
  const int even = lat->L[2] % 2 == 0, r = b == e->nkpart - 1 && e->xf[1];
  const size_t j0 = (size_t)b * (size_t)e->kb;
  const size_t j1 = j0 + (size_t)e->kb < nc ? j0 + (size_t)e->kb : nc;
  const double invN = 1.0 / (double)lat->n;
  for (int a = 0; a < 3; a++) fftw_execute_dft(e->xf[r], e->ck[a] + j0, e->ck[a] + j0);
  double wk[HF_KSPACE_KB];
  for (size_t j = j0; j < j1; j++) wk[j - j0] = kz_weight(j % nzh, nzh, even);
  double energy = 0;
  for (size_t kx = 0; kx < (size_t)lat->L[0]; kx++) {
    v2d ex = {0, 0};
    for (size_t j = j0; j < j1; j++)
      ex += wk[j - j0] * kpoint(e, kx * nc + j, kx * e->ncp + j, invN);
    energy += ex[0] + ex[1];
  }
  if (back)
    for (int a = 0; a < 3; a++) fftw_execute_dft(e->xb[r], e->ck[a] + j0, e->ck[a] + j0);
  return energy;
}

void hf_kspace_c2r_plane(const hf_engine *e, hf_fields *g, int ix) {
  if (e->single) {
    hf_kspace_single_c2r_plane(e, g, ix);
    return;
  }
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  for (int a = 0; a < 3; a++)
    fftw_execute_dft_c2r(e->c2r, e->ck[a] + (size_t)ix * e->ncp, g->u[a] + (size_t)ix * plane);
}

double hf_kspace_apply(hf_engine *e, const hf_fields *x, hf_fields *g) {
#ifdef HF_MPI
  if (e->dist) return hf_kspace_mpi_apply(e, x, g);
#endif
  const hf_lattice *lat = &e->lat;
  const int nt = e->nthreads, L0 = lat->L[0], nkp = e->nkpart;
  if (!e->fused) {
    for (int a = 0; a < 3; a++) fftw_execute_dft_r2c(e->r2c, x->u[a], e->ck[a]);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int kx = 0; kx < L0; kx++) e->kpart[kx] = product_plane(e, kx);
    if (g)
      for (int a = 0; a < 3; a++) fftw_execute_dft_c2r(e->c2r, e->ck[a], g->u[a]);
  } else {
    const size_t ncp = e->ncp, plane = (size_t)lat->L[1] * (size_t)lat->L[2];
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
#pragma omp for schedule(static)
      for (int ix = 0; ix < L0; ix++)
        if (e->single)
          hf_kspace_single_r2c_plane(e, x, ix);
        else
          for (int a = 0; a < 3; a++)
            fftw_execute_dft_r2c(e->r2c, x->u[a] + (size_t)ix * plane, e->ck[a] + (size_t)ix * ncp);
#pragma omp for schedule(static)
      for (int b = 0; b < nkp; b++)
        e->kpart[b] =
            e->single ? hf_kspace_single_block(e, b, g != NULL) : column_block(e, b, g != NULL);
      if (g && !e->defer_c2r) {
#pragma omp for schedule(static)
        for (int ix = 0; ix < L0; ix++) hf_kspace_c2r_plane(e, g, ix);
      }
    }
  }
  double energy = 0.0; /* in a fixed order: the same sum for any thread count */
  for (int k = 0; k < nkp; k++) energy += e->kpart[k];
  return 0.5 * energy / (double)lat->n;
}
