/* sat.c - symmetry-adapted terms: requests, neighbour shells, the orbit /
 * Reynolds generator and helpers (see sat.h).  Owns no global state. */
#include "sat.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ variables */

static const char *kind_name(int kind) {
  static const char *nm[HF_NVAR_KIND] = {"u", "v", "w", "sigma", "eta", "etaL"};
  return kind >= 0 && kind < HF_NVAR_KIND ? nm[kind] : "?";
}

static int ncomp(int kind) {
  return kind == HF_VAR_SIGMA ? 1 : (kind == HF_VAR_ETA || kind == HF_VAR_ETAL) ? 6 : 3;
}

/* ------------------------------------------------------------- requests */

static int same_site(const double *a, const double *b) {
  for (int k = 0; k < 3; k++)
    if (fabs(a[k] - b[k]) > 1e-9) return 0;
  return 1;
}

void hf_sat_request_init(hf_sat_request *r) { memset(r, 0, sizeof *r); }

static int has_neighbour(const hf_sat_family *f) {
  for (int i = 0; i < f->ngroups; i++)
    if (f->g[i].at_neighbour) return 1;
  return 0;
}

void hf_sat_family_tag(const hf_sat_family *f, char *buf, int n) {
  int used = 0;
  buf[0] = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 && has_neighbour(f) && used < n)
      used += snprintf(buf + used, (size_t)(n - used), "-");
    for (int i = 0; i < f->ngroups && used < n; i++)
      if (!!f->g[i].at_neighbour == pass)
        used +=
            snprintf(buf + used, (size_t)(n - used), "%s%d", kind_name(f->g[i].kind), f->g[i].deg);
  }
}

int hf_sat_request_add_family(hf_sat_request *r, const hf_sat_family *f, hf_err *err) {
  if (r->n >= HF_SAT_MAX_FAMILIES)
    return hf_fail(err, "too many SAT families (at most %d)", HF_SAT_MAX_FAMILIES);
  if (f->ngroups < 1 || f->ngroups > HF_SAT_MAX_GROUPS)
    return hf_fail(err, "a SAT family needs 1 to %d factor groups", HF_SAT_MAX_GROUPS);
  int deg = 0, anchor_sited = 0;
  for (int i = 0; i < f->ngroups; i++) {
    const hf_sat_group *g = &f->g[i];
    if (g->kind < 0 || g->kind >= HF_NVAR_KIND)
      return hf_fail(err, "unknown variable kind %d", g->kind);
    if (g->deg < 1) return hf_fail(err, "group degree must be >= 1");
    if (g->kind == HF_VAR_ETA && g->at_neighbour)
      return hf_fail(err,
                     "the homogeneous strain eta has no position and cannot sit at a neighbour");
    if (!g->at_neighbour && g->kind != HF_VAR_ETA) anchor_sited = 1;
    deg += g->deg;
  }
  if (deg > HF_MAX_DEG) return hf_fail(err, "total degree %d exceeds %d", deg, HF_MAX_DEG);
  if (has_neighbour(f)) {
    if (!anchor_sited)
      return hf_fail(err, "a family with a neighbour group needs a field (not eta) at the anchor");
    if (f->shell_min < 0 || f->shell_max < f->shell_min)
      return hf_fail(err, "bad shell range %d..%d", f->shell_min, f->shell_max);
  }
  r->f[r->n++] = *f;
  return HF_OK;
}

typedef struct {
  int kind, dmin, dmax, nb;
} spec_group;

static int serr(hf_err *err, const char *spec, const char *p, const char *what) {
  return hf_fail(err, "in SAT spec \"%s\" at column %d: expected %s", spec, (int)(p - spec) + 1,
                 what);
}

static int parse_range(const char **pp, int *a, int *b) {
  const char *p = *pp;
  char *end;
  long x = strtol(p, &end, 10);
  if (end == p || !isdigit((unsigned char)*p)) return HF_FAIL;
  long y = x;
  p = end;
  if (p[0] == '.' && p[1] == '.') {
    p += 2;
    if (!isdigit((unsigned char)*p)) return HF_FAIL;
    y = strtol(p, &end, 10);
    p = end;
  }
  if (x < 0 || y < x || y > 64) return HF_FAIL;
  *a = (int)x;
  *b = (int)y;
  *pp = p;
  return HF_OK;
}

