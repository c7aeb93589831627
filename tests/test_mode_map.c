/* test_mode_map.c - modes <-> atoms of a perovskite supercell (dft_bridge/mode_map.h):
 * - conventions: a uniform u displaces the atoms by xi, a uniform v
 *   translates the crystal, a single omega_z rotates its octahedron
 *   right-handed; the masses are the kinetic energies of those patterns;
 * - M^T is the transpose of M; round trip modes -> atoms -> modes is exact
 *   (omega in the Eq. 2 gauge), and the projection of any atoms leaves a
 *   residual orthogonal to the mode space;
 * - on an analytic atomic engine (pair springs + quartic on-site term, with
 *   analytic forces and stress) the mode forces M^T f and dE/deta (Eq. 7)
 *   equal central differences of the energy along every mode component and
 *   every strain component;
 * - under the 48 cubic operations (and a translation) applied to the mode
 *   fields (omega axial) and to the atoms, the structures agree.
 * Both u on B / v on A (BaTiO3, ZVR) and u on A / v on B (PbTiO3), with omega, and a
 * 1x1x4 cell (every bond along x and y folds onto its own cell; omega_z is pure gauge). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mode_map.h"
#include "testconfig.h"

static const double xi_zvr[5] = {0.20, 0.76, -0.53, -0.21, -0.21};
/* the GPAW PBEsol soft mode (unnormalised): xi_A ~ 0 makes u on A ill conditioned */
static const double xi_gpaw[5] = {0.006, 1, -1.556, -0.804, -0.804};
static const double tau[5][3] = {{0, 0, 0}, {.5, .5, .5}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};

