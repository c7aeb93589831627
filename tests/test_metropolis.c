/* test_metropolis.c - single-site Metropolis Monte Carlo (metropolis.c):
 *  1. the incrementally tracked energy equals hf_engine_eval's energy after
 *     many sweeps of the kitchen-sink model (every term class, dipole,
 *     strain moves, pressure): the local energy differences are exact; also
 *     on small supercells (1x1x1, 3x1x4, 3x3x3) where offsets wrap;
 *  2. harmonic model E = kappa sum |u|^2: <u_a^2> = kT/(2 kappa);
 *  3. harmonic + nearest-neighbour couplings + dipole: <u_a^2> =
 *     (kT/N) sum_k [D(k)^-1]_aa with D built here independently (Ewald kernel
 *     of ewald.h plus the analytic short-range sums);
 *  4. the same seed gives the same final configuration and counters.
 * Statistical checks: block averages, |MC - exact| <= 4 standard errors and
 * <= 3%.  "--bench" also times sweeps of the kitchen-sink model on 12^3. */
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "engine.h"
#include "ewald.h"
#include "metropolis.h"
#include "testconfig.h"
#include "testmodels.h"
#include "wall_clock.h"

static double eval_total(hf_engine *e, const hf_fields *x) {
  hf_energy E;
  hf_engine_eval(e, x, NULL, NULL, &E);
  return E.total;
}

/* Mean of u_a^2 over cells and components. */
static double mean_u2(const hf_fields *x, const hf_lattice *lat) {
  double s = 0;
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat->n; i++) s += x->u[a][i] * x->u[a][i];
  return s / (3.0 * (double)lat->n);
}

/* Thermalises (adapting steps), then samples mean_u2 once per sweep and
 * compares with exact. */
static void sample_u2(hf_engine *e, hf_fields *x, const hf_lattice *lat, double T, double exact,
                      uint64_t seed, int nsweep, const char *what) {
  hf_err err;
  hf_mc_opts o;
  hf_mc_opts_default(&o);
  hf_mc *mc;
  if (hf_mc_create(&mc, e, x, &o, &err)) {
    CHECK(0, "%s: hf_mc_create: %s", what, err.msg);
    return;
  }
  hf_rng r;
  hf_rng_seed(&r, seed);
  for (int s = 0; s < 300; s++) {
    hf_mc_sweep(mc, T, &r);
    if (s % 10 == 9 && s < 200) hf_mc_adapt(mc);
  }
  hf_mc_stats st0, st;
  hf_mc_get_stats(mc, &st0);
  double *samp = malloc((size_t)nsweep * sizeof *samp);
  for (int s = 0; s < nsweep; s++) {
    hf_mc_sweep(mc, T, &r);
    samp[s] = mean_u2(x, lat);
  }
  hf_mc_get_stats(mc, &st);
  double mean, se;
  check_block_average(samp, nsweep, 50, &mean, &se);
  double acc = (double)(st.accepted[HF_MC_U] - st0.accepted[HF_MC_U]) /
               (double)(st.trials[HF_MC_U] - st0.trials[HF_MC_U]);
  printf(
      "%s: <u_a^2> MC %.6e +- %.2e (%.2f%%), exact %.6e, diff %.2f sigma, %.2f%%; step %.4f "
      "A, acceptance %.3f\n",
      what, mean, se, 100 * se / mean, exact, (mean - exact) / se, 100 * (mean - exact) / exact,
      st.step[0], acc);
  CHECK(fabs(mean - exact) <= 4 * se, "%s: |MC - exact| = %.3e > 4 sigma = %.3e", what,
        fabs(mean - exact), 4 * se);
  CHECK(fabs(mean - exact) <= 0.03 * exact, "%s: |MC - exact| = %.3e > 3%% of %.3e", what,
        fabs(mean - exact), exact);
  CHECK(fabs(acc - o.target_accept) < 0.1, "%s: acceptance %.3f far from target %.2f", what, acc,
        o.target_accept);
  {
    double et = hf_mc_energy(mc), ee = eval_total(e, x);
    printf("%s: tracked energy %.12f eV, hf_engine_eval %.12f eV\n", what, et, ee);
    CHECK_CLOSE(et, ee, 1e-9, 1e-3, "tracked vs evaluated energy");
  }
  free(samp);
  hf_mc_free(mc);
}

/* ---------------------------------------------------------------- test 1 */

