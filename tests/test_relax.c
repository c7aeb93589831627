/* test_relax.c - zero-temperature relaxation (heff/relax.h) against closed forms.
 * Model per cell (a0 = 4 A, u and strain, no dipole):
 *   E/N = a |u|^2 + b |u|^4 + c (e1^2 + e2^2 + e3^2) + B (e1 ux^2 + e2 uy^2 + e3 uz^2)
 * plus the engine's p V = p V0 (1 + e1 + e2 + e3) per cell.  Along [001] with
 * the strain relaxed: e1 = e2 = -p V0 / (2c), e3 = -(B uz^2 + p V0) / (2c) and
 *   uz^2 = (-a + B p V0 / (2c)) / (2b - B^2 / (2c));
 * with the strain held at 0: uz^2 = -a / (2b).
 *  1. both minima from uz = 0.1 A on 3x3x3 (to 1e-6 A and 1e-7 in strain), and
 *     with eta1 = eta2 = h held (strain_fixed) from ux = 0.1 A:
 *     ux^2 = -(a + B h) / (2b), eta3 = -p V0 / (2c), the held strains exact;
 *  2. a watch that stops at uz > 0.3 A ends the relaxation there (status WATCHED),
 *     and no step moves a coordinate by more than max_move (0.01 A);
 *  3. with b < 0 (unbounded) the relaxation reports RUNAWAY;
 *  4. omega moves in the Eq. 2 gauge (omega_gauge.h): with an on-site double
 *     well kw |w|^2 + q |w|^4 (kw < 0) a uniform omega, which moves no atom,
 *     is projected away and nothing moves; an R-point start relaxes to the
 *     well's bottom |w|^2 = -kw / (2q) in every cell; a random start ends in
 *     the gauge (layer means below 1e-12). */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "engine.h"
#include "omega_gauge.h"
#include "relax.h"
#include "rng.h"
#include "testmodels.h"

static const double a = -0.4, b = 0.6, c = 50, B = -3.0, p = -2.0;

static int build(hf_model *m, double bq, hf_err *err) {
  if (testmodel_one_term(m, "relax", 0, 40.0, "a", a, "ux^2+uy^2+uz^2", 0, err)) return HF_FAIL;
  m->dof |= HF_DOF_ETA;
  return hf_model_add_term(m, "b", bq, "(ux^2+uy^2+uz^2)^2", 0, err) ||
         hf_model_add_term(m, "c", c, "eta1^2+eta2^2+eta3^2", 0, err) ||
         hf_model_add_term(m, "B", B, "eta1*ux^2+eta2*uy^2+eta3*uz^2", 0, err);
}

static double mean_uz(const hf_fields *x, const hf_lattice *lat) {
  double s = 0;
  for (size_t i = 0; i < lat->n; i++) s += x->u[2][i];
  return s / (double)lat->n;
}

typedef struct {
  const hf_lattice *lat;
  double last, step_max;
} watch_state;

static int stop_at(void *ctx, const hf_fields *x) {
  watch_state *w = ctx;
  const double uz = mean_uz(x, w->lat);
  w->step_max = fmax(w->step_max, fabs(uz - w->last));
  w->last = uz;
  return uz > 0.3;
}

static void start(hf_fields *x, const hf_lattice *lat) {
  hf_fields_zero(x, lat);
  for (size_t i = 0; i < lat->n; i++) x->u[2][i] = 0.1;
}

