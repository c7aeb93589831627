/* test_depolarization.c - open-circuit electrical boundary conditions
 * (hf_engine_set_depolarization):
 *  1. closed form: with beta = (0, 0.5, 1) the energy grows by
 *     sum_a beta_a (Z* S_a)^2 e^2 / (2 eps0 eps_inf V), S_a = sum_i u_ia, on a
 *     model with the dipole sum and strain (kitchen-sink test model);
 *  2. its forces and its strain derivative against central finite differences;
 *  3. exact sampling: on independent harmonic modes E = kappa sum |u|^2 the
 *     depolarization couples only the uniform mode, so
 *     <S_a^2> = N kT / (2 kappa + N k_a), k_a = beta_a e^2 Z*^2 / (eps0 eps_inf V),
 *     which Metropolis MC (with the field term too: <S_a> = N Z* E_a / (2 kappa + N k_a))
 *     and Langevin MD must reproduce within 4 block-averaged standard errors;
 *     the energy Metropolis tracks equals a fresh evaluation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dynamics.h"
#include "metropolis.h"
#include "testmodels.h"

#define E2_EPS0 180.9512818 /* e^2 / (eps0 Angstrom), eV (CODATA 2018): an independent copy */

static double usum(const hf_fields *x, const hf_lattice *lat, int a) {
  double s = 0;
  for (size_t i = 0; i < lat->n; i++) s += x->u[a][i];
  return s;
}

static double total(hf_engine *e, const hf_fields *x) {
  hf_energy E;
  hf_engine_eval(e, x, NULL, NULL, &E);
  return E.total;
}