static double maxabs_diff(const double *a, const double *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

/* ---- the analytic atomic engine: E(r, cell) ---- */
typedef struct {
  size_t i, j;
  int n[3]; /* image of j: + sum_v n_v cell[v] */
  double k, d0;
} bond;

typedef struct {
  size_t na, nb;
  bond *b;
  double *frac; /* reference fractional coordinates (of the supercell) */
  double c2, c4;
} toy;

static int toy_init(toy *t, const hf_mode_map *mm) {
  const size_t na = hf_mode_map_natoms(mm);
  double *R0 = malloc(3 * na * sizeof *R0);
  t->na = na, t->nb = 0, t->c2 = 0.7, t->c4 = 40;
  t->frac = malloc(3 * na * sizeof *t->frac);
  t->b = malloc(na * 40 * sizeof *t->b);
  if (!R0 || !t->frac || !t->b) return 1;
  hf_mode_map_reference(mm, R0);
  double len[3];
  for (int v = 0; v < 3; v++) len[v] = mm->a0 * mm->lat.L[v];
  for (size_t i = 0; i < 3 * na; i++) t->frac[i] = R0[i] / len[i % 3];
  for (size_t i = 0; i < na; i++)
    for (size_t j = i + 1; j < na; j++)
      for (int n = 0; n < 27; n++) {
        int s[3] = {n % 3 - 1, n / 3 % 3 - 1, n / 9 - 1};
        double d2 = 0;
        for (int g = 0; g < 3; g++) {
          double d = R0[3 * j + g] - R0[3 * i + g] + s[g] * len[g];
          d2 += d * d;
        }
        if (d2 > 0.81 * mm->a0 * mm->a0) continue; /* B-X, A-X, X-X, A-B neighbours */
        bond *b = &t->b[t->nb++];
        b->i = i, b->j = j;
        memcpy(b->n, s, sizeof s);
        b->k = 1.0 + 0.4 * (double)(i % 5) + 0.3 * (double)(j % 5); /* by atom types */
        b->d0 = 0.97 * sqrt(d2);
      }
  free(R0);
  return 0;
}

static void toy_free(toy *t) { free(t->b), free(t->frac); }

/* Energy, forces f and W = dE/d(deformation) at fixed fractional coordinates. */
static double toy_eval(const toy *t, const double *r, const double cell[3][3], double *f,
                       double W[3][3]) {
  double E = 0;
  memset(f, 0, 3 * t->na * sizeof *f);
  memset(W, 0, 9 * sizeof(double));
  for (size_t q = 0; q < t->nb; q++) {
    const bond *b = &t->b[q];
    double rho[3], len = 0;
    for (int g = 0; g < 3; g++) {
      rho[g] = r[3 * b->j + g] - r[3 * b->i + g];
      for (int v = 0; v < 3; v++) rho[g] += b->n[v] * cell[v][g];
      len += rho[g] * rho[g];
    }
    len = sqrt(len);
    E += 0.5 * b->k * (len - b->d0) * (len - b->d0);
    const double dl = b->k * (len - b->d0) / len;
    for (int g = 0; g < 3; g++) {
      f[3 * b->j + g] -= dl * rho[g];
      f[3 * b->i + g] += dl * rho[g];
      for (int h = 0; h < 3; h++) W[g][h] += dl * rho[g] * rho[h];
    }
  }
  for (size_t i = 0; i < t->na; i++) {
    double d[3], d2 = 0;
    for (int g = 0; g < 3; g++) {
      d[g] = r[3 * i + g];
      for (int v = 0; v < 3; v++) d[g] -= t->frac[3 * i + v] * cell[v][g];
      d2 += d[g] * d[g];
    }
    const double w = 1.0 + 0.5 * (double)(i % 5); /* on-site strength by atom type */
    E += w * (t->c2 * d2 + t->c4 * d2 * d2);
    const double dd = w * (2 * t->c2 + 4 * t->c4 * d2);
    for (int g = 0; g < 3; g++) {
      f[3 * i + g] -= dd * d[g];
      for (int h = 0; h < 3; h++) W[g][h] += dd * d[g] * d[h];
    }
  }
  return E;
}

typedef struct {
  const hf_mode_map *mm;
  const toy *t;
  double *r, *f;
} probe;

static double energy_at(probe *p, const hf_fields *s) {
  double cell[3][3], W[3][3];
  hf_mode_map_structure(p->mm, s, p->r, cell);
  return toy_eval(p->t, p->r, cell, p->f, W);
}

/* ---- the checks ---- */
static int check_conventions(const hf_mode_map *mm, hf_fields *s, double *x) {
  const size_t n = mm->lat.n, na = hf_mode_map_natoms(mm);
  const double m_atom[3] = {137.327, 47.867, 15.999};
  double mass[3], ke = 0;
  hf_mode_map_masses(mm, m_atom, mass);
  hf_fields_zero(s, &mm->lat);
  for (size_t i = 0; i < n; i++) s->u[0][i] = 1;
  hf_mode_map_apply(mm, s, x);
  double bad = 0;
  for (size_t a = 0; a < na; a++) {
    const int k = (int)(a % 5);
    const double want = k < 2 ? mm->xi[k] : k == HF_ATOM_XX ? mm->xi[2] : mm->xi[3];
    bad = fmax(bad, fabs(x[3 * a] - want) + fabs(x[3 * a + 1]) + fabs(x[3 * a + 2]));
    ke += m_atom[k < 2 ? k : 2] * x[3 * a] * x[3 * a];
  }
  CHECK(bad < 1e-14, "uniform u_x: atoms move by xi (defect %.3g)", bad);
  CHECK_CLOSE(ke / (double)n, mass[0], 1e-13, 1, "u mass = kinetic energy of uniform u");
  const double xmax =
      fmax(fmax(fabs(mm->xi[0]), fabs(mm->xi[1])), fmax(fabs(mm->xi[2]), fabs(mm->xi[3])));
  CHECK_CLOSE(hf_mode_map_max_displacement(mm, s, x), xmax, 1e-14, 1,
              "largest atomic displacement of uniform u_x = max |xi|");
  /* u_x alternating in all three directions (R point): every atom two cells
   * share cancels, only the atom at the mode's own site moves, by its xi */
  const int *L = mm->lat.L;
  if (L[0] % 2 == 0 && L[1] % 2 == 0 && L[2] % 2 == 0) {
    for (int cx = 0; cx < L[0]; cx++)
      for (int cy = 0; cy < L[1]; cy++)
        for (int cz = 0; cz < L[2]; cz++)
          s->u[0][hf_index(&mm->lat, cx, cy, cz)] = (cx + cy + cz) % 2 ? -2 : 2;
    const double own = fabs(mm->xi[mm->site_u == HF_SITE_A ? 0 : 1]);
    CHECK_CLOSE(hf_mode_map_max_displacement(mm, s, x), 2 * own, 1e-14, 1,
                "R-point u_x of 2 Angstrom moves only the own-site atom, by 2 |xi|");
  }
  printf("site u %c: normalised xi %.4f %.4f %.4f %.4f, m_u %.3f amu\n", "AB"[mm->site_u],
         mm -> xi[0], mm -> xi[1], mm -> xi[2], mm -> xi[3], mass[0]);

  hf_fields_zero(s, &mm->lat);
  for (size_t i = 0; i < n; i++) s->v[1][i] = 1;
  hf_mode_map_apply(mm, s, x);
  bad = 0, ke = 0;
  for (size_t a = 0; a < na; a++) {
    bad = fmax(bad, fabs(x[3 * a]) + fabs(x[3 * a + 1] - 1) + fabs(x[3 * a + 2]));
    ke += m_atom[a % 5 < 2 ? a % 5 : 2];
  }
  CHECK(bad < 1e-14, "uniform v_y translates the crystal (defect %.3g)", bad);
  CHECK_CLOSE(ke / (double)n, mass[1], 1e-13, 1, "v mass");

  /* one omega_z at cell 0: X_x at B -/+ a0/2 e_x moves by -/+ a0/2 e_y */
  hf_fields_zero(s, &mm->lat);
  s->w[2][0] = 1;
  hf_mode_map_apply(mm, s, x);
  const size_t xm = HF_ATOM_XX, xp = 5 * hf_index(&mm->lat, 1, 0, 0) + HF_ATOM_XX;
  if (mm->lat.L[0] > 1)
    CHECK(fabs(x[3 * xm + 1] + mm->a0 / 2) < 1e-14 && fabs(x[3 * xp + 1] - mm->a0 / 2) < 1e-14,
          "omega_z rotates right-handed: %g %g", x[3 * xm + 1], x[3 * xp + 1]);
  else { /* one cell along x: B's two x neighbours are itself, the rotation cancels */
    bad = 0;
    for (size_t a = 0; a < 3 * na; a++) bad = fmax(bad, fabs(x[a]));
    if (mm->lat.L[1] == 1) CHECK(bad < 1e-14, "omega_z on 1x1xL moves no atom (%.3g)", bad);
  }
  /* staggered (R point) omega_z */
  for (int cx = 0; cx < mm->lat.L[0]; cx++)
    for (int cy = 0; cy < mm->lat.L[1]; cy++)
      for (int cz = 0; cz < mm->lat.L[2]; cz++)
        s->w[2][hf_index(&mm->lat, cx, cy, cz)] = (cx + cy + cz) % 2 ? -1 : 1;
  hf_mode_map_apply(mm, s, x);
  ke = 0;
  for (size_t a = 0; a < na; a++)
    for (int g = 0; g < 3; g++) ke += m_atom[a % 5 < 2 ? a % 5 : 2] * x[3 * a + g] * x[3 * a + g];
  if (mm->lat.L[0] % 2 == 0 && mm->lat.L[1] % 2 == 0) /* the staggered omega_z fits */
    CHECK_CLOSE(ke / (double)n, mass[2], 1e-13, 1, "omega mass = kinetic energy of the R tilt");
  return 0;
}

/* tol: the round trip loses about cond(M^T M) * eps; cond grows as (xi_B / xi_A)^2 when u
 * sits on A (its R-point component moves only A) */
static int check_round_trip(const hf_mode_map *mm, hf_fields *s, hf_fields *s2, double *x,
                            double *y, hf_rng *rng) {
  const double tol = 1e-13 * fmax(1, pow(mm->xi[1] / mm->xi[0], 2));
  const size_t n = mm->lat.n, na = hf_mode_map_natoms(mm);
  hf_err err;
  /* <M s, y> = <s, M^T y> */
  testconfig_random(s, &mm->lat, rng, 0.1, 0.1, 0.1, 0);
  for (size_t i = 0; i < 3 * na; i++) y[i] = 2 * hf_rng_uniform(rng) - 1;
  hf_mode_map_apply(mm, s, x);
  hf_mode_map_transpose(mm, y, s2);
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < 3 * na; i++) lhs += x[i] * y[i];
  for (int c = 0; c < 9; c++)
    for (size_t i = 0; i < n; i++) rhs += hf_fields_comp(s, c)[i] * hf_fields_comp(s2, c)[i];
  CHECK_CLOSE(lhs, rhs, 1e-13, 1, "<M s, y> = <s, M^T y>");

  /* modes -> atoms -> modes; omega comes back in the gauge */
  double resid;
  REQUIRE_OK(hf_mode_map_project(mm, x, s2, &resid, &err), err);
  hf_mode_map_gauge(mm, s);
  double worst = 0;
  for (int c = 0; c < 9; c++)
    worst = fmax(worst, maxabs_diff(hf_fields_comp(s, c), hf_fields_comp(s2, c), n));
  printf("round trip modes -> atoms -> modes: max error %.2e, residual %.2e\n", worst, resid);
  CHECK(worst < tol && resid < 1e-13, "round trip error %.3g (residual %.3g)", worst, resid);

  /* any atoms: the residual is orthogonal to the mode space */
  REQUIRE_OK(hf_mode_map_project(mm, y, s2, &resid, &err), err);
  hf_mode_map_apply(mm, s2, x);
  for (size_t i = 0; i < 3 * na; i++) x[i] = y[i] - x[i];
  hf_mode_map_transpose(mm, x, s2);
  hf_mode_map_gauge(mm, s2);
  worst = 0;
  for (int c = 0; c < 9; c++)
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(hf_fields_comp(s2, c)[i]));
  printf("projection of random atoms: residual %.3f of |x|, M^T residual %.2e\n", resid, worst);
  CHECK(worst < 1e-12, "M^T (x - M s) = %.3g", worst);
  return 0;
}

