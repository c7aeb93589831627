/* mode_strain.c - homogeneous strain of the mode map and the chain rule
 * that turns an atomic calculation's stress into dE/deta at fixed modes
 * (paper 003, Eqs. 6-7; mode_map.h). */
#include <math.h>

#include "mode_map.h"

static const int voigt[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {2, 0}, {0, 1}};

void hf_strain_tensor(const double eta[6], double eps[3][3]) {
  for (int m = 0; m < 6; m++) {
    const int a = voigt[m][0], b = voigt[m][1];
    const double e = m < 3 ? eta[m] : 0.5 * eta[m]; /* engineering shears */
    eps[a][b] = e;
    eps[b][a] = e;
  }
}

static double det3(const double F[3][3]) {
  return F[0][0] * (F[1][1] * F[2][2] - F[1][2] * F[2][1]) -
         F[0][1] * (F[1][0] * F[2][2] - F[1][2] * F[2][0]) +
         F[0][2] * (F[1][0] * F[2][1] - F[1][1] * F[2][0]);
}

void hf_voigt_symmetric(const double t[3][3], double scale, double v[6]) {
  for (int m = 0; m < 6; m++) {
    const int a = voigt[m][0], b = voigt[m][1];
    v[m] = 0.5 * scale * (t[a][b] + t[b][a]);
  }
}

double hf_mat3_inverse(const double A[3][3], double Ai[3][3]) {
  const double d = det3(A);
  for (int a = 0; a < 3; a++) /* cofactors */
    for (int b = 0; b < 3; b++) {
      const int a1 = (a + 1) % 3, a2 = (a + 2) % 3, b1 = (b + 1) % 3, b2 = (b + 2) % 3;
      Ai[b][a] = (A[a1][b1] * A[a2][b2] - A[a1][b2] * A[a2][b1]) / d;
    }
  return d;
}

static void deformation(const double eta[6], double F[3][3]) {
  hf_strain_tensor(eta, F);
  for (int a = 0; a < 3; a++) F[a][a] += 1;
}

double hf_mode_map_volume(const hf_mode_map *mm, const double eta[6]) {
  double F[3][3];
  deformation(eta, F);
  return det3(F) * mm->a0 * mm->a0 * mm->a0 * (double)mm->lat.n;
}

/* With r = F R0 + x and cell F h0 (F = 1 + eps), a change deps is the
 * deformation delta = deps F^-1 of the current structure (which moves r by
 * delta r) followed by moving the atoms back by -delta x.  Hence
 *   dE = sum_ab T_ab delta_ab,  T = V sigma + sum_i f_i x_i^T,
 * where V sigma = dE/d delta at fixed fractional coordinates (the engine's
 * stress) and f . (delta x) is the second term of Eq. 7; so
 * dE/deps = T F^-1, and dE/deta_m sums the two eps entries of a shear. */
void hf_mode_map_strain_derivative(const hf_mode_map *mm, const double eta[6], const double *x,
                                   const double *f, const double stress[6], double dEdeta[6]) {
  double F[3][3], T[3][3] = {{0}};
  deformation(eta, F);
  const double V = hf_mode_map_volume(mm, eta);
  for (int m = 0; m < 6; m++) {
    const int a = voigt[m][0], b = voigt[m][1];
    T[a][b] = T[b][a] = V * stress[m];
  }
  const size_t na = hf_mode_map_natoms(mm);
  for (size_t i = 0; i < na; i++)
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) T[a][b] += f[3 * i + a] * x[3 * i + b];
  double Fi[3][3];
  hf_mat3_inverse(F, Fi); /* F is symmetric, so is its inverse */
  double G[3][3];
  for (int a = 0; a < 3; a++)
    for (int c = 0; c < 3; c++)
      G[a][c] = T[a][0] * Fi[0][c] + T[a][1] * Fi[1][c] + T[a][2] * Fi[2][c];
  for (int m = 0; m < 6; m++) {
    const int a = voigt[m][0], b = voigt[m][1];
    dEdeta[m] = m < 3 ? G[a][a] : 0.5 * (G[a][b] + G[b][a]);
  }
}
