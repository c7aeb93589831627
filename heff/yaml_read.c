/* yaml_read.c - schema-checked YAML reading shared by the model and run
 * file readers (see yaml_read.h). */
#include "yaml_read.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hf_yaml_line(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }

int hf_yaml_fail_at(hf_yreader *r, const yaml_node_t *n, const char *fmt, ...) {
  char buf[sizeof((hf_err *)0)->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return hf_fail(r->err, "%s:%d: %s", r->path, hf_yaml_line(n), buf);
}

const char *hf_yaml_str(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

int hf_yaml_is_null(const yaml_node_t *n) {
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
  const char *s = hf_yaml_str(n);
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* "'abc'", "a mapping", "nothing (null)" - for "got ..." in messages. */
static const char *describe(const yaml_node_t *n, char *buf, size_t len) {
  switch (n->type) {
    case YAML_SCALAR_NODE:
      if (hf_yaml_is_null(n)) return "nothing (null)";
      if (n->data.scalar.length > 60)
        snprintf(buf, len, "'%.57s...'", hf_yaml_str(n));
      else
        snprintf(buf, len, "'%s'", hf_yaml_str(n));
      return buf;
    case YAML_SEQUENCE_NODE:
      return "a sequence";
    case YAML_MAPPING_NODE:
      return "a mapping";
    default:
      return "an empty node";
  }
}

int hf_yaml_expected(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                     const char *what) {
  char b[80];
  return hf_yaml_fail_at(r, n, "%skey '%s': expected %s, got %s", where, key, what,
                         describe(n, b, sizeof b));
}

/* Checks that n (the value of key, or a list item when key is NULL) is a
 * mapping whose keys are all in slots, without duplicates, and fills the
 * slots' values (NULL when absent).  where prefixes messages about n itself,
 * inner those about its keys. */
int hf_yaml_map(hf_yreader *r, yaml_node_t *n, const char *where, const char *key, const char *what,
                const char *inner, hf_yslot *slots, int nslots) {
  for (int i = 0; i < nslots; i++) slots[i].val = slots[i].keynode = NULL;
  if (n->type != YAML_MAPPING_NODE) {
    if (key) return hf_yaml_expected(r, n, where, key, what);
    char b[80];
    return hf_yaml_fail_at(r, n, "%sexpected %s, got %s", where, what, describe(n, b, sizeof b));
  }
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&r->doc, p->key);
    yaml_node_t *v = yaml_document_get_node(&r->doc, p->value);
    if (k->type != YAML_SCALAR_NODE) {
      char b[80];
      return hf_yaml_fail_at(r, k, "%sexpected a key name, got %s", inner,
                             describe(k, b, sizeof b));
    }
    int found = -1;
    for (int i = 0; i < nslots && found < 0; i++)
      if (!strcmp(slots[i].key, hf_yaml_str(k))) found = i;
    if (found < 0) {
      char list[256] = "";
      for (int i = 0; i < nslots; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 slots[i].key);
      return hf_yaml_fail_at(r, k, "%sunknown key '%.80s' (expected one of: %s)", inner,
                             hf_yaml_str(k), list);
    }
    if (slots[found].keynode)
      return hf_yaml_fail_at(r, k, "%sduplicate key '%s' (first at line %d)", inner,
                             slots[found].key, hf_yaml_line(slots[found].keynode));
    slots[found].keynode = k;
    slots[found].val = v;
  }
  return HF_OK;
}

/* at: where to point for a missing key - the key that holds the mapping
 * (e.g. "reference:"), or the mapping itself for the top level and terms. */
int hf_yaml_need(hf_yreader *r, const yaml_node_t *at, const char *where, const hf_yslot *s,
                 const char *what, const char *mapname) {
  if (s->val) return HF_OK;
  return hf_yaml_fail_at(r, at, "%smissing required key '%s' (%s) in %s", where, s->key, what,
                         mapname);
}

/* Any scalar style; not null, no NUL byte, fits in cap (including the NUL). */
int hf_yaml_string(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                   const char *what, char *dst, size_t cap) {
  if (n->type != YAML_SCALAR_NODE || hf_yaml_is_null(n))
    return hf_yaml_expected(r, n, where, key, what);
  if (strlen(hf_yaml_str(n)) != n->data.scalar.length)
    return hf_yaml_fail_at(r, n, "%skey '%s': expected %s, got a string containing a NUL character",
                           where, key, what);
  if (n->data.scalar.length >= cap)
    return hf_yaml_fail_at(r, n, "%skey '%s': expected %s of at most %zu characters, got %zu",
                           where, key, what, cap - 1, n->data.scalar.length);
  memcpy(dst, hf_yaml_str(n), n->data.scalar.length + 1);
  return HF_OK;
}

/* A decimal number: [+-] digits [. digits] [e [+-] digits], written plain. */
static int number_syntax(const char *s) {
  if (*s == '+' || *s == '-') s++;
  int digits = 0;
  while (*s >= '0' && *s <= '9') s++, digits++;
  if (*s == '.') {
    s++;
    while (*s >= '0' && *s <= '9') s++, digits++;
  }
  if (!digits) return 0;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!(*s >= '0' && *s <= '9')) return 0;
    while (*s >= '0' && *s <= '9') s++;
  }
  return *s == 0;
}

