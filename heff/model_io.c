/* model_io.c - reading and writing model files (format: docs/model-format.md).
 *
 * Reading uses libyaml's document API: the whole file is composed into a node
 * tree (every node carries its line), then the keys are checked against a
 * fixed schema and applied in a fixed order (dof and sites before terms,
 * because hf_model_add_term needs them).  Every error names the file, the
 * 1-based line, the key and what was expected.  Writing uses libyaml's
 * emitter, so that any string (citation, notes, expr) is quoted correctly. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "model.h"
#include "model_yaml.h"
#include "yaml_read.h"

/* ------------------------------------------------------------ reading */

static int valid_term_name(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_' || *s == '-' || *s == '.' || *s == '+'))
      return 0;
  return 1;
}

/* The dof named by each variable kind, for "expr uses ..." checks. */
static unsigned kind_dof(int kind) {
  switch (kind) {
    case HF_VAR_U:
      return HF_DOF_U;
    case HF_VAR_V:
      return HF_DOF_V;
    case HF_VAR_W:
      return HF_DOF_W;
    case HF_VAR_SIGMA:
      return HF_DOF_SIGMA;
    case HF_VAR_ETA:
      return HF_DOF_ETA;
    default:
      return HF_DOF_V; /* etaL is built from v */
  }
}

static const char *const dof_names[5] = {"u", "v", "omega", "eta", "sigma"};
static const unsigned dof_bits[5] = {HF_DOF_U, HF_DOF_V, HF_DOF_W, HF_DOF_ETA, HF_DOF_SIGMA};
static const char *dof_name(unsigned bit) {
  for (int i = 0; i < 5; i++)
    if (dof_bits[i] == bit) return dof_names[i];
  return "?";
}

/* "term 'x': msg" or "term 'x' msg" from hf_model_add_term -> "msg". */
static const char *strip_term_prefix(const char *msg, const char *name) {
  char pre[96];
  snprintf(pre, sizeof pre, "term '%s'", name);
  size_t n = strlen(pre);
  if (strncmp(msg, pre, n)) return msg;
  msg += n;
  if (*msg == ':') msg++;
  while (*msg == ' ') msg++;
  return msg;
}

enum { T_NAME, T_COEF, T_EXPR, T_SYM, T_STDEV, T_N };