static int check_fd(const hf_mode_map *mm, hf_fields *s, hf_fields *fs, hf_rng *rng) {
  const size_t n = mm->lat.n, na = hf_mode_map_natoms(mm);
  toy t;
  CHECK(toy_init(&t, mm) == 0, "toy engine: out of memory");
  probe p = {mm, &t, malloc(3 * na * sizeof(double)), malloc(3 * na * sizeof(double))};
  double *x = malloc(3 * na * sizeof *x);
  testconfig_random(s, &mm->lat, rng, 0.08, 0.05, 0.04, 0.02);
  double cell[3][3], W[3][3];
  hf_mode_map_structure(mm, s, p.r, cell);
  toy_eval(&t, p.r, cell, p.f, W);
  hf_mode_map_transpose(mm, p.f, fs);
  hf_mode_map_apply(mm, s, x);
  const double V = hf_mode_map_volume(mm, s->eta);
  const double stress[6] = {W[0][0] / V, W[1][1] / V, W[2][2] / V,
                            W[1][2] / V, W[2][0] / V, W[0][1] / V};
  double dEdeta[6];
  hf_mode_map_strain_derivative(mm, s->eta, x, p.f, stress, dEdeta);

  /* every mode component: -dE/ds by 5-point central differences (error
   * h^4 E^(5)/30 + rounding eps E/h, both ~1e-11 here) */
  double worst = 0, fmaxv = 0;
  const double h = 1e-3;
  for (int c = 0; c < 9; c++) {
    double *a = hf_fields_comp(s, c);
    for (size_t i = 0; i < n; i++) fmaxv = fmax(fmaxv, fabs(hf_fields_comp(fs, c)[i]));
    for (size_t i = 0; i < n; i++) {
      const double a0 = a[i];
      double e[4];
      for (int q = 0; q < 4; q++) {
        a[i] = a0 + (q < 2 ? 1 : 2) * (q % 2 ? -h : h);
        e[q] = energy_at(&p, s);
      }
      a[i] = a0;
      const double fd = -(8 * (e[0] - e[1]) - (e[2] - e[3])) / (12 * h);
      const double an = hf_fields_comp(fs, c)[i];
      worst = fmax(worst, fabs(fd - an) / fmax(fabs(an), 1e-2 * fmaxv));
    }
  }
  printf(
      "mode forces M^T f vs 5-point differences (%zu components): worst rel %.2e (max |f| %.3g)\n",
      9 * n, worst, fmaxv);
  CHECK(worst < 1e-8, "mode forces vs finite differences: rel %.3g", worst);

  /* omega forces obey the gauge: energy is blind to layer-constant omega */
  double layer = 0;
  for (int a = 0; a < 3; a++) {
    double sum = 0;
    for (int j = 0; j < mm->lat.L[(a + 1) % 3]; j++)
      for (int k = 0; k < mm->lat.L[(a + 2) % 3]; k++) {
        int q[3];
        q[a] = 0, q[(a + 1) % 3] = j, q[(a + 2) % 3] = k;
        sum += fs->w[a][hf_index(&mm->lat, q[0], q[1], q[2])];
      }
    layer = fmax(layer, fabs(sum));
  }
  CHECK(layer < 1e-12 * fmaxv, "omega force sums over a layer: %.3g", layer);

  /* strain: dE/deta at fixed modes (Eq. 7) vs central differences */
  const double he = 1e-6;
  double sworst = 0;
  for (int m = 0; m < 6; m++) {
    const double e0 = s->eta[m];
    s->eta[m] = e0 + he;
    const double ep = energy_at(&p, s);
    s->eta[m] = e0 - he;
    const double em = energy_at(&p, s);
    s->eta[m] = e0;
    const double fd = (ep - em) / (2 * he);
    sworst = fmax(sworst, fabs(fd - dEdeta[m]) / fmax(fabs(dEdeta[m]), 1e-3));
    printf("  dE/deta%d: chain rule %.10f, finite differences %.10f\n", m + 1, dEdeta[m], fd);
  }
  printf("dE/deta (Eq. 7) vs central differences: worst rel %.2e\n", sworst);
  CHECK(sworst < 1e-7, "dE/deta vs finite differences: rel %.3g", sworst);
  free(x), free(p.r), free(p.f);
  toy_free(&t);
  return 0;
}

