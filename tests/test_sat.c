/* test_sat.c - the symmetry-adapted-term generator (fit/sat.h):
 *  1. invariant counts per degree for u (polar) and omega (axial) against the
 *     Molien series (1/48) sum_g 1/det(I - t g), expanded numerically here;
 *     counts of mixed, strain and neighbour families against the same kind of
 *     character average over the stabilizer of the bond (Frobenius);
 *  2. every generated term is invariant under the 48 operations, its seed with
 *     symmetrize: orbit and its explicit expression give it back, and the whole
 *     basis is linearly independent (rank of the dense coefficient matrix);
 *  3. the shipped BaTiO3 / PbTiO3 models lie in the span of the generated basis
 *     (dense least squares here, against hf_sat_decompose);
 *  4. u-u bilinear counts per shell: 2 (j1, j2), 3 (j3, j4, j5), 2 (j6, j7).
 *
 * Usage: test_sat [models-dir]   (default "models"); exit status 0 = pass. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "sat.h"

#define MAXT 12 /* series order kept */

/* ------------------------------------------------ representations, series */

/* 3x3 matrix of g on a polar vector: g e_b = sign[b] e_perm[b]. */
static void polar_matrix(const hf_symop *g, double M[3][3]) {
  memset(M, 0, 9 * sizeof(double));
  for (int b = 0; b < 3; b++) M[g->perm[b]][b] = g->sign[b];
}

/* Series of 1/det(I - t M) for an n x n matrix, to order MAXT, by
 * exp(sum_j tr(M^j) t^j / j).  Its t^m coefficient is the character of
 * Sym^m at M. */
static void sym_series(int n, const double *M, double out[MAXT + 1]) {
  double P[36], Q[36], p[MAXT + 1] = {0};
  memcpy(P, M, (size_t)(n * n) * sizeof(double));
  for (int j = 1; j <= MAXT; j++) {
    for (int i = 0; i < n; i++) p[j] += P[i * n + i];
    for (int i = 0; i < n; i++)
      for (int k = 0; k < n; k++) {
        double s = 0;
        for (int l = 0; l < n; l++) s += P[i * n + l] * M[l * n + k];
        Q[i * n + k] = s;
      }
    memcpy(P, Q, (size_t)(n * n) * sizeof(double));
  }
  /* a(t) = exp(s(t)), s_j = p_j / j:  m a_m = sum_{j=1..m} j s_j a_{m-j} */
  out[0] = 1;
  for (int m = 1; m <= MAXT; m++) {
    double acc = 0;
    for (int j = 1; j <= m; j++) acc += p[j] * out[m - j];
    out[m] = acc / m;
  }
}

/* 1/det(I - t M) for 3x3 M from its characteristic polynomial (the explicit
 * Molien form, independent of sym_series). */
static void molien_term(double M[3][3], double out[MAXT + 1]) {
  double tr = M[0][0] + M[1][1] + M[2][2];
  double c2 = M[0][0] * M[1][1] - M[0][1] * M[1][0] + M[1][1] * M[2][2] - M[1][2] * M[2][1] +
              M[0][0] * M[2][2] - M[0][2] * M[2][0];
  double det = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
               M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
               M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  double d[4] = {1, -tr, c2, -det}; /* det(I - tM) */
  out[0] = 1;
  for (int m = 1; m <= MAXT; m++) {
    double s = 0;
    for (int k = 1; k <= 3 && k <= m; k++) s -= d[k] * out[m - k];
    out[m] = s;
  }
}

