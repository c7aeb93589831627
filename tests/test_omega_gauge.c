/* test_omega_gauge.c - the Eq. 2 gauge of omega (heff/omega_gauge.h):
 *  1. the projection leaves every oxygen where Eq. 1 puts it (computed here
 *     bond by bond), removes exactly a function of each layer, and leaves
 *     zero layer means, on odd and even edges;
 *  2. sampling in the gauge, on E = kappa sum_i |omega_i|^2 in a 2x2x2 cell:
 *     each component has 8 - 2 = 6 free directions, so the exact
 *     <omega_a^2> per cell is (6/8) kT/(2 kappa) (without the gauge: kT/(2
 *     kappa)), for Langevin MD (with the kinetic temperature, which counts
 *     the gauge's 6 fewer degrees of freedom), Metropolis (pair moves) and
 *     hybrid Monte Carlo; a start out of the gauge enters it, and the
 *     samplers keep it to round-off.
 * Units: eV, rad, amu Angstrom^2, fs, K. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dynamics.h"
#include "engine.h"
#include "hmc.h"
#include "metropolis.h"
#include "omega_gauge.h"
#include "testmodels.h"

static const double KAPPA = 1.0; /* eV/rad^2 */

/* Displacement of the oxygen between B sites i and i + e_d by Eq. 1 (a0 = 1):
 * (1/2) e_d x (omega_i - omega_j) (the sign convention does not matter here). */
static void oxygen(const hf_lattice *lat, double *const w[3], int x, int y, int z, int d,
                   double out[3]) {
  int c[3] = {x, y, z};
  size_t i = hf_index(lat, x, y, z);
  c[d] = (c[d] + 1) % lat->L[d];
  size_t j = hf_index(lat, c[0], c[1], c[2]);
  double dw[3] = {w[0][i] - w[0][j], w[1][i] - w[1][j], w[2][i] - w[2][j]};
  double e[3] = {0, 0, 0};
  e[d] = 0.5;
  out[0] = e[1] * dw[2] - e[2] * dw[1];
  out[1] = e[2] * dw[0] - e[0] * dw[2];
  out[2] = e[0] * dw[1] - e[1] * dw[0];
}

static int projection(const int L[3]) {
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, L, &err), err);
  hf_fields x, p;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_W, &err), err);
  REQUIRE_OK(hf_fields_alloc(&p, &lat, HF_FIELD_W, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 11);
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat.n; i++) x.w[a][i] = 0.3 * (2 * hf_rng_uniform(&r) - 1) + 0.1 * a;
  hf_fields_copy(&p, &x, &lat);
  hf_comm self;
  hf_comm_init_serial(&self);
  double *work = malloc(hf_omega_gauge_work(&lat) * sizeof *work);
  double *w[3] = {p.w[0], p.w[1], p.w[2]};
  const double before = hf_omega_gauge_violation(&lat, &self, (const double *const *)w, work);
  hf_omega_gauge_project(&lat, &self, w, work);
  const double after = hf_omega_gauge_violation(&lat, &self, (const double *const *)w, work);
  double moved = 0, layer = 0;
  for (int cx = 0; cx < L[0]; cx++)
    for (int cy = 0; cy < L[1]; cy++)
      for (int cz = 0; cz < L[2]; cz++) {
        for (int d = 0; d < 3; d++) {
          double o1[3], o2[3];
          oxygen(&lat, x.w, cx, cy, cz, d, o1);
          oxygen(&lat, p.w, cx, cy, cz, d, o2);
          for (int k = 0; k < 3; k++) moved = fmax(moved, fabs(o1[k] - o2[k]));
        }
        /* what was removed from omega_a depends on n_a alone: compare with
         * the cell of the same n_a at the origin of the other two axes */
        const int c[3] = {cx, cy, cz};
        for (int a = 0; a < 3; a++) {
          int c0[3] = {0, 0, 0};
          c0[a] = c[a];
          size_t i = hf_index(&lat, cx, cy, cz), j = hf_index(&lat, c0[0], c0[1], c0[2]);
          layer = fmax(layer, fabs((x.w[a][i] - p.w[a][i]) - (x.w[a][j] - p.w[a][j])));
        }
      }
  printf(
      "%dx%dx%d: layer means %.2g -> %.2g rad; oxygens moved by %.2g; removed part off a "
      "layer function by %.2g\n",
      L[0], L[1], L[2], before, after, moved, layer);
  CHECK(before > 0.01, "the random start is out of the gauge (%.3g)", before);
  CHECK(after < 1e-15, "layer means after the projection %.3g", after);
  CHECK(moved < 1e-15, "the projection moved an oxygen by %.3g", moved);
  CHECK(layer < 1e-15, "the removed part is a function of the layer (%.3g)", layer);
  free(work);
  hf_fields_free(&x);
  hf_fields_free(&p);
  return 0;
}

static int harmonic(hf_model *m, hf_err *err) {
  return testmodel_one_term(m, "omega-harmonic", 2, 64.0, "kappa_w", KAPPA, "wx^2+wy^2+wz^2",
                            HF_SYM_NONE, err);
}

/* Mean of omega_a^2 per cell and component, and the layer means. */
static double mean_w2(const hf_fields *x, const hf_lattice *lat) {
  double s = 0;
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat->n; i++) s += x->w[a][i] * x->w[a][i];
  return s / (3.0 * (double)lat->n);
}