/* 4: the omega double well on 4x4x4 */
static void omega_gauge(void) {
  const double kw = -0.3, q = 1.0, w0 = sqrt(-kw / (2 * q));
  hf_err err;
  hf_lattice lat;
  hf_model m;
  hf_engine *eng;
  hf_engine_opts eo = {0};
  hf_fields x, g, v;
  if (hf_lattice_init(&lat, (int[3]){4, 4, 4}, &err) ||
      testmodel_one_term(&m, "well", 2, 500.0, "kw", kw, "wx^2+wy^2+wz^2", 0, &err) ||
      hf_model_add_term(&m, "q", q, "(wx^2+wy^2+wz^2)^2", 0, &err) ||
      hf_engine_create(&eng, &m, &lat, &eo, &err)) {
    CHECK(0, "omega model: %s", err.msg);
    return;
  }
  const unsigned mask = hf_engine_field_mask(eng);
  if (hf_fields_alloc(&x, &lat, mask, &err) || hf_fields_alloc(&g, &lat, mask, &err) ||
      hf_fields_alloc(&v, &lat, mask, &err)) {
    CHECK(0, "omega fields: %s", err.msg);
    return;
  }
  hf_relax_opts o;
  hf_relax_opts_default(&o);
  o.ftol = 1e-10, o.max_steps = 20000;
  hf_relax_result res;
  double work[12], wmin = 1e9, wmax = 0, wmov = 0;

  hf_fields_zero(&x, &lat);
  for (size_t i = 0; i < lat.n; i++) x.w[2][i] = 0.05;
  hf_relax(eng, &x, &g, &v, &o, &res);
  for (size_t i = 0; i < lat.n; i++)
    for (int a = 0; a < 3; a++) wmov = fmax(wmov, fabs(x.w[a][i]));
  printf("omega uniform start: status %d after %d steps, largest |omega| %.3g\n", res.status,
         res.steps, wmov);
  CHECK(res.status == HF_RELAX_CONVERGED && wmov < 1e-15,
        "a uniform omega is a gauge mode: projected to 0 and nothing moves (%g)", wmov);

  hf_fields_zero(&x, &lat);
  for (int i0 = 0; i0 < 4; i0++)
    for (int i1 = 0; i1 < 4; i1++)
      for (int i2 = 0; i2 < 4; i2++)
        x.w[2][hf_index(&lat, i0, i1, i2)] = (i0 + i1 + i2) % 2 ? -0.05 : 0.05;
  hf_relax(eng, &x, &g, &v, &o, &res);
  for (size_t i = 0; i < lat.n; i++) {
    const double w = sqrt(x.w[0][i] * x.w[0][i] + x.w[1][i] * x.w[1][i] + x.w[2][i] * x.w[2][i]);
    wmin = fmin(wmin, w), wmax = fmax(wmax, w);
  }
  printf("omega R start: status %d, |omega| %.10f..%.10f (well bottom %.10f)\n", res.status, wmin,
         wmax, w0);
  CHECK(res.status == HF_RELAX_CONVERGED, "R start converged (status %d)", res.status);
  CHECK_CLOSE(wmin, w0, 1e-9, 1, "R start: smallest |omega| at the well's bottom");
  CHECK_CLOSE(wmax, w0, 1e-9, 1, "R start: largest |omega| at the well's bottom");

  hf_rng r;
  hf_rng_seed(&r, 11);
  hf_fields_zero(&x, &lat);
  for (size_t i = 0; i < lat.n; i++)
    for (int a = 0; a < 3; a++) x.w[a][i] = 0.05 * hf_rng_normal(&r);
  o.max_steps = 3000;
  hf_relax(eng, &x, &g, &v, &o, &res);
  const double viol =
      hf_omega_gauge_violation(&lat, hf_engine_comm(eng), (const double *const *)x.w, work);
  printf("omega random start: status %d after %d steps, gauge violation %.3g\n", res.status,
         res.steps, viol);
  CHECK(viol < 1e-12, "a random start ends in the gauge (layer means %g)", viol);
  hf_fields_free(&x), hf_fields_free(&g), hf_fields_free(&v);
  hf_engine_free(eng);
  hf_model_free(&m);
}

