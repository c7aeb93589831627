/* local_strain.c - 8-corner finite-difference strain and its adjoint. */
#include "local_strain.h"

#include <math.h>
#include <string.h>

int hf_strain_stencil_init(hf_strain_stencil *s, const hf_sites *sites, double a0, hf_err *err) {
  if (!(a0 > 0)) return hf_fail(err, "local strain needs a0 > 0");
  for (int c = 0; c < 8; c++)
    for (int k = 0; k < 3; k++) {
      double h = (c >> k) & 1 ? 0.5 : -0.5;
      double d = sites->s[HF_VAR_U][k] + h - sites->s[HF_VAR_V][k];
      if (fabs(d - nearbyint(d)) > 1e-9)
        return hf_fail(err, "local strain: v must sit on the corners of the cube around u");
      s->d[c][k] = (int)nearbyint(d);
      s->h[c][k] = h > 0 ? 1.0 : -1.0;
    }
  s->inv4a0 = 1.0 / (4.0 * a0);
  return HF_OK;
}

/* The z direction is contiguous: every stencil row is two straight segments
 * (before and after the periodic wrap), so the inner loops vectorise. */
/* restrict is honoured on parameters only: the kernels take every stream as
 * its own parameter so that GCC vectorises them without runtime alias checks */
static void strain_kernel(double *restrict e0, double *restrict e1, double *restrict e2,
                          double *restrict e3, double *restrict e4, double *restrict e5,
                          const double *restrict a, const double *restrict b,
                          const double *restrict c, double h0, double h1, double h2, size_t n) {
  for (size_t z = 0; z < n; z++) {
    e0[z] += h0 * a[z];
    e1[z] += h1 * b[z];
    e2[z] += h2 * c[z];
    e3[z] += h2 * b[z] + h1 * c[z];
    e4[z] += h0 * c[z] + h2 * a[z];
    e5[z] += h1 * a[z] + h0 * b[z];
  }
}

static void hf_strain_row(double *const e[6], const double *vx, const double *vy, const double *vz,
                          const double h[3], size_t n) {
  strain_kernel(e[0], e[1], e[2], e[3], e[4], e[5], vx, vy, vz, h[0], h[1], h[2], n);
}

static void adjoint_kernel(double *restrict x, double *restrict y, double *restrict w,
                           const double *restrict e0, const double *restrict e1,
                           const double *restrict e2, const double *restrict e3,
                           const double *restrict e4, const double *restrict e5, double h0,
                           double h1, double h2, size_t n) {
  for (size_t z = 0; z < n; z++) {
    x[z] += h0 * e0[z] + h2 * e4[z] + h1 * e5[z];
    y[z] += h1 * e1[z] + h2 * e3[z] + h0 * e5[z];
    w[z] += h2 * e2[z] + h1 * e3[z] + h0 * e4[z];
  }
}

static void hf_strain_adjoint_row(double *gx, double *gy, double *gz, const double *const e[6],
                                  const double h[3], size_t n) {
  adjoint_kernel(gx, gy, gz, e[0], e[1], e[2], e[3], e[4], e[5], h[0], h[1], h[2], n);
}

static size_t hf_zshift(int d, size_t Lz) {
  long s = (long)d % (long)Lz;
  return (size_t)(s < 0 ? s + (long)Lz : s);
}

void hf_local_strain(const hf_lattice *lat, const hf_wraptab *w, const hf_strain_stencil *s,
                     double *const v[3], double *const etaL[6]) {
  const int *L = lat->L;
  const size_t Lz = (size_t)L[2];
  for (int l = 0; l < 6; l++) memset(etaL[l], 0, lat->n * sizeof(double));
  double h[8][3];
  for (int c = 0; c < 8; c++)
    for (int k = 0; k < 3; k++) h[c][k] = s->h[c][k] * s->inv4a0;
  for (int x = 0; x < L[0]; x++)
    for (int y = 0; y < L[1]; y++) {
      size_t i0 = hf_index(lat, x, y, 0);
      for (int c = 0; c < 8; c++) {
        size_t r = hf_index(lat, hf_wraptab_get(w, 0, s->d[c][0])[x],
                            hf_wraptab_get(w, 1, s->d[c][1])[y], 0);
        size_t sh = hf_zshift(s->d[c][2], Lz), na = Lz - sh;
        double *e[6];
        for (int l = 0; l < 6; l++) e[l] = etaL[l] + i0;
        hf_strain_row(e, v[0] + r + sh, v[1] + r + sh, v[2] + r + sh, h[c], na);
        for (int l = 0; l < 6; l++) e[l] += na;
        hf_strain_row(e, v[0] + r, v[1] + r, v[2] + r, h[c], sh);
      }
    }
}

void hf_local_strain_adjoint(const hf_lattice *lat, const hf_wraptab *w, const hf_strain_stencil *s,
                             double *const gEtaL[6], double *const gv[3]) {
  const int *L = lat->L;
  const size_t Lz = (size_t)L[2];
  double h[8][3];
  for (int c = 0; c < 8; c++)
    for (int k = 0; k < 3; k++) h[c][k] = s->h[c][k] * s->inv4a0;
  for (int x = 0; x < L[0]; x++)
    for (int y = 0; y < L[1]; y++) {
      size_t j0 = hf_index(lat, x, y, 0);
      for (int c = 0; c < 8; c++) { /* cells i = j - d_c whose corner c is this v site */
        size_t r = hf_index(lat, hf_wraptab_get(w, 0, -s->d[c][0])[x],
                            hf_wraptab_get(w, 1, -s->d[c][1])[y], 0);
        size_t sh = hf_zshift(-s->d[c][2], Lz), na = Lz - sh;
        const double *e[6];
        for (int l = 0; l < 6; l++) e[l] = gEtaL[l] + r + sh;
        hf_strain_adjoint_row(gv[0] + j0, gv[1] + j0, gv[2] + j0, e, h[c], na);
        for (int l = 0; l < 6; l++) e[l] = gEtaL[l] + r;
        hf_strain_adjoint_row(gv[0] + j0 + na, gv[1] + j0 + na, gv[2] + j0 + na, e, h[c], sh);
      }
    }
}