static int test_exact_energy(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){4, 4, 4}, &err), err);
  hf_engine *e;
  hf_engine_opts eo = {.pressure = -4.8, .fftw_flags = FFTW_ESTIMATE};
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, &eo, &err), err);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
  hf_rng r;
  hf_rng_seed(&r, 2024);
  testconfig_random(&x, &lat, &r, 0.1, 0.02, 0.05, 0.003);
  hf_mc_opts o;
  hf_mc_opts_default(&o);
  o.strain_moves = 1;
  hf_mc *mc;
  REQUIRE_OK(hf_mc_create(&mc, e, &x, &o, &err), err);
  printf("kitchen sink 4x4x4: initial energy tracked %.12f eV, evaluated %.12f eV\n",
         hf_mc_energy(mc), eval_total(e, &x));
  const int checkpoints[3] = {20, 100, 400};
  int done = 0;
  for (int c = 0; c < 3; c++) {
    for (; done < checkpoints[c]; done++) {
      hf_mc_sweep(mc, 300.0, &r);
      if (done % 10 == 9 && done < 100) hf_mc_adapt(mc);
    }
    double et = hf_mc_energy(mc), ee = eval_total(e, &x);
    printf("after %3d sweeps: tracked %.12f eV, evaluated %.12f eV, rel diff %.2e\n", done, et, ee,
           fabs(et - ee) / fabs(ee));
    char label[64];
    snprintf(label, sizeof label, "tracked energy after %d sweeps", done);
    CHECK_CLOSE(et, ee, 1e-9, 1e-3, label);
  }
  hf_mc_stats st;
  hf_mc_get_stats(mc, &st);
  static const char *nm[4] = {"u", "v", "w", "strain"};
  for (int k = 0; k < 4; k++) {
    double acc = st.trials[k] ? (double)st.accepted[k] / (double)st.trials[k] : 0;
    printf("  %-6s trials %8llu accepted %8llu (%.3f), step %.5g\n", nm[k],
           (unsigned long long)st.trials[k], (unsigned long long)st.accepted[k], acc,
           k < 3 ? st.step[k] : st.strain_step);
    CHECK(st.accepted[k] > 0 && st.accepted[k] < st.trials[k], "%s: %llu of %llu accepted", nm[k],
          (unsigned long long)st.accepted[k], (unsigned long long)st.trials[k]);
  }
  CHECK(st.trials[HF_MC_U] == 400 * lat.n && st.trials[HF_MC_STRAIN] == 400 * 6,
        "trial counts %llu u, %llu strain", (unsigned long long)st.trials[HF_MC_U],
        (unsigned long long)st.trials[HF_MC_STRAIN]);
  printf("eta after sampling: %.5f %.5f %.5f %.5f %.5f %.5f\n", x.eta[0], x.eta[1], x.eta[2],
         x.eta[3], x.eta[4], x.eta[5]);
  /* T = 0: only downhill moves; the energy must not increase */
  double e0 = hf_mc_energy(mc);
  for (int s = 0; s < 10; s++) hf_mc_sweep(mc, 0.0, &r);
  double e1 = hf_mc_energy(mc), ee = eval_total(e, &x);
  printf("T = 0: energy %.9f -> %.9f eV (evaluated %.9f)\n", e0, e1, ee);
  CHECK(e1 <= e0, "T = 0 raised the energy: %.9f -> %.9f", e0, e1);
  CHECK_CLOSE(e1, ee, 1e-9, 1e-3, "tracked energy after T = 0 sweeps");
  /* changing x outside, then refresh */
  x.u[0][5] += 0.1;
  x.v[1][7] -= 0.02;
  hf_mc_refresh(mc);
  for (int s = 0; s < 20; s++) hf_mc_sweep(mc, 300.0, &r);
  double et = hf_mc_energy(mc);
  ee = eval_total(e, &x);
  printf("after refresh + 20 sweeps: tracked %.12f eV, evaluated %.12f eV\n", et, ee);
  CHECK_CLOSE(et, ee, 1e-9, 1e-3, "tracked energy after refresh");
  hf_mc_free(mc);
  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

/* Small supercells, where distinct offsets of one monomial reach the same
 * cell (L = 1 along an axis, or L = 3 with the local strain stencil). */
