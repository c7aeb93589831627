/* strain_stability.c - the lowest curvature of the homogeneous elastic
 * energy (see strain_stability.h). */
#include "strain_stability.h"

#include <lapacke.h>
#include <math.h>

#include "fields.h"

/* d2E/deta_k deta_l per cell (eV, 6x6) at zero modes and eta = 0 */
static int strain_hessian(hf_engine *e, double H[36], hf_err *err) {
  hf_fields z;
  if (hf_fields_alloc(&z, hf_engine_lattice(e), hf_engine_field_mask(e), err)) return HF_FAIL;
  const double h = 1e-4, cells = (double)hf_engine_material_cells(e);
  double dp[6], dm[6];
  hf_energy E;
  for (int j = 0; j < 6; j++) {
    z.eta[j] = h;
    hf_engine_eval(e, &z, NULL, dp, &E);
    z.eta[j] = -h;
    hf_engine_eval(e, &z, NULL, dm, &E);
    z.eta[j] = 0;
    for (int i = 0; i < 6; i++) H[j * 6 + i] = (dp[i] - dm[i]) / (2 * h * cells);
  }
  hf_fields_free(&z);
  for (int j = 0; j < 6; j++)
    for (int i = 0; i < j; i++) H[j * 6 + i] = H[i * 6 + j] = 0.5 * (H[j * 6 + i] + H[i * 6 + j]);
  return HF_OK;
}

int hf_strain_stability(hf_engine *e, const int free_comp[6], double *lowest, hf_err *err) {
  *lowest = INFINITY;
  int idx[6], n = 0;
  for (int l = 0; l < 6; l++)
    if (free_comp[l]) idx[n++] = l;
  if (!n) return HF_OK;
  double H6[36], H[36];
  if (strain_hessian(e, H6, err)) return HF_FAIL;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) H[j * n + i] = H6[idx[j] * 6 + idx[i]];
  double w[6];
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', n, H, n, w) != 0)
    return hf_fail(err, "eigenvalues of the strain Hessian failed");
  *lowest = w[0]; /* ascending */
  return HF_OK;
}

int hf_elastic_constants(hf_engine *e, double a0, double C[3], hf_err *err) {
  double H[36];
  if (strain_hessian(e, H, err)) return HF_FAIL;
  const double to_gpa = 160.21766208 / (a0 * a0 * a0); /* eV per cell -> GPa */
  C[0] = (H[0] + H[7] + H[14]) / 3 * to_gpa;
  C[1] = (H[1] + H[2] + H[8]) / 3 * to_gpa;
  C[2] = (H[21] + H[28] + H[35]) / 3 * to_gpa;
  return HF_OK;
}

int hf_uniform_shift_change(hf_engine *e, unsigned field, double *change, hf_err *err) {
  *change = 0;
  if (!(hf_engine_field_mask(e) & field)) return HF_OK;
  const hf_lattice *lat = hf_engine_lattice(e);
  hf_fields z;
  if (hf_fields_alloc(&z, lat, hf_engine_field_mask(e), err)) return HF_FAIL;
  for (int a = 0; a < 3 && z.u[0]; a++)
    for (size_t i = 0; i < lat->nloc; i++) z.u[a][i] = 0.05 / sqrt(3.0);
  const double cells = (double)hf_engine_material_cells(e);
  hf_energy E0, E;
  hf_engine_eval(e, &z, NULL, NULL, &E0);
  for (int a = 0; a < 3; a++)
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      double *f = field == HF_FIELD_V ? z.v[a] : z.w[a];
      for (size_t i = 0; i < lat->nloc; i++) f[i] = 0.01 * sgn;
      hf_engine_eval(e, &z, NULL, NULL, &E);
      *change = fmax(*change, fabs(E.total - E0.total) / cells);
      for (size_t i = 0; i < lat->nloc; i++) f[i] = 0;
    }
  hf_fields_free(&z);
  return HF_OK;
}
