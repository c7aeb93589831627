/* poly.c - monomial arithmetic, canonical form and the expression parser
 * (see poly.h).  Owns no global state. */
#include "poly.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hf_poly_init(hf_poly *p) { memset(p, 0, sizeof *p); }

void hf_poly_free(hf_poly *p) {
  free(p->m);
  hf_poly_init(p);
}

static int reserve(hf_poly *p, int n) {
  if (n <= p->cap) return HF_OK;
  int cap = p->cap ? p->cap : 8;
  while (cap < n) cap *= 2;
  hf_mono *m = realloc(p->m, (size_t)cap * sizeof *m);
  if (!m) return HF_FAIL;
  p->m = m;
  p->cap = cap;
  return HF_OK;
}

int hf_poly_add_mono(hf_poly *p, const hf_mono *m) {
  if (reserve(p, p->n + 1)) return HF_FAIL;
  p->m[p->n++] = *m;
  return HF_OK;
}

int hf_poly_copy(hf_poly *dst, const hf_poly *src) {
  hf_poly_init(dst);
  if (reserve(dst, src->n)) return HF_FAIL;
  if (src->n) memcpy(dst->m, src->m, (size_t)src->n * sizeof *src->m);
  dst->n = src->n;
  return HF_OK;
}

static int var_cmp(const hf_var *a, const hf_var *b) {
  int ha = a->kind == HF_VAR_ETA, hb = b->kind == HF_VAR_ETA;
  if (ha != hb) return hb - ha; /* homogeneous strain first */
  for (int k = 0; k < 3; k++)
    if (a->off[k] != b->off[k]) return a->off[k] - b->off[k];
  if (a->kind != b->kind) return a->kind - b->kind;
  return a->comp - b->comp;
}

static int var_cmp_q(const void *a, const void *b) { return var_cmp(a, b); }

static void mono_canon(hf_mono *m) {
  qsort(m->f, (size_t)m->deg, sizeof m->f[0], var_cmp_q);
  int first = -1;
  for (int i = 0; i < m->deg; i++)
    if (m->f[i].kind != HF_VAR_ETA) {
      first = i;
      break;
    }
  if (first < 0) return;
  int8_t o[3] = {m->f[first].off[0], m->f[first].off[1], m->f[first].off[2]};
  for (int i = first; i < m->deg; i++)
    for (int k = 0; k < 3; k++) m->f[i].off[k] = (int8_t)(m->f[i].off[k] - o[k]);
}

static int mono_cmp(const hf_mono *a, const hf_mono *b) {
  if (a->deg != b->deg) return a->deg - b->deg;
  for (int i = 0; i < a->deg; i++) {
    int c = var_cmp(&a->f[i], &b->f[i]);
    if (c) return c;
  }
  return 0;
}

static int mono_cmp_q(const void *a, const void *b) { return mono_cmp(a, b); }

int hf_poly_canonicalize(hf_poly *p, double tol) {
  for (int i = 0; i < p->n; i++) mono_canon(&p->m[i]);
  if (p->n == 0) return HF_OK;
  qsort(p->m, (size_t)p->n, sizeof *p->m, mono_cmp_q);
  int w = 0;
  for (int i = 0; i < p->n; i++) {
    if (w > 0 && mono_cmp(&p->m[w - 1], &p->m[i]) == 0)
      p->m[w - 1].c += p->m[i].c;
    else
      p->m[w++] = p->m[i];
  }
  double cmax = 0;
  for (int i = 0; i < w; i++) cmax = fmax(cmax, fabs(p->m[i].c));
  int k = 0;
  for (int i = 0; i < w; i++)
    if (fabs(p->m[i].c) > tol * cmax && p->m[i].c != 0) p->m[k++] = p->m[i];
  p->n = k;
  return HF_OK;
}

int hf_poly_add(hf_poly *dst, const hf_poly *a, double scale) {
  if (reserve(dst, dst->n + a->n)) return HF_FAIL;
  for (int i = 0; i < a->n; i++) {
    dst->m[dst->n] = a->m[i];
    dst->m[dst->n++].c *= scale;
  }
  return hf_poly_canonicalize(dst, 0);
}