/* Character of Sym^deg of the representation of variable `kind` at g. */
static double group_char(int kind, int deg, const hf_symop *g) {
  double M3[3][3], M[36], ser[MAXT + 1];
  int n;
  polar_matrix(g, M3);
  if (kind == HF_VAR_SIGMA) return 1.0;
  if (kind == HF_VAR_U || kind == HF_VAR_V || kind == HF_VAR_W) {
    n = 3;
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 3; k++) M[i * 3 + k] = M3[i][k] * (kind == HF_VAR_W ? g->det : 1);
  } else { /* symmetric tensor, Voigt basis: e_ab -> g e_a g e_b */
    n = 6;
    memset(M, 0, sizeof M);
    for (int v = 0; v < 6; v++) {
      int a = hf_voigt_pair[v][0], b = hf_voigt_pair[v][1];
      int w = hf_voigt_index(g->perm[a], g->perm[b]);
      M[w * 6 + v] = g->sign[a] * g->sign[b];
    }
  }
  sym_series(n, M, ser);
  return ser[deg];
}

/* Expected number of invariants of a family by the character average: on-site
 * families over Oh; neighbour families over the stabilizer H_r of each Oh orbit
 * of bond vectors r of the shell (valid when the anchor and neighbour groups
 * differ, so that ordered bonds are distinct configurations). */
static int expected_count(const hf_sat_family *f, const hf_sites *sites, int shell) {
  hf_symop ops[48];
  hf_oh_group(ops);
  int ka = -1, kb = -1;
  for (int i = 0; i < f->ngroups; i++)
    if (f->g[i].kind != HF_VAR_ETA) {
      if (f->g[i].at_neighbour && kb < 0) kb = f->g[i].kind;
      if (!f->g[i].at_neighbour && ka < 0) ka = f->g[i].kind;
    }
  double rs[729][3];
  int nr = 0;
  if (kb < 0) {
    rs[0][0] = rs[0][1] = rs[0][2] = 0;
    nr = 1;
  } else {
    /* bond vectors of the shell, found here independently of sat.c */
    double ds[3], d2[729];
    for (int k = 0; k < 3; k++) ds[k] = sites->s[kb][k] - sites->s[ka][k];
    int same = fabs(ds[0] - nearbyint(ds[0])) + fabs(ds[1] - nearbyint(ds[1])) +
                   fabs(ds[2] - nearbyint(ds[2])) <
               1e-9;
    int n = 0;
    for (int i = -4; i <= 4; i++)
      for (int j = -4; j <= 4; j++)
        for (int k = -4; k <= 4; k++) {
          double r[3] = {i + ds[0], j + ds[1], k + ds[2]};
          d2[n++] = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
        }
    /* shell-th distinct distance (shell 0 = zero distance, absent across sublattices) */
    double cur = same ? -1 : 0;
    int s = same ? -1 : 0;
    double target = -1;
    while (s < shell) {
      double next = 1e9;
      for (int i = 0; i < n; i++)
        if (d2[i] > cur + 1e-9 && d2[i] < next) next = d2[i];
      cur = next;
      s++;
    }
    target = cur;
    n = 0;
    for (int i = -4; i <= 4; i++)
      for (int j = -4; j <= 4; j++)
        for (int k = -4; k <= 4; k++) {
          double r[3] = {i + ds[0], j + ds[1], k + ds[2]};
          if (fabs(r[0] * r[0] + r[1] * r[1] + r[2] * r[2] - target) < 1e-9) {
            memcpy(rs[nr++], r, sizeof r);
          }
        }
    (void)n;
  }
  /* sum over the bonds of 1/|orbit| * (1/|H|) sum_H chi = sum over orbits of <chi>_H */
  double total = 0;
  for (int b = 0; b < nr; b++) {
    double chisum = 0;
    int h = 0;
    for (int k = 0; k < 48; k++) {
      double rp[3] = {0, 0, 0};
      for (int c = 0; c < 3; c++) rp[ops[k].perm[c]] = ops[k].sign[c] * rs[b][c];
      if (fabs(rp[0] - rs[b][0]) + fabs(rp[1] - rs[b][1]) + fabs(rp[2] - rs[b][2]) > 1e-9) continue;
      h++;
      double chi = 1;
      for (int i = 0; i < f->ngroups; i++) chi *= group_char(f->g[i].kind, f->g[i].deg, &ops[k]);
      chisum += chi;
    }
    /* |orbit of r| = 48 / h: each bond contributes (1/|orbit|) <chi>_H */
    total += (chisum / h) * h / 48.0;
  }
  return (int)lround(total);
}

