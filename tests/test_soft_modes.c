/* test_soft_modes.c - hf_soft_modes_find against exact cases:
 *  1. one longitudinal nearest-neighbour pair c u_a(i) u_a(i + e_a) (no dipole):
 *     D_aa(q) = 2c cos(2 pi q_a) exactly, so Gamma = +2c and X, M, R and the
 *     minimum = -2c; with c < 0 the minimum is at Gamma (2c);
 *  2. ZVR 1995 BaTiO3: its polar instability is at the zone centre (the
 *     published model is ferroelectric, soft mode at Gamma);
 *  3. on-site u^2 (kappa) shifts every q by 2 kappa;
 *  4. a model without quadratic u terms and dipole is refused with a message;
 *  5. frozen patterns (frozen_patterns.h): on-site alpha |u|^4 plus the
 *     anharmonic pair c (ux^3 ux[1,0,0] and its cubic images), the energy per
 *     cell of u_i = A s_i e is (alpha + 2c sum_a rho_a e_a^4) A^4 exactly
 *     (rho_a = s(i + e_a)/s(i) = +-1); with alpha = 1, c = 1 the X [100]
 *     pattern (antiparallel neighbours along the mode) is unbounded and Gamma
 *     is not; ZVR is bounded along every pattern, with no lowest state beyond
 *     a barrier;
 *  6. hf_pattern_beyond_barrier (fit's probes) on constructed energy curves: a
 *     rise then a fall below zero, the same with the fall beyond the range, a
 *     double well from A = 0, a secondary minimum above the first well, and a
 *     second well deeper than the first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "frozen_patterns.h"
#include "soft_modes.h"
#include "testmodels.h"

/* Energy curves along a pattern for the probe criterion (6.), eV against A. */
static double curve_runaway(double A) { return A < 0.2 + 1e-9 ? A : 0.4 - A; } /* max at 0.20 */
static double curve_well(double A) { return -A * A + 4 * A * A * A * A; }
static double bump(double A, double c) { return exp(-pow((A - c) / 0.05, 2)); }
/* the well of curve_well, a barrier at 0.50 and a secondary minimum at 0.60 (+0.012 eV)
 * above the first well's -0.0625 */
static double curve_second(double A) {
  return curve_well(A) + 0.2 * bump(A, 0.5) - 0.15 * bump(A, 0.6);
}
/* the well of curve_well up to 0.50 (E = 0 there), then falling: below the first well
 * from 0.60 on */
static double curve_deeper(double A) { return A < 0.5 + 1e-9 ? curve_well(A) : 0.5 - A; }