static int test_small_cells(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  const int sizes[3][3] = {{1, 1, 1}, {3, 1, 4}, {3, 3, 3}};
  for (int c = 0; c < 3; c++) {
    hf_lattice lat;
    REQUIRE_OK(hf_lattice_init(&lat, sizes[c], &err), err);
    hf_engine *e;
    REQUIRE_OK(hf_engine_create(&e, &m, &lat, NULL, &err), err);
    hf_fields x;
    REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
    hf_rng r;
    hf_rng_seed(&r, 3 + (uint64_t)c);
    testconfig_random(&x, &lat, &r, 0.1, 0.02, 0.05, 0.003);
    hf_mc_opts o;
    hf_mc_opts_default(&o);
    o.strain_moves = 1;
    hf_mc *mc;
    REQUIRE_OK(hf_mc_create(&mc, e, &x, &o, &err), err);
    for (int s = 0; s < 200; s++) {
      hf_mc_sweep(mc, 300.0, &r);
      if (s % 10 == 9 && s < 100) hf_mc_adapt(mc);
    }
    double et = hf_mc_energy(mc), ee = eval_total(e, &x);
    char label[96];
    snprintf(label, sizeof label, "%dx%dx%d: tracked energy after 200 sweeps", lat.L[0], lat.L[1],
             lat.L[2]);
    printf("%s: %.12f eV, evaluated %.12f eV\n", label, et, ee);
    CHECK_CLOSE(et, ee, 1e-9, 1e-3, label);
    hf_mc_free(mc);
    hf_fields_free(&x);
    hf_engine_free(e);
  }
  hf_model_free(&m);
  return 0;
}

/* ---------------------------------------------------------------- test 2 */

static int test_harmonic(void) {
  hf_err err;
  hf_model m;
  const double kappa = 1.5, T = 300.0;
  REQUIRE_OK(testmodel_harmonic(&m, kappa, 40.0, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){6, 6, 6}, &err), err);
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, NULL, &err), err);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
  sample_u2(e, &x, &lat, T, HF_KB * T / (2 * kappa), 11, 4000, "harmonic 6x6x6");
  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

/* ---------------------------------------------------------------- test 3 */

/* Inverse diagonal of a symmetric 3x3 (xx,yy,zz,yz,zx,xy); returns det. */
static double inv_diag(const double *d, double out[3]) {
  double xx = d[0], yy = d[1], zz = d[2], yz = d[3], zx = d[4], xy = d[5];
  double c0 = yy * zz - yz * yz, c1 = xx * zz - zx * zx, c2 = xx * yy - xy * xy;
  double det = xx * c0 - xy * (xy * zz - yz * zx) + zx * (xy * yz - yy * zx);
  out[0] = c0 / det;
  out[1] = c1 / det;
  out[2] = c2 / det;
  return det;
}

/* Smallest eigenvalue of a symmetric 3x3 (trigonometric formula). */
static double min_eig(const double *d) {
  double a[3][3] = {{d[0], d[5], d[4]}, {d[5], d[1], d[3]}, {d[4], d[3], d[2]}};
  double p1 = d[3] * d[3] + d[4] * d[4] + d[5] * d[5];
  double q = (d[0] + d[1] + d[2]) / 3;
  double p2 = (d[0] - q) * (d[0] - q) + (d[1] - q) * (d[1] - q) + (d[2] - q) * (d[2] - q) + 2 * p1;
  double p = sqrt(p2 / 6);
  if (p == 0) return q;
  double b[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) b[i][j] = (a[i][j] - (i == j ? q : 0)) / p;
  double detb = b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
                b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
                b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
  double rr = fmax(-1.0, fmin(1.0, detb / 2));
  double phi = acos(rr) / 3;
  return q + 2 * p * cos(phi + 2 * M_PI / 3);
}

