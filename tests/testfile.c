/* testfile.c - small file helpers shared by the tests (testfile.h). */
#include "testfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *testfile_read_n(const char *path, long *n) {
  long got = 0;
  FILE *f = fopen(path, "rb");
  char *b = NULL;
  if (f) {
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    if ((b = malloc((size_t)size + 1))) b[got = (long)fread(b, 1, (size_t)size, f)] = 0;
    fclose(f);
  }
  if (n) *n = got;
  return b;
}

char *testfile_read(const char *path) { return testfile_read_n(path, NULL); }

void testfile_write(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

int testfile_run(hf_run_config *c, const char *dir, const char *lines, hf_err *err) {
  char path[512], text[4096];
  snprintf(path, sizeof path, "%s/run.yaml", dir);
  snprintf(text, sizeof text, "model: m.yaml\ntemperatures: [10]\n%s", lines);
  testfile_write(path, text);
  return hf_run_config_load(c, path, err);
}

int testfile_rejects(const char *dir, const char *lines, const char *at, const char *expect,
                     hf_err *err) {
  hf_run_config c;
  if (!testfile_run(&c, dir, lines, err)) {
    snprintf(err->msg, sizeof err->msg, "success");
    return 0;
  }
  return strstr(err->msg, at) && strstr(err->msg, expect);
}
