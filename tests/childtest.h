/* childtest.h - helpers shared by the child-engine tests (test_child_engine.c,
 * test_ipi_engine.c): run directories, logs, the Lennard-Jones settings of
 * ase_runner.py, and the check of the engine's rows against 5-point
 * differences of its own energy. */
#ifndef HF_CHILDTEST_H
#define HF_CHILDTEST_H

#include "child_engine.h"
#include "fp_engine.h"

/* What both child-engine tests start from: the ZVR model layout on 2x2x2,
 * the Lennard-Jones settings RUN/lj.json in a fresh RUN, the runner command
 * and a child configuration (RUN/RUN_SUB, 120 s, 1 attempt, Ba Ti O, the GPAW
 * soft-mode xi, reference computed). */
typedef struct {
  hf_model m;
  hf_lattice lat;
  size_t n, rows; /* cells, regression rows */
  char runner[4096], settings[4096];
  const char *argv[5];
  hf_child_config cfg;
} childtest_env;

/* args: MODELS_DIR PYTHON ASE_RUNNER (the test's argv[1..3]). */
int childtest_env_init(childtest_env *t, char **args, const char *run, const char *sub,
                       hf_err *err);

/* Removes path (a tree) and makes it again, empty. */
void childtest_fresh_dir(const char *path);
int childtest_exists(const char *dir, const char *name);
/* Lines of path that contain word. */
int childtest_count_lines(const char *path, const char *word);
/* dir/lj.json: ASE's Lennard-Jones for 2x2x2 BaTiO3 (sigma at the B-X
 * distance, rc between the neighbour shells at 4.83 and 5.58 Angstrom), with
 * `extra` (e.g. "\"simulate\": \"crash@2\"", or "") as further keys; its
 * absolute path in out. */
int childtest_lj_settings(const char *dir, const char *name, const char *extra, char *out,
                          size_t len);
/* The mode-force rows of u_x(0), u_z(5), v_y(3) and the stress rows of eta1,
 * eta4 of engine e at s (rows y) against 5-point central differences of the
 * energy row (printed); returns the worst relative difference (NAN if a
 * call failed). */
double childtest_fd_rows(hf_fp_engine *e, hf_fields *s, const double *y, size_t n,
                         const char *label);

#endif