int hf_sat_request_add(hf_sat_request *r, const char *spec, hf_err *err) {
  static const struct {
    const char *name;
    int kind;
  } names[] = {{"etaL", HF_VAR_ETAL}, {"eta", HF_VAR_ETA}, {"sigma", HF_VAR_SIGMA},
               {"omega", HF_VAR_W},   {"u", HF_VAR_U},     {"v", HF_VAR_V},
               {"w", HF_VAR_W}};
  spec_group gr[2 * HF_SAT_MAX_GROUPS];
  int ng = 0, smin = -1, smax = -1;
  const char *p = spec;
  for (;;) {
    while (isspace((unsigned char)*p) || *p == '*') p++;
    if (!*p) break;
    size_t len = 0;
    while (isalpha((unsigned char)p[len])) len++;
    int kind = -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strlen(names[i].name) == len && !strncmp(names[i].name, p, len)) kind = names[i].kind;
    if (kind < 0) return serr(err, spec, p, "a variable (u v w omega sigma eta etaL)");
    p += len;
    spec_group g = {kind, 1, 1, 0};
    if (*p == '^') {
      p++;
      if (parse_range(&p, &g.dmin, &g.dmax) || g.dmin < 1)
        return serr(err, spec, p, "a degree or degree range (1, 2..8)");
    }
    if (*p == '@') {
      p++;
      int a, b;
      if (parse_range(&p, &a, &b)) return serr(err, spec, p, "a shell or shell range (1, 0..2)");
      if (smin >= 0 && (a != smin || b != smax))
        return serr(err, spec, p, "the same shell range for every neighbour group");
      smin = a;
      smax = b;
      g.nb = 1;
    }
    if (*p && !isspace((unsigned char)*p) && *p != '*')
      return serr(err, spec, p, "'^', '@', '*' or a blank after a variable");
    int merged = 0;
    for (int i = 0; i < ng && !merged; i++)
      if (gr[i].kind == kind && gr[i].nb == g.nb) {
        gr[i].dmin += g.dmin;
        gr[i].dmax += g.dmax;
        merged = 1;
      }
    if (!merged) {
      if (ng >= HF_SAT_MAX_GROUPS)
        return serr(err, spec, p, "at most 4 distinct groups (variable and position)");
      gr[ng++] = g;
    }
  }
  if (ng == 0) return serr(err, spec, p, "at least one variable");
  /* Cartesian product of the degree ranges, first group slowest. */
  int deg[HF_SAT_MAX_GROUPS];
  for (int i = 0; i < ng; i++) deg[i] = gr[i].dmin;
  for (;;) {
    hf_sat_family f;
    memset(&f, 0, sizeof f);
    f.ngroups = ng;
    for (int i = 0; i < ng; i++) f.g[i] = (hf_sat_group){gr[i].kind, deg[i], gr[i].nb};
    f.shell_min = smin < 0 ? 0 : smin;
    f.shell_max = smax < 0 ? 0 : smax;
    if (hf_sat_request_add_family(r, &f, err)) return hf_wrap(err, "SAT spec \"%s\"", spec);
    int i = ng - 1;
    while (i >= 0 && deg[i] == gr[i].dmax) {
      deg[i] = gr[i].dmin;
      i--;
    }
    if (i < 0) break;
    deg[i]++;
  }
  return HF_OK;
}

int hf_sat_request_default(hf_sat_request *r, unsigned dof, const hf_sites *sites, hf_err *err) {
  /* u and omega on different sublattices (u on A, omega on B as in PZT): their lowest coupling
   * joins u at a site with omega at its nearest neighbours of the other sublattice */
  const int uw_apart = !same_site(sites->s[HF_VAR_U], sites->s[HF_VAR_W]);
  const int U = !!(dof & HF_DOF_U), V = !!(dof & HF_DOF_V), W = !!(dof & HF_DOF_W),
            E = !!(dof & HF_DOF_ETA), S = !!(dof & HF_DOF_SIGMA);
  const struct {
    int on;
    const char *spec;
  } d[] = {
      {U, "u^2..4"},
      {W, "w^2..4"},
      {U, "u u@1..3"},
      {V, "v v@0..2"},
      {W, "w w@1..3"},
      {E, "eta^2"},
      {E && U, "eta u^2"},
      {E && W, "eta w^2"},
      {V && U, "etaL u^2"},
      {U && W && !uw_apart, "u^2 w^2"},
      {U && W && uw_apart, "u^2 w^2@1"},
      {S && U, "u^1..3 sigma@0..1"},
      {S && V, "v sigma@0..1"},
      {S && W, "w^2 sigma@0..1"},
  };
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
    if (d[i].on && hf_sat_request_add(r, d[i].spec, err)) return HF_FAIL;
  return HF_OK;
}