/* ------------------------------------------------------------- helpers */

static int count_family(const hf_sat_set *s, int ifam, int shell) {
  int n = 0;
  for (int i = 0; i < s->n; i++)
    if (s->t[i].ifamily == ifam && (shell < -1 || s->t[i].shell == shell)) n++;
  return n;
}

static int gen(hf_sat_set *s, const char *const *specs, int n, const hf_sites *sites, hf_err *err) {
  hf_sat_request r;
  hf_sat_request_init(&r);
  for (int i = 0; i < n; i++)
    if (hf_sat_request_add(&r, specs[i], err)) return HF_FAIL;
  return hf_sat_generate(s, &r, sites, err);
}

static int var_cmp(const hf_var *a, const hf_var *b) {
  if (a->kind != b->kind) return a->kind - b->kind;
  if (a->comp != b->comp) return a->comp - b->comp;
  for (int k = 0; k < 3; k++)
    if (a->off[k] != b->off[k]) return a->off[k] - b->off[k];
  return 0;
}

static int mono_cmp(const void *x, const void *y) {
  const hf_mono *a = x, *b = y;
  if (a->deg != b->deg) return a->deg - b->deg;
  for (int i = 0; i < a->deg; i++) {
    int c = var_cmp(&a->f[i], &b->f[i]);
    if (c) return c;
  }
  return 0;
}

/* Dense basis: A[row + col*R] over the sorted union of monomials. */
typedef struct {
  int R, C;
  hf_mono *rows;
  double *A, *tau; /* Householder QR in place (after qr()) */
} dense;

static int dense_build(dense *d, const hf_sat_set *s) {
  int n = 0;
  for (int k = 0; k < s->n; k++) n += s->t[k].poly.n;
  d->rows = malloc((size_t)(n ? n : 1) * sizeof *d->rows);
  int w = 0;
  for (int k = 0; k < s->n; k++)
    for (int i = 0; i < s->t[k].poly.n; i++) d->rows[w++] = s->t[k].poly.m[i];
  qsort(d->rows, (size_t)w, sizeof *d->rows, mono_cmp);
  int u = 0;
  for (int i = 0; i < w; i++)
    if (u == 0 || mono_cmp(&d->rows[u - 1], &d->rows[i])) d->rows[u++] = d->rows[i];
  d->R = u;
  d->C = s->n;
  d->A = calloc((size_t)d->R * (size_t)(d->C ? d->C : 1), sizeof *d->A);
  d->tau = calloc((size_t)(d->C ? d->C : 1), sizeof *d->tau);
  for (int k = 0; k < s->n; k++)
    for (int i = 0; i < s->t[k].poly.n; i++) {
      hf_mono *r = bsearch(&s->t[k].poly.m[i], d->rows, (size_t)d->R, sizeof *d->rows, mono_cmp);
      d->A[(size_t)(r - d->rows) + (size_t)k * (size_t)d->R] = s->t[k].poly.m[i].c;
    }
  return HF_OK;
}

static void dense_free(dense *d) {
  free(d->rows);
  free(d->A);
  free(d->tau);
}

/* Householder QR; returns the numerical rank (|R_kk| > 1e-10 * max |R_kk|). */
static int dense_qr(dense *d) {
  int R = d->R, C = d->C, rank = 0;
  double rmax = 0;
  for (int k = 0; k < C && k < R; k++) {
    double *a = d->A + (size_t)k * R;
    double nrm = 0;
    for (int i = k; i < R; i++) nrm += a[i] * a[i];
    nrm = sqrt(nrm);
    double alpha = a[k] > 0 ? -nrm : nrm;
    double v0 = a[k] - alpha;
    double vn = v0 * v0;
    for (int i = k + 1; i < R; i++) vn += a[i] * a[i];
    d->tau[k] = alpha;
    if (vn == 0) continue;
    a[k] = v0; /* store v in a[k..R) */
    for (int j = k + 1; j < C; j++) {
      double *b = d->A + (size_t)j * R, s = 0;
      for (int i = k; i < R; i++) s += a[i] * b[i];
      s = 2 * s / vn;
      for (int i = k; i < R; i++) b[i] -= s * a[i];
    }
    rmax = fmax(rmax, fabs(alpha));
  }
  for (int k = 0; k < C && k < R; k++) rank += fabs(d->tau[k]) > 1e-10 * rmax;
  return rank;
}

