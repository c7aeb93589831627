/* test_model_io.c - model files: the shipped models load, save->load is exact,
 * the ZVR polynomials equal independent expansions (including the J matrices
 * of models.md and the continuum limit of the v-lattice elastic terms), and
 * malformed files are rejected with file:line and key in the message.
 *
 * Usage: test_model_io [models-dir]   (default "models"); exit status 0 = pass. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

static int failures, checks;

#define CHECK(cond, ...)                          \
  do {                                            \
    checks++;                                     \
    if (!(cond)) {                                \
      failures++;                                 \
      printf("FAIL %s:%d: ", __FILE__, __LINE__); \
      printf(__VA_ARGS__);                        \
      printf("\n");                               \
    }                                             \
  } while (0)

static char tmpdir[64];

static void tmp_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", tmpdir, name);
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (s) s[n] = 0;
  fclose(f);
  return s;
}

static const hf_term *find_term(const hf_model *m, const char *name) {
  for (int i = 0; i < m->nterms; i++)
    if (!strcmp(m->terms[i].name, name)) return &m->terms[i];
  return NULL;
}

static int same_poly(const hf_poly *a, const hf_poly *b) {
  if (a->n != b->n || hf_poly_diff(a, b) != 0) return 0;
  for (int i = 0; i < a->n; i++)
    if (a->m[i].c != b->m[i].c) return 0;
  return 1;
}

/* Everything the file stores must come back identical. */
static int models_equal(const hf_model *a, const hf_model *b, const char *what) {
  int bad = 0;
#define SAME(cond, ...)              \
  if (!(cond)) {                     \
    bad++;                           \
    printf("  %s: differs: ", what); \
    printf(__VA_ARGS__);             \
    printf("\n");                    \
  }
  SAME(!strcmp(a->name, b->name), "name");
  SAME(!strcmp(a->citation, b->citation), "citation");
  SAME(!strcmp(a->notes, b->notes), "notes");
  SAME(a->a0 == b->a0, "a0");
  SAME(a->zstar == b->zstar, "zstar");
  SAME(a->eps_inf == b->eps_inf, "eps_inf");
  SAME(a->dipole == b->dipole, "dipole");
  SAME(a->dof == b->dof, "dof");
  unsigned vbit[3] = {HF_DOF_U, HF_DOF_V, HF_DOF_W};
  for (int k = 0; k < 3; k++)
    if (a->dof & vbit[k]) {
      SAME(a->mass[k] == b->mass[k], "mass[%d]", k);
      SAME(a->site[k] == b->site[k], "site[%d]", k);
    }
  SAME(a->sigma_site == b->sigma_site, "sigma site %d vs %d", a->sigma_site, b->sigma_site);
  SAME(!memcmp(a->alloy_species, b->alloy_species, sizeof a->alloy_species), "alloy species");
  SAME(a->nterms == b->nterms, "nterms %d vs %d", a->nterms, b->nterms);
  for (int i = 0; i < a->nterms && i < b->nterms; i++) {
    const hf_term *s = &a->terms[i], *t = &b->terms[i];
    SAME(!strcmp(s->name, t->name), "term %d name", i);
    SAME(!strcmp(s->expr, t->expr), "term '%s' expr", s->name);
    SAME(s->coef == t->coef, "term '%s' coef %.17g vs %.17g", s->name, s->coef, t->coef);
    SAME(s->stdev == t->stdev, "term '%s' stdev", s->name);
    SAME(s->symmetrize == t->symmetrize, "term '%s' symmetrize", s->name);
    SAME(same_poly(&s->poly, &t->poly), "term '%s' polynomial (diff %g)", s->name,
         hf_poly_diff(&s->poly, &t->poly));
  }
#undef SAME
  return bad == 0;
}

static void round_trip(const hf_model *m, const char *tag) {
  char p1[128], p2[128];
  char n1[64], n2[64];
  snprintf(n1, sizeof n1, "%s.1.yaml", tag);
  snprintf(n2, sizeof n2, "%s.2.yaml", tag);
  tmp_path(p1, sizeof p1, n1);
  tmp_path(p2, sizeof p2, n2);
  hf_err err;
  int rc = hf_model_save(m, p1, &err);
  CHECK(rc == HF_OK, "%s: save failed: %s", tag, err.msg);
  if (rc) return;
  hf_model b;
  rc = hf_model_load(&b, p1, &err);
  CHECK(rc == HF_OK, "%s: reload of saved file failed: %s", tag, err.msg);
  if (rc) return;
  CHECK(models_equal(m, &b, tag), "%s: save->load changed the model", tag);
  /* and saving again gives the same bytes */
  rc = hf_model_save(&b, p2, &err);
  CHECK(rc == HF_OK, "%s: second save failed: %s", tag, err.msg);
  char *s1 = read_all(p1), *s2 = read_all(p2);
  CHECK(s1 && s2 && !strcmp(s1, s2), "%s: second save differs from the first", tag);
  free(s1);
  free(s2);
  hf_model_free(&b);
  remove(p1);
  remove(p2);
}

static hf_poly parse_or_die(const char *text) {
  hf_poly p;
  hf_err err;
  if (hf_poly_parse(&p, text, &err)) {
    printf("FATAL: cannot parse \"%s\": %s\n", text, err.msg);
    exit(2);
  }
  return p;
}