/* --------------------------------------------------------------- shells */

typedef struct {
  int n;
  int8_t off[729][3];
  double r2;
} shell_t;

static int dcmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Offsets d (on kb's sublattice, relative to the anchor cell of ka) of shell k. */
static int shell_get(const hf_sites *sites, int ka, int kb, int shell, shell_t *out, hf_err *err) {
  const double *sa = sites->s[ka], *sb = sites->s[kb];
  double ds[3], r2s[729];
  int same = 1;
  for (int k = 0; k < 3; k++) {
    ds[k] = sb[k] - sa[k];
    if (fabs(ds[k] - nearbyint(ds[k])) > 1e-9) same = 0;
  }
  int n = 0;
  for (int i = -HF_MAX_OFF; i <= HF_MAX_OFF; i++)
    for (int j = -HF_MAX_OFF; j <= HF_MAX_OFF; j++)
      for (int k = -HF_MAX_OFF; k <= HF_MAX_OFF; k++) {
        double r[3] = {i + ds[0], j + ds[1], k + ds[2]};
        r2s[n++] = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
      }
  double sorted[729];
  memcpy(sorted, r2s, sizeof sorted);
  qsort(sorted, 729, sizeof sorted[0], dcmp);
  /* distinct distances; the list index is the shell number (shell 0 = distance 0) */
  double dist[729];
  int nd = 0;
  if (!same) dist[nd++] = -1; /* shell 0 is empty across sublattices */
  for (int i = 0; i < 729; i++)
    if (i == 0 || sorted[i] - sorted[i - 1] > 1e-9) dist[nd++] = sorted[i];
  /* complete only if no offset outside the box (some |d_b| >= HF_MAX_OFF+1) is as close */
  const double lim = (HF_MAX_OFF + 0.5) * (HF_MAX_OFF + 0.5) - 1e-9;
  if (shell >= nd || dist[shell] >= lim)
    return hf_fail(err,
                   "neighbour shell %d between %s and %s is beyond the reach of cell offsets "
                   "(|offset| <= %d)",
                   shell, kind_name(ka), kind_name(kb), HF_MAX_OFF);
  out->n = 0;
  out->r2 = dist[shell];
  if (dist[shell] < 0) return HF_OK;
  int m = 0;
  for (int i = -HF_MAX_OFF; i <= HF_MAX_OFF; i++)
    for (int j = -HF_MAX_OFF; j <= HF_MAX_OFF; j++)
      for (int k = -HF_MAX_OFF; k <= HF_MAX_OFF; k++, m++)
        if (fabs(r2s[m] - dist[shell]) <= 1e-9) {
          out->off[out->n][0] = (int8_t)i;
          out->off[out->n][1] = (int8_t)j;
          out->off[out->n][2] = (int8_t)k;
          out->n++;
        }
  return HF_OK;
}

int hf_sat_shell_info(const hf_sites *sites, int ka, int kb, int shell, double *r2, int *count,
                      hf_err *err) {
  shell_t *s = malloc(sizeof *s);
  if (!s) return hf_fail(err, "out of memory");
  int rc = shell_get(sites, ka, kb, shell, s, err);
  if (rc == HF_OK) {
    *r2 = s->n ? s->r2 : 0;
    *count = s->n;
  }
  free(s);
  return rc;
}

/* -------------------------------------------------------- monomial sets */

typedef struct {
  size_t cap, n;
  hf_mono *k;
  int *term; /* term index, or -1 */
  double *c; /* coefficient in that term */
  unsigned char *used;
} monoset;

static uint64_t mono_hash(const hf_mono *m) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)m->deg;
  for (int i = 0; i < m->deg; i++) {
    const hf_var *v = &m->f[i];
    uint64_t x = (uint64_t)v->kind | (uint64_t)v->comp << 8 | (uint64_t)(uint8_t)v->off[0] << 16 |
                 (uint64_t)(uint8_t)v->off[1] << 24 | (uint64_t)(uint8_t)v->off[2] << 32;
    h = (h ^ x) * 1099511628211ull;
    h ^= h >> 29;
  }
  return h;
}