/* Least squares of a polynomial on the QR'd basis: coefficients x[C], relative residual. */
static double dense_lsq(const dense *d, const hf_poly *p, double *x) {
  int R = d->R, C = d->C;
  double *b = calloc((size_t)R + 1, sizeof *b), extra = 0, p2 = 0;
  for (int i = 0; i < p->n; i++) {
    p2 += p->m[i].c * p->m[i].c;
    hf_mono *r = bsearch(&p->m[i], d->rows, (size_t)R, sizeof *d->rows, mono_cmp);
    if (r)
      b[r - d->rows] = p->m[i].c;
    else
      extra += p->m[i].c * p->m[i].c;
  }
  for (int k = 0; k < C && k < R; k++) {
    const double *a = d->A + (size_t)k * R;
    double vn = 0, s = 0;
    for (int i = k; i < R; i++) vn += a[i] * a[i];
    if (vn == 0) continue;
    for (int i = k; i < R; i++) s += a[i] * b[i];
    s = 2 * s / vn;
    for (int i = k; i < R; i++) b[i] -= s * a[i];
  }
  for (int k = C - 1; k >= 0; k--) {
    double s = b[k];
    for (int j = k + 1; j < C; j++) s -= d->A[k + (size_t)j * R] * x[j];
    x[k] = s / d->tau[k];
  }
  for (int i = C; i < R; i++) extra += b[i] * b[i];
  free(b);
  return sqrt(extra / p2);
}

/* ------------------------------------------------------------- tests */

static void test_molien(const hf_sites *sites) {
  hf_symop ops[48];
  hf_oh_group(ops);
  double mol[2][MAXT + 1] = {{0}};
  for (int k = 0; k < 48; k++) {
    double M[3][3], A[3][3], s[MAXT + 1];
    polar_matrix(&ops[k], M);
    molien_term(M, s);
    for (int m = 0; m <= MAXT; m++) mol[0][m] += s[m] / 48;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) A[i][j] = ops[k].det * M[i][j];
    molien_term(A, s);
    for (int m = 0; m <= MAXT; m++) mol[1][m] += s[m] / 48;
  }
  const char *spec[2] = {"u^1..8", "w^1..8"};
  const char *nm[2] = {"u (polar)", "omega (axial)"};
  for (int v = 0; v < 2; v++) {
    hf_sat_set s;
    hf_sat_set_init(&s);
    hf_err err;
    int rc = gen(&s, &spec[v], 1, sites, &err);
    CHECK(rc == HF_OK, "generate %s: %s", spec[v], err.msg);
    printf("on-site %-14s degree:", nm[v]);
    for (int d = 1; d <= 8; d++) printf(" %d", d);
    printf("\n  %-28s", "Molien series:");
    for (int d = 1; d <= 8; d++) printf(" %g", mol[v][d]);
    printf("\n  %-28s", "generated:");
    for (int d = 1; d <= 8; d++) {
      int n = count_family(&s, d - 1, -2);
      printf(" %d", n);
      CHECK(fabs(mol[v][d] - nearbyint(mol[v][d])) < 1e-9, "Molien coefficient %g not integral",
            mol[v][d]);
      CHECK(n == (int)lround(mol[v][d]), "%s degree %d: %d invariants, Molien %g", nm[v], d, n,
            mol[v][d]);
    }
    printf("\n");
    hf_sat_set_free(&s);
  }
  /* the known ring: coefficients of 1/((1-t^2)(1-t^4)(1-t^6)) */
  const int ring[9] = {1, 0, 1, 0, 2, 0, 3, 0, 4};
  for (int d = 1; d <= 8; d++) CHECK(lround(mol[0][d]) == ring[d], "Molien u degree %d", d);
  /* the two expansions of 1/det(I - t g) agree */
  for (int k = 0; k < 48; k++) {
    double M[3][3], a[MAXT + 1], b[MAXT + 1];
    polar_matrix(&ops[k], M);
    molien_term(M, a);
    sym_series(3, &M[0][0], b);
    for (int m = 0; m <= MAXT; m++) CHECK(fabs(a[m] - b[m]) < 1e-9, "series op %d order %d", k, m);
  }
}