int hf_model_read_term(hf_yreader *r, hf_model *m, yaml_node_t *n, const char *list, int idx) {
  char where[160];
  snprintf(where, sizeof where, "%s[%d]: ", list, idx);
  /* name the term in messages about its other keys, if it has a usable name */
  if (n->type == YAML_MAPPING_NODE)
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
      yaml_node_t *k = yaml_document_get_node(&r->doc, p->key);
      yaml_node_t *v = yaml_document_get_node(&r->doc, p->value);
      if (k->type == YAML_SCALAR_NODE && !strcmp(hf_yaml_str(k), "name") &&
          v->type == YAML_SCALAR_NODE && v->data.scalar.length < sizeof m->terms[0].name &&
          valid_term_name(hf_yaml_str(v))) {
        snprintf(where, sizeof where, "%s[%d] ('%s'): ", list, idx, hf_yaml_str(v));
        break;
      }
    }
  hf_yslot s[T_N] = {
      {.key = "name"}, {.key = "coef"}, {.key = "expr"}, {.key = "symmetrize"}, {.key = "stdev"}};
  if (hf_yaml_map(r, n, where, NULL, "a term mapping (name, coef, expr[, symmetrize, stdev])",
                  where, s, T_N))
    return HF_FAIL;
  if (hf_yaml_need(r, n, where, &s[T_NAME], "the term's name", "the term mapping")) return HF_FAIL;
  char name[sizeof m->terms[0].name];
  if (hf_yaml_string(r, s[T_NAME].val, where, "name", "a term name", name, sizeof name))
    return HF_FAIL;
  if (!valid_term_name(name))
    return hf_yaml_fail_at(
        r, s[T_NAME].val,
        "%skey 'name': expected a term name of letters, digits and _ - . +, got '%s'", where, name);
  for (int i = 0; i < m->nterms; i++)
    if (!strcmp(m->terms[i].name, name))
      return hf_yaml_fail_at(r, s[T_NAME].val,
                             "%skey 'name': duplicate term name '%s' (first is terms[%d])", where,
                             name, i);
  snprintf(where, sizeof where, "%s[%d] ('%s'): ", list, idx, name);
  if (hf_yaml_need(r, n, where, &s[T_COEF], "coefficient, eV per unit of the polynomial",
                   "the term mapping") ||
      hf_yaml_need(r, n, where, &s[T_EXPR], "polynomial expression", "the term mapping"))
    return HF_FAIL;
  double coef, stdev = 0;
  if (hf_yaml_number(r, s[T_COEF].val, where, "coef", "a number (eV per unit of the polynomial)",
                     &coef))
    return HF_FAIL;
  if (s[T_STDEV].val) {
    if (hf_yaml_number(r, s[T_STDEV].val, where, "stdev",
                       "a non-negative number (same unit as coef)", &stdev))
      return HF_FAIL;
    if (!(stdev >= 0))
      return hf_yaml_expected(r, s[T_STDEV].val, where, "stdev",
                              "a non-negative number (same unit as coef)");
  }
  int sym = HF_SYM_NONE;
  if (s[T_SYM].val) {
    static const char *const modes[] = {"none", "average", "orbit"};
    sym = hf_yaml_choice(r, s[T_SYM].val, where, "symmetrize", modes, 3, "none, average or orbit");
    if (sym < 0) return HF_FAIL;
  }
  char expr[sizeof m->terms[0].expr];
  yaml_node_t *en = s[T_EXPR].val;
  if (hf_yaml_string(r, en, where, "expr", "a polynomial expression (string)", expr, sizeof expr))
    return HF_FAIL;
  /* Parse here first so that syntax errors are reported against 'expr'. */
  hf_poly p;
  if (hf_poly_parse(&p, expr, r->err)) {
    char msg[sizeof r->err->msg];
    snprintf(msg, sizeof msg, "%s", r->err->msg);
    return hf_yaml_fail_at(r, en, "%skey 'expr': %s", where, msg);
  }
  for (int i = 0; i < p.n; i++)
    for (int j = 0; j < p.m[i].deg; j++) {
      unsigned d = kind_dof(p.m[i].f[j].kind);
      if (!(m->dof & d)) {
        char v[32];
        hf_var_str(&p.m[i].f[j], v, sizeof v);
        hf_poly_free(&p);
        return hf_yaml_fail_at(
            r, en,
            "%skey 'expr': uses %s, which needs '%s' in 'dof' (expected only variables "
            "of the degrees of freedom listed there)",
            where, v, dof_name(d));
      }
    }
  hf_poly_free(&p);
  if (hf_model_add_term(m, name, coef, expr, sym, r->err)) {
    char msg[sizeof r->err->msg];
    snprintf(msg, sizeof msg, "%s", strip_term_prefix(r->err->msg, name));
    int on_sym = s[T_SYM].val && sym != HF_SYM_NONE && strstr(msg, "averages to zero");
    return hf_yaml_fail_at(r, on_sym ? s[T_SYM].val : en, "%skey '%s': %s", where,
                           on_sym ? "symmetrize" : "expr", msg);
  }
  m->terms[m->nterms - 1].stdev = stdev;
  return HF_OK;
}

enum {
  K_NAME,
  K_CITATION,
  K_NOTES,
  K_UNITS,
  K_REFERENCE,
  K_DOF,
  K_SITES,
  K_MASSES,
  K_DIPOLE,
  K_TERMS,
  K_ALLOY,
  K_N
};

