/* strain_stability.c - the lowest curvature of the homogeneous elastic
 * energy (see strain_stability.h). */
#include "strain_stability.h"

#include <lapacke.h>
#include <math.h>

#include "fields.h"

int hf_strain_stability(hf_engine *e, const int free_comp[6], double *lowest, hf_err *err) {
  *lowest = INFINITY;
  int idx[6], n = 0;
  for (int l = 0; l < 6; l++)
    if (free_comp[l]) idx[n++] = l;
  if (!n) return HF_OK;
  hf_fields z;
  if (hf_fields_alloc(&z, hf_engine_lattice(e), hf_engine_field_mask(e), err)) return HF_FAIL;
  const double h = 1e-4, cells = (double)hf_engine_material_cells(e);
  double H[36], dp[6], dm[6];
  hf_energy E;
  for (int j = 0; j < n; j++) {
    z.eta[idx[j]] = h;
    hf_engine_eval(e, &z, NULL, dp, &E);
    z.eta[idx[j]] = -h;
    hf_engine_eval(e, &z, NULL, dm, &E);
    z.eta[idx[j]] = 0;
    for (int i = 0; i < n; i++) H[j * n + i] = (dp[idx[i]] - dm[idx[i]]) / (2 * h * cells);
  }
  hf_fields_free(&z);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < j; i++) H[j * n + i] = H[i * n + j] = 0.5 * (H[j * n + i] + H[i * n + j]);
  double w[6];
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', n, H, n, w) != 0)
    return hf_fail(err, "eigenvalues of the strain Hessian failed");
  *lowest = w[0]; /* ascending */
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
