/* training_set.c - extended-XYZ training set (see training_set.h). */
#include "training_set.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Vector fields the rows carry, in row order (u, v, w). */
static int field_list(const hf_model *m, int fl[3]) {
  int n = 0;
  if (m->dof & HF_DOF_U) fl[n++] = 0;
  if (m->dof & HF_DOF_V) fl[n++] = 1;
  if (m->dof & HF_DOF_W) fl[n++] = 2;
  return n;
}

static const char *fname[3] = {"u", "v", "w"};

/* Strain tensor from Voigt components with engineering shears. */
static void strain_tensor(const double eta[6], double e[3][3]) {
  e[0][0] = eta[0], e[1][1] = eta[1], e[2][2] = eta[2];
  e[1][2] = e[2][1] = eta[3] / 2;
  e[0][2] = e[2][0] = eta[4] / 2;
  e[0][1] = e[1][0] = eta[5] / 2;
}

static double det3(double a[3][3]) {
  return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
         a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
         a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
}

/* Deformation gradient F = 1 + eta (symmetric strain tensor). */
static void deformation(const double eta[6], double F[3][3]) {
  double e[3][3];
  strain_tensor(eta, e);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) F[a][b] = (a == b) + e[a][b];
}

/* Cell vectors (rows: a, b, c) of the strained supercell. */
static void supercell_vectors(const hf_model *m, const hf_lattice *lat, const double eta[6],
                              double F[3][3], double lv[3][3]) {
  deformation(eta, F);
  for (int a = 0; a < 3; a++) /* lattice vector a = F (L_a a0 e_a): column a of F */
    for (int c = 0; c < 3; c++) lv[a][c] = F[c][a] * lat->L[a] * m->a0;
}

const char *const fit_frame_kind_names[FIT_FRAME_NKIND] = {"untagged", "md",      "harmonic",
                                                           "elastic",  "descent", "probe"};

int fit_xyz_append(FILE *f, const char *path, const hf_model *m, const hf_lattice *lat,
                   const hf_fields *x, const double *y, const fit_frame_meta *meta, hf_err *err) {
  int fl[3], nf = field_list(m, fl);
  const size_t n = lat->n;
  double F[3][3], lv[3][3];
  supercell_vectors(m, lat, x->eta, F, lv);
  const double V = det3(F) * m->a0 * m->a0 * m->a0 * (double)n;
  const double *ys = y + 1 + 3 * n * (size_t)nf; /* stress rows */
  double s[3][3];                                /* ASE stress: (1/V) dE/deta */
  static const int voigt[3][3] = {{0, 5, 4}, {5, 1, 3}, {4, 3, 2}};
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) s[a][b] = -ys[voigt[a][b]] * (double)n / V;
  fprintf(f, "%zu\nLattice=\"", n);
  for (int a = 0; a < 3; a++)
    for (int c = 0; c < 3; c++) fprintf(f, "%s%.17g", a + c ? " " : "", lv[a][c]);
  const int alloy = !!(m->dof & HF_DOF_SIGMA);
  fprintf(f, "\" Properties=species:S:1:pos:R:3%s", alloy ? ":sigma:R:1" : "");
  for (int k = 0; k < nf; k++) fprintf(f, ":%s:R:3:f_%s:R:3", fname[fl[k]], fname[fl[k]]);
  fprintf(f, " energy=%.17g stress=\"", y[0] * (double)n);
  for (int a = 0; a < 9; a++) fprintf(f, "%s%.17g", a ? " " : "", s[a / 3][a % 3]);
  fprintf(f, "\" pbc=\"T T T\" heff_step=%ld heff_T=%.17g heff_pred_err=%.17g", meta->step, meta->T,
          meta->pred_err);
  if (meta->imported) fprintf(f, " heff_imported=1");
  if (meta->kind > FIT_FRAME_UNTAGGED && meta->kind < FIT_FRAME_NKIND)
    fprintf(f, " heff_kind=%s", fit_frame_kind_names[meta->kind]);
  fprintf(f, " heff_energy_per_cell=%.17g heff_eta=\"", y[0]);
  for (int l = 0; l < 6; l++) fprintf(f, "%s%.17g", l ? " " : "", x->eta[l]);
  fprintf(f, "\" heff_stress_rows=\"");
  for (int l = 0; l < 6; l++) fprintf(f, "%s%.17g", l ? " " : "", ys[l]);
  fprintf(f, "\"\n");
  for (int cx = 0; cx < lat->L[0]; cx++)
    for (int cy = 0; cy < lat->L[1]; cy++)
      for (int cz = 0; cz < lat->L[2]; cz++) {
        size_t i = hf_index(lat, cx, cy, cz);
        double R[3] = {cx * m->a0, cy * m->a0, cz * m->a0};
        fprintf(f, "X");
        for (int a = 0; a < 3; a++)
          fprintf(f, " %.17g", F[a][0] * R[0] + F[a][1] * R[1] + F[a][2] * R[2]);
        if (alloy) fprintf(f, " %.17g", x->sigma[i]);
        for (int k = 0; k < nf; k++) {
          for (int a = 0; a < 3; a++) fprintf(f, " %.17g", hf_fields_comp(x, 3 * fl[k] + a)[i]);
          for (int a = 0; a < 3; a++) fprintf(f, " %.17g", y[1 + (size_t)(3 * k + a) * n + i]);
        }
        fputc('\n', f);
      }
  if (fflush(f) || fsync(fileno(f)) || ferror(f))
    return hf_fail(err, "%s: cannot write the training set: %s", path, strerror(errno));
  return HF_OK;
}