static void check_expansion(const hf_model *m, const char *term, const char *expansion) {
  const hf_term *t = find_term(m, term);
  CHECK(t != NULL, "term '%s' missing", term);
  if (!t) return;
  hf_poly e = parse_or_die(expansion);
  double d = hf_poly_diff(&e, &t->poly);
  CHECK(d == 0 && e.n == t->poly.n, "term '%s' != %s (diff %g, %d vs %d monomials)", term,
        expansion, d, t->poly.n, e.n);
  hf_poly_free(&e);
}

/* ---- J matrices of models.md, built independently of the expressions */

/* ZVR's formula for shells 2 and 3, the explicit rule for shell 1. */
static double zvr_J(const int d[3], int a, int b, const double j[8]) {
  int nz = (d[0] != 0) + (d[1] != 0) + (d[2] != 0);
  double r = sqrt((double)(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
  double ra = d[a] / r, rb = d[b] / r;
  if (nz == 1) return a != b ? 0 : d[a] ? j[2] : j[1];
  if (nz == 2) return a == b ? j[4] + sqrt(2.0) * (j[3] - j[4]) * fabs(ra) : 2 * j[5] * ra * rb;
  return a == b ? j[6] : 3 * j[7] * ra * rb;
}

/* The shell rules written out in models.md (to cross-check the formula). */
static double rule_J(const int d[3], int a, int b, const double j[8]) {
  int nz = (d[0] != 0) + (d[1] != 0) + (d[2] != 0);
  int sg = (d[a] * d[b] > 0) - (d[a] * d[b] < 0);
  if (nz == 1) return a != b ? 0 : d[a] ? j[2] : j[1];
  if (nz == 2) {
    if (a == b) return d[a] ? j[3] : j[4];
    return j[5] * sg; /* zero unless a, b both in the plane */
  }
  return a == b ? j[6] : j[7] * sg;
}

/* (1/2) sum_{d != 0} sum_ab J_ab(d) u_a(0) u_b(d), canonical. */
static hf_poly short_range_poly(const double j[8], int use_rule) {
  hf_poly p;
  hf_poly_init(&p);
  for (int x = -1; x <= 1; x++)
    for (int y = -1; y <= 1; y++)
      for (int z = -1; z <= 1; z++) {
        int d[3] = {x, y, z};
        if (!x && !y && !z) continue;
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++) {
            double J = use_rule ? rule_J(d, a, b, j) : zvr_J(d, a, b, j);
            if (J == 0) continue;
            hf_mono m;
            memset(&m, 0, sizeof m);
            m.c = 0.5 * J;
            m.deg = 2;
            m.f[0].kind = HF_VAR_U;
            m.f[0].comp = (uint8_t)a;
            m.f[1].kind = HF_VAR_U;
            m.f[1].comp = (uint8_t)b;
            for (int k = 0; k < 3; k++) m.f[1].off[k] = (int8_t)d[k];
            hf_poly_add_mono(&p, &m);
          }
      }
  hf_poly_canonicalize(&p, 1e-14);
  return p;
}

static void check_short_range(const hf_model *m, const char *tag) {
  static const char *names[8] = {"", "j1", "j2", "j3", "j4", "j5", "j6", "j7"};
  /* formula == rules, for random j */
  double jr[8] = {0, 0.3, -1.7, 2.9, 0.41, -0.77, 1.3, -0.19};
  int same = 1;
  for (int x = -1; x <= 1; x++)
    for (int y = -1; y <= 1; y++)
      for (int z = -1; z <= 1; z++) {
        int d[3] = {x, y, z};
        if (!x && !y && !z) continue;
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++)
            same &= fabs(zvr_J(d, a, b, jr) - rule_J(d, a, b, jr)) < 1e-12;
      }
  CHECK(same, "ZVR's J formula disagrees with the shell rules of models.md");
  /* each j_k term reproduces the J matrix with j = e_k */
  double jm[8] = {0};
  hf_poly model_sr;
  hf_poly_init(&model_sr);
  for (int k = 1; k <= 7; k++) {
    const hf_term *t = find_term(m, names[k]);
    if (!t) continue;
    double e[8] = {0};
    e[k] = 1;
    hf_poly want = short_range_poly(e, 0);
    double d = hf_poly_diff(&want, &t->poly);
    CHECK(d < 1e-12 && want.n == t->poly.n, "%s: %s does not reproduce J (diff %g)", tag, names[k],
          d);
    hf_poly_free(&want);
    jm[k] = t->coef;
    hf_poly_add(&model_sr, &t->poly, t->coef);
  }
  /* and the whole short-range energy with the model's j's */
  hf_poly want = short_range_poly(jm, 1);
  double d = hf_poly_diff(&want, &model_sr);
  CHECK(d < 1e-12, "%s: short-range sum differs from the J matrices (diff %g)", tag, d);
  hf_poly_free(&want);
  hf_poly_free(&model_sr);
}

/* ---- continuum limit of the v-lattice elastic terms */

typedef struct {
  int L;
  double *v[3]; /* L x L x 1 periodic */
} vfield;