void hf_poly_scale(hf_poly *p, double s) {
  for (int i = 0; i < p->n; i++) p->m[i].c *= s;
}

int hf_poly_mul(hf_poly *dst, const hf_poly *a, const hf_poly *b, hf_err *err) {
  /* Products are taken at the same anchor cell: offsets add as written. */
  hf_poly r;
  hf_poly_init(&r);
  if (reserve(&r, a->n * b->n + 1)) return hf_fail(err, "out of memory");
  for (int i = 0; i < a->n; i++)
    for (int j = 0; j < b->n; j++) {
      const hf_mono *x = &a->m[i], *y = &b->m[j];
      if (x->deg + y->deg > HF_MAX_DEG) {
        hf_poly_free(&r);
        return hf_fail(err, "monomial degree exceeds %d", HF_MAX_DEG);
      }
      hf_mono m = *x;
      m.c = x->c * y->c;
      memcpy(&m.f[m.deg], y->f, (size_t)y->deg * sizeof y->f[0]);
      m.deg += y->deg;
      r.m[r.n++] = m;
    }
  /* No translation canonicalization here: the factors still refer to one
   * anchor, which matters when the product is multiplied further. */
  hf_poly_free(dst);
  *dst = r;
  return HF_OK;
}

int hf_poly_pow(hf_poly *dst, const hf_poly *a, int n, hf_err *err) {
  hf_poly r;
  hf_poly_init(&r);
  hf_mono one = {.c = 1.0, .deg = 0};
  if (hf_poly_add_mono(&r, &one)) return hf_fail(err, "out of memory");
  for (int i = 0; i < n; i++) {
    hf_poly t;
    hf_poly_init(&t);
    if (hf_poly_mul(&t, &r, a, err)) {
      hf_poly_free(&r);
      return HF_FAIL;
    }
    hf_poly_free(&r);
    r = t;
    /* merge like terms without translating, to keep sizes small */
    if (r.n > 1) {
      for (int k = 0; k < r.n; k++)
        qsort(r.m[k].f, (size_t)r.m[k].deg, sizeof r.m[k].f[0], var_cmp_q);
      qsort(r.m, (size_t)r.n, sizeof *r.m, mono_cmp_q);
      int w = 0;
      for (int k = 0; k < r.n; k++) {
        if (w > 0 && mono_cmp(&r.m[w - 1], &r.m[k]) == 0)
          r.m[w - 1].c += r.m[k].c;
        else
          r.m[w++] = r.m[k];
      }
      r.n = w;
    }
  }
  hf_poly_free(dst);
  *dst = r;
  return HF_OK;
}

/* ---------------------------------------------------------------- parser */

typedef struct {
  const char *s, *p;
  hf_err *err;
} parser;

static void skip_ws(parser *ps) {
  while (isspace((unsigned char)*ps->p)) ps->p++;
}

static int perr(parser *ps, const char *what) {
  return hf_fail(ps->err, "in expression \"%s\" at column %d: expected %s", ps->s,
                 (int)(ps->p - ps->s) + 1, what);
}

static int parse_sum(parser *ps, hf_poly *out);

