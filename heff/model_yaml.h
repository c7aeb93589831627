/* model_yaml.h - reading one model term from YAML, for other input files
 * that carry terms (a fit file's extra engine terms). */
#ifndef HF_MODEL_YAML_H
#define HF_MODEL_YAML_H

#include "model.h"
#include "yaml_read.h"

/* Reads the term mapping n (name, coef, expr[, symmetrize, stdev]) and adds
 * it to m; messages name it "<list>[idx]" (list: "terms" in model files). */
int hf_model_read_term(hf_yreader *r, hf_model *m, yaml_node_t *n, const char *list, int idx);

#endif