static double eval_v(const hf_poly *p, const vfield *f) {
  double e = 0;
  int L = f->L;
  for (int y = 0; y < L; y++)
    for (int x = 0; x < L; x++)
      for (int i = 0; i < p->n; i++) {
        const hf_mono *m = &p->m[i];
        double t = m->c;
        for (int j = 0; j < m->deg; j++) {
          const hf_var *v = &m->f[j];
          if (v->kind != HF_VAR_V) {
            t = 0;
            break;
          }
          int xx = ((x + v->off[0]) % L + L) % L, yy = ((y + v->off[1]) % L + L) % L;
          t *= f->v[v->comp][yy * L + xx];
        }
        e += t;
      }
  return e;
}

/* v_a = a0 eps/q * amp_a * sin(q (kx x + ky y)), x, y = cell + site, in units of a0 */
static void set_wave(vfield *f, double a0, double s, const double amp[3], int kx, int ky) {
  double eps = 0.01, q = 2 * M_PI / f->L;
  for (int y = 0; y < f->L; y++)
    for (int x = 0; x < f->L; x++)
      for (int a = 0; a < 3; a++)
        f->v[a][y * f->L + x] = a0 * eps / q * amp[a] * sin(q * (kx * (x + s) + ky * (y + s)));
}

static void check_continuum(const hf_model *m, const char *tag) {
  const hf_term *t11 = find_term(m, "vB11"), *t12 = find_term(m, "vB12"),
                *t44 = find_term(m, "vB44"), *b11 = find_term(m, "B11"), *b12 = find_term(m, "B12"),
                *b44 = find_term(m, "B44");
  CHECK(t11 && t12 && t44 && b11 && b12 && b44, "%s: elastic terms missing", tag);
  if (!(t11 && t12 && t44 && b11 && b12 && b44)) return;
  double B11 = 2 * b11->coef, B12 = b12->coef, B44 = 2 * b44->coef, a0 = m->a0;
  /* the coefficients in the file are B/(2 a0^2), B/a0^2 */
  CHECK(fabs(t11->coef / (B11 / (2 * a0 * a0)) - 1) < 1e-14, "%s: vB11 coef", tag);
  CHECK(fabs(t12->coef / (B12 / (a0 * a0)) - 1) < 1e-14, "%s: vB12 coef", tag);
  CHECK(fabs(t44->coef / (B44 / (2 * a0 * a0)) - 1) < 1e-14, "%s: vB44 coef", tag);
  vfield f = {.L = 64};
  for (int a = 0; a < 3; a++) f.v[a] = calloc((size_t)(f.L * f.L), sizeof(double));
  double N = f.L * f.L, eps2 = 1e-4, s = m->site[1] == HF_SITE_B ? 0.5 : 0.0;
  struct {
    double amp[3];
    int kx, ky;
    double e11, e12, e44; /* continuum energies / (N eps^2) */
    const char *what;
  } waves[] = {
      {{1, 0, 0}, 1, 0, B11 / 4, 0, 0, "longitudinal x (eta1 only)"},
      {{1, 0, 0}, 0, 1, 0, 0, B44 / 4, "transverse (eta6 only)"},
      {{1, 1, 0}, 1, 1, B11 / 2, B12 / 2, B44, "diagonal (eta1 = eta2, eta6 = 2 eta1)"},
  };
  for (size_t w = 0; w < sizeof waves / sizeof waves[0]; w++) {
    set_wave(&f, a0, s, waves[w].amp, waves[w].kx, waves[w].ky);
    double got[3] = {t11->coef * eval_v(&t11->poly, &f), t12->coef * eval_v(&t12->poly, &f),
                     t44->coef * eval_v(&t44->poly, &f)};
    double want[3] = {waves[w].e11 * N * eps2, waves[w].e12 * N * eps2, waves[w].e44 * N * eps2};
    double scale = (B11 + fabs(B12) + B44) * N * eps2;
    for (int k = 0; k < 3; k++)
      CHECK(fabs(got[k] - want[k]) < 5e-3 * (want[k] != 0 ? fabs(want[k]) : scale),
            "%s: %s wave: %s gives %.6g eV, continuum %.6g eV", tag, waves[w].what,
            k == 0   ? "vB11"
            : k == 1 ? "vB12"
                     : "vB44",
            got[k], want[k]);
  }
  for (int a = 0; a < 3; a++) free(f.v[a]);
}

/* ---- ZVR polynomial checks */

static int sgn(int x) { return (x > 0) - (x < 0); }

