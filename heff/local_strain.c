/* local_strain.c - 8-corner finite-difference strain and its adjoint. */
#include "local_strain.h"

#include <math.h>

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

void hf_local_strain(const hf_lattice *lat, const hf_wraptab *w, const hf_strain_stencil *s,
                     double *const v[3], double *const etaL[6]) {
  const int *L = lat->L;
  const size_t Lz = (size_t)L[2];
  const int *wz[8];
  for (int c = 0; c < 8; c++) wz[c] = hf_wraptab_get(w, 2, s->d[c][2]);
  for (int x = 0; x < L[0]; x++)
    for (int y = 0; y < L[1]; y++) {
      size_t row[8];
      for (int c = 0; c < 8; c++)
        row[c] = hf_index(lat, hf_wraptab_get(w, 0, s->d[c][0])[x],
                          hf_wraptab_get(w, 1, s->d[c][1])[y], 0);
      size_t i0 = hf_index(lat, x, y, 0);
      for (size_t z = 0; z < Lz; z++) {
        double e[6] = {0, 0, 0, 0, 0, 0};
        for (int c = 0; c < 8; c++) {
          size_t j = row[c] + (size_t)wz[c][z];
          double vx = v[0][j], vy = v[1][j], vz = v[2][j];
          const double *h = s->h[c];
          e[0] += h[0] * vx;
          e[1] += h[1] * vy;
          e[2] += h[2] * vz;
          e[3] += h[2] * vy + h[1] * vz;
          e[4] += h[0] * vz + h[2] * vx;
          e[5] += h[1] * vx + h[0] * vy;
        }
        for (int l = 0; l < 6; l++) etaL[l][i0 + z] = e[l] * s->inv4a0;
      }
    }
}

void hf_local_strain_adjoint(const hf_lattice *lat, const hf_wraptab *w,
                             const hf_strain_stencil *s, double *const gEtaL[6],
                             double *const gv[3]) {
  const int *L = lat->L;
  const size_t Lz = (size_t)L[2];
  const int *wz[8];
  for (int c = 0; c < 8; c++) wz[c] = hf_wraptab_get(w, 2, -s->d[c][2]);
  for (int x = 0; x < L[0]; x++)
    for (int y = 0; y < L[1]; y++) {
      size_t row[8];
      for (int c = 0; c < 8; c++) /* cell i whose corner c is this v site: i = j - d_c */
        row[c] = hf_index(lat, hf_wraptab_get(w, 0, -s->d[c][0])[x],
                          hf_wraptab_get(w, 1, -s->d[c][1])[y], 0);
      size_t j0 = hf_index(lat, x, y, 0);
      for (size_t z = 0; z < Lz; z++) {
        double g[3] = {0, 0, 0};
        for (int c = 0; c < 8; c++) {
          size_t i = row[c] + (size_t)wz[c][z];
          const double *h = s->h[c];
          double e1 = gEtaL[0][i], e2 = gEtaL[1][i], e3 = gEtaL[2][i];
          double e4 = gEtaL[3][i], e5 = gEtaL[4][i], e6 = gEtaL[5][i];
          g[0] += h[0] * e1 + h[2] * e5 + h[1] * e6;
          g[1] += h[1] * e2 + h[2] * e4 + h[0] * e6;
          g[2] += h[2] * e3 + h[1] * e4 + h[0] * e5;
        }
        for (int a = 0; a < 3; a++) gv[a][j0 + z] += g[a] * s->inv4a0;
      }
    }
}