/* Families whose count follows from the character average, with the known value where there
 * is one (-1: none stated). */
static void test_family_counts(const hf_sites *sites) {
  static const struct {
    const char *spec;
    int shell;
    int known;
  } c[] = {
      {"eta^2", -1, 3},   /* B11, B12, B44 */
      {"eta u^2", -1, 3}, /* B1xx, B1yy, B4yz */
      {"etaL u^2", -1, 3},   {"eta w^2", -1, 3},    {"u^2 w^2", -1, 3},
      {"eta^3", -1, -1},     {"eta^2 u^2", -1, -1}, {"u sigma@0", 0, 0},
      {"u^2 sigma@0", 0, 1}, {"u^3 sigma@0", 0, 0}, {"u sigma@1", 1, 1}, /* sum_d d.u sigma(d) */
      {"u^2 sigma@1", 1, 2}, {"u^3 sigma@1", 1, 2}, {"w sigma@1", 1, 0}, /* forbidden (Methods) */
      {"w^2 sigma@1", 1, 2}, {"v sigma@1", 1, 1}, /* v on A, sigma on B: C3v, axis component */
      {"u v@1", 1, 2},       {"u v@2", 2, -1},      {"u^3 u@1", 1, -1},
      {"u^3 u@2", 2, -1},    {"u w^2@1", 1, -1},    {"u^2 v@1", 1, -1},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    hf_sat_set s;
    hf_sat_set_init(&s);
    hf_err err;
    int rc = gen(&s, &c[i].spec, 1, sites, &err);
    CHECK(rc == HF_OK, "generate %s: %s", c[i].spec, err.msg);
    hf_sat_request r;
    hf_sat_request_init(&r);
    hf_sat_request_add(&r, c[i].spec, &err);
    int want = expected_count(&r.f[0], sites, c[i].shell);
    printf("  %-14s shell %2d: %d terms (character average %d%s)\n", c[i].spec, c[i].shell, s.n,
           want, c[i].known >= 0 ? ", stated" : "");
    CHECK(s.n == want, "%s: %d terms, character average %d", c[i].spec, s.n, want);
    if (c[i].known >= 0)
      CHECK(s.n == c[i].known, "%s: %d terms, expected %d", c[i].spec, s.n, c[i].known);
    hf_sat_set_free(&s);
  }
}

