/* fittest.h - helpers of the fit tests (test_otf.c, test_alloy_fit.c,
 * test_fit_child.c, test_child_alloy.c): run a fit file in parts, read a run
 * file whole, and the hidden model's coefficients in the default SAT basis. */
#ifndef HF_FITTEST_H
#define HF_FITTEST_H

#include "otf.h"
#include "sat.h"

/* Loads the fit file at path, creates the run (resume: --resume), advances
 * `first` steps and with finish runs on to the end and writes the final
 * files; *done (may be NULL) gets the step reached. */
int fittest_run(const char *path, long first, int finish, int resume, long *done, hf_err *err);

/* fittest_run on root/name.yaml (*done not reported). */
int fittest_run_in(const char *root, const char *name, long first, int finish, int resume,
                   hf_err *err);

/* Writes root/name.yaml: a fit of the ZVR BaTiO3 model by itself (models/
 * BaTiO3_ZVR1995.yaml under models; forces with 0.05 eV/A of noise, 2x2x2,
 * 100 -> 300 K at -4.8 GPa, 300 steps, seed 4, output to root/name) plus
 * the line `key: {value}` (key NULL: none). */
/* As fittest_write_zvr_noisy with `steps`, `checkpoint_every` and the lines
 * extra (NULL: none) appended. */
void fittest_write_zvr(const char *root, const char *name, const char *models, int steps,
                       int checkpoint_every, const char *extra);
/* The same with the engine's (hidden) model at engine_model instead of ZVR. */
void fittest_write_zvr_engine(const char *root, const char *name, const char *models,
                              const char *engine_model, int steps, int checkpoint_every,
                              const char *extra);

void fittest_write_zvr_noisy(const char *root, const char *name, const char *models,
                             const char *key, const char *value);

/* fit --refit root/data_dir root/name.yaml, and the refit's model (root/name/
 * model.yaml) into *m. */
int fittest_refit(const char *root, const char *data_dir, const char *name, hf_model *m,
                  hf_err *err);

/* The whole file root/dir/name (NUL-terminated; NULL if it cannot be read);
 * *n its length. */
char *fittest_slurp(const char *root, const char *dir, const char *name, long *n);

/* 1 if root/a/name and root/b/name are the same bytes (both readable). */
int fittest_same_file(const char *root, const char *a, const char *b, const char *name);

/* Runs root/part.yaml to step stop (no finish), then --resume to steps and
 * finish; returns how many of train.xyz, learning.tsv and calls.tsv differ
 * from root/full's (each named on stdout), or -1 when a run fails (err). */
int fittest_resume_differs(const char *root, const char *full, const char *part, long stop,
                           long steps, hf_err *err);

/* 1 if fit_config_load refuses root/name.yaml with a message naming key and
 * the file (the message printed, labelled with value). */
int fittest_refuses(const char *root, const char *name, const char *key, const char *value);

/* s = paper 003's default basis for m's degrees of freedom and sites, plus
 * the family extra (NULL: none), and w[s->n] = the coefficients of m's terms
 * decomposed in it (an independent decomposition for recovery tests);
 * *residual the largest relative part of a term outside the basis.  w is
 * allocated; free it. */
int fittest_truth(const hf_model *m, const char *extra, hf_sat_set *s, double **w, double *residual,
                  hf_err *err);

#endif