static void check_zvr(const hf_model *m) {
  check_expansion(m, "kappa2", "ux^2+uy^2+uz^2");
  check_expansion(m, "alpha", "ux^4+uy^4+uz^4+2*(ux^2*uy^2+uy^2*uz^2+uz^2*ux^2)");
  check_expansion(m, "gamma", "ux^2*uy^2+ux^2*uz^2+uy^2*uz^2");
  check_expansion(m, "B11", "eta1*eta1+eta2*eta2+eta3*eta3");
  check_expansion(m, "B1yy",
                  "eta1*uy^2+eta1*uz^2+eta2*ux^2+eta2*uz^2+eta3*ux^2+eta3*uy^2"
                  "+etaL1*uy^2+etaL1*uz^2+etaL2*ux^2+etaL2*uz^2+etaL3*ux^2+etaL3*uy^2");
  check_expansion(m, "B4yz",
                  "eta4*uy*uz+eta5*ux*uz+eta6*ux*uy+etaL4*uy*uz+etaL5*ux*uz+etaL6*ux*uy");
  check_expansion(m, "vB11", "2*vx^2-2*vx*vx[1,0,0]+2*vy^2-2*vy*vy[0,1,0]+2*vz^2-2*vz*vz[0,0,1]");
  check_expansion(m, "j2", "ux*ux[-1,0,0]+uy*uy[0,-1,0]+uz*uz[0,0,-1]");

  struct {
    const char *name;
    int n, offdiag, shell;
  } orb[] = {
      {"j3", 12, 0, 2}, {"j4", 6, 0, 2}, {"j5", 12, 1, 2}, {"j6", 12, 0, 3}, {"j7", 24, 1, 3}};
  for (size_t k = 0; k < sizeof orb / sizeof orb[0]; k++) {
    const hf_term *t = find_term(m, orb[k].name);
    CHECK(t != NULL, "ZVR: %s missing", orb[k].name);
    if (!t) continue;
    CHECK(t->poly.n == orb[k].n, "ZVR: %s has %d monomials, expected %d", orb[k].name, t->poly.n,
          orb[k].n);
    CHECK(t->symmetrize == HF_SYM_ORBIT, "ZVR: %s symmetrize mode %d", orb[k].name, t->symmetrize);
    for (int i = 0; i < t->poly.n; i++) {
      const hf_mono *mo = &t->poly.m[i];
      int ok = mo->deg == 2 && mo->f[0].kind == HF_VAR_U && mo->f[1].kind == HF_VAR_U;
      const int8_t *o0 = mo->f[0].off, *o1 = mo->f[1].off;
      int d[3] = {o1[0] - o0[0], o1[1] - o0[1], o1[2] - o0[2]};
      int nz = (d[0] != 0) + (d[1] != 0) + (d[2] != 0);
      int a = mo->f[0].comp, b = mo->f[1].comp;
      ok = ok && nz == orb[k].shell && (a != b) == orb[k].offdiag;
      double want = orb[k].offdiag ? sgn(d[a]) * sgn(d[b]) : 1.0;
      if (!strcmp(orb[k].name, "j3")) ok = ok && d[a] != 0; /* in-plane component */
      if (!strcmp(orb[k].name, "j4")) ok = ok && d[a] == 0; /* out-of-plane component */
      if (!strcmp(orb[k].name, "j5")) ok = ok && d[a] != 0 && d[b] != 0;
      char buf[64];
      hf_var_str(&mo->f[1], buf, sizeof buf);
      CHECK(ok && mo->c == want, "ZVR: %s monomial %d (%s) has c = %g, expected %g", orb[k].name, i,
            buf, mo->c, want);
    }
  }
}

static void check_nishimatsu(const hf_model *m) {
  check_expansion(m, "k1",
                  "ux^6+uy^6+uz^6+3*(ux^4*uy^2+ux^4*uz^2+uy^4*ux^2+uy^4*uz^2+uz^4*ux^2+uz^4*uy^2)"
                  "+6*ux^2*uy^2*uz^2");
  check_expansion(m, "k2", "ux^4*uy^2+ux^4*uz^2+uy^4*ux^2+uy^4*uz^2+uz^4*ux^2+uz^4*uy^2");
  check_expansion(m, "k3", "ux^2*uy^2*uz^2");
  const hf_term *k4 = find_term(m, "k4");
  CHECK(k4 && k4->poly.n == 15, "Nishimatsu: k4 = (u^2)^4 should have 15 monomials");
  CHECK(!find_term(m, "j5") && !find_term(m, "j7"), "Nishimatsu: j5, j7 are 0 and omitted");
}

/* ---- coefficients against the published numbers of models.md */

typedef struct {
  double a0, zstar, eps_inf, kappa2, alpha, gamma, k[5], j[8], B11, B12, B44, B1xx, B1yy, B4yz;
} published;

static const published ZVR = {3.9477,
                              9.956,
                              5.24,
                              5.502,
                              110.4,
                              -163.1,
                              {0, 0, 0, 0, 0},
                              {0, -2.648, 3.894, 0.898, -0.789, 0.562, 0.358, 0.179},
                              126,
                              44.9,
                              50.3,
                              -211,
                              -19.3,
                              -7.75};
static const published NISHIMATSU = {
    3.98597,
    10.33,
    6.86915,
    8.53400622096412,
    78.9866142426818,
    -115.484148812672,
    {0, -267.98013991724, 197.500718362573, 830.199979293529, 641.968099408642},
    {0, -2.08403, -1.12904, 0.68946, -0.61134, 0, 0.27690, 0},
    126.731671475652,
    41.7582963902598,
    49.2408864348646,
    -185.347187551195,
    -3.28092949275457,
    -14.5501738943852};
static const published PBTIO3 = {
    3.96883,
    10.0181,
    8.24,
    1.17004,
    27.8341,
    -34.4762,
    {0, -42.4238, 0, 0, 156.432},
    {0, -1.354782, 4.98616, 0.2216286, -0.01820766, 0.3982454, -0.083301867, -0.20356880},
    117.9,
    51.6,
    137.0,
    -114.02,
    -13.6748,
    -22.67};

