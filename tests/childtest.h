/* childtest.h - helpers shared by the child-engine tests (test_child_engine.c,
 * test_ipi_engine.c): run directories, logs, the Lennard-Jones settings of
 * ase_runner.py, and the check of the engine's rows against 5-point
 * differences of its own energy. */
#ifndef HF_CHILDTEST_H
#define HF_CHILDTEST_H

#include "fp_engine.h"

/* Removes path (a tree) and makes it again, empty. */
void childtest_fresh_dir(const char *path);
int childtest_exists(const char *dir, const char *name);
/* Lines of path that contain word. */
int childtest_count_lines(const char *path, const char *word);
double childtest_wall(void);
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
