/* omega_gauge.c - the Eq. 2 gauge of omega (see omega_gauge.h). */
#include "omega_gauge.h"

#include <math.h>
#include <string.h>

/* Layer means of w[a] over the supercell: mean[0..L0) x layers of w[0],
 * then L1 y layers of w[1], then L2 z layers of w[2]. */
static void layer_means(const hf_lattice *lat, hf_comm *comm, const double *const w[3],
                        double *mean) {
  const int *L = lat->L;
  double *sx = mean, *sy = mean + L[0], *sz = sy + L[1];
  memset(mean, 0, hf_omega_gauge_work(lat) * sizeof *mean);
  for (int x = 0; x < lat->nx; x++)
    for (int y = 0; y < L[1]; y++) {
      const size_t i0 = ((size_t)x * (size_t)L[1] + (size_t)y) * (size_t)L[2];
      const double *w0 = w[0] + i0, *w1 = w[1] + i0, *w2 = w[2] + i0;
      double s0 = 0, s1 = 0;
      for (int z = 0; z < L[2]; z++) {
        s0 += w0[z];
        s1 += w1[z];
        sz[z] += w2[z];
      }
      sx[lat->x0 + x] += s0;
      sy[y] += s1;
    }
  hf_comm_sum(comm, mean, (int)hf_omega_gauge_work(lat));
  const double n = (double)lat->n;
  for (int a = 0, k = 0; a < 3; a++)
    for (int l = 0; l < L[a]; l++, k++) mean[k] /= n / L[a]; /* cells per layer */
}

void hf_omega_gauge_project(const hf_lattice *lat, hf_comm *comm, double *const w[3],
                            double *work) {
  hf_omega_gauge_project_with(lat, comm, w, NULL, 0, work);
}

void hf_omega_gauge_project_with(const hf_lattice *lat, hf_comm *comm, double *const w[3],
                                 double *const y[3], double h, double *work) {
  const int *L = lat->L;
  layer_means(lat, comm, (const double *const *)w, work);
  const double *mx = work, *my = work + L[0], *mz = my + L[1];
  for (int x = 0; x < lat->nx; x++)
    for (int yy = 0; yy < L[1]; yy++) {
      const size_t i0 = ((size_t)x * (size_t)L[1] + (size_t)yy) * (size_t)L[2];
      double *w0 = w[0] + i0, *w1 = w[1] + i0, *w2 = w[2] + i0;
      const double m0 = mx[lat->x0 + x], m1 = my[yy];
      for (int z = 0; z < L[2]; z++) {
        w0[z] -= m0;
        w1[z] -= m1;
        w2[z] -= mz[z];
      }
      if (!y) continue;
      double *y0 = y[0] + i0, *y1 = y[1] + i0, *y2 = y[2] + i0;
      for (int z = 0; z < L[2]; z++) {
        y0[z] -= h * m0;
        y1[z] -= h * m1;
        y2[z] -= h * mz[z];
      }
    }
}

double hf_omega_gauge_violation(const hf_lattice *lat, hf_comm *comm, const double *const w[3],
                                double *work) {
  layer_means(lat, comm, w, work);
  double worst = 0;
  for (size_t k = 0; k < hf_omega_gauge_work(lat); k++) worst = fmax(worst, fabs(work[k]));
  return worst;
}