static void want_coef(const hf_model *m, const char *tag, const char *name, double want) {
  const hf_term *t = find_term(m, name);
  if (want == 0) {
    CHECK(!t, "%s: term '%s' is 0 in the source and should be left out", tag, name);
    return;
  }
  CHECK(t && fabs(t->coef - want) <= 1e-15 * fabs(want), "%s: %s = %.17g, expected %.17g", tag,
        name, t ? t->coef : NAN, want);
}

static void check_published(const hf_model *m, const char *tag, const published *p) {
  CHECK(m->a0 == p->a0 && m->zstar == p->zstar && m->eps_inf == p->eps_inf, "%s: a0, Z*, eps_inf",
        tag);
  want_coef(m, tag, "kappa2", p->kappa2);
  want_coef(m, tag, "alpha", p->alpha);
  want_coef(m, tag, "gamma", p->gamma);
  static const char *kn[5] = {"", "k1", "k2", "k3", "k4"};
  for (int i = 1; i <= 4; i++) want_coef(m, tag, kn[i], p->k[i]);
  static const char *jn[8] = {"", "j1", "j2", "j3", "j4", "j5", "j6", "j7"};
  for (int i = 1; i <= 7; i++) want_coef(m, tag, jn[i], p->j[i]);
  want_coef(m, tag, "B11", p->B11 / 2);
  want_coef(m, tag, "B12", p->B12);
  want_coef(m, tag, "B44", p->B44 / 2);
  want_coef(m, tag, "B1xx", p->B1xx / 2);
  want_coef(m, tag, "B1yy", p->B1yy / 2);
  want_coef(m, tag, "B4yz", p->B4yz);
  double a2 = p->a0 * p->a0;
  want_coef(m, tag, "vB11", p->B11 / (2 * a2));
  want_coef(m, tag, "vB12", p->B12 / a2);
  want_coef(m, tag, "vB44", p->B44 / (2 * a2));
}

/* ---- hf_model_add_term symmetrize modes */

static void check_modes(void) {
  hf_model m;
  hf_model_init(&m);
  m.dof = HF_DOF_U;
  hf_err err;
  int rc = hf_model_add_term(&m, "seed", 1.0, "2.5*ux*ux[1,1,0]", HF_SYM_ORBIT, &err);
  CHECK(rc == HF_OK, "orbit: %s", rc ? err.msg : "");
  if (!rc) {
    const hf_poly *p = &m.terms[0].poly;
    int all = p->n == 12;
    for (int i = 0; i < p->n; i++) all &= p->m[i].c == 2.5;
    CHECK(all, "orbit keeps the written coefficient 2.5 on all 12 images");
  }
  /* two orbits: rescaled so the first canonical monomial (ux*ux[1,1,0]) keeps 1 */
  rc = hf_model_add_term(&m, "two", 1.0, "3*uz*uz[1,1,0] + ux*ux[1,1,0]", HF_SYM_ORBIT, &err);
  CHECK(rc == HF_OK, "orbit(two): %s", rc ? err.msg : "");
  if (!rc) {
    hf_model tmp;
    hf_model_init(&tmp);
    tmp.dof = HF_DOF_U;
    hf_model_add_term(&tmp, "a", 1, "ux*ux[1,1,0]", HF_SYM_ORBIT, &err);
    hf_model_add_term(&tmp, "b", 1, "uz*uz[1,1,0]", HF_SYM_ORBIT, &err);
    hf_poly sum;
    hf_poly_init(&sum);
    hf_poly_add(&sum, &tmp.terms[0].poly, 1.0);
    hf_poly_add(&sum, &tmp.terms[1].poly, 6.0); /* 3 * (12/6) */
    double d = hf_poly_diff(&sum, &m.terms[1].poly);
    CHECK(d < 1e-15, "orbit of a two-orbit expression (diff %g)", d);
    hf_poly_free(&sum);
    hf_model_free(&tmp);
  }
  rc = hf_model_add_term(&m, "avg", 1.0, "ux*ux[1,1,0]", HF_SYM_AVERAGE, &err);
  CHECK(rc == HF_OK && m.terms[2].poly.n == 12 && fabs(m.terms[2].poly.m[0].c - 1.0 / 12) < 1e-16,
        "average gives 1/12 per image");
  rc = hf_model_add_term(&m, "zero", 1.0, "ux*uy", HF_SYM_ORBIT, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "averages to zero"), "orbit of ux*uy must fail: %s",
        err.msg);
  rc = hf_model_add_term(&m, "bad", 1.0, "ux^2", 7, &err);
  CHECK(rc == HF_FAIL, "symmetrize mode 7 must be rejected");
  /* a term whose polynomial no longer matches expr cannot be saved faithfully */
  m.terms[0].poly.m[0].c = 3.0;
  snprintf(m.name, sizeof m.name, "tampered");
  char path[128];
  tmp_path(path, sizeof path, "tampered.yaml");
  m.a0 = 4.0;
  m.mass[0] = 10;
  rc = hf_model_save(&m, path, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "seed"), "saving a tampered polynomial must fail: %s",
        rc ? err.msg : "saved");
  hf_model_free(&m);
}

