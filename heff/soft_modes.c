/* soft_modes.c - the softest polar mode of a model (soft_modes.h). */
#include "soft_modes.h"

#include <fftw3.h>
#include <lapacke.h>
#include <math.h>

#include "engine.h"

/* Lowest eigenvalue of the symmetric 3x3 matrix of D's six entries (xx yy zz yz zx xy). */
static double lowest(const double *d) {
  double a[9] = {d[0], d[5], d[4], d[5], d[1], d[3], d[4], d[3], d[2]}, w[3];
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', 3, a, 3, w)) return NAN;
  return w[0];
}

int hf_soft_modes_find(const hf_model *m, int L, hf_soft_modes *out, hf_err *err) {
  if (L < 1 || L > 256) return hf_fail(err, "soft modes: grid %d out of range (1..256)", L);
  hf_lattice lat;
  if (hf_lattice_init(&lat, (int[3]){L, L, L}, err)) return HF_FAIL;
  hf_engine *e;
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  if (hf_engine_create(&e, m, &lat, &o, err)) return hf_wrap(err, "soft modes");
  const double *D = hf_engine_kspace_matrix(e);
  if (!D) {
    hf_engine_free(e);
    return hf_fail(err, "soft modes: model '%s' has no dipole and no quadratic u term", m->name);
  }
  *out = (hf_soft_modes){.L = L, .lmin = INFINITY, .gamma = NAN, .x = NAN, .m = NAN, .r = NAN};
  const int h = L % 2 ? -1 : L / 2;
  for (size_t q = 0; q < lat.nkloc; q++) {
    int mk[3];
    hf_kpoint(&lat, q, mk);
    for (int k = 0; k < 3; k++) mk[k] = (mk[k] % L + L) % L;
    const double w = lowest(D + 6 * q);
    const int nh = (mk[0] == h) + (mk[1] == h) + (mk[2] == h);
    const int nz = (mk[0] == 0) + (mk[1] == 0) + (mk[2] == 0);
    if (nz == 3) out->gamma = w;
    if (nh == 1 && nz == 2) out->x = w;
    if (nh == 2 && nz == 1) out->m = w;
    if (nh == 3) out->r = w;
    if (w < out->lmin - 1e-12) {
      out->lmin = w;
      for (int k = 0; k < 3; k++) out->qmin[k] = mk[k];
    }
  }
  hf_engine_free(e);
  return HF_OK;
}
