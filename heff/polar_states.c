/* polar_states.c - relaxed uniform polar states and their frozen-pattern
 * curvatures (polar_states.h). */
#include "polar_states.h"

#include <fftw3.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "engine.h"
#include "relax.h"

const char *const hf_polar_state_names[HF_POLAR_NSTATE] = {"T [001]", "O [110]", "R [111]"};

#define H_STEP 1e-4 /* Angstrom: central differences of the exact gradient */

/* cos(2 pi q . R) = +-1 for cell (cx, cy, cz) and q index k */
static double pattern_sign(int k, int cx, int cy, int cz) {
  int q2[3];
  hf_polar_q(k, q2);
  return (q2[0] * cx + q2[1] * cy + q2[2] * cz) % 2 ? -1.0 : 1.0;
}

/* x.u_b += h s_i on every cell */
static void shift(hf_fields *x, const hf_lattice *lat, int k, int b, double h) {
  for (int cx = 0; cx < 2; cx++)
    for (int cy = 0; cy < 2; cy++)
      for (int cz = 0; cz < 2; cz++)
        x->u[b][hf_index(lat, cx, cy, cz)] += h * pattern_sign(k, cx, cy, cz);
}

/* K(q) of state x (restored on return) and its eigen-decomposition */
static void curvature(hf_engine *e, const hf_lattice *lat, hf_fields *x, hf_fields *g, int k,
                      hf_polar_state *st) {
  double K[9], gp[3], gm[3];
  for (int b = 0; b < 3; b++) {
    for (int pass = 0; pass < 2; pass++) {
      const double h = pass ? -H_STEP : H_STEP;
      hf_energy E;
      shift(x, lat, k, b, h);
      hf_engine_eval(e, x, g, NULL, &E);
      shift(x, lat, k, b, -h);
      double *out = pass ? gm : gp;
      for (int a = 0; a < 3; a++) {
        out[a] = 0;
        for (int cx = 0; cx < 2; cx++)
          for (int cy = 0; cy < 2; cy++)
            for (int cz = 0; cz < 2; cz++)
              out[a] += pattern_sign(k, cx, cy, cz) * g->u[a][hf_index(lat, cx, cy, cz)];
      }
    }
    for (int a = 0; a < 3; a++) K[3 * a + b] = (gp[a] - gm[a]) / (2 * H_STEP) / (double)lat->n;
  }
  for (int a = 0; a < 3; a++) /* symmetric up to the differences' error */
    for (int b = a + 1; b < 3; b++)
      K[3 * a + b] = K[3 * b + a] = 0.5 * (K[3 * a + b] + K[3 * b + a]);
  double w[3];
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', 3, K, 3, w)) {
    for (int a = 0; a < 3; a++) st->k[k][a] = st->vec[k][a] = NAN;
    return;
  }
  for (int a = 0; a < 3; a++) st->k[k][a] = w[a], st->vec[k][a] = K[3 * a]; /* column 0 */
}

int hf_polar_states(const hf_model *m, double pressure, double epitaxial,
                    hf_polar_state out[HF_POLAR_NSTATE], hf_err *err) {
  if (!(m->dof & HF_DOF_U)) return hf_fail(err, "polar states: the model has no u");
  hf_lattice lat;
  if (hf_lattice_init(&lat, (int[3]){2, 2, 2}, err)) return HF_FAIL;
  hf_engine *e;
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE, .pressure = pressure};
  if (hf_engine_create(&e, m, &lat, &o, err)) return hf_wrap(err, "polar states");
  hf_fields x = {0}, g = {0}, v = {0}; /* zeroed: freeing one never allocated is a no-op */
  const unsigned mask = hf_engine_field_mask(e);
  if (hf_fields_alloc(&x, &lat, mask, err) || hf_fields_alloc(&g, &lat, mask, err) ||
      hf_fields_alloc(&v, &lat, mask, err)) {
    hf_fields_free(&x), hf_fields_free(&g), hf_fields_free(&v);
    hf_engine_free(e);
    return hf_wrap(err, "polar states");
  }
  const int clamp = !isnan(epitaxial);
  hf_relax_opts ro;
  hf_relax_opts_default(&ro);
  ro.strain = (m->dof & HF_DOF_ETA) != 0;
  ro.ftol = 1e-9, ro.max_steps = 50000; /* a 2x2x2 cell: cheap to converge */
  ro.strain_fixed[0] = ro.strain_fixed[1] = ro.strain_fixed[5] = clamp;
  static const double dirs[HF_POLAR_NSTATE][3] = {{0, 0, 1}, {1, 1, 0}, {1, 1, 1}};
  for (int s = 0; s < HF_POLAR_NSTATE; s++) {
    hf_polar_state *st = &out[s];
    memset(st, 0, sizeof *st);
    hf_fields_zero(&x, &lat);
    if (clamp) x.eta[0] = x.eta[1] = epitaxial;
    hf_energy E0;
    hf_engine_eval(e, &x, NULL, NULL, &E0);
    const double norm =
        sqrt(dirs[s][0] * dirs[s][0] + dirs[s][1] * dirs[s][1] + dirs[s][2] * dirs[s][2]);
    for (size_t i = 0; i < lat.n; i++)
      for (int a = 0; a < 3; a++) x.u[a][i] = 0.1 * dirs[s][a] / norm;
    hf_relax_result res;
    hf_relax(e, &x, &g, &v, &ro, &res);
    st->status = res.status;
    for (int a = 0; a < 3; a++) st->u[a] = x.u[a][0];
    memcpy(st->eta, x.eta, sizeof st->eta);
    st->H = (res.H - E0.total) / (double)lat.n;
    for (int k = 0; k < HF_POLAR_NQ; k++) curvature(e, &lat, &x, &g, k, st);
  }
  hf_fields_free(&x), hf_fields_free(&g), hf_fields_free(&v);
  hf_engine_free(e);
  return HF_OK;
}