/* alloy_species: [host, second], the element symbols of sigma = 0 and 1. */
static int read_alloy_species(hf_yreader *r, yaml_node_t *key, yaml_node_t *n, hf_model *m) {
  const char *what = "two element symbols [host (sigma = 0), second (sigma = 1)], e.g. [Ti, Zr]";
  if (!(m->dof & HF_DOF_SIGMA))
    return hf_yaml_fail_at(r, key,
                           "key 'alloy_species': the model has no sigma in 'dof' (expected it "
                           "only for alloys)");
  if (n->type != YAML_SEQUENCE_NODE ||
      n->data.sequence.items.top - n->data.sequence.items.start != 2)
    return hf_yaml_expected(r, n, "", "alloy_species", what);
  for (int k = 0; k < 2; k++) {
    yaml_node_t *e = yaml_document_get_node(&r->doc, n->data.sequence.items.start[k]);
    if (e->type != YAML_SCALAR_NODE || !hf_element_symbol_ok(hf_yaml_str(e)))
      return hf_yaml_expected(r, e, "", "alloy_species", what);
    snprintf(m->alloy_species[k], sizeof m->alloy_species[k], "%s", hf_yaml_str(e));
  }
  if (!strcmp(m->alloy_species[0], m->alloy_species[1]))
    return hf_yaml_expected(r, n, "", "alloy_species", "two different element symbols");
  return HF_OK;
}