static void test_pair_shells(const hf_sites *sites) {
  hf_sat_set s;
  hf_sat_set_init(&s);
  hf_err err;
  const char *spec[3] = {"u u@0..3", "v v@0..3", "w w@1..3"};
  int rc = gen(&s, spec, 3, sites, &err);
  CHECK(rc == HF_OK, "generate pairs: %s", err.msg);
  const int want[4] = {1, 2, 3, 2}; /* u^2 on-site; j1 j2; j3 j4 j5; j6 j7 */
  const char *names[4][3] = {{"kappa2"}, {"j2", "j1"}, {"j3", "j5", "j4"}, {"j6", "j7"}};
  const char *seeds[4][3] = {{"ux^2"},
                             {"ux*ux[1,0,0]", "uy*uy[1,0,0]"},
                             {"ux*ux[1,1,0]", "ux*uy[1,1,0]", "uz*uz[1,1,0]"},
                             {"ux*ux[1,1,1]", "ux*uy[1,1,1]"}};
  for (int f = 0; f < 3; f++)
    for (int sh = f == 2 ? 1 : 0; sh <= 3; sh++) {
      int n = count_family(&s, f, sh);
      double r2;
      int cnt;
      int kk = f == 0 ? HF_VAR_U : f == 1 ? HF_VAR_V : HF_VAR_W;
      hf_sat_shell_info(sites, kk, kk, sh, &r2, &cnt, &err);
      printf("  %s shell %d (|r|^2 = %g a0^2, %2d neighbours): %d terms\n", spec[f], sh, r2, cnt,
             n);
      CHECK(n == want[sh], "%s shell %d: %d terms, expected %d", spec[f], sh, n, want[sh]);
    }
  /* readable seeds for the u-u terms, in the order of the request */
  for (int sh = 0; sh <= 3; sh++) {
    int k = 0;
    for (int i = 0; i < s.n; i++)
      if (s.t[i].ifamily == 0 && s.t[i].shell == sh) {
        CHECK(k < want[sh] && !strcmp(s.t[i].seed, seeds[sh][k]), "u-u shell %d term %d: seed %s",
              sh, k, s.t[i].seed);
        printf("    %-10s seed %-14s (%s, %d monomials)\n", s.t[i].name, s.t[i].seed,
               k < 3 && names[sh][k] ? names[sh][k] : "?", s.t[i].poly.n);
        k++;
      }
  }
  /* shells across sublattices: u on B, v on A */
  int cnt[3];
  double r2[3];
  for (int sh = 0; sh < 3; sh++)
    hf_sat_shell_info(sites, HF_VAR_U, HF_VAR_V, sh, &r2[sh], &cnt[sh], &err);
  CHECK(cnt[0] == 0 && cnt[1] == 8 && cnt[2] == 24 && r2[1] == 0.75 && r2[2] == 2.75,
        "u-v shells: %d %d %d, r2 %g %g", cnt[0], cnt[1], cnt[2], r2[1], r2[2]);
  /* the last complete same-sublattice shell within |offset| <= 4 is |r|^2 = 20 (shell 18) */
  rc = hf_sat_shell_info(sites, HF_VAR_U, HF_VAR_U, 18, &r2[0], &cnt[0], &err);
  CHECK(rc == HF_OK && r2[0] == 20 && cnt[0] == 24, "shell 18: rc %d r2 %g count %d", rc, r2[0],
        cnt[0]);
  rc = hf_sat_shell_info(sites, HF_VAR_U, HF_VAR_U, 19, &r2[0], &cnt[0], &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "beyond"), "shell 19 accepted: %s", err.msg);
  hf_sat_set_free(&s);
}

