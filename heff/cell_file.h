/* cell_file.h - reading per-cell text files (configuration files, pinned
 * cells): one cell a line, "x y z" cell indices then further numbers;
 * blank lines and lines starting with '#' are skipped.  Every error names
 * the file and line: a malformed line, a cell index outside the supercell,
 * a cell given twice. */
#ifndef HF_CELL_FILE_H
#define HF_CELL_FILE_H

#include <stdio.h>

#include "fields.h"

#define HF_CELL_FILE_MAX 12 /* numbers per line, cell indices included */

typedef struct {
  FILE *f;
  const char *path;
  const hf_lattice *lat; /* the whole supercell's indices count */
  long line;
  size_t cells; /* data lines read */
  char *seen;   /* cells given so far */
} hf_cell_file;

int hf_cell_file_open(hf_cell_file *cf, const char *path, const char *what, const hf_lattice *lat,
                      hf_err *err);
/* The next data line: exactly want numbers (at most HF_CELL_FILE_MAX) into
 * v, described by expect in the error for another count, and the global
 * index of its cell (v[0..2]) into *cell.  Returns 1 for a line, 0 at the
 * end of the file, HF_FAIL on an error. */
int hf_cell_file_next(hf_cell_file *cf, int want, const char *expect, double *v, size_t *cell,
                      hf_err *err);
void hf_cell_file_close(hf_cell_file *cf);

#endif