int main(int argc, char **argv) {
  hf_err err;
  hf_model m;
  hf_soft_modes s;
  for (int sign = -1; sign <= 1; sign += 2) {
    const double c = 0.7 * sign;
    REQUIRE_OK(testmodel_one_term(&m, "pair", 0, 40.0, "jl", c, "ux*ux[1,0,0]", HF_SYM_ORBIT, &err),
               err);
    REQUIRE_OK(hf_soft_modes_find(&m, 8, &s, &err), err);
    printf("pair c = %+.1f: Gamma %.12f X %.12f M %.12f R %.12f lowest %.12f at (%d,%d,%d)/8\n", c,
           s.gamma, s.x, s.m, s.r, s.lmin, s.qmin[0], s.qmin[1], s.qmin[2]);
    CHECK(fabs(s.gamma - 2 * c) < 1e-12, "Gamma %.15g, want 2c = %.15g", s.gamma, 2 * c);
    /* X and M have components with q_a = 1/2 (-2c) and with q_a = 0 (2c); at R all are at 1/2 */
    CHECK(fabs(s.x + 2 * fabs(c)) < 1e-12 && fabs(s.m + 2 * fabs(c)) < 1e-12 &&
              fabs(s.r + 2 * c) < 1e-12,
          "X %.15g M %.15g R %.15g, want %.15g, %.15g, %.15g", s.x, s.m, s.r, -2 * fabs(c),
          -2 * fabs(c), -2 * c);
    CHECK(fabs(s.lmin + 2 * fabs(c)) < 1e-12, "lowest %.15g, want -2|c| = %.15g", s.lmin,
          -2 * fabs(c));
    const int at_gamma = !s.qmin[0] && !s.qmin[1] && !s.qmin[2];
    CHECK(at_gamma == (c < 0), "c = %g: the minimum %s at Gamma", c, at_gamma ? "is" : "is not");
    hf_model_free(&m);
  }
  REQUIRE_OK(testmodel_harmonic(&m, 1.3, 40.0, &err), err);
  m.dipole = 0;
  REQUIRE_OK(hf_soft_modes_find(&m, 4, &s, &err), err);
  CHECK(fabs(s.gamma - 2.6) < 1e-12 && fabs(s.r - 2.6) < 1e-12 && fabs(s.lmin - 2.6) < 1e-12,
        "on-site kappa 1.3: Gamma %.15g R %.15g lowest %.15g, want 2.6", s.gamma, s.r, s.lmin);
  hf_model_free(&m);
  char path[1024];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", argc > 1 ? argv[1] : "models");
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  REQUIRE_OK(hf_soft_modes_find(&m, 12, &s, &err), err);
  printf("ZVR: Gamma %.4f X %.4f M %.4f R %.4f lowest %.4f at (%d,%d,%d)/12\n", s.gamma, s.x, s.m,
         s.r, s.lmin, s.qmin[0], s.qmin[1], s.qmin[2]);
  CHECK(!s.qmin[0] && !s.qmin[1] && !s.qmin[2] && s.lmin < 0,
        "ZVR's softest polar mode at Gamma and unstable (%.4f at (%d,%d,%d))", s.lmin, s.qmin[0],
        s.qmin[1], s.qmin[2]);
  hf_model_free(&m);
  hf_model_init(&m); /* u, no term, no dipole */
  m.a0 = 4.0;
  m.mass[0] = 40.0;
  m.dof = HF_DOF_U;
  m.dipole = 0;
  CHECK(hf_soft_modes_find(&m, 4, &s, &err) != HF_OK && strstr(err.msg, "no dipole"),
        "a model without u-u terms is refused (%s)", err.msg);
  hf_model_free(&m);

  /* 5. frozen patterns */
  char file[] = "/tmp/test_frozen_patterns_XXXXXX";
  int fd = mkstemp(file);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  CHECK(f != NULL, "temporary model file");
  if (!f) return check_done("test_soft_modes");
  fputs(
      "name: quartic-pair\ncitation: test\nnotes: test\nunits: {energy: eV, length: Angstrom, "
      "mass: amu}\n"
      "reference: {a0: 4.0, zstar: 1.0, eps_inf: 1.0}\ndof: [u]\nsites: {u: B}\n"
      "masses: {u: 40.0}\ndipole: false\nterms:\n"
      "  - name: alpha\n    coef: 1.0\n    expr: \"(ux^2 + uy^2 + uz^2)^2\"\n"
      "  - name: pair\n    coef: 1.0\n    expr: \"ux^3*ux[1,0,0]\"\n    symmetrize: orbit\n",
      f);
  fclose(f);
  REQUIRE_OK(hf_model_load(&m, file, &err), err);
  unlink(file);
  hf_patterns p;
  REQUIRE_OK(hf_patterns_eval(&m, &p, &err), err);
  static const int qv[4][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {1, 1, 1}};
  static const int dv[7][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0},
                               {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
  double worst = 0;
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++) {
      double n2 = dv[d][0] + dv[d][1] + dv[d][2], c4 = 1;
      for (int a = 0; a < 3; a++) c4 += 2 * (qv[q][a] ? -1 : 1) * dv[d][a] / (n2 * n2);
      for (int k = 0; k < HF_PATTERN_NAMP; k++) {
        double A = hf_pattern_amplitude(k), want = c4 * A * A * A * A;
        worst = fmax(worst, fabs(p.e[q][d][k] - want));
      }
      CHECK(hf_pattern_unbounded(&p, q, d) == (c4 < 0), "%s %s: coefficient %g, verdict %d",
            hf_pattern_q_names[q], hf_pattern_dir_names[d], c4, hf_pattern_unbounded(&p, q, d));
    }
  printf(
      "frozen patterns: largest deviation from (alpha + 2c sum rho e^4) A^4: %.3g eV; "
      "X [100] %s, Gamma [100] %s\n",
      worst, hf_pattern_unbounded(&p, 1, 0) ? "unbounded" : "bounded",
      hf_pattern_unbounded(&p, 0, 0) ? "unbounded" : "bounded");
  CHECK(worst < 1e-12, "frozen-pattern energies off by %.3g eV", worst);
  CHECK(hf_pattern_unbounded(&p, 1, 0) && !hf_pattern_unbounded(&p, 0, 0),
        "X [100] unbounded, Gamma [100] bounded");
  hf_model_free(&m);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  REQUIRE_OK(hf_patterns_eval(&m, &p, &err), err);
  int bad = 0;
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++) bad += hf_pattern_unbounded(&p, q, d);
  int behind = 0;
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++)
      behind += hf_pattern_beyond_barrier(&p, q, d, 1.0, 0.0) >= 0;
  printf(
      "ZVR: Gamma [111] minimum %.5f eV/cell; %d unbounded patterns, %d with the lowest "
      "state beyond a barrier\n",
      p.e[0][6][1], bad, behind);
  CHECK(bad == 0 && behind == 0,
        "ZVR unbounded along %d patterns, lowest state beyond a "
        "barrier along %d",
        bad, behind);
  hf_model_free(&m);

  /* 6. the probe criterion on constructed curves (A = 0.05 k + 0.05) */
  static const struct {
    double (*f)(double);
    double amax, depth;
    int want;
    const char *what;
  } cases[] = {
      {curve_runaway, 1.0, 0, 3, "rises to 0.20 A, then falls below 0"},
      {curve_runaway, 0.5, 0, 3, "the same, within 0.5 A"},
      {curve_runaway, 0.25, 0, -1, "the fall lies beyond 0.25 A"},
      {curve_runaway, 0.5, 0.08, 3, "within 0.5 A it falls to -0.10 eV, below depth 0.08"},
      {curve_runaway, 0.5, 0.12, -1, "within 0.5 A it falls to -0.10 eV, not below depth 0.12"},
      {curve_well, 1.0, 0, -1, "a double well falling from A = 0"},
      {curve_second, 1.0, 0, -1, "a secondary minimum above the first well"},
      {curve_deeper, 1.0, 0, 9, "a second well deeper than the first, beyond a barrier"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (int k = 0; k < HF_PATTERN_NAMP; k++) p.e[2][3][k] = cases[c].f(hf_pattern_amplitude(k));
    const int got = hf_pattern_beyond_barrier(&p, 2, 3, cases[c].amax, cases[c].depth);
    printf("beyond a barrier, %s: %d (expected %d)\n", cases[c].what, got, cases[c].want);
    CHECK(got == cases[c].want, "%s: %d, expected %d", cases[c].what, got, cases[c].want);
  }
  return check_done("test_soft_modes");
}