/* Invariance, seed/orbit and explicit-expression round trips, independence. */
static void test_all_terms(const int site[3], const char *layout) {
  hf_model m;
  hf_model_init(&m);
  m.dof = HF_DOF_U | HF_DOF_V | HF_DOF_W | HF_DOF_ETA | HF_DOF_SIGMA;
  memcpy(m.site, site, sizeof m.site);
  hf_sites sites_, *sites = &sites_;
  hf_model_sites(&m, sites);
  hf_sat_request r;
  hf_sat_request_init(&r);
  hf_err err;
  int rc = hf_sat_request_default(&r, HF_DOF_U | HF_DOF_V | HF_DOF_W | HF_DOF_ETA | HF_DOF_SIGMA,
                                  sites, &err);
  const char *extra[] = {"u^5..8", "u^3 u@1",   "u w^2@1",   "w^1..6",
                         "eta^3",  "eta^2 u^2", "u^2 v^2@1", "sigma u@1..2"};
  for (size_t i = 0; i < sizeof extra / sizeof extra[0] && rc == HF_OK; i++)
    rc = hf_sat_request_add(&r, extra[i], &err);
  CHECK(rc == HF_OK, "request: %s", err.msg);
  hf_sat_set s;
  hf_sat_set_init(&s);
  rc = hf_sat_generate(&s, &r, sites, &err);
  CHECK(rc == HF_OK, "generate: %s", err.msg);
  printf("full request (%s): %d families, %d terms\n", layout, r.n, s.n);
  double worst = 0;
  int bad_expr = 0, bad_name = 0;
  static char buf[1 << 16];
  for (int i = 0; i < s.n; i++) {
    double d;
    rc = hf_poly_invariance_defect(&s.t[i].poly, sites, &d, &err);
    CHECK(rc == HF_OK && d <= 1e-12, "%s not invariant: %g", s.t[i].name, d);
    worst = fmax(worst, d);
    /* explicit expression (symmetrize: none) gives the same polynomial */
    hf_poly p;
    if (hf_sat_expr_full(&s.t[i], buf, sizeof buf) || hf_poly_parse(&p, buf, &err)) {
      bad_expr++;
      continue;
    }
    if (p.n != s.t[i].poly.n || hf_poly_diff(&p, &s.t[i].poly) != 0) bad_expr++;
    hf_poly_free(&p);
    for (int j = 0; j < i; j++)
      if (!strcmp(s.t[i].name, s.t[j].name)) bad_name++;
  }
  printf("  largest invariance defect over %d terms: %g\n", s.n, worst);
  CHECK(bad_expr == 0, "%d explicit expressions do not reproduce their term", bad_expr);
  CHECK(bad_name == 0, "%d duplicate names", bad_name);
  /* every seed with symmetrize: orbit, through the model (same sites) */
  rc = hf_sat_add_to_model(&m, &s, &err);
  CHECK(rc == HF_OK, "seeds through hf_model_add_term(orbit): %s", err.msg);
  hf_model_free(&m);
  /* independence: rank of the dense coefficient matrix */
  dense d;
  dense_build(&d, &s);
  int rank = dense_qr(&d);
  printf("  dense basis %d monomials x %d terms, rank %d\n", d.R, d.C, rank);
  CHECK(rank == s.n, "rank %d < %d terms", rank, s.n);
  dense_free(&d);
  /* determinism */
  hf_sat_set s2;
  hf_sat_set_init(&s2);
  rc = hf_sat_generate(&s2, &r, sites, &err);
  int same = rc == HF_OK && s2.n == s.n;
  for (int i = 0; same && i < s.n; i++)
    same = !strcmp(s.t[i].name, s2.t[i].name) && !strcmp(s.t[i].seed, s2.t[i].seed) &&
           hf_poly_diff(&s.t[i].poly, &s2.t[i].poly) == 0;
  CHECK(same, "second generation differs");
  hf_sat_set_free(&s2);
  hf_sat_set_free(&s);
}