int main(int argc, char **argv) {
  (void)argc, (void)argv;
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){3, 3, 3}, &err), err);
  hf_model m;
  REQUIRE_OK(build(&m, b, &err), err);
  hf_engine *eng;
  hf_engine_opts eo = {.pressure = p};
  REQUIRE_OK(hf_engine_create(&eng, &m, &lat, &eo, &err), err);
  hf_fields x, g, v;
  const unsigned mask = hf_engine_field_mask(eng);
  REQUIRE_OK(hf_fields_alloc(&x, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&g, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&v, &lat, mask, &err), err);
  hf_relax_opts o;
  hf_relax_opts_default(&o);
  o.ftol = 1e-9;
  o.max_steps = 20000;
  hf_relax_result res;

  /* 1. closed forms */
  const double pV0 = p * HF_GPA_A3 * m.a0 * m.a0 * m.a0;
  const double u2 = (-a + B * pV0 / (2 * c)) / (2 * b - B * B / (2 * c));
  const double e12 = -pV0 / (2 * c), e3 = -(B * u2 + pV0) / (2 * c);
  o.strain = 1;
  start(&x, &lat);
  hf_relax(eng, &x, &g, &v, &o, &res);
  printf(
      "strain relaxed: %d steps, status %d, uz %.9f (closed form %.9f), eta %.3e %.3e %.3e "
      "(%.3e %.3e)\n",
      res.steps, res.status, mean_uz(&x, &lat), sqrt(u2), x.eta[0], x.eta[1], x.eta[2], e12, e3);
  CHECK(res.status == HF_RELAX_CONVERGED, "strain relaxed: converged (status %d)", res.status);
  CHECK_CLOSE(mean_uz(&x, &lat), sqrt(u2), 1e-6, 1, "uz with the strain relaxed");
  CHECK_CLOSE(x.eta[0], e12, 1e-7, 1, "eta1");
  CHECK_CLOSE(x.eta[1], e12, 1e-7, 1, "eta2");
  CHECK_CLOSE(x.eta[2], e3, 1e-7, 1, "eta3");
  CHECK(fabs(x.eta[3]) + fabs(x.eta[4]) + fabs(x.eta[5]) < 1e-9, "no shear");
  /* an epitaxial clamp: eta1 = eta2 = h held, the rest relaxed; along [100]
   * ux^2 = -(a + B h) / (2b), eta3 = -p V0 / (2c), no shear */
  const double h = 0.01, ux2 = -(a + B * h) / (2 * b);
  hf_fields_zero(&x, &lat);
  for (size_t i = 0; i < lat.n; i++) x.u[0][i] = 0.1;
  x.eta[0] = x.eta[1] = h;
  o.strain_fixed[0] = o.strain_fixed[1] = o.strain_fixed[5] = 1;
  hf_relax(eng, &x, &g, &v, &o, &res);
  printf(
      "in-plane strain held at %g: %d steps, ux %.9f (closed form %.9f), eta %.3e %.3e %.3e "
      "(eta3 %.3e)\n",
      h, res.steps, x.u[0][0], sqrt(ux2), x.eta[0], x.eta[1], x.eta[2], -pV0 / (2 * c));
  CHECK(res.status == HF_RELAX_CONVERGED, "clamped: converged (status %d)", res.status);
  CHECK(x.eta[0] == h && x.eta[1] == h && x.eta[5] == 0, "held strains unchanged bit for bit");
  CHECK_CLOSE(x.u[0][0], sqrt(ux2), 1e-6, 1, "ux under the clamp");
  CHECK_CLOSE(x.eta[2], -pV0 / (2 * c), 1e-7, 1, "eta3 under the clamp");
  o.strain_fixed[0] = o.strain_fixed[1] = o.strain_fixed[5] = 0;
  o.strain = 0;
  start(&x, &lat);
  hf_relax(eng, &x, &g, &v, &o, &res);
  printf("strain held: %d steps, uz %.9f (closed form %.9f)\n", res.steps, mean_uz(&x, &lat),
         sqrt(-a / (2 * b)));
  CHECK(res.status == HF_RELAX_CONVERGED, "strain held: converged");
  CHECK_CLOSE(mean_uz(&x, &lat), sqrt(-a / (2 * b)), 1e-6, 1, "uz with the strain held");
  CHECK(x.eta[2] == 0, "strain held: eta untouched");

  /* 2. the watch */
  watch_state ws = {&lat, 0.1, 0};
  o.strain = 1, o.watch = stop_at, o.watch_ctx = &ws, o.watch_every = 1;
  start(&x, &lat);
  hf_relax(eng, &x, &g, &v, &o, &res);
  printf("watched: stopped after %d steps at uz %.4f, largest step %.4g A\n", res.steps,
         mean_uz(&x, &lat), ws.step_max);
  CHECK(res.status == HF_RELAX_WATCHED && mean_uz(&x, &lat) > 0.3 &&
            mean_uz(&x, &lat) <= 0.3 + o.max_move,
        "the watch stops the relaxation within one step past uz = 0.3 (status %d, uz %g)",
        res.status, mean_uz(&x, &lat));
  CHECK(ws.step_max <= o.max_move * (1 + 1e-12), "a step of %g A, more than max_move %g",
        ws.step_max, o.max_move);
  hf_engine_free(eng);
  hf_model_free(&m);

  /* 3. unbounded */
  REQUIRE_OK(build(&m, -0.2, &err), err);
  REQUIRE_OK(hf_engine_create(&eng, &m, &lat, &eo, &err), err);
  o.watch = NULL;
  start(&x, &lat);
  hf_relax(eng, &x, &g, &v, &o, &res);
  printf("unbounded: status %d after %d steps\n", res.status, res.steps);
  CHECK(res.status == HF_RELAX_RUNAWAY, "an unbounded model runs away (status %d)", res.status);
  hf_engine_free(eng);
  hf_model_free(&m);
  hf_fields_free(&x), hf_fields_free(&g), hf_fields_free(&v);
  omega_gauge();
  return check_done("relax");
}