static int read_model(hf_yreader *r, hf_model *m, yaml_node_t *root) {
  hf_yslot k[K_N] = {{.key = "name"},  {.key = "citation"},     {.key = "notes"},
                     {.key = "units"}, {.key = "reference"},    {.key = "dof"},
                     {.key = "sites"}, {.key = "masses"},       {.key = "dipole"},
                     {.key = "terms"}, {.key = "alloy_species"}};
  const char *top = "the top-level mapping";
  if (hf_yaml_map(r, root, "", NULL, "a mapping of model keys (name, citation, units, ...)", "", k,
                  K_N))
    return HF_FAIL;
  if (hf_yaml_need(r, root, "", &k[K_NAME], "model name", top) ||
      hf_yaml_need(r, root, "", &k[K_CITATION], "where the parameters come from", top) ||
      hf_yaml_need(r, root, "", &k[K_UNITS], "{energy: eV, length: Angstrom, mass: amu}", top) ||
      hf_yaml_need(r, root, "", &k[K_REFERENCE], "a0, zstar, eps_inf", top) ||
      hf_yaml_need(r, root, "", &k[K_DOF], "list of degrees of freedom", top) ||
      hf_yaml_need(r, root, "", &k[K_TERMS], "list of energy terms", top))
    return HF_FAIL;
  if (hf_yaml_string(r, k[K_NAME].val, "", "name", "a model name (string)", m->name,
                     sizeof m->name) ||
      hf_yaml_string(r, k[K_CITATION].val, "", "citation", "a citation (string)", m->citation,
                     sizeof m->citation))
    return HF_FAIL;
  if (!m->name[0])
    return hf_yaml_fail_at(r, k[K_NAME].val, "key 'name': expected a non-empty model name, got ''");
  if (k[K_NOTES].val && hf_yaml_string(r, k[K_NOTES].val, "", "notes", "free text (string)",
                                       m->notes, sizeof m->notes))
    return HF_FAIL;

  /* units: exactly eV, Angstrom, amu */
  {
    static const char *const uk[3] = {"energy", "length", "mass"};
    static const char *const uv[3] = {"eV", "Angstrom", "amu"};
    hf_yslot u[3] = {{.key = "energy"}, {.key = "length"}, {.key = "mass"}};
    yaml_node_t *n = k[K_UNITS].val;
    if (hf_yaml_map(r, n, "", "units", "a mapping {energy: eV, length: Angstrom, mass: amu}",
                    "units: ", u, 3))
      return HF_FAIL;
    for (int i = 0; i < 3; i++) {
      char what[64];
      snprintf(what, sizeof what, "'%s'", uv[i]);
      if (hf_yaml_need(r, k[K_UNITS].keynode, "units: ", &u[i], what, "'units'")) return HF_FAIL;
      if (hf_yaml_choice(r, u[i].val, "units: ", uk[i], &uv[i], 1, what) < 0) return HF_FAIL;
    }
  }

  /* dof */
  {
    yaml_node_t *n = k[K_DOF].val, *seen[5] = {0};
    if (n->type != YAML_SEQUENCE_NODE)
      return hf_yaml_expected(r, n, "", "dof",
                              "a list of degrees of freedom (u, v, omega, eta, sigma)");
    int i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
      yaml_node_t *d = yaml_document_get_node(&r->doc, *it);
      char key[32];
      snprintf(key, sizeof key, "dof[%d]", i);
      int j = hf_yaml_choice(r, d, "", key, dof_names, 5, "one of u, v, omega, eta, sigma");
      if (j < 0) return HF_FAIL;
      if (seen[j])
        return hf_yaml_fail_at(r, d, "key 'dof[%d]': '%s' is listed twice (first at line %d)", i,
                               dof_names[j], hf_yaml_line(seen[j]));
      seen[j] = d;
      m->dof |= dof_bits[j];
    }
  }

  static const char *const vec[3] = {"u", "v", "omega"};
  static const unsigned vbit[3] = {HF_DOF_U, HF_DOF_V, HF_DOF_W};

  if (k[K_DIPOLE].val) {
    if (hf_yaml_bool(r, k[K_DIPOLE].val, "", "dipole", &m->dipole)) return HF_FAIL;
    if (m->dipole && !(m->dof & HF_DOF_U))
      return hf_yaml_fail_at(r, k[K_DIPOLE].val,
                             "key 'dipole': the dipole term needs 'u' in 'dof'");
  }

  /* reference */
  {
    yaml_node_t *n = k[K_REFERENCE].val;
    hf_yslot s[3] = {{.key = "a0"}, {.key = "zstar"}, {.key = "eps_inf"}};
    const char *w = "reference: ";
    const yaml_node_t *at = k[K_REFERENCE].keynode;
    if (hf_yaml_map(r, n, "", "reference", "a mapping {a0: ..., zstar: ..., eps_inf: ...}", w, s,
                    3))
      return HF_FAIL;
    if (hf_yaml_need(r, at, w, &s[0], "cubic lattice constant, Angstrom", "'reference'"))
      return HF_FAIL;
    if (hf_yaml_positive(r, s[0].val, w, "a0", "a positive number (Angstrom)", &m->a0))
      return HF_FAIL;
    if (m->dipole) {
      char why[96];
      snprintf(why, sizeof why, "required because dipole: true at line %d",
               hf_yaml_line(k[K_DIPOLE].val));
      if (hf_yaml_need(r, at, w, &s[1], why, "'reference'") ||
          hf_yaml_need(r, at, w, &s[2], why, "'reference'"))
        return HF_FAIL;
    }
    if (s[1].val) {
      if (hf_yaml_number(r, s[1].val, w, "zstar", "a non-zero number (Born charge of u, e)",
                         &m->zstar))
        return HF_FAIL;
      if (m->zstar == 0)
        return hf_yaml_expected(r, s[1].val, w, "zstar", "a non-zero number (Born charge of u, e)");
    }
    if (s[2].val &&
        hf_yaml_positive(r, s[2].val, w, "eps_inf",
                         "a positive number (optical dielectric constant)", &m->eps_inf))
      return HF_FAIL;
  }

  /* sites (optional per field; defaults from hf_model_init) */
  if (k[K_SITES].val) {
    yaml_node_t *n = k[K_SITES].val;
    hf_yslot s[4] = {{.key = "u"}, {.key = "v"}, {.key = "omega"}, {.key = "sigma"}};
    if (hf_yaml_map(r, n, "", "sites", "a mapping {u: A|B, v: A|B, omega: A|B, sigma: A|B}",
                    "sites: ", s, 4))
      return HF_FAIL;
    static const char *const ab[2] = {"A", "B"};
    if (s[3].val) { /* the alloy sublattice; default the u site */
      if (!(m->dof & HF_DOF_SIGMA))
        return hf_yaml_fail_at(r, s[3].keynode,
                               "sites: key 'sigma': sigma is not a degree of freedom of this "
                               "model (expected it only with sigma in 'dof')");
      int c = hf_yaml_choice(r, s[3].val, "sites: ", "sigma", ab, 2, "A or B");
      if (c < 0) return HF_FAIL;
      m->sigma_site = c == 0 ? HF_SITE_A : HF_SITE_B;
    }
    for (int i = 0; i < 3; i++) {
      if (!s[i].val) continue;
      if (!(m->dof & vbit[i]))
        return hf_yaml_fail_at(
            r, s[i].keynode,
            "sites: key '%s': %s is not a degree of freedom of this model (expected "
            "sites only for vector fields listed in 'dof')",
            vec[i], vec[i]);
      int c = hf_yaml_choice(r, s[i].val, "sites: ", vec[i], ab, 2, "A or B");
      if (c < 0) return HF_FAIL;
      m->site[i] = c == 0 ? HF_SITE_A : HF_SITE_B;
    }
  }
  if ((m->dof & HF_DOF_U) && (m->dof & HF_DOF_V) && m->site[0] == m->site[1])
    return hf_yaml_fail_at(
        r, k[K_SITES].keynode ? k[K_SITES].keynode : root,
        "sites: u and v are both on %s (expected one on A and one on B: the local "
        "strain is built from the v's around each u)",
        m->site[0] == HF_SITE_A ? "A" : "B");

  if (k[K_ALLOY].val && read_alloy_species(r, k[K_ALLOY].keynode, k[K_ALLOY].val, m))
    return HF_FAIL;

  /* masses: required for every vector dof present */
  {
    int any = 0;
    for (int i = 0; i < 3; i++) any |= !!(m->dof & vbit[i]);
    if (any &&
        hf_yaml_need(r, root, "", &k[K_MASSES], "amu, for every vector degree of freedom", top))
      return HF_FAIL;
    if (k[K_MASSES].val) {
      yaml_node_t *n = k[K_MASSES].val;
      hf_yslot s[3] = {{.key = "u"}, {.key = "v"}, {.key = "omega"}};
      if (hf_yaml_map(r, n, "", "masses", "a mapping {u: amu, v: amu, omega: amu}", "masses: ", s,
                      3))
        return HF_FAIL;
      for (int i = 0; i < 3; i++) {
        if (m->dof & vbit[i]) {
          char why[80];
          snprintf(why, sizeof why, "mass of %s in amu, required because %s is in 'dof'", vec[i],
                   vec[i]);
          if (hf_yaml_need(r, k[K_MASSES].keynode, "masses: ", &s[i], why, "'masses'"))
            return HF_FAIL;
        } else if (s[i].val) {
          return hf_yaml_fail_at(
              r, s[i].keynode,
              "masses: key '%s': %s is not a degree of freedom of this model (expected "
              "masses only for vector fields listed in 'dof')",
              vec[i], vec[i]);
        }
        if (s[i].val &&
            hf_yaml_positive(r, s[i].val, "masses: ", vec[i], "a positive mass (amu)", &m->mass[i]))
          return HF_FAIL;
      }
    }
  }

  /* terms */
  {
    yaml_node_t *n = k[K_TERMS].val;
    if (n->type != YAML_SEQUENCE_NODE)
      return hf_yaml_expected(r, n, "", "terms", "a list of term mappings (name, coef, expr, ...)");
    int i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++)
      if (hf_model_read_term(r, m, yaml_document_get_node(&r->doc, *it), "terms", i))
        return HF_FAIL;
  }
  return HF_OK;
}