int hf_yaml_number(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                   const char *what, double *out) {
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
      !number_syntax(hf_yaml_str(n)))
    return hf_yaml_expected(r, n, where, key, what);
  double x = strtod(hf_yaml_str(n), NULL);
  if (!isfinite(x)) return hf_yaml_expected(r, n, where, key, what);
  *out = x;
  return HF_OK;
}

int hf_yaml_positive(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                     const char *what, double *out) {
  if (hf_yaml_number(r, n, where, key, what, out)) return HF_FAIL;
  if (!(*out > 0)) return hf_yaml_expected(r, n, where, key, what);
  return HF_OK;
}

int hf_yaml_bool(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                 int *out) {
  static const char *t[] = {"true", "True", "TRUE"}, *f[] = {"false", "False", "FALSE"};
  if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    for (int i = 0; i < 3; i++) {
      if (!strcmp(hf_yaml_str(n), t[i])) return *out = 1, HF_OK;
      if (!strcmp(hf_yaml_str(n), f[i])) return *out = 0, HF_OK;
    }
  return hf_yaml_expected(r, n, where, key, "true or false");
}

/* Which enum value a scalar names; -1 (after failing) if none. */
int hf_yaml_choice(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                   const char *const *names, int nnames, const char *what) {
  if (n->type == YAML_SCALAR_NODE && !hf_yaml_is_null(n))
    for (int i = 0; i < nnames; i++)
      if (!strcmp(hf_yaml_str(n), names[i])) return i;
  hf_yaml_expected(r, n, where, key, what);
  return -1;
}

static int yaml_problem(const yaml_parser_t *p, FILE *f, const char *path, hf_err *err) {
  switch (p->error) {
    case YAML_MEMORY_ERROR:
      return hf_fail(err, "%s: out of memory while reading YAML", path);
    case YAML_READER_ERROR: {
      if (ferror(f)) return hf_fail(err, "%s: cannot read file: %s", path, strerror(errno));
      /* the reader reports a byte offset: turn it into a line */
      int line = 1;
      rewind(f);
      for (size_t i = 0; i < p->problem_offset; i++) {
        int c = getc(f);
        if (c == EOF) break;
        line += c == '\n';
      }
      return hf_fail(err, "%s:%d: not valid YAML: %s (at byte %zu)", path, line,
                     p->problem ? p->problem : "read error", p->problem_offset);
    }
    default:
      if (p->context)
        return hf_fail(err, "%s:%d: not valid YAML: %s (%s at line %d)", path,
                       (int)p->problem_mark.line + 1, p->problem ? p->problem : "error", p->context,
                       (int)p->context_mark.line + 1);
      return hf_fail(err, "%s:%d: not valid YAML: %s", path, (int)p->problem_mark.line + 1,
                     p->problem ? p->problem : "error");
  }
}