static int var_eq(const hf_var *x, const hf_var *y) {
  return x->kind == y->kind && x->comp == y->comp && x->off[0] == y->off[0] &&
         x->off[1] == y->off[1] && x->off[2] == y->off[2];
}

static int mono_eq(const hf_mono *a, const hf_mono *b) {
  if (a->deg != b->deg) return 0;
  for (int i = 0; i < a->deg; i++)
    if (!var_eq(&a->f[i], &b->f[i])) return 0;
  return 1;
}

static void ms_free(monoset *s) {
  free(s->k);
  free(s->term);
  free(s->c);
  free(s->used);
  memset(s, 0, sizeof *s);
}

static int ms_alloc(monoset *s, size_t cap) {
  memset(s, 0, sizeof *s);
  s->cap = cap;
  s->k = malloc(cap * sizeof *s->k);
  s->term = malloc(cap * sizeof *s->term);
  s->c = malloc(cap * sizeof *s->c);
  s->used = calloc(cap, 1);
  if (!s->k || !s->term || !s->c || !s->used) {
    ms_free(s);
    return HF_FAIL;
  }
  return HF_OK;
}

static long ms_find(const monoset *s, const hf_mono *m) {
  if (!s->cap) return -1;
  size_t i = mono_hash(m) & (s->cap - 1);
  while (s->used[i]) {
    if (mono_eq(&s->k[i], m)) return (long)i;
    i = (i + 1) & (s->cap - 1);
  }
  return -1;
}

static int ms_insert(monoset *s, const hf_mono *m, int term, double c);

static int ms_grow(monoset *s) {
  monoset t;
  if (ms_alloc(&t, s->cap ? 2 * s->cap : 256)) return HF_FAIL;
  for (size_t i = 0; i < s->cap; i++)
    if (s->used[i]) ms_insert(&t, &s->k[i], s->term[i], s->c[i]);
  ms_free(s);
  *s = t;
  return HF_OK;
}

/* Inserts m if absent (returns HF_OK either way). */
static int ms_insert(monoset *s, const hf_mono *m, int term, double c) {
  if (2 * (s->n + 1) > s->cap && ms_grow(s)) return HF_FAIL;
  size_t i = mono_hash(m) & (s->cap - 1);
  while (s->used[i]) {
    if (mono_eq(&s->k[i], m)) return HF_OK;
    i = (i + 1) & (s->cap - 1);
  }
  s->used[i] = 1;
  s->k[i] = *m;
  s->k[i].c = 0;
  s->term[i] = term;
  s->c[i] = c;
  s->n++;
  return HF_OK;
}

/* ------------------------------------------------------------ the seed */

static void canon_mono(hf_mono *m) {
  hf_poly p = {.n = 1, .cap = 1, .m = m};
  double c = m->c;
  m->c = 1.0;
  hf_poly_canonicalize(&p, 0);
  m->c = c;
}

/* Readability key of a canonical monomial: the position of every factor
 * relative to the first sited factor, in units of a0/2 (so that sublattice
 * shifts are integers); eta factors count as at the anchor. */
typedef struct {
  int negs, zeros;
  int pos[HF_MAX_DEG][3];
} repkey;

static void rep_key(const hf_mono *m, const hf_sites *sites, repkey *k) {
  int anchor[3] = {0, 0, 0}, have = 0;
  memset(k, 0, sizeof *k);
  for (int i = 0; i < m->deg; i++) {
    const hf_var *v = &m->f[i];
    if (v->kind == HF_VAR_ETA) continue;
    int p[3];
    for (int c = 0; c < 3; c++) p[c] = 2 * v->off[c] + (int)lround(2 * sites->s[v->kind][c]);
    if (!have) {
      memcpy(anchor, p, sizeof anchor);
      have = 1;
    }
    int z = 1;
    for (int c = 0; c < 3; c++) {
      k->pos[i][c] = p[c] - anchor[c];
      k->negs += k->pos[i][c] < 0;
      z &= k->pos[i][c] == 0;
    }
    k->zeros += z;
  }
}

/* Readability order of orbit members (and of the terms of one family/shell):
 * fewest negative position components, most factors at the anchor, positions
 * largest first ((1,1,0) before (0,1,1)), then lowest kinds and components. */