/* Value of key=... in a comment line: quoted or bare, copied to out. */
static int get_key(const char *line, const char *key, char *out, size_t cap) {
  size_t kl = strlen(key);
  for (const char *p = line; (p = strstr(p, key)); p++) {
    if ((p != line && p[-1] != ' ') || p[kl] != '=') continue;
    const char *v = p + kl + 1, *end;
    if (*v == '"') {
      v++;
      end = strchr(v, '"');
      if (!end) return 0;
    } else {
      end = v + strcspn(v, " \n");
    }
    size_t n = (size_t)(end - v);
    if (n + 1 > cap) return 0;
    memcpy(out, v, n);
    out[n] = 0;
    return 1;
  }
  return 0;
}

/* Exactly count numbers in s. */
static int parse_numbers(const char *s, double *out, int count) {
  char *end;
  for (int k = 0; k < count; k++) {
    out[k] = strtod(s, &end);
    if (end == s) return 0;
    s = end;
  }
  while (*s == ' ' || *s == '\n') s++;
  return *s == 0;
}

typedef struct {
  FILE *f;
  char *line;
  size_t cap;
  long lineno;
} reader;

/* 1 on a complete line (ending in a newline), 0 at the end of the file or
 * on a line cut short. */
static int next_line(reader *r) {
  ssize_t k = getline(&r->line, &r->cap, r->f);
  if (k <= 0 || r->line[k - 1] != '\n') return 0;
  r->lineno++;
  return 1;
}

/* Supercell of a frame from its Lattice key: lattice vector a is
 * F (L_a a0 e_a) under the strain eta (fit_xyz_append), so F^-1 applied to it
 * must give an integer multiple of a0 along axis a. 0 if it does not. */
static int frame_supercell(const hf_model *m, const double eta[6], const double got[9], int L[3]) {
  double F[3][3], inv[3][3];
  deformation(eta, F);
  const double d = det3(F);
  if (!(fabs(d) > 1e-6)) return 0;
  for (int a = 0; a < 3; a++) /* inverse by cofactors */
    for (int b = 0; b < 3; b++) {
      int a1 = (b + 1) % 3, a2 = (b + 2) % 3, b1 = (a + 1) % 3, b2 = (a + 2) % 3;
      inv[a][b] = (F[a1][b1] * F[a2][b2] - F[a1][b2] * F[a2][b1]) / d;
    }
  for (int a = 0; a < 3; a++) {
    double c[3];
    for (int k = 0; k < 3; k++)
      c[k] = (inv[k][0] * got[3 * a] + inv[k][1] * got[3 * a + 1] + inv[k][2] * got[3 * a + 2]) /
             m->a0;
    double l = round(c[a]);
    if (l < 1 || l > 4096) return 0;
    for (int k = 0; k < 3; k++)
      if (fabs(c[k] - (k == a ? l : 0)) > 1e-9 * l) return 0;
    L[a] = (int)l;
  }
  return 1;
}

/* The buffers of one frame; reallocated when a frame of another supercell
 * comes (a fit may learn from frames of several, fit_frame_fn). */