static int test_coupled(void) {
  hf_err err;
  hf_model m;
  const double kappa = 1.5, J2 = 0.2, J5 = 0.1, T = 300.0;
  REQUIRE_OK(testmodel_harmonic(&m, kappa, 40.0, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "j2", J2, "ux*ux[1,0,0]+uy*uy[0,1,0]+uz*uz[0,0,1]", 0, &err),
             err);
  REQUIRE_OK(hf_model_add_term(&m, "j5", J5, "ux*uy[1,1,0]", HF_SYM_ORBIT, &err), err);
  m.dipole = 1;
  m.zstar = 2.5;
  m.eps_inf = 5.0;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){6, 6, 6}, &err), err);
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, NULL, &err), err);

  /* D(k) built here: Ewald dipole kernel + 2 kappa + 2 J2 cos k_a (diagonal)
   * - 4 J5 sin k_a sin k_b (off-diagonal) */
  double *D = malloc(6 * lat.nk * sizeof *D);
  REQUIRE_OK(hf_dipole_kernel(&lat, m.a0, D, &err), err);
  const double pref = HF_COULOMB * m.zstar * m.zstar / m.eps_inf;
  const double *De = hf_engine_kspace_matrix(e);
  double dmax = 0, demax = 0, lmin = INFINITY, sum = 0;
  const int nzh = lat.L[2] / 2 + 1;
  for (size_t q = 0; q < lat.nk; q++) {
    int mk[3];
    hf_kpoint(&lat, q, mk);
    double c[3], s[3];
    for (int k = 0; k < 3; k++) {
      c[k] = cos(2 * M_PI * mk[k] / lat.L[k]);
      s[k] = sin(2 * M_PI * mk[k] / lat.L[k]);
    }
    double *d = D + 6 * q;
    for (int k = 0; k < 6; k++) d[k] *= pref;
    for (int a = 0; a < 3; a++) d[a] += 2 * kappa + 2 * J2 * c[a];
    d[3] += -4 * J5 * s[1] * s[2];
    d[4] += -4 * J5 * s[2] * s[0];
    d[5] += -4 * J5 * s[0] * s[1];
    for (int k = 0; k < 6; k++) {
      dmax = fmax(dmax, fabs(d[k]));
      demax = fmax(demax, fabs(d[k] - De[6 * q + k]));
    }
    lmin = fmin(lmin, min_eig(d));
    int kz = (int)(q % (size_t)nzh);
    double w = (kz == 0 || (lat.L[2] % 2 == 0 && kz == nzh - 1)) ? 1.0 : 2.0;
    double id[3];
    inv_diag(d, id);
    sum += w * (id[0] + id[1] + id[2]) / 3;
  }
  printf("coupled: independent D(k) vs engine: max |diff| %.3e (max |D| %.4f eV/A^2)\n", demax,
         dmax);
  CHECK(demax <= 1e-12 * dmax, "independent D(k) differs from the engine's by %.3e", demax);
  printf("coupled: smallest eigenvalue of D(k) %.4f eV/A^2 (2 kappa = %.2f)\n", lmin, 2 * kappa);
  CHECK(lmin > 0.2, "D(k) not positive definite enough: min eigenvalue %.4f", lmin);
  double exact = HF_KB * T * sum / (double)lat.n;
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
  sample_u2(e, &x, &lat, T, exact, 12, 4000, "harmonic + j2 + j5 + dipole 6x6x6");
  printf("  (uncoupled value kT/2kappa = %.6e)\n", HF_KB * T / (2 * kappa));
  free(D);
  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

/* ---------------------------------------------------------------- test 4 */

static int run_seeded(hf_engine *e, hf_fields *x, const hf_lattice *lat, uint64_t seed,
                      hf_mc_stats *st) {
  hf_err err;
  hf_rng r;
  hf_rng_seed(&r, 99);
  hf_fields_zero(x, lat);
  testconfig_random(x, lat, &r, 0.1, 0.02, 0.05, 0.003);
  hf_mc_opts o;
  hf_mc_opts_default(&o);
  o.strain_moves = 1;
  o.strain_free[3] = 0;
  hf_mc *mc;
  REQUIRE_OK(hf_mc_create(&mc, e, x, &o, &err), err);
  hf_rng_seed(&r, seed);
  for (int s = 0; s < 30; s++) {
    hf_mc_sweep(mc, 250.0, &r);
    if (s % 5 == 4) hf_mc_adapt(mc);
  }
  hf_mc_get_stats(mc, st);
  hf_mc_free(mc);
  return 0;
}

static int same_fields(const hf_fields *a, const hf_fields *b, const hf_lattice *lat) {
  for (int c = 0; c < 9; c++) {
    const double *p = hf_fields_comp(a, c), *q = hf_fields_comp(b, c);
    if ((p == NULL) != (q == NULL)) return 0;
    if (p && memcmp(p, q, lat->n * sizeof *p)) return 0;
  }
  if (a->sigma && memcmp(a->sigma, b->sigma, lat->n * sizeof *a->sigma)) return 0;
  return !memcmp(a->eta, b->eta, sizeof a->eta);
}

