/* testfile.c - small file helpers shared by the tests (testfile.h). */
#include "testfile.h"

#include <stdio.h>
#include <stdlib.h>

char *testfile_read(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *b = malloc((size_t)n + 1);
  if (b) b[fread(b, 1, (size_t)n, f)] = 0;
  fclose(f);
  return b;
}