/* ---- a programmatic model with awkward strings and stdev */

static void check_programmatic(void) {
  hf_model m;
  hf_model_init(&m);
  snprintf(m.name, sizeof m.name, "odd: \"name\" #1");
  snprintf(m.citation, sizeof m.citation, "A. B\\C, 'quoted', x: y # not a comment");
  snprintf(m.notes, sizeof m.notes, "line1\nline2\t\xc3\x85ngstr\xc3\xb6m");
  m.a0 = 4.0000000000000009;
  m.dof = HF_DOF_U | HF_DOF_W | HF_DOF_ETA;
  m.site[0] = HF_SITE_A;
  m.site[2] = HF_SITE_B;
  m.mass[0] = 1.0 / 3.0;
  m.mass[2] = 1e-5;
  hf_err err;
  int rc = hf_model_add_term(&m, "k", 0.1 + 0.2, "ux^2+uy^2+uz^2", HF_SYM_NONE, &err) ||
           hf_model_add_term(&m, "w4", -1e-300, "wx*wx[1,0,0]", HF_SYM_ORBIT, &err) ||
           hf_model_add_term(&m, "mix", 7e22, "eta4*uy*uz + wx^2", HF_SYM_AVERAGE, &err);
  CHECK(rc == HF_OK, "programmatic model: %s", err.msg);
  if (rc == HF_OK) {
    m.terms[0].stdev = 0.012345678901234567;
    round_trip(&m, "programmatic");
  }
  hf_model_free(&m);
  /* an alloy with sigma off the u site (PZT: u on A, Zr/Ti on B) and its species */
  hf_model_init(&m);
  snprintf(m.name, sizeof m.name, "pzt");
  snprintf(m.citation, sizeof m.citation, "test");
  m.a0 = 4;
  m.dof = HF_DOF_U | HF_DOF_SIGMA;
  m.site[0] = HF_SITE_A;
  m.sigma_site = HF_SITE_B;
  m.mass[0] = 100;
  snprintf(m.alloy_species[0], sizeof m.alloy_species[0], "Ti");
  snprintf(m.alloy_species[1], sizeof m.alloy_species[1], "Zr");
  /* u on A and sigma on B: the nearest sigma are the 8 B around the A
   * corner, offsets 0 and -1; with sigma at the u site this orbit would be
   * another polynomial */
  rc = hf_model_add_term(&m, "spring", 0.01, "ux*sigma", HF_SYM_ORBIT, &err) ||
       hf_model_add_term(&m, "spring2", 0.02, "ux^2*sigma", HF_SYM_ORBIT, &err);
  CHECK(rc == HF_OK, "alloy model: %s", err.msg);
  if (rc == HF_OK) {
    CHECK(m.terms[0].poly.n == 24, "u sigma at the 8 B neighbours of an A site: %d monomials",
          m.terms[0].poly.n);
    round_trip(&m, "alloy");
  }
  hf_model_free(&m);
}

/* ---- malformed files */

static const char *BASE =
    "name: test\n"                                       /* 1 */
    "citation: \"none\"\n"                               /* 2 */
    "units: {energy: eV, length: Angstrom, mass: amu}\n" /* 3 */
    "reference:\n"                                       /* 4 */
    "  a0: 4.0\n"                                        /* 5 */
    "  zstar: 9.0\n"                                     /* 6 */
    "  eps_inf: 5.0\n"                                   /* 7 */
    "dof: [u, v, eta]\n"                                 /* 8 */
    "sites: {u: B, v: A}\n"                              /* 9 */
    "masses: {u: 39.0, v: 233.0}\n"                      /* 10 */
    "dipole: true\n"                                     /* 11 */
    "terms:\n"                                           /* 12 */
    "  - name: kappa2\n"                                 /* 13 */
    "    coef: 5.5\n"                                    /* 14 */
    "    expr: \"ux^2 + uy^2 + uz^2\"\n"                 /* 15 */
    "  - name: j5\n"                                     /* 16 */
    "    coef: 0.5\n"                                    /* 17 */
    "    expr: \"ux*uy[1,1,0]\"\n"                       /* 18 */
    "    symmetrize: orbit\n";                           /* 19 */

/* BASE with line `line` (1-based) replaced by `text` (which may hold several
 * lines, or be "" to delete the line); line < 0: replace line -line and drop
 * the rest of the file. */
static char *edit(int line, const char *text) {
  int cut = line < 0;
  if (cut) line = -line;
  size_t n = strlen(BASE) + strlen(text) + 2;
  char *out = malloc(n);
  out[0] = 0;
  const char *p = BASE;
  for (int l = 1; *p; l++) {
    const char *e = strchr(p, '\n');
    size_t len = (size_t)(e - p) + 1;
    if (l == line) {
      strcat(out, text);
      if (*text) strcat(out, "\n");
      if (cut) break;
    } else {
      strncat(out, p, len);
    }
    p += len;
  }
  return out;
}

typedef struct {
  int line;          /* line to replace (0: text is the whole file; < 0: see edit()) */
  const char *text;  /* replacement */
  int want_line;     /* expected line in "file:LINE:" (0: "file: " with no line) */
  const char *want1; /* expected substrings of the message */
  const char *want2;
} bad_case;