int hf_yaml_open(hf_yreader *r, const char *path, yaml_node_t **root, hf_err *err) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->err = err;
  FILE *f = fopen(path, "rb");
  if (!f) return hf_fail(err, "%s: cannot open file: %s", path, strerror(errno));
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    fclose(f);
    return hf_fail(err, "%s: out of memory", path);
  }
  yaml_parser_set_input_file(&parser, f);
  int rc = HF_FAIL;
  if (!yaml_parser_load(&parser, &r->doc)) {
    yaml_problem(&parser, f, path, err);
    goto done;
  }
  r->loaded = 1;
  *root = yaml_document_get_root_node(&r->doc);
  if (!*root) {
    hf_fail(err, "%s:1: the file is empty (expected a YAML mapping)", path);
    goto done;
  }
  yaml_document_t extra;
  if (!yaml_parser_load(&parser, &extra)) {
    yaml_problem(&parser, f, path, err);
    goto done;
  }
  if (yaml_document_get_root_node(&extra)) {
    hf_fail(err, "%s:%d: a second YAML document (expected exactly one per file)", path,
            (int)extra.start_mark.line + 1);
    yaml_document_delete(&extra);
    goto done;
  }
  yaml_document_delete(&extra);
  rc = HF_OK;
done:
  yaml_parser_delete(&parser);
  fclose(f);
  if (rc) hf_yaml_close(r);
  return rc;
}

void hf_yaml_close(hf_yreader *r) {
  if (r->loaded) yaml_document_delete(&r->doc);
  r->loaded = 0;
}

int hf_yaml_integer(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                    long lo, long hi, long *out) {
  char what[96];
  snprintf(what, sizeof what, "a whole number between %ld and %ld", lo, hi);
  double x = 0;
  if (hf_yaml_number(r, n, where, key, what, &x)) return HF_FAIL;
  if (x != floor(x) || x < (double)lo || x > (double)hi)
    return hf_yaml_expected(r, n, where, key, what);
  *out = (long)x;
  return HF_OK;
}

int hf_yaml_numbers(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                    const char *what, double *out, int count) {
  if (n->type != YAML_SEQUENCE_NODE) {
    hf_yaml_expected(r, n, where, key, what);
    return -1;
  }
  int len = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
  if ((count >= 0 && len != count) || (count < 0 && (len < 1 || len > -count))) {
    hf_yaml_fail_at(r, n, "%skey '%s': expected %s, got a list of %d", where, key, what, len);
    return -1;
  }
  for (int i = 0; i < len; i++) {
    yaml_node_t *it =
        yaml_document_get_node((yaml_document_t *)&r->doc, n->data.sequence.items.start[i]);
    if (hf_yaml_number(r, it, where, key, what, &out[i])) return -1;
  }
  return len;
}

void hf_path_resolve(char *dst, size_t cap, const char *file, const char *rel) {
  if (rel[0] == '/') {
    snprintf(dst, cap, "%s", rel);
    return;
  }
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", file);
  snprintf(dst, cap, "%s/%s", dirname(tmp), rel);
}

int hf_yaml_supercell(hf_yreader *r, const yaml_node_t *n, int lo, int hi, const char *what,
                      int L[3]) {
  double v[3];
  if (hf_yaml_numbers(r, n, "", "supercell", "three cell counts [Lx, Ly, Lz]", v, 3) < 0)
    return HF_FAIL;
  for (int a = 0; a < 3; a++) {
    if (v[a] < lo || v[a] > hi || v[a] != floor(v[a]))
      return hf_yaml_expected(r, n, "", "supercell", what);
    L[a] = (int)v[a];
  }
  return HF_OK;
}

int hf_yaml_seed(hf_yreader *r, const yaml_node_t *n, unsigned long long *seed) {
  long v;
  if (hf_yaml_integer(r, n, "", "seed", 0, 9007199254740991L /* 2^53 - 1 */, &v)) return HF_FAIL;
  *seed = (unsigned long long)v;
  return HF_OK;
}

int hf_yaml_path(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                 const char *what, char *dst, size_t cap) {
  char buf[1024];
  if (hf_yaml_string(r, n, where, key, what, buf, sizeof buf)) return HF_FAIL;
  hf_path_resolve(dst, cap, r->path, buf);
  return HF_OK;
}
