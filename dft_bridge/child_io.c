/* child_io.c - structure and result files of the child protocol (child_io.h). */
#include "child_io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hf_xyz_write(const char *path, size_t natoms, const char *const *species, const double *r,
                 const double cell[3][3], const char *comment, hf_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return hf_fail(err, "%s: %s", path, strerror(errno));
  fprintf(f, "%zu\nLattice=\"", natoms);
  for (int v = 0; v < 3; v++)
    for (int g = 0; g < 3; g++) fprintf(f, "%s%.17g", v || g ? " " : "", cell[v][g]);
  fprintf(f, "\" Properties=species:S:1:pos:R:3 pbc=\"T T T\" heff=\"%s\"\n", comment);
  for (size_t a = 0; a < natoms; a++)
    fprintf(f, "%-3s %.17g %.17g %.17g\n", species[a], r[3 * a], r[3 * a + 1], r[3 * a + 2]);
  if (fclose(f)) return hf_fail(err, "%s: write failed", path);
  return HF_OK;
}

/* Parses exactly n finite numbers from s; 0 on success. */
static int numbers(const char *s, double *out, int n) {
  for (int k = 0; k < n; k++) {
    char *end;
    errno = 0;
    out[k] = strtod(s, &end);
    if (end == s || errno || !isfinite(out[k])) return -1;
    s = end;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  return *s ? -1 : 0;
}

int hf_child_result_read(const char *path, size_t natoms, hf_child_result *res, hf_err *err) {
  FILE *f = fopen(path, "r");
  if (!f) return hf_fail(err, "%s: %s", path, strerror(errno));
  char line[512];
  int ln = 0, have = 0, rc = HF_OK;
  enum { CONV = 1, ENERGY = 2, STRESS = 4, NATOMS = 8, FORCES = 16, END = 32 };
  res->converged = 0;
  res->basis_excess = NAN;
  while (rc == HF_OK && fgets(line, sizeof line, f)) {
    ln++;
    if (line[0] == '#') continue;
    if (!strncmp(line, "converged ", 10)) {
      if (!strcmp(line + 10, "true\n") || !strcmp(line + 10, "false\n"))
        res->converged = line[10] == 't', have |= CONV;
      else
        rc = hf_fail(err, "%s:%d: converged: expected true or false", path, ln);
      if (!res->converged) break; /* nothing else is promised */
    } else if (!strncmp(line, "energy ", 7)) {
      if (numbers(line + 7, &res->energy, 1)) rc = hf_fail(err, "%s:%d: bad energy", path, ln);
      have |= ENERGY;
    } else if (!strncmp(line, "stress ", 7)) {
      if (numbers(line + 7, res->stress, 6)) rc = hf_fail(err, "%s:%d: bad stress", path, ln);
      have |= STRESS;
    } else if (!strncmp(line, "basis_excess ", 13)) {
      if (numbers(line + 13, &res->basis_excess, 1))
        rc = hf_fail(err, "%s:%d: bad basis_excess", path, ln);
    } else if (!strncmp(line, "natoms ", 7)) {
      double n;
      if (numbers(line + 7, &n, 1) || n != (double)natoms)
        rc = hf_fail(err, "%s:%d: expected natoms %zu", path, ln, natoms);
      have |= NATOMS;
    } else if (!strcmp(line, "forces\n")) {
      for (size_t a = 0; rc == HF_OK && a < natoms; a++) {
        ln++;
        if (!fgets(line, sizeof line, f) || numbers(line, res->forces + 3 * a, 3))
          rc = hf_fail(err, "%s:%d: expected the force on atom %zu", path, ln, a + 1);
      }
      have |= FORCES;
    } else if (!strcmp(line, "end\n")) {
      have |= END;
      break;
    } else {
      rc = hf_fail(err, "%s:%d: unexpected line '%.40s'", path, ln, line);
    }
  }
  fclose(f);
  if (rc) return rc;
  if (!(have & CONV)) return hf_fail(err, "%s: no 'converged' line", path);
  if (!res->converged) return HF_OK;
  if (have != (CONV | ENERGY | STRESS | NATOMS | FORCES | END))
    return hf_fail(err, "%s: incomplete result (truncated?)", path);
  return HF_OK;
}

int hf_child_result_write(const char *path, size_t natoms, const hf_child_result *res,
                          const char *note, hf_err *err) {
  char tmp[4200];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return hf_fail(err, "%s: path too long", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return hf_fail(err, "%s: %s", tmp, strerror(errno));
  fprintf(f, "# heff child result 1\n");
  if (note && *note) {
    fputs("# ", f);
    for (const char *p = note; *p && p < note + 400; p++) /* one line the reader's buffer holds */
      fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    fputc('\n', f);
  }
  fprintf(f, "converged %s\n", res->converged ? "true" : "false");
  if (res->converged) {
    fprintf(f, "energy %.17g\nstress", res->energy);
    for (int m = 0; m < 6; m++) fprintf(f, " %.17g", res->stress[m]);
    if (isfinite(res->basis_excess)) fprintf(f, "\nbasis_excess %.17g", res->basis_excess);
    fprintf(f, "\nnatoms %zu\nforces\n", natoms);
    for (size_t a = 0; a < natoms; a++)
      fprintf(f, "%.17g %.17g %.17g\n", res->forces[3 * a], res->forces[3 * a + 1],
              res->forces[3 * a + 2]);
    fprintf(f, "end\n");
  }
  if (fclose(f) || rename(tmp, path)) return hf_fail(err, "%s: write failed", path);
  return HF_OK;
}