static int rep_cmp(const hf_mono *a, const hf_mono *b, const hf_sites *sites) {
  if (a->deg != b->deg) return a->deg - b->deg;
  repkey ka, kb;
  rep_key(a, sites, &ka);
  rep_key(b, sites, &kb);
  if (ka.negs != kb.negs) return ka.negs - kb.negs;
  if (ka.zeros != kb.zeros) return kb.zeros - ka.zeros;
  for (int i = 0; i < a->deg; i++)
    for (int c = 0; c < 3; c++)
      if (ka.pos[i][c] != kb.pos[i][c]) return kb.pos[i][c] - ka.pos[i][c];
  for (int i = 0; i < a->deg; i++) {
    if (a->f[i].kind != b->f[i].kind) return a->f[i].kind - b->f[i].kind;
    if (a->f[i].comp != b->f[i].comp) return a->f[i].comp - b->f[i].comp;
  }
  return 0;
}

/* Sorts terms t[0..n) by their seeds (insertion sort: n is small per family and shell). */
static void sort_terms(hf_sat_term *t, int n, const hf_sites *sites) {
  for (int i = 1; i < n; i++) {
    hf_sat_term x = t[i];
    int j = i;
    while (j > 0 && rep_cmp(&x.rep, &t[j - 1].rep, sites) < 0) {
      t[j] = t[j - 1];
      j--;
    }
    t[j] = x;
  }
}

/* "ux^2*uy*uy[1,0,0]": factors of a canonical monomial, equal neighbours as powers. */
static int mono_expr(const hf_mono *m, char *buf, int n) {
  int used = 0;
  buf[0] = 0;
  for (int i = 0; i < m->deg;) {
    int j = i + 1;
    while (j < m->deg && var_eq(&m->f[i], &m->f[j])) j++;
    char v[32];
    hf_var_str(&m->f[i], v, sizeof v);
    if (used < n) used += snprintf(buf + used, (size_t)(n - used), "%s%s", i ? "*" : "", v);
    if (j - i > 1 && used < n) used += snprintf(buf + used, (size_t)(n - used), "^%d", j - i);
    i = j;
  }
  if (m->deg == 0 && used < n) used += snprintf(buf, (size_t)n, "1");
  return used < n ? HF_OK : HF_FAIL;
}

/* ----------------------------------------------------------- generation */

void hf_sat_set_init(hf_sat_set *s) { memset(s, 0, sizeof *s); }

void hf_sat_set_free(hf_sat_set *s) {
  for (int i = 0; i < s->n; i++) hf_poly_free(&s->t[i].poly);
  free(s->t);
  hf_sat_set_init(s);
}

typedef struct {
  int n, cap;
  hf_mono *m;
} monolist;

static int ml_push(monolist *l, const hf_mono *m) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 64;
    hf_mono *x = realloc(l->m, (size_t)cap * sizeof *x);
    if (!x) return HF_FAIL;
    l->m = x;
    l->cap = cap;
  }
  l->m[l->n++] = *m;
  return HF_OK;
}

/* All monomials of the family with the neighbour groups at offset d:
 * nondecreasing components within each group. */
static int enum_rec(monolist *out, const hf_sat_family *f, int gi, int j, int cmin, hf_mono *m,
                    const int8_t d[3]) {
  if (gi == f->ngroups) {
    hf_mono c = *m;
    canon_mono(&c);
    return ml_push(out, &c);
  }
  const hf_sat_group *g = &f->g[gi];
  if (j == g->deg) return enum_rec(out, f, gi + 1, 0, 0, m, d);
  for (int c = cmin; c < ncomp(g->kind); c++) {
    hf_var *v = &m->f[m->deg++];
    memset(v, 0, sizeof *v);
    v->kind = (uint8_t)g->kind;
    v->comp = (uint8_t)c;
    if (g->at_neighbour) memcpy(v->off, d, 3);
    int rc = enum_rec(out, f, gi, j + 1, c, m, d);
    m->deg--;
    if (rc) return rc;
  }
  return HF_OK;
}

static int push_term(hf_sat_set *s, hf_sat_term *t) {
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 32;
    hf_sat_term *x = realloc(s->t, (size_t)cap * sizeof *x);
    if (!x) return HF_FAIL;
    s->t = x;
    s->cap = cap;
  }
  s->t[s->n++] = *t;
  return HF_OK;
}