int hf_model_load(hf_model *m, const char *path, hf_err *err) {
  hf_model_init(m);
  hf_yreader r;
  yaml_node_t *root;
  if (hf_yaml_open(&r, path, &root, err)) return HF_FAIL;
  int rc = read_model(&r, m, root);
  if (!rc && hf_model_validate(m, err)) rc = hf_wrap(err, "%s", path);
  hf_yaml_close(&r);
  if (rc) hf_model_free(m);
  return rc;
}

/* ------------------------------------------------------------ writing */

/* Shortest of %.15g..%.17g that reads back to exactly x. */
static void fmt_double(double x, char *buf, size_t n) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) return;
  }
}

typedef struct {
  yaml_emitter_t e;
  int ok;
} writer;

static void emit(writer *w, yaml_event_t *ev, int init_ok) {
  if (!w->ok) {
    if (init_ok) yaml_event_delete(ev);
    return;
  }
  if (!init_ok || !yaml_emitter_emit(&w->e, ev)) w->ok = 0; /* emit frees ev even on failure */
}

static void put_scalar(writer *w, const char *s, yaml_scalar_style_t style) {
  yaml_event_t ev;
  int ok = yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s, (int)strlen(s), 1,
                                        1, style);
  emit(w, &ev, ok);
}
static void put_key(writer *w, const char *k) { put_scalar(w, k, YAML_PLAIN_SCALAR_STYLE); }
static void put_str(writer *w, const char *k, const char *v) {
  put_key(w, k);
  put_scalar(w, v, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}
static void put_word(writer *w, const char *k, const char *v) {
  put_key(w, k);
  put_scalar(w, v, YAML_PLAIN_SCALAR_STYLE);
}
static void put_num(writer *w, const char *k, double x) {
  char b[40];
  fmt_double(x, b, sizeof b);
  put_word(w, k, b);
}
static void map_start(writer *w, yaml_mapping_style_t style) {
  yaml_event_t ev;
  emit(w, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, style));
}
static void map_end(writer *w) {
  yaml_event_t ev;
  emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}