static int test_closed_form_and_gradients(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){4, 4, 6}, &err), err);
  hf_engine_opts eo = {0};
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, &eo, &err), err);
  hf_fields x, g0, g1;
  unsigned mask = hf_engine_field_mask(e);
  REQUIRE_OK(hf_fields_alloc(&x, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&g0, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&g1, &lat, mask, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 4);
  for (int c = 0; c < 9; c++) {
    double *a = hf_fields_comp(&x, c);
    for (size_t i = 0; a && i < lat.n; i++) a[i] = 0.05 * hf_rng_normal(&r) + (c == 2 ? 0.1 : 0);
  }
  if (x.sigma)
    for (size_t i = 0; i < lat.n; i++) x.sigma[i] = hf_rng_uniform(&r) < 0.3;
  const double eta[6] = {0.01, -0.004, 0.006, 0.002, -0.001, 0.003};
  memcpy(x.eta, eta, sizeof eta);
  const double beta[3] = {0, 0.5, 1};
  hf_energy E0, E1;
  double d0[6], d1[6];
  hf_engine_eval(e, &x, &g0, d0, &E0);
  hf_engine_set_depolarization(e, beta);
  hf_engine_eval(e, &x, &g1, d1, &E1);
  const double V = (double)lat.n * pow(m.a0, 3) * (1 + eta[0] + eta[1] + eta[2]);
  double want = 0;
  for (int a = 0; a < 3; a++)
    want += beta[a] * pow(m.zstar * usum(&x, &lat, a), 2) * E2_EPS0 / (2 * m.eps_inf * V);
  printf("depolarization energy %.10f eV, closed form %.10f eV\n", E1.total - E0.total, want);
  CHECK_CLOSE(E1.total - E0.total, want, 1e-10, 1e-6, "depolarization energy");

  /* forces: central differences of the total energy along a few u components */
  const double h = 1e-5;
  double worst = 0;
  for (int k = 0; k < 12; k++) {
    int c = k % 3;
    size_t i = (size_t)(hf_rng_uniform(&r) * (double)lat.n);
    double keep = x.u[c][i];
    x.u[c][i] = keep + h;
    double ep = total(e, &x);
    x.u[c][i] = keep - h;
    double em = total(e, &x);
    x.u[c][i] = keep;
    double fd = (ep - em) / (2 * h), an = g1.u[c][i];
    worst = fmax(worst, fabs(fd - an) / fmax(fabs(an), 1e-3));
  }
  printf("forces with depolarization vs finite differences: worst relative %.2e\n", worst);
  CHECK(worst < 1e-6, "forces: worst relative difference %.3e", worst);
  /* strain derivative, the depolarization part alone (the rest is tested elsewhere) */
  worst = 0;
  for (int l = 0; l < 6; l++) {
    double keep = x.eta[l], ed[2];
    for (int s = 0; s < 2; s++) {
      x.eta[l] = keep + (s ? -h : h);
      double eb = total(e, &x);
      hf_engine_set_depolarization(e, (double[3]){0, 0, 0});
      ed[s] = eb - total(e, &x);
      hf_engine_set_depolarization(e, beta);
    }
    x.eta[l] = keep;
    double fd = (ed[0] - ed[1]) / (2 * h), an = d1[l] - d0[l];
    worst = fmax(worst, fabs(fd - an) / fmax(fabs(an), 1e-3));
  }
  printf("strain derivative of the depolarization energy vs finite differences: worst %.2e\n",
         worst);
  CHECK(worst < 1e-6, "dE/deta: worst relative difference %.3e", worst);
  hf_fields_free(&x);
  hf_fields_free(&g0);
  hf_fields_free(&g1);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

/* Samples S_a (mean and fluctuation) with MC (method 0) or Langevin MD (1). */
static int test_sampling(int method) {
  hf_err err;
  hf_model m;
  const double kappa = 2.0, T = 300, Ekv[3] = {0, 0, 400};
  REQUIRE_OK(testmodel_harmonic(&m, kappa, 40.0, &err), err);
  m.zstar = 10.0;
  m.eps_inf = 5.0;
  m.a0 = 4.0;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){6, 6, 6}, &err), err);
  hf_engine_opts eo = {0};
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, &eo, &err), err);
  const double beta[3] = {0, 0.2, 1};
  hf_engine_set_depolarization(e, beta);
  hf_engine_set_field(e, Ekv);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U, &err), err);
  const double N = (double)lat.n, V = N * 64.0, kT = HF_KB * T;
  hf_rng r;
  hf_rng_seed(&r, 99 + method);
  hf_mc *mc = NULL;
  hf_dyn *d = NULL;
  if (method == 0) {
    hf_mc_opts o;
    hf_mc_opts_default(&o);
    REQUIRE_OK(hf_mc_create(&mc, e, &x, &o, &err), err);
  } else {
    hf_dyn_opts o;
    hf_dyn_opts_default(&o);
    o.temperature = T;
    o.dt = 2.0;
    o.thermostat = HF_THERMO_LANGEVIN;
    o.friction = 0.02;
    o.barostat = 0;
    REQUIRE_OK(hf_dyn_create(&d, e, &x, &o, &err), err);
    hf_dyn_randomize_velocities(d, T, &r);
  }
  const int nsamp = 8000, every = method ? 10 : 1;
  double *s[3][2];
  for (int a = 0; a < 3; a++)
    for (int k = 0; k < 2; k++) s[a][k] = malloc(nsamp * sizeof(double));
  for (int t = 0; t < 400 * every; t++) {
    if (mc) {
      hf_mc_sweep(mc, T, &r);
      if (t % 10 == 9 && t < 300) hf_mc_adapt(mc);
    } else {
      hf_dyn_step(d, &r);
    }
  }
  for (int n = 0; n < nsamp; n++) {
    for (int t = 0; t < every; t++) mc ? hf_mc_sweep(mc, T, &r) : hf_dyn_step(d, &r);
    for (int a = 0; a < 3; a++) {
      s[a][0][n] = usum(&x, &lat, a);
      s[a][1][n] = s[a][0][n] * s[a][0][n];
    }
  }
  const char *name = method ? "Langevin MD" : "Metropolis MC";
  for (int a = 0; a < 3; a++) {
    double ka = beta[a] * E2_EPS0 * m.zstar * m.zstar / (m.eps_inf * V);
    double mean_exact = N * m.zstar * Ekv[a] * 1e-5 / (2 * kappa + N * ka);
    double var_exact = N * kT / (2 * kappa + N * ka);
    double mu, mu_se, s2, s2_se;
    check_block_average(s[a][0], nsamp, 40, &mu, &mu_se);
    check_block_average(s[a][1], nsamp, 40, &s2, &s2_se);
    double want2 = var_exact + mean_exact * mean_exact;
    printf(
        "%s, axis %c (beta %.1f): <S> %.4f +- %.4f (exact %.4f), <S^2> %.4f +- %.4f (exact "
        "%.4f; %.4f without depolarization)\n",
        name, "xyz"[a], beta[a], mu, mu_se, mean_exact, s2, s2_se, want2,
        N * kT / (2 * kappa) + pow(N * m.zstar * Ekv[a] * 1e-5 / (2 * kappa), 2));
    CHECK(fabs(mu - mean_exact) < 4 * mu_se + 1e-12, "%s axis %d: <S> %.5f vs %.5f (se %.5f)", name,
          a, mu, mean_exact, mu_se);
    CHECK(fabs(s2 - want2) < 4 * s2_se, "%s axis %d: <S^2> %.5f vs %.5f (se %.5f)", name, a, s2,
          want2, s2_se);
  }
  if (mc) {
    hf_energy E;
    hf_engine_eval(e, &x, NULL, NULL, &E);
    printf("Metropolis tracked energy %.10f eV, evaluated %.10f eV\n", hf_mc_energy(mc), E.total);
    CHECK_CLOSE(hf_mc_energy(mc), E.total, 1e-9, 1e-3, "tracked vs evaluated energy");
  }
  for (int a = 0; a < 3; a++)
    for (int k = 0; k < 2; k++) free(s[a][k]);
  hf_mc_free(mc);
  hf_dyn_free(d);
  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

int main(void) {
  int rc = test_closed_form_and_gradients() | test_sampling(0) | test_sampling(1);
  return rc ? 1 : check_done("test_depolarization");
}