static double violation(const hf_fields *x, const hf_lattice *lat) {
  hf_comm self;
  hf_comm_init_serial(&self);
  double work[64];
  const double *w[3] = {x->w[0], x->w[1], x->w[2]};
  return hf_omega_gauge_violation(lat, &self, w, work);
}

static void out_of_gauge(hf_fields *x, const hf_lattice *lat) {
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat->n; i++) x->w[a][i] = 0.2 + 0.05 * a + 0.01 * (double)(i % 3);
}

static int sampling(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(harmonic(&m, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (const int[3]){2, 2, 2}, &err), err);
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, NULL, &err), err);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
  const double T = 300, kT = HF_KB * T;
  const double exact = 6.0 / 8.0 * kT / (2 * KAPPA), free_ = kT / (2 * KAPPA);
  hf_rng r;
  hf_rng_seed(&r, 5);

  /* Langevin MD */
  out_of_gauge(&x, &lat);
  hf_dyn_opts o;
  hf_dyn_opts_default(&o);
  o.dt = 5.0;
  o.friction = 0.05;
  o.temperature = T;
  hf_dyn *d;
  REQUIRE_OK(hf_dyn_create(&d, e, &x, &o, &err), err);
  CHECK(hf_dyn_ndof(d) == 24 - 6, "degrees of freedom %g (24 components, 6 layer sums)",
        hf_dyn_ndof(d));
  hf_dyn_randomize_velocities(d, T, &r);
  double worst = violation(&x, &lat), s2 = 0, kin = 0;
  const long n = 60000, burn = 2000;
  for (long s = 0; s < n + burn; s++) {
    hf_dyn_step(d, &r);
    if (s < burn) continue;
    s2 += mean_w2(&x, &lat);
    kin += hf_dyn_kinetic(d);
    if (s % 1000 == 0) worst = fmax(worst, violation(&x, &lat));
  }
  s2 /= (double)n;
  const double Tkin = 2 * kin / (double)n / (hf_dyn_ndof(d) * HF_KB);
  printf(
      "Langevin MD: <w_a^2> %.5f rad^2, exact in the gauge %.5f (without: %.5f); kinetic T "
      "%.1f K; largest layer mean %.2g\n",
      s2, exact, free_, Tkin, worst);
  CHECK_CLOSE(s2, exact, 0.03, 0, "Langevin <w_a^2> in the gauge");
  CHECK_CLOSE(Tkin, T, 0.02, 0, "Langevin kinetic temperature with the gauge's dof");
  CHECK(worst < 1e-12, "Langevin MD left the gauge (%.3g)", worst);
  hf_dyn_free(d);

  /* Metropolis pair moves */
  out_of_gauge(&x, &lat);
  hf_mc *mc;
  REQUIRE_OK(hf_mc_create(&mc, e, &x, NULL, &err), err);
  s2 = 0;
  worst = 0;
  const long sweeps = 40000;
  for (long s = 0; s < sweeps + 2000; s++) {
    hf_mc_sweep(mc, T, &r);
    if (s < 2000) {
      if (s % 50 == 49) hf_mc_adapt(mc);
      continue;
    }
    s2 += mean_w2(&x, &lat);
    if (s % 1000 == 0) worst = fmax(worst, violation(&x, &lat));
  }
  s2 /= (double)sweeps;
  hf_energy E;
  hf_engine_eval(e, &x, NULL, NULL, &E);
  printf(
      "Metropolis: <w_a^2> %.5f rad^2 (exact %.5f); largest layer mean %.2g; tracked energy "
      "%.9f, evaluated %.9f eV\n",
      s2, exact, worst, hf_mc_energy(mc), E.total);
  CHECK_CLOSE(s2, exact, 0.03, 0, "Metropolis <w_a^2> in the gauge");
  CHECK(worst < 1e-12, "Metropolis left the gauge (%.3g)", worst);
  CHECK_CLOSE(hf_mc_energy(mc), E.total, 1e-9, 1e-9, "Metropolis tracked energy");
  hf_mc_free(mc);

  /* hybrid Monte Carlo */
  out_of_gauge(&x, &lat);
  hf_hmc_opts ho;
  hf_hmc_opts_default(&ho);
  ho.n_steps = 10;
  ho.dt = 20.0;
  hf_hmc *h;
  REQUIRE_OK(hf_hmc_create(&h, e, &x, &ho, &err), err);
  s2 = 0;
  worst = 0;
  long acc = 0;
  const long traj = 20000;
  for (long s = 0; s < traj + 500; s++) {
    int a = hf_hmc_sweep(h, T, &r);
    if (s < 500) {
      if (s % 20 == 19) hf_hmc_adapt(h);
      continue;
    }
    acc += a;
    s2 += mean_w2(&x, &lat);
    if (s % 1000 == 0) worst = fmax(worst, violation(&x, &lat));
  }
  s2 /= (double)traj;
  printf("HMC: <w_a^2> %.5f rad^2 (exact %.5f); acceptance %.2f; largest layer mean %.2g\n", s2,
         exact, (double)acc / (double)traj, worst);
  CHECK_CLOSE(s2, exact, 0.03, 0, "HMC <w_a^2> in the gauge");
  CHECK(worst < 1e-12, "HMC left the gauge (%.3g)", worst);
  hf_hmc_free(h);

  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

int main(void) {
  if (projection((const int[3]){3, 4, 5}) || projection((const int[3]){4, 4, 2}) || sampling())
    return 1;
  return check_done("test_omega_gauge");
}
