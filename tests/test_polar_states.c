/* test_polar_states.c - hf_polar_states (polar_states.h) against exact cases:
 *  1. closed form: on-site a |u|^2 + b |u|^4 + d (ux^4 + uy^4 + uz^4), elastic
 *     c (e1^2 + e2^2 + e3^2), coupling B (e1 ux^2 + e2 uy^2 + e3 uz^2), at
 *     pressure p (test_relax's model with a cubic anisotropy d).  The T state
 *     has u0^2 = (-a + B p V0 / (2c)) / (2b + 2d - B^2 / (2c)), e1 = e2 =
 *     -p V0 / (2c), e3 = -(B u0^2 + p V0) / (2c), H = a u0^2 + (b + d) u0^4 +
 *     c (2 e1^2 + e3^2) + B e3 u0^2 + p V0 (2 e1 + e3) (less 2 c h^2 + 2 p V0 h,
 *     the clamped crystal's, under a clamp); on it, at every q,
 *     K = diag(k_in, k_in, k_zz) with k_in = 2a + 4b u0^2 + 2B e1 and k_zz =
 *     2a + (12b + 12d) u0^2 + 2B e3.  d > 0 favours R: T is unstable in plane
 *     (k_in < 0) at every q.  Under an epitaxial clamp e1 = e2 = h the same
 *     with e1 = h.
 *  2. ZVR BaTiO3 at -4.8 GPa (ground state R): T and O unstable at Gamma, R
 *     stable at every q, R below O below T; every (state, q) lowest curvature
 *     equals a second difference of the energy (not the gradient) along its
 *     eigenvector, Richardson-extrapolated from steps 0.004 and 0.002 A, to
 *     1e-5 eV/A^2.
 *  3. a model without u is refused. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "polar_states.h"
#include "testmodels.h"

static const double a = -0.4, b = 0.6, d = 0.3, c = 50, B = -3.0, p = -2.0;

static int closed_form(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_one_term(&m, "onsite", 0, 40.0, "a", a, "ux^2+uy^2+uz^2", 0, &err), err);
  m.dof |= HF_DOF_ETA;
  REQUIRE_OK(hf_model_add_term(&m, "b", b, "(ux^2+uy^2+uz^2)^2", 0, &err) ||
                 hf_model_add_term(&m, "d", d, "ux^4+uy^4+uz^4", 0, &err) ||
                 hf_model_add_term(&m, "c", c, "eta1^2+eta2^2+eta3^2", 0, &err) ||
                 hf_model_add_term(&m, "B", B, "eta1*ux^2+eta2*uy^2+eta3*uz^2", 0, &err),
             err);
  const double pV0 = p * HF_GPA_A3 * m.a0 * m.a0 * m.a0;
  const double u2 = (-a + B * pV0 / (2 * c)) / (2 * b + 2 * d - B * B / (2 * c)),
               e3 = -(B * u2 + pV0) / (2 * c);
  for (int clamp = 0; clamp < 2; clamp++) {
    const double e1 = clamp ? 0.01 : -pV0 / (2 * c);
    hf_polar_state st[HF_POLAR_NSTATE];
    REQUIRE_OK(hf_polar_states(&m, p, clamp ? 0.01 : NAN, st, &err), err);
    const hf_polar_state *t = &st[0];
    const double H = a * u2 + (b + d) * u2 * u2 + c * (2 * e1 * e1 + e3 * e3) + B * e3 * u2 +
                     pV0 * (2 * e1 + e3) - clamp * (2 * c * e1 * e1 + 2 * pV0 * e1);
    printf("%s: T u_z %.8f (closed form %.8f), eta1 %.6f eta3 %.6f (%.6f %.6f), H %.8f (%.8f) eV\n",
           clamp ? "clamped at 0.01" : "free strain", t->u[2], sqrt(u2), t->eta[0], t->eta[2], e1,
           e3, t->H, H);
    CHECK(t->status == 0, "T relaxation converged");
    CHECK_CLOSE(t->u[2], sqrt(u2), 1e-6, 0, "T u_z");
    CHECK(fabs(t->u[0]) + fabs(t->u[1]) < 1e-12, "T u in-plane zero");
    CHECK_CLOSE(t->eta[0], e1, 1e-7, 1e-9, "T eta1");
    CHECK_CLOSE(t->eta[2], e3, 1e-7, 1e-9, "T eta3");
    CHECK_CLOSE(t->H, H, 1e-8, 1e-10, "T enthalpy per cell");
    const double kin = 2 * a + 4 * b * u2 + 2 * B * e1,
                 kzz = 2 * a + 12 * (b + d) * u2 + 2 * B * e3;
    const double want[3] = {fmin(kin, kzz), kin, fmax(kin, kzz)};
    double worst = 0;
    for (int k = 0; k < HF_POLAR_NQ; k++) {
      for (int i = 0; i < 3; i++) worst = fmax(worst, fabs(t->k[k][i] - want[i]));
      CHECK(fabs(t->vec[k][2]) < 1e-6, "q index %d: the lowest in plane", k);
    }
    printf("  K(q): in plane %.6f, zz %.6f eV/A^2; eigenvalues vs closed form worst %.2e\n", kin,
           kzz, worst);
    CHECK(kin < 0, "the premise: T unstable in plane (%g)", kin);
    CHECK(worst < 1e-6, "K(q) eigenvalues vs closed form (worst %g)", worst);
  }
  hf_model_free(&m);
  return 0;
}

/* energy second difference (eV/A^2 per cell) along the lowest eigenvector of
 * K(q) of state st, step h (A) */