static void seq_start(writer *w, yaml_sequence_style_t style) {
  yaml_event_t ev;
  emit(w, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style));
}
static void seq_end(writer *w) {
  yaml_event_t ev;
  emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* Refuses models the loader would not read back identically. */
static int check_savable(const hf_model *m, hf_err *err) {
  if (hf_model_validate(m, err)) return HF_FAIL;
  if (!m->name[0]) return hf_fail(err, "the model has no name");
  if (m->dipole && !(m->dof & HF_DOF_U)) return hf_fail(err, "dipole is set but u is not a dof");
  double nums[] = {m->a0, m->zstar, m->eps_inf, m->mass[0], m->mass[1], m->mass[2]};
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    if (!isfinite(nums[i])) return hf_fail(err, "the model's reference data are not finite");
  if (m->eps_inf < 0) return hf_fail(err, "eps_inf must be positive");
  hf_model scratch;
  hf_model_init(&scratch);
  scratch.dof = m->dof;
  memcpy(scratch.site, m->site, sizeof scratch.site);
  scratch.sigma_site = m->sigma_site;
  int rc = HF_OK;
  for (int i = 0; i < m->nterms && rc == HF_OK; i++) {
    const hf_term *t = &m->terms[i];
    if (!valid_term_name(t->name))
      rc = hf_fail(err, "term %d: name '%s' is not letters, digits and _ - . +", i, t->name);
    else if (!isfinite(t->coef) || !isfinite(t->stdev) || t->stdev < 0)
      rc = hf_fail(err, "term '%s': coef and stdev must be finite (stdev >= 0)", t->name);
    for (int j = 0; j < i && rc == HF_OK; j++)
      if (!strcmp(m->terms[j].name, t->name))
        rc = hf_fail(err, "term name '%s' is used twice", t->name);
    if (rc) break;
    /* The file stores expr and symmetrize: they must rebuild this polynomial. */
    if (hf_model_add_term(&scratch, t->name, t->coef, t->expr, t->symmetrize, err)) {
      rc = hf_wrap(err, "cannot save term '%s'", t->name);
      break;
    }
    const hf_poly *a = &scratch.terms[scratch.nterms - 1].poly;
    if (a->n != t->poly.n || hf_poly_diff(a, &t->poly) != 0)
      rc = hf_fail(err,
                   "term '%s': its polynomial is not the one its expr \"%s\" and symmetrize "
                   "mode %d give, so the file could not reproduce it",
                   t->name, t->expr, t->symmetrize);
  }
  hf_model_free(&scratch);
  return rc;
}

int hf_model_save(const hf_model *m, const char *path, hf_err *err) {
  if (check_savable(m, err)) return hf_wrap(err, "%s: cannot save model", path);
  FILE *f = fopen(path, "wb");
  if (!f) return hf_fail(err, "%s: cannot open for writing: %s", path, strerror(errno));
  fputs(
      "# heff model file written by hf_model_save (format: docs/model-format.md).\n"
      "# Units: energy eV, length Angstrom, mass amu; each term's coef is in eV per unit of\n"
      "# its polynomial, which is summed over all cells.\n",
      f);
  writer w = {.ok = 1};
  if (!yaml_emitter_initialize(&w.e)) {
    fclose(f);
    return hf_fail(err, "%s: out of memory", path);
  }
  yaml_emitter_set_output_file(&w.e, f);
  yaml_emitter_set_unicode(&w.e, 1);
  yaml_emitter_set_width(&w.e, -1);
  yaml_emitter_set_indent(&w.e, 2);
  yaml_event_t ev;
  emit(&w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
  emit(&w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
  map_start(&w, YAML_BLOCK_MAPPING_STYLE);
  put_str(&w, "name", m->name);
  put_str(&w, "citation", m->citation);
  if (m->notes[0]) put_str(&w, "notes", m->notes);
  put_key(&w, "units");
  map_start(&w, YAML_FLOW_MAPPING_STYLE);
  put_word(&w, "energy", "eV");
  put_word(&w, "length", "Angstrom");
  put_word(&w, "mass", "amu");
  map_end(&w);
  put_key(&w, "reference");
  map_start(&w, YAML_BLOCK_MAPPING_STYLE);
  put_num(&w, "a0", m->a0);
  if (m->dipole || m->zstar != 0) put_num(&w, "zstar", m->zstar);
  if (m->dipole || m->eps_inf != 0) put_num(&w, "eps_inf", m->eps_inf);
  map_end(&w);
  put_key(&w, "dof");
  seq_start(&w, YAML_FLOW_SEQUENCE_STYLE);
  for (int i = 0; i < 5; i++)
    if (m->dof & dof_bits[i]) put_scalar(&w, dof_names[i], YAML_PLAIN_SCALAR_STYLE);
  seq_end(&w);
  static const char *const vec[3] = {"u", "v", "omega"};
  static const unsigned vbit[3] = {HF_DOF_U, HF_DOF_V, HF_DOF_W};
  if (m->dof & (HF_DOF_U | HF_DOF_V | HF_DOF_W)) {
    put_key(&w, "sites");
    map_start(&w, YAML_FLOW_MAPPING_STYLE);
    for (int i = 0; i < 3; i++)
      if (m->dof & vbit[i]) put_word(&w, vec[i], m->site[i] == HF_SITE_A ? "A" : "B");
    if ((m->dof & HF_DOF_SIGMA) && m->sigma_site >= 0)
      put_word(&w, "sigma", m->sigma_site == HF_SITE_A ? "A" : "B");
    map_end(&w);
    put_key(&w, "masses");
    map_start(&w, YAML_FLOW_MAPPING_STYLE);
    for (int i = 0; i < 3; i++)
      if (m->dof & vbit[i]) put_num(&w, vec[i], m->mass[i]);
    map_end(&w);
  }
  if ((m->dof & HF_DOF_SIGMA) && m->alloy_species[0][0]) {
    put_key(&w, "alloy_species");
    seq_start(&w, YAML_FLOW_SEQUENCE_STYLE);
    for (int k = 0; k < 2; k++) put_scalar(&w, m->alloy_species[k], YAML_PLAIN_SCALAR_STYLE);
    seq_end(&w);
  }
  put_word(&w, "dipole", m->dipole ? "true" : "false");
  put_key(&w, "terms");
  seq_start(&w, YAML_BLOCK_SEQUENCE_STYLE);
  static const char *const modes[] = {"none", "average", "orbit"};
  for (int i = 0; i < m->nterms; i++) {
    const hf_term *t = &m->terms[i];
    map_start(&w, YAML_BLOCK_MAPPING_STYLE);
    put_word(&w, "name", t->name);
    put_num(&w, "coef", t->coef);
    put_str(&w, "expr", t->expr);
    put_word(&w, "symmetrize", modes[t->symmetrize]);
    if (t->stdev != 0) put_num(&w, "stdev", t->stdev);
    map_end(&w);
  }
  seq_end(&w);
  map_end(&w);
  emit(&w, &ev, yaml_document_end_event_initialize(&ev, 1));
  emit(&w, &ev, yaml_stream_end_event_initialize(&ev));
  if (w.ok && !yaml_emitter_flush(&w.e)) w.ok = 0;
  int rc = HF_OK;
  if (!w.ok)
    rc = hf_fail(err, "%s: writing YAML failed: %s", path,
                 w.e.problem ? w.e.problem : "write error");
  yaml_emitter_delete(&w.e);
  if (ferror(f)) {
    if (rc == HF_OK) rc = hf_fail(err, "%s: write error: %s", path, strerror(errno));
  }
  if (fclose(f) && rc == HF_OK) rc = hf_fail(err, "%s: write error: %s", path, strerror(errno));
  return rc;
}
