/* cell_file.c - per-cell text files (cell_file.h). */
#include "cell_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hf_cell_file_open(hf_cell_file *cf, const char *path, const char *what, const hf_lattice *lat,
                      hf_err *err) {
  memset(cf, 0, sizeof *cf);
  cf->path = path;
  cf->lat = lat;
  if (!(cf->f = fopen(path, "r")))
    return hf_fail(err, "%s: cannot open the %s: %s", path, what, strerror(errno));
  if (!(cf->seen = calloc(lat->n, 1))) {
    hf_cell_file_close(cf);
    return hf_fail(err, "out of memory");
  }
  return HF_OK;
}

int hf_cell_file_next(hf_cell_file *cf, int want, const char *expect, double *v, size_t *cell,
                      hf_err *err) {
  char line[1024];
  while (fgets(line, sizeof line, cf->f)) {
    cf->line++;
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '#' || *p == '\n' || *p == '\r' || !*p) continue;
    int n = 0;
    for (char *end; n <= HF_CELL_FILE_MAX; p = end) {
      double d = strtod(p, &end);
      if (end == p) break;
      if (n < HF_CELL_FILE_MAX) v[n] = d;
      n++;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (*p)
      return hf_fail(err, "%s:%ld: expected %d numbers (%s), got text '%.40s'", cf->path, cf->line,
                     want, expect, p);
    if (n != want)
      return hf_fail(err, "%s:%ld: expected %d numbers (%s), got %d", cf->path, cf->line, want,
                     expect, n);
    int c[3];
    for (int a = 0; a < 3; a++) {
      c[a] = (int)v[a];
      if (v[a] != c[a] || c[a] < 0 || c[a] >= cf->lat->L[a])
        return hf_fail(err, "%s:%ld: cell index %g outside 0..%d", cf->path, cf->line, v[a],
                       cf->lat->L[a] - 1);
    }
    *cell = hf_index(cf->lat, c[0], c[1], c[2]);
    if (cf->seen[*cell])
      return hf_fail(err, "%s:%ld: cell (%d, %d, %d) given twice", cf->path, cf->line, c[0], c[1],
                     c[2]);
    cf->seen[*cell] = 1;
    cf->cells++;
    return 1;
  }
  return 0;
}

void hf_cell_file_close(hf_cell_file *cf) {
  if (cf->f) fclose(cf->f);
  free(cf->seen);
  cf->f = NULL;
  cf->seen = NULL;
}