static int parse_variable(parser *ps, hf_var *v) {
  static const struct {
    const char *name;
    int kind, comp;
  } names[] = {
      {"etaL1", HF_VAR_ETAL, 0},  {"etaL2", HF_VAR_ETAL, 1}, {"etaL3", HF_VAR_ETAL, 2},
      {"etaL4", HF_VAR_ETAL, 3},  {"etaL5", HF_VAR_ETAL, 4}, {"etaL6", HF_VAR_ETAL, 5},
      {"eta1", HF_VAR_ETA, 0},    {"eta2", HF_VAR_ETA, 1},   {"eta3", HF_VAR_ETA, 2},
      {"eta4", HF_VAR_ETA, 3},    {"eta5", HF_VAR_ETA, 4},   {"eta6", HF_VAR_ETA, 5},
      {"sigma", HF_VAR_SIGMA, 0}, {"ux", HF_VAR_U, 0},       {"uy", HF_VAR_U, 1},
      {"uz", HF_VAR_U, 2},        {"vx", HF_VAR_V, 0},       {"vy", HF_VAR_V, 1},
      {"vz", HF_VAR_V, 2},        {"wx", HF_VAR_W, 0},       {"wy", HF_VAR_W, 1},
      {"wz", HF_VAR_W, 2},
  };
  const char *start = ps->p;
  size_t len = 0;
  while (isalnum((unsigned char)start[len]) || start[len] == '_') len++;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strlen(names[i].name) == len && strncmp(names[i].name, start, len) == 0) {
      memset(v, 0, sizeof *v);
      v->kind = (uint8_t)names[i].kind;
      v->comp = (uint8_t)names[i].comp;
      ps->p += len;
      if (*ps->p == '[') {
        if (v->kind == HF_VAR_ETA) return perr(ps, "no cell offset after a homogeneous strain");
        ps->p++;
        for (int k = 0; k < 3; k++) {
          skip_ws(ps);
          char *end;
          long o = strtol(ps->p, &end, 10);
          if (end == ps->p) return perr(ps, "an integer cell offset");
          if (o < -HF_MAX_OFF || o > HF_MAX_OFF) return perr(ps, "a cell offset within +-4");
          v->off[k] = (int8_t)o;
          ps->p = end;
          skip_ws(ps);
          if (*ps->p != (k < 2 ? ',' : ']')) return perr(ps, k < 2 ? "','" : "']'");
          ps->p++;
        }
      }
      return HF_OK;
    }
  }
  return perr(ps, "a variable (ux..uz, vx..vz, wx..wz, sigma, eta1..eta6, etaL1..etaL6)");
}

static int parse_atom(parser *ps, hf_poly *out) {
  skip_ws(ps);
  hf_poly_init(out);
  if (*ps->p == '(') {
    ps->p++;
    if (parse_sum(ps, out)) return HF_FAIL;
    skip_ws(ps);
    if (*ps->p != ')') {
      hf_poly_free(out);
      return perr(ps, "')'");
    }
    ps->p++;
  } else if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
    char *end;
    double x = strtod(ps->p, &end);
    ps->p = end;
    hf_mono m = {.c = x, .deg = 0};
    if (hf_poly_add_mono(out, &m)) return hf_fail(ps->err, "out of memory");
  } else if (isalpha((unsigned char)*ps->p)) {
    hf_mono m = {.c = 1.0, .deg = 1};
    if (parse_variable(ps, &m.f[0])) return HF_FAIL;
    if (hf_poly_add_mono(out, &m)) return hf_fail(ps->err, "out of memory");
  } else {
    return perr(ps, "a number, a variable or '('");
  }
  skip_ws(ps);
  if (*ps->p == '^') {
    ps->p++;
    skip_ws(ps);
    char *end;
    long n = strtol(ps->p, &end, 10);
    if (end == ps->p || n < 0 || n > HF_MAX_DEG) {
      hf_poly_free(out);
      return perr(ps, "an integer power between 0 and 12");
    }
    ps->p = end;
    hf_poly r;
    hf_poly_init(&r);
    if (hf_poly_pow(&r, out, (int)n, ps->err)) {
      hf_poly_free(out);
      return HF_FAIL;
    }
    hf_poly_free(out);
    *out = r;
  }
  return HF_OK;
}

static int parse_product(parser *ps, hf_poly *out) {
  if (parse_atom(ps, out)) return HF_FAIL;
  for (;;) {
    skip_ws(ps);
    if (*ps->p != '*') return HF_OK;
    ps->p++;
    hf_poly b, r;
    hf_poly_init(&r);
    if (parse_atom(ps, &b)) {
      hf_poly_free(out);
      return HF_FAIL;
    }
    int rc = hf_poly_mul(&r, out, &b, ps->err);
    hf_poly_free(&b);
    hf_poly_free(out);
    if (rc) return HF_FAIL;
    *out = r;
  }
}

