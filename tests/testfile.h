/* testfile.h - small file helpers shared by the tests. */
#ifndef HF_TESTFILE_H
#define HF_TESTFILE_H

#include "run_config.h"

/* The whole file as a NUL-terminated string (caller frees), or NULL. */
char *testfile_read(const char *path);
/* The same with its length in bytes in *n (0 when it cannot be read). */
char *testfile_read_n(const char *path, long *n);
/* Writes text to path (a test then fails on what it reads back). */
void testfile_write(const char *path, const char *text);
/* Writes dir/run.yaml, "model: m.yaml" and "temperatures: [10]" followed by
 * lines (so they start at line 3), and loads it into c. */
int testfile_run(hf_run_config *c, const char *dir, const char *lines, hf_err *err);
/* 1 if testfile_run refuses lines with a message (left in err: "success"
 * when it loads) that contains at (e.g. "run.yaml:4") and expect. */
int testfile_rejects(const char *dir, const char *lines, const char *at, const char *expect,
                     hf_err *err);

#endif