/* The site kinds of the anchor and neighbour groups; checks they are consistent. */
static int family_sites(const hf_sat_family *f, const hf_sites *sites, int *ka, int *kb,
                        hf_err *err) {
  *ka = *kb = -1;
  for (int i = 0; i < f->ngroups; i++) {
    int k = f->g[i].kind;
    if (k == HF_VAR_ETA) continue;
    int *which = f->g[i].at_neighbour ? kb : ka;
    if (*which < 0)
      *which = k;
    else if (!same_site(sites->s[*which], sites->s[k]))
      return hf_fail(err,
                     "%s and %s sit on different sublattices but are both at the %s; put one at "
                     "a neighbour shell ('@')",
                     kind_name(*which), kind_name(k),
                     f->g[i].at_neighbour ? "neighbour" : "anchor");
  }
  return HF_OK;
}

/* Processes one candidate: new orbit -> maybe one term. */
static int do_candidate(hf_sat_set *s, monoset *seen, const hf_mono *cand, const hf_sites *sites,
                        const hf_symop ops[48], hf_sat_term *proto, hf_err *err) {
  if (ms_find(seen, cand) >= 0) return HF_OK;
  hf_mono one = *cand;
  one.c = 1.0;
  hf_poly p1 = {.n = 1, .cap = 1, .m = &one};
  for (int k = 0; k < 48; k++) {
    hf_poly img;
    if (hf_poly_apply(&img, &p1, &ops[k], sites, err)) return HF_FAIL;
    int rc = img.n == 1 ? ms_insert(seen, &img.m[0], -1, 0) : HF_FAIL;
    hf_poly_free(&img);
    if (rc) return hf_fail(err, "out of memory");
  }
  hf_poly r;
  hf_poly_init(&r);
  if (hf_poly_symmetrize(&r, &p1, sites, err)) return HF_FAIL;
  if (r.n == 0) {
    hf_poly_free(&r);
    return HF_OK; /* the orbit carries no invariant */
  }
  int best = 0;
  for (int i = 1; i < r.n; i++)
    if (rep_cmp(&r.m[i], &r.m[best], sites) < 0) best = i;
  double cb = r.m[best].c;
  for (int i = 0; i < r.n; i++) {
    double q = r.m[i].c / cb;
    if (fabs(fabs(q) - 1.0) > 1e-9) {
      hf_poly_free(&r);
      return hf_fail(err, "internal: Reynolds image with unequal coefficients (%g)", q);
    }
    r.m[i].c = q > 0 ? 1.0 : -1.0;
  }
  hf_sat_term t = *proto;
  t.rep = r.m[best];
  t.rep.c = 1.0;
  t.poly = r;
  t.degree = cand->deg;
  if (mono_expr(&t.rep, t.seed, sizeof t.seed) || push_term(s, &t)) {
    hf_poly_free(&r);
    return hf_fail(err, "out of memory or seed too long");
  }
  return HF_OK;
}

int hf_sat_generate(hf_sat_set *s, const hf_sat_request *req, const hf_sites *sites, hf_err *err) {
  hf_sat_set_free(s);
  hf_symop ops[48];
  hf_oh_group(ops);
  monoset seen;
  memset(&seen, 0, sizeof seen);
  monolist cands = {0, 0, NULL};
  shell_t *sh = malloc(sizeof *sh);
  int rc = sh ? HF_OK : hf_fail(err, "out of memory");
  for (int fi = 0; fi < req->n && rc == HF_OK; fi++) {
    const hf_sat_family *f = &req->f[fi];
    hf_sat_term proto;
    memset(&proto, 0, sizeof proto);
    hf_sat_family_tag(f, proto.family, sizeof proto.family);
    proto.ifamily = fi;
    int ka, kb;
    rc = family_sites(f, sites, &ka, &kb, err);
    int nb = kb >= 0;
    int s0 = nb ? f->shell_min : -1, s1 = nb ? f->shell_max : -1;
    for (int shell = s0; shell <= s1 && rc == HF_OK; shell++) {
      if (nb) {
        if ((rc = shell_get(sites, ka, kb, shell, sh, err))) break;
      } else {
        sh->n = 1;
        memset(sh->off[0], 0, 3);
      }
      proto.shell = shell;
      cands.n = 0;
      hf_mono m;
      memset(&m, 0, sizeof m);
      m.c = 1.0;
      for (int o = 0; o < sh->n && rc == HF_OK; o++)
        if (enum_rec(&cands, f, 0, 0, 0, &m, sh->off[o])) rc = hf_fail(err, "out of memory");
      int start = s->n;
      for (int c = 0; c < cands.n && rc == HF_OK; c++)
        rc = do_candidate(s, &seen, &cands.m[c], sites, ops, &proto, err);
      if (rc) break;
      sort_terms(s->t + start, s->n - start, sites);
      for (int i = start; i < s->n; i++) {
        if (nb)
          snprintf(s->t[i].name, sizeof s->t[i].name, "%s.s%d.%d", proto.family, shell,
                   i - start + 1);
        else
          snprintf(s->t[i].name, sizeof s->t[i].name, "%s.%d", proto.family, i - start + 1);
      }
    }
    if (rc) hf_wrap(err, "SAT family %d (%s)", fi, proto.family);
  }
  free(sh);
  free(cands.m);
  ms_free(&seen);
  if (rc) hf_sat_set_free(s);
  return rc;
}