static const bad_case BAD[] = {
    {5, "  a0: abc", 5, "key 'a0': expected a positive number (Angstrom), got 'abc'", NULL},
    {5, "  a0: -3.9", 5, "key 'a0': expected a positive number (Angstrom), got '-3.9'", NULL},
    {4, "zstr: 9.9\nreference:", 4, "unknown key 'zstr' (expected one of: name, citation,", NULL},
    {18, "    expr: \"ux*uy[1,1\"", 18,
     "terms[1] ('j5'): key 'expr': in expression \"ux*uy[1,1\" at column 10: expected ','", NULL},
    {5, "", 4, "reference: missing required key 'a0'", "in 'reference'"},
    {11, "dipole: true\nterms_: []", 12, "unknown key 'terms_'", NULL},
    {0,
     "name: x\ncitation: y\nunits: {energy: eV, length: Angstrom, mass: amu}\n"
     "reference: {a0: 4}\ndof: [eta]\n",
     1, "missing required key 'terms'", "in the top-level mapping"},
    {7, "  eps_inf: 5.0\n  a0: 4.1", 8, "reference: duplicate key 'a0' (first at line 5)", NULL},
    {8, "dof: [u, v, eta, w]", 8, "key 'dof[3]': expected one of u, v, omega, eta, sigma, got 'w'",
     NULL},
    {8, "dof: [u, v, u]", 8, "'u' is listed twice", NULL},
    {9, "sites: {u: C, v: A}", 9, "sites: key 'u': expected A or B, got 'C'", NULL},
    {9, "sites: {u: B, omega: B}", 9, "sites: key 'omega': omega is not a degree of freedom", NULL},
    {10, "masses: {u: -39.0, v: 233.0}", 10,
     "masses: key 'u': expected a positive mass (amu), got '-39.0'", NULL},
    {10, "masses: {u: 39.0}", 10, "masses: missing required key 'v'", "in 'masses'"},
    {10, "", 1, "missing required key 'masses'", "in the top-level mapping"},
    {3, "units: {energy: Ry, length: Angstrom, mass: amu}", 3,
     "units: key 'energy': expected 'eV', got 'Ry'", NULL},
    {3, "units: {energy: eV, length: Angstrom}", 3, "units: missing required key 'mass'", NULL},
    {14, "    coef: \"5.5\"", 14, "terms[0] ('kappa2'): key 'coef': expected a number",
     "got '5.5'"},
    {14, "    coef: [1, 2]", 14, "terms[0] ('kappa2'): key 'coef': expected a number",
     "got a sequence"},
    {14, "", 13, "terms[0] ('kappa2'): missing required key 'coef'", "in the term mapping"},
    {13, "  - nam: kappa2", 13, "terms[0]: unknown key 'nam' (expected one of: name, coef, expr",
     NULL},
    {15, "    expr: \"ux^2\"", 15, "terms[0] ('kappa2'): key 'expr': \"ux^2\" is not invariant",
     NULL},
    {15, "    expr: \"sigma^2\"", 15, "terms[0] ('kappa2'): key 'expr': uses sigma",
     "needs 'sigma' in 'dof'"},
    {15, "    expr: \"ux^2 + uy^2 + uz^2\"\n    stdev: -1", 16,
     "terms[0] ('kappa2'): key 'stdev': expected a non-negative number", NULL},
    {19, "    symmetrize: maybe", 19,
     "terms[1] ('j5'): key 'symmetrize': expected none, average or orbit", "got 'maybe'"},
    {19, "    symetrize: orbit", 19, "terms[1] ('j5'): unknown key 'symetrize'", NULL},
    {18, "    expr: \"ux*uy\"", 19, "terms[1] ('j5'): key 'symmetrize':", "averages to zero"},
    {16, "  - name: kappa2", 16,
     "terms[1] ('kappa2'): key 'name': duplicate term name 'kappa2' (first is terms[0])", NULL},
    {16, "  - name: \"j 5\"", 16, "terms[1]: key 'name': expected a term name", NULL},
    {11, "dipole: yes", 11, "key 'dipole': expected true or false, got 'yes'", NULL},
    {6, "", 4, "reference: missing required key 'zstar'",
     "required because dipole: true at line 10"},
    {-12, "terms: abc", 12, "key 'terms': expected a list of term mappings", "got 'abc'"},
    {1, "name: [unclosed", 2, "not valid YAML", NULL},
    {1, "name: a: b", 1, "not valid YAML", NULL},
    {0, "", 1, "the file is empty", NULL},
    {2, "citation: \"caf\xe9\"", 2, "not valid YAML: invalid", "UTF-8"},
    {0, "- a\n- b\n", 1, "expected a mapping of model keys", "got a sequence"},
    {19, "    symmetrize: orbit\n---\nname: second", 20, "a second YAML document", NULL},
    {9, "sites: {u: B, v: B}", 9, "sites: u and v are both on B (expected one on A and one on B",
     NULL},
    {9, "sites: {v: B}", 9, "sites: u and v are both on B", NULL},
    {9, "sites: {u: B, v: A, sigma: A}", 9, "sites: key 'sigma': sigma is not a degree of freedom",
     NULL},
    {9, "sites: {u: B, v: A}\nalloy_species: [Ti, Zr]", 10,
     "key 'alloy_species': the model has no sigma", NULL},
    {8, "dof: [u, v, eta, sigma]\nalloy_species: [Ti]", 9,
     "key 'alloy_species': expected two element symbols", NULL},
    {8, "dof: [u, v, eta, sigma]\nalloy_species: [Ti, zr]", 9,
     "key 'alloy_species': expected two element symbols", NULL},
    {8, "dof: [u, v, eta, sigma]\nalloy_species: [Ti, Ti]", 9,
     "key 'alloy_species': expected two different element symbols", NULL},
};