/* p' = g(p - c) + c with p in units of a0 */
static void op_point(const hf_symop *g, const double c[3], const double p[3], double out[3]) {
  for (int b = 0; b < 3; b++) out[g->perm[b]] = g->sign[b] * (p[b] - c[b]) + c[g->perm[b]];
}

static int check_cubic(const hf_mode_map *mm, const hf_model *m, hf_fields *s, hf_fields *s2,
                       hf_rng *rng) {
  const size_t na = hf_mode_map_natoms(mm);
  const int *L = mm->lat.L;
  double *r = malloc(3 * na * sizeof *r), *r2 = malloc(3 * na * sizeof *r2);
  hf_symop ops[48];
  hf_oh_group(ops);
  testconfig_random(s, &mm->lat, rng, 0.1, 0.1, 0.1, 0.03);
  hf_mode_map_gauge(mm, s);
  double c[3];
  for (int b = 0; b < 3; b++) c[b] = mm->site_u == HF_SITE_B ? 0.5 : 0.0;
  double worst = 0, gauge = 0;
  for (int k = 0; k < 48; k++) {
    const hf_symop *g = &ops[k];
    const int t[3] = {k % 3, 1, (k / 3) % 3};
    double cell[3][3], cell2[3][3], eps[3][3], eps2[3][3];
    testconfig_transform(s2, s, &mm->lat, m, g, t);
    hf_mode_map_structure(mm, s, r, cell);
    hf_mode_map_structure(mm, s2, r2, cell2);
    hf_strain_tensor(s->eta, eps);
    hf_strain_tensor(s2->eta, eps2);
    for (size_t a = 0; a < na; a++) {
      /* where the operation (plus translation t) sends atom a */
      const size_t i = a / 5;
      const int kk = (int)(a % 5);
      const int cc[3] = {(int)(i / ((size_t)L[1] * L[2])), (int)(i / L[2] % L[1]), (int)(i % L[2])};
      double p[3], pp[3];
      for (int b = 0; b < 3; b++) p[b] = cc[b] + tau[kk][b];
      op_point(g, c, p, pp);
      const int k2 = kk < 2 ? kk : HF_ATOM_XX + g->perm[kk - HF_ATOM_XX];
      int q[3];
      for (int b = 0; b < 3; b++)
        q[b] = (((int)lround(pp[b] - tau[k2][b]) + t[b]) % L[b] + L[b]) % L[b];
      const size_t a2 = 5 * hf_index(&mm->lat, q[0], q[1], q[2]) + (size_t)k2;
      /* g (r_a - F c) must equal r2_a2 - F2 (c + t) up to a lattice vector of cell2 */
      double rel[3], img[3], diff[3];
      for (int b = 0; b < 3; b++) {
        rel[b] = r[3 * a + b];
        for (int e = 0; e < 3; e++) rel[b] -= ((b == e) + eps[b][e]) * mm->a0 * c[e];
      }
      for (int b = 0; b < 3; b++) img[g->perm[b]] = g->sign[b] * rel[b];
      for (int b = 0; b < 3; b++) {
        diff[b] = r2[3 * a2 + b] - img[b];
        for (int e = 0; e < 3; e++) diff[b] -= ((b == e) + eps2[b][e]) * mm->a0 * (c[e] + t[e]);
      }
      /* diff = sum_v n_v cell2[v]: cell2 = F2 a0 diag(L), solve by Cramer */
      double F2[3][3];
      for (int b = 0; b < 3; b++)
        for (int e = 0; e < 3; e++) F2[b][e] = cell2[e][b];
      const double det = F2[0][0] * (F2[1][1] * F2[2][2] - F2[1][2] * F2[2][1]) -
                         F2[0][1] * (F2[1][0] * F2[2][2] - F2[1][2] * F2[2][0]) +
                         F2[0][2] * (F2[1][0] * F2[2][1] - F2[1][1] * F2[2][0]);
      for (int v = 0; v < 3; v++) {
        double A[3][3];
        memcpy(A, F2, sizeof A);
        for (int b = 0; b < 3; b++) A[b][v] = diff[b];
        const double nv = (A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) -
                           A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
                           A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0])) /
                          det;
        worst = fmax(worst, fabs(nv - lround(nv)));
      }
    }
    /* the image of a gauged omega is gauged (s is drawn anew below) */
    hf_fields_copy(s, s2, &mm->lat);
    hf_mode_map_gauge(mm, s2);
    for (int b = 0; b < 3; b++) gauge = fmax(gauge, maxabs_diff(s->w[b], s2->w[b], mm->lat.n));
    testconfig_random(s, &mm->lat, rng, 0.1, 0.1, 0.1, 0.03);
    hf_mode_map_gauge(mm, s);
  }
  printf(
      "48 cubic operations (+ translations): structures agree to %.2e (lattice units), "
      "gauge kept to %.2e\n",
      worst, gauge);
  CHECK(worst < 1e-12, "cubic image of the structure differs by %.3g", worst);
  CHECK(gauge < 1e-14, "cubic image of gauged omega is not gauged (%.3g)", gauge);
  free(r), free(r2);
  return 0;
}