typedef struct {
  hf_lattice lat;
  hf_fields x;
  double *y;
  int ready;
} frame_buf;

static void frame_buf_free(frame_buf *b) {
  if (b->ready) hf_fields_free(&b->x);
  free(b->y);
  b->y = NULL;
  b->ready = 0;
}

static int frame_buf_fit(frame_buf *b, const hf_model *m, const int L[3], hf_err *err) {
  if (b->ready && !memcmp(b->lat.L, L, sizeof b->lat.L)) return HF_OK;
  frame_buf_free(b);
  int fl[3], nf = field_list(m, fl);
  if (hf_lattice_init(&b->lat, L, err)) return HF_FAIL;
  b->y = malloc((1 + 3 * b->lat.n * (size_t)nf + 6) * sizeof *b->y);
  if (!b->y) return hf_fail(err, "out of memory");
  if (hf_fields_alloc(&b->x, &b->lat, hf_model_field_mask(m), err)) return HF_FAIL;
  b->ready = 1;
  return HF_OK;
}

static int read_frame(reader *r, const char *path, const hf_model *m, frame_buf *b,
                      fit_frame_meta *meta, int *complete, hf_err *err) {
  int fl[3], nf = field_list(m, fl);
  *complete = 0;
  if (!next_line(r)) return HF_OK;
  char *end;
  long natoms = strtol(r->line, &end, 10), count_line = r->lineno;
  if (end == r->line || natoms < 1)
    return hf_fail(err, "%s:%ld: expected the cell count of the frame's supercell", path,
                   r->lineno);
  if (!next_line(r)) return HF_OK;
  const int model_alloy = !!(m->dof & HF_DOF_SIGMA);
  char want[160], host[160], val[1024];
  snprintf(want, sizeof want, "species:S:1:pos:R:3%s", model_alloy ? ":sigma:R:1" : "");
  snprintf(host, sizeof host, "species:S:1:pos:R:3");
  for (int k = 0; k < nf; k++) {
    snprintf(want + strlen(want), sizeof want - strlen(want), ":%s:R:3:f_%s:R:3", fname[fl[k]],
             fname[fl[k]]);
    snprintf(host + strlen(host), sizeof host - strlen(host), ":%s:R:3:f_%s:R:3", fname[fl[k]],
             fname[fl[k]]);
  }
  if (!get_key(r->line, "Properties", val, sizeof val))
    return hf_fail(err, "%s:%ld: key 'Properties': expected %s (the model's fields)", path,
                   r->lineno, want);
  /* an alloy fit also reads frames of its host compound (no sigma column):
   * every site holds the host species, sigma = 0 */
  const int alloy = model_alloy && strcmp(val, host) != 0;
  if (strcmp(val, alloy ? want : host))
    return hf_fail(err, "%s:%ld: key 'Properties': expected %s (the model's fields)%s%s", path,
                   r->lineno, want, model_alloy ? " or, for a frame of the host compound, " : "",
                   model_alloy ? host : "");
  /* the lattice names a0 and the supercell: frames of a fit with another
   * reference cannot be mixed in */
  double eta[6], got[9];
  int L[3];
  if (!get_key(r->line, "heff_eta", val, sizeof val) || !parse_numbers(val, eta, 6))
    return hf_fail(err, "%s:%ld: key 'heff_eta': expected 6 numbers", path, r->lineno);
  if (!get_key(r->line, "Lattice", val, sizeof val) || !parse_numbers(val, got, 9))
    return hf_fail(err, "%s:%ld: key 'Lattice': expected 9 numbers", path, r->lineno);
  if (!frame_supercell(m, eta, got, L))
    return hf_fail(err,
                   "%s:%ld: key 'Lattice' is not a supercell of a0 = %.6g Angstrom under heff_eta "
                   "(a frame of a fit with another reference?)",
                   path, r->lineno, m->a0);
  if ((long)L[0] * L[1] * L[2] != natoms)
    return hf_fail(err,
                   "%s:%ld: the cell count %ld does not match the %dx%dx%d supercell of key "
                   "'Lattice' on the next line",
                   path, count_line, natoms, L[0], L[1], L[2]);
  if (frame_buf_fit(b, m, L, err)) return HF_FAIL;
  const hf_lattice *lat = &b->lat;
  const size_t n = lat->n;
  hf_fields *x = &b->x;
  if (model_alloy && !alloy) memset(x->sigma, 0, n * sizeof *x->sigma);
  double *y = b->y;
  memcpy(x->eta, eta, sizeof eta);
  const double *ys = y + 1 + 3 * n * (size_t)nf;
  struct {
    const char *key;
    double *dst;
    int count;
  } keys[] = {{"heff_energy_per_cell", y, 1},
              {"heff_stress_rows", (double *)ys, 6},
              {"heff_T", &meta->T, 1},
              {"heff_pred_err", &meta->pred_err, 1}};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    if (!get_key(r->line, keys[k].key, val, sizeof val) ||
        !parse_numbers(val, keys[k].dst, keys[k].count))
      return hf_fail(err, "%s:%ld: key '%s': expected %d number(s)", path, r->lineno, keys[k].key,
                     keys[k].count);
  double st;
  if (!get_key(r->line, "heff_step", val, sizeof val) || !parse_numbers(val, &st, 1))
    return hf_fail(err, "%s:%ld: key 'heff_step': expected the MD step", path, r->lineno);
  meta->step = (long)st;
  double imp = 0;
  if (get_key(r->line, "heff_imported", val, sizeof val) && !parse_numbers(val, &imp, 1))
    return hf_fail(err, "%s:%ld: key 'heff_imported': expected 1 or 0", path, r->lineno);
  meta->imported = imp != 0;
  meta->kind = FIT_FRAME_UNTAGGED;
  if (get_key(r->line, "heff_kind", val, sizeof val)) {
    int k = FIT_FRAME_MD;
    while (k < FIT_FRAME_NKIND && strcmp(val, fit_frame_kind_names[k])) k++;
    if (k == FIT_FRAME_NKIND)
      return hf_fail(err,
                     "%s:%ld: key 'heff_kind': expected md, harmonic, elastic, descent or probe, "
                     "got '%s'",
                     path, r->lineno, val);
    meta->kind = k;
  }
  double rec[3 + 1 + 18];
  const int nrec = 3 + alloy + 6 * nf, at = 3 + alloy; /* position, sigma, modes and forces */
  for (int cx = 0; cx < lat->L[0]; cx++)
    for (int cy = 0; cy < lat->L[1]; cy++)
      for (int cz = 0; cz < lat->L[2]; cz++) {
        if (!next_line(r)) return HF_OK;
        const char *p = r->line;
        while (*p == ' ') p++;
        if (*p != 'X' || !parse_numbers(p + 1, rec, nrec))
          return hf_fail(err, "%s:%ld: expected 'X' and %d numbers (position, %smodes, forces)",
                         path, r->lineno, nrec, alloy ? "sigma, " : "");
        size_t i = hf_index(lat, cx, cy, cz);
        if (alloy) {
          if (rec[3] != 0 && rec[3] != 1)
            return hf_fail(err, "%s:%ld: sigma must be 0 or 1 (got %g)", path, r->lineno, rec[3]);
          x->sigma[i] = rec[3];
        }
        for (int k = 0; k < nf; k++)
          for (int a = 0; a < 3; a++) {
            hf_fields_comp(x, 3 * fl[k] + a)[i] = rec[at + 6 * k + a];
            y[1 + (size_t)(3 * k + a) * n + i] = rec[at + 6 * k + 3 + a];
          }
      }
  *complete = 1;
  return HF_OK;
}

int fit_xyz_read(const char *path, const hf_model *m, fit_frame_fn fn, void *ctx, long *nframes,
                 long *valid_bytes, hf_err *err) {
  *nframes = 0;
  *valid_bytes = 0;
  reader r = {.f = fopen(path, "r")};
  if (!r.f) {
    if (errno == ENOENT) return HF_OK;
    return hf_fail(err, "%s: cannot open: %s", path, strerror(errno));
  }
  frame_buf b = {.ready = 0};
  int rc = HF_OK;
  for (;;) {
    fit_frame_meta meta;
    int complete;
    if ((rc = read_frame(&r, path, m, &b, &meta, &complete, err))) break;
    if (!complete) break;
    (*nframes)++;
    *valid_bytes = ftell(r.f);
    if ((rc = fn(ctx, &b.lat, &b.x, b.y, &meta, err))) break;
  }
  free(r.line);
  frame_buf_free(&b);
  fclose(r.f);
  return rc;
}