static void check_malformed(void) {
  int n = (int)(sizeof BAD / sizeof BAD[0]);
  for (int i = 0; i < n; i++) {
    const bad_case *c = &BAD[i];
    char name[32], path[128], where[160];
    snprintf(name, sizeof name, "bad%02d.yaml", i);
    tmp_path(path, sizeof path, name);
    char *text = c->line ? edit(c->line, c->text) : strdup(c->text);
    write_file(path, text);
    free(text);
    hf_model m;
    hf_err err;
    memset(&err, 0, sizeof err);
    int rc = hf_model_load(&m, path, &err);
    if (c->want_line)
      snprintf(where, sizeof where, "%s:%d: ", path, c->want_line);
    else
      snprintf(where, sizeof where, "%s: ", path);
    CHECK(rc == HF_FAIL, "bad case %d (%s) was accepted", i, c->want1);
    CHECK(rc == HF_FAIL && m.nterms == 0 && m.terms == NULL, "bad case %d: model not emptied", i);
    int ok = strncmp(err.msg, where, strlen(where)) == 0 && strstr(err.msg, c->want1) &&
             (!c->want2 || strstr(err.msg, c->want2));
    CHECK(ok, "bad case %d:\n    got:  %s\n    want: %s...%s%s%s", i, err.msg, where, c->want1,
          c->want2 ? " ... " : "", c->want2 ? c->want2 : "");
    if (getenv("SHOW_ERRORS")) printf("  case %2d: %s\n", i, err.msg);
    remove(path);
  }
  printf("malformed inputs: %d cases\n", n);

  /* file not found */
  char path[128];
  tmp_path(path, sizeof path, "does-not-exist.yaml");
  hf_model m;
  hf_err err;
  int rc = hf_model_load(&m, path, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, path) && strstr(err.msg, "cannot open file"),
        "missing file: %s", err.msg);
  /* a directory is not a file */
  rc = hf_model_load(&m, tmpdir, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "cannot read file"), "directory: %s", err.msg);
  /* the base text itself is valid */
  tmp_path(path, sizeof path, "base.yaml");
  write_file(path, BASE);
  rc = hf_model_load(&m, path, &err);
  CHECK(rc == HF_OK, "base text must load: %s", err.msg);
  if (!rc) hf_model_free(&m);
  remove(path);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "models";
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test_model_io.XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  static const char *files[] = {"BaTiO3_ZVR1995.yaml", "BaTiO3_Nishimatsu2010.yaml",
                                "PbTiO3_feram.yaml"};
  for (int i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    hf_model m;
    hf_err err;
    int rc = hf_model_load(&m, path, &err);
    CHECK(rc == HF_OK, "%s does not load: %s", path, err.msg);
    if (rc) continue;
    printf("%s: '%s', %d terms\n", files[i], m.name, m.nterms);
    CHECK(m.dipole && m.a0 > 0 && m.zstar > 0 && m.eps_inf > 0, "%s: reference data", files[i]);
    CHECK(m.dof == (HF_DOF_U | HF_DOF_V | HF_DOF_ETA), "%s: dof", files[i]);
    round_trip(&m, files[i]);
    static const published *pub[3] = {&ZVR, &NISHIMATSU, &PBTIO3};
    check_published(&m, files[i], pub[i]);
    check_short_range(&m, files[i]);
    check_continuum(&m, files[i]);
    if (i == 0) {
      check_zvr(&m);
      CHECK(m.nterms == 19, "ZVR has 19 terms, got %d", m.nterms);
      CHECK(m.site[0] == HF_SITE_B && m.site[1] == HF_SITE_A && m.mass[0] == 39.0 &&
                fabs(m.mass[1] - (137.327 + 47.867 + 3 * 15.999)) < 1e-9,
            "ZVR sites/masses");
    } else if (i == 1) {
      check_nishimatsu(&m);
      CHECK(m.mass[0] == 38.24 && m.mass[1] == 46.44, "Nishimatsu masses");
    } else {
      CHECK(m.site[0] == HF_SITE_A && m.site[1] == HF_SITE_B, "PbTiO3 sites: u on A, v on B");
      CHECK(!find_term(&m, "k2") && !find_term(&m, "k3") && find_term(&m, "j7"),
            "PbTiO3: k2, k3 (= 0) omitted, j7 present");
      CHECK(m.mass[0] == 100.0 && fabs(m.mass[1] - (207.2 + 47.867 + 3 * 15.999)) < 1e-9,
            "PbTiO3 masses");
    }
    hf_model_free(&m);
  }
  check_modes();
  check_programmatic();
  check_malformed();
  rmdir(tmpdir);
  printf("%d checks, %d failures: %s\n", checks, failures, failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