static int test_reproducible(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){3, 4, 5}, &err), err);
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, NULL, &err), err);
  hf_fields x1, x2, x3;
  unsigned mask = hf_engine_field_mask(e);
  REQUIRE_OK(hf_fields_alloc(&x1, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&x2, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&x3, &lat, mask, &err), err);
  hf_mc_stats s1, s2, s3;
  hf_rng r0;
  hf_rng_seed(&r0, 99);
  testconfig_random(&x3, &lat, &r0, 0.1, 0.02, 0.05, 0.003);
  const double eta4_0 = x3.eta[3];
  if (run_seeded(e, &x1, &lat, 7, &s1) || run_seeded(e, &x2, &lat, 7, &s2) ||
      run_seeded(e, &x3, &lat, 8, &s3))
    return 1;
  int same = same_fields(&x1, &x2, &lat) && !memcmp(&s1, &s2, sizeof s1);
  printf(
      "same seed: configurations and counters identical: %s (u accepted %llu / %llu, E %.12f "
      "/ %.12f eV)\n",
      same ? "yes" : "no", (unsigned long long)s1.accepted[0], (unsigned long long)s2.accepted[0],
      s1.energy, s2.energy);
  CHECK(same, "same seed gave different runs");
  int differ = !same_fields(&x1, &x3, &lat);
  printf("other seed: configurations differ: %s (u accepted %llu)\n", differ ? "yes" : "no",
         (unsigned long long)s3.accepted[0]);
  CHECK(differ, "a different seed gave the same run");
  printf("fixed eta4: %.9f before, %.9f after; strain trials %llu\n", eta4_0, x1.eta[3],
         (unsigned long long)s1.trials[HF_MC_STRAIN]);
  CHECK(x1.eta[3] == eta4_0 && s1.trials[HF_MC_STRAIN] == 30 * 5,
        "fixed strain component moved (eta4 = %g) or wrong strain trial count %llu", x1.eta[3],
        (unsigned long long)s1.trials[HF_MC_STRAIN]);
  CHECK_CLOSE(s1.energy, eval_total(e, &x1), 1e-9, 1e-3, "3x4x5 tracked energy");
  hf_fields_free(&x1);
  hf_fields_free(&x2);
  hf_fields_free(&x3);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

/* ----------------------------------------------------------------- bench */

static int bench(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){12, 12, 12}, &err), err);
  double t0 = hf_wall_seconds();
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, NULL, &err), err);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
  hf_rng r;
  hf_rng_seed(&r, 5);
  testconfig_random(&x, &lat, &r, 0.1, 0.02, 0.05, 0.003);
  hf_mc_opts o;
  hf_mc_opts_default(&o);
  o.strain_moves = 1;
  hf_mc *mc;
  double t1 = hf_wall_seconds();
  REQUIRE_OK(hf_mc_create(&mc, e, &x, &o, &err), err);
  double t2 = hf_wall_seconds();
  for (int s = 0; s < 20; s++) {
    hf_mc_sweep(mc, 300.0, &r);
    if (s % 5 == 4) hf_mc_adapt(mc);
  }
  const int ns = 20;
  double t3 = hf_wall_seconds();
  for (int s = 0; s < ns; s++) hf_mc_sweep(mc, 300.0, &r);
  double t4 = hf_wall_seconds();
  hf_energy E;
  double t5 = hf_wall_seconds();
  for (int s = 0; s < 10; s++) hf_engine_eval(e, &x, NULL, NULL, &E);
  double t6 = hf_wall_seconds();
  hf_mc_stats st;
  hf_mc_get_stats(mc, &st);
  printf(
      "bench 12^3 kitchen sink: engine %.2f s, hf_mc_create %.3f s, %.2f ms per sweep "
      "(u acceptance %.3f), hf_engine_eval %.2f ms\n",
      t1 - t0, t2 - t1, 1e3 * (t4 - t3) / ns, (double)st.accepted[0] / (double)st.trials[0],
      1e3 * (t6 - t5) / 10);
  CHECK_CLOSE(hf_mc_energy(mc), E.total, 1e-9, 1e-3, "12^3 tracked energy");
  hf_mc_free(mc);
  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

int main(int argc, char **argv) {
  double t0 = hf_wall_seconds();
  if (test_exact_energy() || test_small_cells()) return 1;
  double t1 = hf_wall_seconds();
  if (test_harmonic()) return 1;
  double t2 = hf_wall_seconds();
  if (test_coupled()) return 1;
  double t3 = hf_wall_seconds();
  if (test_reproducible()) return 1;
  double t4 = hf_wall_seconds();
  printf("times: exact energy %.1f s, harmonic %.1f s, coupled %.1f s, reproducibility %.1f s\n",
         t1 - t0, t2 - t1, t3 - t2, t4 - t3);
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--bench") && bench()) return 1;
  return check_done("test_metropolis");
}