static void test_models(const char *dir) {
  static const struct {
    const char *file;
    const char *onsite;
  } mdl[] = {{"BaTiO3_ZVR1995.yaml", "u^2..4"},
             {"BaTiO3_Nishimatsu2010.yaml", "u^2..8"},
             {"PbTiO3_feram.yaml", "u^2..8"}};
  for (size_t k = 0; k < sizeof mdl / sizeof mdl[0]; k++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, mdl[k].file);
    hf_model m;
    hf_err err;
    int rc = hf_model_load(&m, path, &err);
    CHECK(rc == HF_OK, "load %s: %s", path, err.msg);
    if (rc) continue;
    hf_sites sites;
    hf_model_sites(&m, &sites);
    const char *specs[] = {mdl[k].onsite, "u u@1..3", "v v@0..2", "eta^2", "eta u^2", "etaL u^2"};
    hf_sat_set s;
    hf_sat_set_init(&s);
    rc = gen(&s, specs, 6, &sites, &err);
    CHECK(rc == HF_OK, "%s: generate: %s", mdl[k].file, err.msg);
    dense d;
    dense_build(&d, &s);
    int rank = dense_qr(&d);
    CHECK(rank == s.n, "%s: basis rank %d < %d", mdl[k].file, rank, s.n);
    double *x = calloc((size_t)s.n + 1, sizeof *x), *y = calloc((size_t)s.n + 1, sizeof *y);
    double worst = 0, worst_dec = 0, worst_diff = 0;
    printf("%s: %d terms in a basis of %d SATs (%d monomials)\n", mdl[k].file, m.nterms, s.n, d.R);
    for (int t = 0; t < m.nterms; t++) {
      const hf_term *tm = &m.terms[t];
      double res = dense_lsq(&d, &tm->poly, x), res2;
      rc = hf_sat_decompose(&s, &tm->poly, y, &res2, &err);
      CHECK(rc == HF_OK, "decompose: %s", err.msg);
      double diff = 0, cmax = 0;
      for (int i = 0; i < s.n; i++) {
        diff = fmax(diff, fabs(x[i] - y[i]));
        cmax = fmax(cmax, fabs(x[i]));
      }
      diff /= cmax > 0 ? cmax : 1;
      CHECK(res < 1e-12, "%s term %s: least-squares residual %g", mdl[k].file, tm->name, res);
      CHECK(res2 < 1e-12, "%s term %s: decomposition residual %g", mdl[k].file, tm->name, res2);
      CHECK(diff < 1e-10, "%s term %s: lsq and decompose differ by %g", mdl[k].file, tm->name,
            diff);
      worst = fmax(worst, res);
      worst_dec = fmax(worst_dec, res2);
      worst_diff = fmax(worst_diff, diff);
      if (k == 0) {
        printf("  %-7s =", tm->name);
        int col = 0;
        for (int i = 0; i < s.n; i++)
          if (fabs(y[i]) > 1e-12) {
            if (col++ == 4) {
              printf("\n          ");
              col = 1;
            }
            printf(" %+g %s", y[i], s.t[i].name);
          }
        printf("\n");
      }
    }
    printf(
        "  largest relative residual: least squares %.3g, decomposition %.3g; coefficient "
        "difference %.3g\n",
        worst, worst_dec, worst_diff);
    free(x);
    free(y);
    dense_free(&d);
    hf_sat_set_free(&s);
    hf_model_free(&m);
  }
}

static void test_spec_errors(void) {
  static const struct {
    const char *spec, *msg;
  } bad[] = {
      {"x^2", "expected a variable"},
      {"u^0", "degree"},
      {"u u@1 v@2", "same shell range"},
      {"eta@1 u", "eta has no position"},
      {"u^2..", "degree"},
      {"u^7 u^6", "exceeds"},
      {"", "at least one variable"},
      {"u@1", "needs a field"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    hf_sat_request r;
    hf_sat_request_init(&r);
    hf_err err = {{0}};
    int rc = hf_sat_request_add(&r, bad[i].spec, &err);
    CHECK(rc == HF_FAIL && strstr(err.msg, bad[i].msg), "spec \"%s\": rc %d, message '%s'",
          bad[i].spec, rc, err.msg);
  }
  /* u and v on different sublattices cannot both sit at the anchor */
  hf_model m;
  hf_model_init(&m);
  hf_sites sites;
  hf_model_sites(&m, &sites);
  hf_sat_set s;
  hf_sat_set_init(&s);
  hf_err err;
  const char *spec = "u v";
  int rc = gen(&s, &spec, 1, &sites, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "different sublattices"), "u v on-site: %s", err.msg);
  hf_sat_set_free(&s);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "models";
  hf_model m;
  hf_model_init(&m); /* default sites: u on B, v on A, omega on B */
  hf_sites sites;
  hf_model_sites(&m, &sites);
  test_molien(&sites);
  printf("family counts vs character averages:\n");
  test_family_counts(&sites);
  printf("bilinear pairs per shell:\n");
  test_pair_shells(&sites);
  const int bto[3] = {HF_SITE_B, HF_SITE_A, HF_SITE_B}, pzt[3] = {HF_SITE_A, HF_SITE_B, HF_SITE_B};
  test_all_terms(bto, "u on B, v on A, omega on B");
  test_all_terms(pzt, "u on A, v and omega on B (PZT of paper 003)");
  test_models(dir);
  test_spec_errors();
  return check_done("test_sat");
}