static double second_difference(const hf_model *m, double pressure, const hf_polar_state *st, int k,
                                double h, hf_err *err) {
  hf_lattice lat;
  hf_engine *e;
  hf_fields x;
  hf_engine_opts o = {.pressure = pressure};
  if (hf_lattice_init(&lat, (int[3]){2, 2, 2}, err) || hf_engine_create(&e, m, &lat, &o, err))
    return NAN;
  if (hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), err)) return NAN;
  double E[3];
  int q2[3];
  hf_polar_q(k, q2);
  for (int s = -1; s <= 1; s++) {
    hf_fields_zero(&x, &lat);
    memcpy(x.eta, st->eta, sizeof x.eta);
    for (int cx = 0; cx < 2; cx++)
      for (int cy = 0; cy < 2; cy++)
        for (int cz = 0; cz < 2; cz++) {
          const double sg = (q2[0] * cx + q2[1] * cy + q2[2] * cz) % 2 ? -1 : 1;
          for (int a2 = 0; a2 < 3; a2++)
            x.u[a2][hf_index(&lat, cx, cy, cz)] = st->u[a2] + s * h * sg * st->vec[k][a2];
        }
    hf_energy en;
    hf_engine_eval(e, &x, NULL, NULL, &en);
    E[s + 1] = en.total;
  }
  hf_fields_free(&x);
  hf_engine_free(e);
  return (E[0] + E[2] - 2 * E[1]) / (h * h) / 8.0;
}

static int zvr(const char *models) {
  hf_err err;
  hf_model m;
  char path[1024];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", models);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  hf_polar_state st[HF_POLAR_NSTATE];
  REQUIRE_OK(hf_polar_states(&m, -4.8, NAN, st, &err), err);
  double worst = 0;
  for (int s = 0; s < HF_POLAR_NSTATE; s++) {
    double kmin = INFINITY;
    for (int k = 0; k < HF_POLAR_NQ; k++) {
      kmin = fmin(kmin, st[s].k[k][0]);
      const double f1 = second_difference(&m, -4.8, &st[s], k, 0.004, &err),
                   f2 = second_difference(&m, -4.8, &st[s], k, 0.002, &err);
      REQUIRE_OK(isnan(f1) || isnan(f2), err);
      const double fd = (4 * f2 - f1) / 3; /* the h^2 error removed */
      worst = fmax(worst, fabs(fd - st[s].k[k][0]));
    }
    printf("ZVR %s: u (%.4f %.4f %.4f), H %.3f meV, K at Gamma %.4f, lowest over q %.4f eV/A^2\n",
           hf_polar_state_names[s], st[s].u[0], st[s].u[1], st[s].u[2], 1e3 * st[s].H,
           st[s].k[0][0], kmin);
    CHECK(s == 2 ? kmin > 0 : st[s].k[0][0] < 0, "ZVR at -4.8 GPa: %s %s at Gamma (%.4f)",
          hf_polar_state_names[s], s == 2 ? "stable everywhere" : "unstable",
          s == 2 ? kmin : st[s].k[0][0]);
  }
  printf("ZVR: gradient curvatures vs energy second differences, worst %.2e eV/A^2\n", worst);
  CHECK(worst < 1e-5, "curvatures vs energy second differences (worst %g)", worst);
  CHECK(st[2].H < st[1].H && st[1].H < st[0].H, "ZVR: R below O below T");
  hf_model_free(&m);
  return 0;
}

int main(int argc, char **argv) {
  if (closed_form() || zvr(argc > 1 ? argv[1] : "models")) return 1;
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_one_term(&m, "omega only", 2, 40.0, "k", 1.0, "wx^2+wy^2+wz^2", 0, &err),
             err);
  hf_polar_state st[HF_POLAR_NSTATE];
  const int rc = hf_polar_states(&m, 0, NAN, st, &err);
  CHECK(rc && strstr(err.msg, "no u"), "a model without u refused ('%s')", rc ? err.msg : "");
  hf_model_free(&m);
  return check_done("polar_states");
}