/* --------------------------------------------------------------- output */

int hf_sat_expr_full(const hf_sat_term *t, char *buf, int n) {
  int used = 0;
  buf[0] = 0;
  for (int i = 0; i < t->poly.n; i++) {
    char m[256];
    if (mono_expr(&t->poly.m[i], m, sizeof m)) return HF_FAIL;
    const char *sep = t->poly.m[i].c < 0 ? (i ? " - " : "-") : (i ? " + " : "");
    used += snprintf(buf + used, (size_t)(n - used), "%s%s", sep, m);
    if (used >= n) return HF_FAIL;
  }
  return HF_OK;
}

int hf_sat_decompose(const hf_sat_set *s, const hf_poly *p, double *coef, double *residual,
                     hf_err *err) {
  monoset map;
  memset(&map, 0, sizeof map);
  for (int k = 0; k < s->n; k++)
    for (int i = 0; i < s->t[k].poly.n; i++)
      if (ms_insert(&map, &s->t[k].poly.m[i], k, s->t[k].poly.m[i].c)) {
        ms_free(&map);
        return hf_fail(err, "out of memory");
      }
  hf_poly q;
  int *hits = calloc((size_t)s->n + 1, sizeof *hits);
  if (!hits || hf_poly_copy(&q, p)) {
    free(hits);
    ms_free(&map);
    return hf_fail(err, "out of memory");
  }
  hf_poly_canonicalize(&q, 0);
  for (int k = 0; k < s->n; k++) coef[k] = 0;
  for (int i = 0; i < q.n; i++) {
    long j = ms_find(&map, &q.m[i]);
    if (j >= 0) coef[map.term[j]] += q.m[i].c * map.c[j];
  }
  for (int k = 0; k < s->n; k++) coef[k] /= s->t[k].poly.n; /* the coefficients are +-1 */
  double r2 = 0, p2 = 0;
  for (int i = 0; i < q.n; i++) {
    long j = ms_find(&map, &q.m[i]);
    double x = q.m[i].c;
    p2 += x * x;
    if (j >= 0) {
      x -= coef[map.term[j]] * map.c[j];
      hits[map.term[j]]++;
    }
    r2 += x * x;
  }
  for (int k = 0; k < s->n; k++) r2 += (double)(s->t[k].poly.n - hits[k]) * coef[k] * coef[k];
  *residual = p2 > 0 ? sqrt(r2 / p2) : sqrt(r2);
  free(hits);
  hf_poly_free(&q);
  ms_free(&map);
  return HF_OK;
}

int hf_sat_add_to_model(hf_model *m, const hf_sat_set *s, hf_err *err) {
  for (int k = 0; k < s->n; k++) {
    const hf_sat_term *t = &s->t[k];
    if (hf_model_add_term(m, t->name, 0.0, t->seed, HF_SYM_ORBIT, err))
      return hf_wrap(err, "SAT %s", t->name);
    const hf_poly *mp = &m->terms[m->nterms - 1].poly;
    if (mp->n != t->poly.n || hf_poly_diff(mp, &t->poly) != 0)
      return hf_fail(
          err, "SAT %s: the model's polynomial from seed \"%s\" differs from the generated one",
          t->name, t->seed);
  }
  return HF_OK;
}