static int parse_sum(parser *ps, hf_poly *out) {
  hf_poly_init(out);
  double sign = 1.0;
  skip_ws(ps);
  if (*ps->p == '-' || *ps->p == '+') {
    sign = *ps->p == '-' ? -1.0 : 1.0;
    ps->p++;
  }
  for (;;) {
    hf_poly t;
    if (parse_product(ps, &t)) {
      hf_poly_free(out);
      return HF_FAIL;
    }
    hf_poly_scale(&t, sign);
    if (reserve(out, out->n + t.n)) return hf_fail(ps->err, "out of memory");
    for (int i = 0; i < t.n; i++) out->m[out->n++] = t.m[i];
    hf_poly_free(&t);
    skip_ws(ps);
    if (*ps->p == '+' || *ps->p == '-') {
      sign = *ps->p == '-' ? -1.0 : 1.0;
      ps->p++;
    } else {
      return HF_OK;
    }
  }
}

int hf_poly_parse(hf_poly *out, const char *text, hf_err *err) {
  parser ps = {text, text, err};
  hf_poly_init(out);
  if (parse_sum(&ps, out)) return HF_FAIL;
  skip_ws(&ps);
  if (*ps.p) {
    hf_poly_free(out);
    return perr(&ps, "an operator (+ - * ^) or the end of the expression");
  }
  return hf_poly_canonicalize(out, 1e-14);
}

/* --------------------------------------------------------------- printing */

void hf_var_str(const hf_var *v, char *buf, int n) {
  static const char *vec[] = {"u", "v", "w"};
  static const char xyz[] = "xyz";
  char base[16];
  switch (v->kind) {
    case HF_VAR_U:
    case HF_VAR_V:
    case HF_VAR_W:
      snprintf(base, sizeof base, "%s%c", vec[v->kind], xyz[v->comp]);
      break;
    case HF_VAR_SIGMA:
      snprintf(base, sizeof base, "sigma");
      break;
    case HF_VAR_ETA:
      snprintf(base, sizeof base, "eta%d", v->comp + 1);
      break;
    default:
      snprintf(base, sizeof base, "etaL%d", v->comp + 1);
      break;
  }
  if (v->off[0] || v->off[1] || v->off[2])
    snprintf(buf, (size_t)n, "%s[%d,%d,%d]", base, v->off[0], v->off[1], v->off[2]);
  else
    snprintf(buf, (size_t)n, "%s", base);
}

int hf_poly_str(const hf_poly *p, char *buf, int n) {
  int used = 0;
  buf[0] = 0;
  for (int i = 0; i < p->n && used < n; i++) {
    used += snprintf(buf + used, (size_t)(n - used), "%s%.17g", i ? " + " : "", p->m[i].c);
    for (int j = 0; j < p->m[i].deg && used < n; j++) {
      char v[32];
      hf_var_str(&p->m[i].f[j], v, sizeof v);
      used += snprintf(buf + used, (size_t)(n - used), "*%s", v);
    }
  }
  return used < n ? HF_OK : HF_FAIL;
}

double hf_poly_diff(const hf_poly *a, const hf_poly *b) {
  double cmax = 0, d = 0;
  for (int i = 0; i < a->n; i++) cmax = fmax(cmax, fabs(a->m[i].c));
  int i = 0, j = 0;
  while (i < a->n || j < b->n) {
    int c = i >= a->n ? 1 : j >= b->n ? -1 : mono_cmp(&a->m[i], &b->m[j]);
    if (c < 0)
      d = fmax(d, fabs(a->m[i++].c));
    else if (c > 0)
      d = fmax(d, fabs(b->m[j++].c));
    else
      d = fmax(d, fabs(a->m[i++].c - b->m[j++].c));
  }
  return cmax > 0 ? d / cmax : d;
}