static int run(const char *label, const int L[3], int site_u, int site_v, const double xi[5],
               hf_rng *rng) {
  printf("== %s, supercell %dx%dx%d\n", label, L[0], L[1], L[2]);
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, L, &err), err);
  hf_model m;
  hf_model_init(&m);
  m.a0 = 3.99;
  m.dof = HF_DOF_U | HF_DOF_V | HF_DOF_W | HF_DOF_ETA;
  m.site[0] = site_u, m.site[1] = site_v, m.site[2] = HF_SITE_B;
  hf_mode_map mm;
  REQUIRE_OK(hf_mode_map_from_model(&mm, &m, &lat, xi, &err), err);
  const unsigned mask = HF_FIELD_U | HF_FIELD_V | HF_FIELD_W;
  hf_fields s, s2;
  REQUIRE_OK(hf_fields_alloc(&s, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&s2, &lat, mask, &err), err);
  const size_t na = hf_mode_map_natoms(&mm);
  double *x = malloc(3 * na * sizeof *x), *y = malloc(3 * na * sizeof *y);
  int rc = check_conventions(&mm, &s, x) || check_round_trip(&mm, &s, &s2, x, y, rng);
  if (!rc && L[0] == L[1] && L[1] == L[2])
    rc = check_cubic(&mm, &m, &s, &s2, rng);
  else if (!rc)
    rc = check_fd(&mm, &s, &s2, rng);
  free(x), free(y);
  hf_fields_free(&s), hf_fields_free(&s2);
  hf_model_free(&m);
  return rc;
}

