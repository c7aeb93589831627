/* yaml_read.h - schema-checked reading of YAML input files (model and run
 * files) on top of libyaml's document API.  Every error names the file, the
 * 1-based line, the key and what was expected; unknown and duplicate keys are
 * errors.  "where" strings prefix messages (e.g. "terms[3] ('j5'): "). */
#ifndef HF_YAML_READ_H
#define HF_YAML_READ_H

#include <stddef.h>
#include <yaml.h>

#include "error.h"

typedef struct {
  const char *path;
  yaml_document_t doc;
  hf_err *err;
  int loaded;
} hf_yreader;

typedef struct {
  const char *key;
  yaml_node_t *val, *keynode;
} hf_yslot;

/* Parses the whole file; *root is its top node (a mapping is not checked). */
int hf_yaml_open(hf_yreader *r, const char *path, yaml_node_t **root, hf_err *err);
void hf_yaml_close(hf_yreader *r);

int hf_yaml_line(const yaml_node_t *n);
const char *hf_yaml_str(const yaml_node_t *n);
int hf_yaml_is_null(const yaml_node_t *n);
int hf_yaml_fail_at(hf_yreader *r, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hf_yaml_expected(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                     const char *what);
/* n must be a mapping whose keys are all among slots (no duplicates). */
int hf_yaml_map(hf_yreader *r, yaml_node_t *n, const char *where, const char *key, const char *what,
                const char *inner, hf_yslot *slots, int nslots);
int hf_yaml_need(hf_yreader *r, const yaml_node_t *at, const char *where, const hf_yslot *s,
                 const char *what, const char *mapname);
int hf_yaml_string(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                   const char *what, char *dst, size_t cap);
int hf_yaml_number(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                   const char *what, double *out);
int hf_yaml_positive(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                     const char *what, double *out);
/* A whole number in [lo, hi]. */
int hf_yaml_integer(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                    long lo, long hi, long *out);
int hf_yaml_bool(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key, int *out);
/* Index of the name n holds, or -1 after failing. */
int hf_yaml_choice(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                   const char *const *names, int nnames, const char *what);
/* A sequence of exactly count numbers (count < 0: 1..|count| numbers); returns how many. */
int hf_yaml_numbers(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                    const char *what, double *out, int count);

/* Key 'supercell': three whole numbers in [lo, hi] into L. */
int hf_yaml_supercell(hf_yreader *r, const yaml_node_t *n, int lo, int hi, const char *what,
                      int L[3]);
/* Key 'seed': a whole number 0 .. 2^53 - 1 (exact in YAML's floats too). */
int hf_yaml_seed(hf_yreader *r, const yaml_node_t *n, unsigned long long *seed);

/* A path string, resolved against the directory of the file being read. */
int hf_yaml_path(hf_yreader *r, const yaml_node_t *n, const char *where, const char *key,
                 const char *what, char *dst, size_t cap);

/* dst = the directory of `file` joined with rel, or rel when it is absolute
 * (paths inside input files are relative to the file). */
void hf_path_resolve(char *dst, size_t cap, const char *file, const char *rel);

#endif
