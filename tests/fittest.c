/* fittest.c - helpers of the fit tests (fittest.h). */
#include "fittest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_config.h"
#include "testfile.h"

int fittest_run(const char *path, long first, int finish, int resume, long *done, hf_err *err) {
  fit_config c;
  fit_run *r;
  int resumed;
  if (fit_config_load(&c, path, err) || fit_run_create(&r, &c, resume, &resumed, err))
    return HF_FAIL;
  int st = fit_run_advance(r, first, err);
  if (done) *done = fit_run_get_stats(r)->step;
  if (st != HF_FAIL && finish) {
    while (st == 0) st = fit_run_advance(r, 1000, err);
    if (st != HF_FAIL && fit_run_finish(r, err)) st = HF_FAIL;
  }
  fit_run_free(r);
  return st == HF_FAIL ? HF_FAIL : HF_OK;
}

int fittest_run_in(const char *root, const char *name, long first, int finish, int resume,
                   hf_err *err) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", root, name);
  return fittest_run(path, first, finish, resume, NULL, err);
}

int fittest_refit(const char *root, const char *data_dir, const char *name, hf_model *m,
                  hf_err *err) {
  char path[1200], data[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", root, name);
  snprintf(data, sizeof data, "%s/%s", root, data_dir);
  fit_config c;
  fit_run *r;
  if (fit_config_load(&c, path, err) || fit_refit_create(&r, &c, data, err)) return HF_FAIL;
  int rc = fit_run_finish(r, err);
  fit_run_free(r);
  snprintf(path, sizeof path, "%s/%s/model.yaml", root, name);
  return rc || hf_model_load(m, path, err);
}

char *fittest_slurp(const char *root, const char *dir, const char *name, long *n) {
  char path[3200];
  snprintf(path, sizeof path, "%s/%s/%s", root, dir, name);
  return testfile_read_n(path, n);
}

int fittest_resume_differs(const char *root, const char *full, const char *part, long stop,
                           long steps, hf_err *err) {
  if (fittest_run_in(root, part, stop, 0, 0, err) || fittest_run_in(root, part, steps, 1, 1, err))
    return -1;
  static const char *const files[3] = {"train.xyz", "learning.tsv", "calls.tsv"};
  int differ = 0;
  for (int k = 0; k < 3; k++)
    if (!fittest_same_file(root, full, part, files[k])) {
      printf("%s after a stop at step %ld and --resume differs from the uninterrupted run\n",
             files[k], stop);
      differ++;
    }
  return differ;
}

int fittest_refuses(const char *root, const char *name, const char *key, const char *value) {
  char path[1200], file[300];
  snprintf(path, sizeof path, "%s/%s.yaml", root, name);
  snprintf(file, sizeof file, "%s.yaml", name);
  fit_config c;
  hf_err err;
  const int rc = fit_config_load(&c, path, &err);
  printf("%s: %s -> %s\n", key, value, rc ? err.msg : "accepted");
  return rc && strstr(err.msg, key) && strstr(err.msg, file);
}

int fittest_same_file(const char *root, const char *a, const char *b, const char *name) {
  long na, nb;
  char *x = fittest_slurp(root, a, name, &na), *y = fittest_slurp(root, b, name, &nb);
  const int same = x && y && na == nb && !memcmp(x, y, (size_t)na);
  free(x), free(y);
  return same;
}

int fittest_truth(const hf_model *m, const char *extra, hf_sat_set *s, double **w, double *residual,
                  hf_err *err) {
  hf_sites sites;
  hf_model_sites(m, &sites);
  hf_sat_request q;
  hf_sat_request_init(&q);
  hf_sat_set_init(s);
  *w = NULL;
  *residual = 0;
  if (hf_sat_request_default(&q, m->dof, &sites, err) ||
      (extra && hf_sat_request_add(&q, extra, err)) || hf_sat_generate(s, &q, &sites, err))
    return HF_FAIL;
  *w = calloc((size_t)s->n, sizeof **w);
  double *c = malloc((size_t)s->n * sizeof *c);
  int rc = *w && c ? HF_OK : hf_fail(err, "out of memory");
  for (int t = 0; !rc && t < m->nterms; t++) {
    double res;
    rc = hf_sat_decompose(s, &m->terms[t].poly, c, &res, err);
    *residual = fmax(*residual, res);
    for (int k = 0; !rc && k < s->n; k++) (*w)[k] += m->terms[t].coef * c[k];
  }
  free(c);
  return rc;
}

void fittest_write_zvr_engine(const char *root, const char *name, const char *models,
                              const char *engine_model, int steps, int checkpoint_every,
                              const char *extra) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", root, name);
  FILE *f = fopen(path, "w");
  if (!f) return;
  fprintf(f,
          "reference: %s/BaTiO3_ZVR1995.yaml\n"
          "engine: {type: model, model: %s, noise: {force: 0.05}}\n"
          "pressure: -4.8\ntemperatures: [100, 300]\nsupercell: [2, 2, 2]\nsteps: %d\n"
          "seed: 4\noutput: {dir: %s, checkpoint_every: %d, log_every: 10, progress: false}\n%s",
          models, engine_model, steps, name, checkpoint_every, extra ? extra : "");
  fclose(f);
}

void fittest_write_zvr(const char *root, const char *name, const char *models, int steps,
                       int checkpoint_every, const char *extra) {
  char zvr[1100];
  snprintf(zvr, sizeof zvr, "%s/BaTiO3_ZVR1995.yaml", models);
  fittest_write_zvr_engine(root, name, models, zvr, steps, checkpoint_every, extra);
}

void fittest_write_zvr_noisy(const char *root, const char *name, const char *models,
                             const char *key, const char *value) {
  char extra[1200] = "";
  if (key) snprintf(extra, sizeof extra, "%s: {%s}\n", key, value);
  fittest_write_zvr(root, name, models, 300, 100, extra);
}