int main(int argc, char **argv) {
  (void)argc, (void)argv; /* the models dir is not needed: the modes are built in code */
  hf_rng rng;
  hf_rng_seed(&rng, 2024);
  hf_err err;
  hf_mode_map mm;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){2, 2, 2}, &err), err);
  CHECK(hf_mode_map_init(&mm, &lat, 4, HF_FIELD_U | HF_FIELD_V, HF_SITE_B, HF_SITE_B, xi_zvr,
                         &err) != 0,
        "u and v on one site is refused");
  CHECK(hf_mode_map_init(&mm, &lat, 4, HF_FIELD_U, HF_SITE_B, HF_SITE_A,
                         (const double[5]){0.2, 0.7, -0.5, -0.2, -0.3}, &err) != 0,
        "unequal X_perp is refused");
  int rc = 0;
  rc |= run("u on B, v on A (BaTiO3, ZVR)", (int[3]){3, 2, 4}, HF_SITE_B, HF_SITE_A, xi_zvr, &rng);
  rc |= run("u on A, v on B (PbTiO3)", (int[3]){2, 4, 3}, HF_SITE_A, HF_SITE_B, xi_zvr, &rng);
  rc |= run("u on B, v on A, cubic operations", (int[3]){3, 3, 3}, HF_SITE_B, HF_SITE_A, xi_zvr,
            &rng);
  rc |= run("u on A, v on B, cubic operations", (int[3]){4, 4, 4}, HF_SITE_A, HF_SITE_B, xi_zvr,
            &rng);
  rc |= run("u on B, GPAW soft mode", (int[3]){2, 3, 2}, HF_SITE_B, HF_SITE_A, xi_gpaw, &rng);
  rc |= run("u on A, GPAW soft mode, cubic operations", (int[3]){4, 4, 4}, HF_SITE_A, HF_SITE_B,
            xi_gpaw, &rng);
  /* one cell along x and y (the (Pb,Sr)TiO3 1x1x4 fitting cell): every bond along them
   * folds onto the cell itself, omega_z is pure gauge */
  rc |= run("u on A, GPAW soft mode, one cell along two axes", (int[3]){1, 1, 4}, HF_SITE_A,
            HF_SITE_B, xi_gpaw, &rng);
  (void)rc;
  return check_done("mode_map");
}
