/* test_training_set.c - the extended-XYZ training set: frames read back are
 * bit-identical to what was written (configuration, rows, metadata); a
 * frame cut short by a kill ends the read at the last complete frame;
 * frames of different supercells in one file each come back with their own
 * supercell; a frame of another a0, or whose cell count does not match its
 * Lattice, is refused with its file and line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "regression_rows.h"
#include "testconfig.h"
#include "training_set.h"

#define NF 3

typedef struct {
  hf_lattice lat[NF];
  hf_fields want[NF];
  double *y[NF];
  fit_frame_meta meta[NF];
  size_t rows[NF];
  int seen, same;
} ctx;

static int on_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                    const fit_frame_meta *meta, hf_err *err) {
  (void)err;
  ctx *c = p;
  int k = c->seen++;
  const hf_fields *w = &c->want[k];
  if (memcmp(lat->L, c->lat[k].L, sizeof lat->L)) {
    c->same = 0;
    return HF_OK;
  }
  for (int comp = 0; comp < 9; comp++)
    if (hf_fields_comp(w, comp))
      c->same &= !memcmp(hf_fields_comp(w, comp), hf_fields_comp(x, comp), lat->n * sizeof(double));
  c->same &= !memcmp(w->eta, x->eta, sizeof w->eta);
  c->same &= !memcmp(c->y[k], y, c->rows[k] * sizeof *y);
  c->same &= meta->step == c->meta[k].step && meta->T == c->meta[k].T &&
             meta->pred_err == c->meta[k].pred_err && meta->kind == c->meta[k].kind;
  return HF_OK;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "models";
  char path[512];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", dir);
  hf_err err;
  hf_model m;
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  ctx c = {.same = 1};
  /* a file may mix supercells (a fit importing an earlier fit's frames) */
  static const int sizes_L[NF][3] = {{3, 2, 2}, {2, 2, 4}, {3, 2, 2}};
  for (int k = 0; k < NF; k++) {
    REQUIRE_OK(hf_lattice_init(&c.lat[k], sizes_L[k], &err), err);
    hf_features *f;
    REQUIRE_OK(hf_features_create(&f, &m, &c.lat[k], &err), err);
    c.rows[k] = hf_features_rows(f);
    hf_features_free(f);
  }
  hf_rng r;
  hf_rng_seed(&r, 11);
  char file[] = "/tmp/test_training_set_XXXXXX";
  int fd = mkstemp(file);
  CHECK(fd >= 0, "mkstemp");
  FILE *out = fdopen(fd, "w");
  long sizes[NF];
  for (int k = 0; k < NF; k++) {
    REQUIRE_OK(hf_fields_alloc(&c.want[k], &c.lat[k], HF_FIELD_U | HF_FIELD_V, &err), err);
    testconfig_random(&c.want[k], &c.lat[k], &r, 0.1, 0.03, 0, 0.01);
    c.y[k] = malloc(c.rows[k] * sizeof(double));
    for (size_t i = 0; i < c.rows[k]; i++)
      c.y[k][i] = (hf_rng_uniform(&r) - 0.5) * exp(-40 * hf_rng_uniform(&r));
    /* kinds: untagged (a frame of before heff_kind), harmonic, descent */
    c.meta[k] = (fit_frame_meta){
        .step = 10 * k, .T = 50 + 1.0 / 3 * k, .pred_err = k ? 0.1 / 7 : -1, .kind = 2 * k};
    REQUIRE_OK(fit_xyz_append(out, file, &m, &c.lat[k], &c.want[k], c.y[k], &c.meta[k], &err), err);
    sizes[k] = ftell(out);
  }
  fclose(out);
  long n, valid;
  REQUIRE_OK(fit_xyz_read(file, &m, on_frame, &c, &n, &valid, &err), err);
  CHECK(n == NF && c.seen == NF, "read %ld frames, wrote %d", n, NF);
  CHECK(c.same, "frames read back differ from those written");
  CHECK(valid == sizes[NF - 1], "valid bytes %ld, file %ld", valid, sizes[NF - 1]);

  /* cut the last frame in the middle of an atom line */
  CHECK(truncate(file, sizes[NF - 2] + (sizes[NF - 1] - sizes[NF - 2]) / 2) == 0, "truncate");
  c.seen = 0;
  REQUIRE_OK(fit_xyz_read(file, &m, on_frame, &c, &n, &valid, &err), err);
  CHECK(n == NF - 1 && c.same, "after a cut: %ld complete frames (want %d)", n, NF - 1);
  CHECK(valid == sizes[NF - 2], "after a cut: valid bytes %ld, want %ld", valid, sizes[NF - 2]);

  /* a model of another a0: the Lattice is no supercell of it (line 2) */
  const double a0 = m.a0;
  m.a0 *= 1.003;
  c.seen = 0;
  int rc = fit_xyz_read(file, &m, on_frame, &c, &n, &valid, &err);
  m.a0 = a0;
  char want[600];
  snprintf(want, sizeof want, "%s:2: key 'Lattice' is not a supercell", file);
  CHECK(rc != 0 && strstr(err.msg, want), "another a0: rc %d, message '%s'", rc, err.msg);
  printf("message: %s\n", err.msg);
  /* a cell count that does not match the Lattice (line 1) */
  FILE *in = fopen(file, "r+");
  CHECK(in && fputs("13", in) >= 0 && fclose(in) == 0, "rewrite the count line");
  c.seen = 0;
  rc = fit_xyz_read(file, &m, on_frame, &c, &n, &valid, &err);
  snprintf(want, sizeof want, "%s:1: the cell count 13 does not match the 3x2x2", file);
  CHECK(rc != 0 && strstr(err.msg, want), "count mismatch: rc %d, message '%s'", rc, err.msg);
  printf("message: %s\n", err.msg);
  CHECK(fit_xyz_read("/nonexistent/train.xyz", &m, on_frame, &c, &n, &valid, &err) == 0 && n == 0,
        "a missing file is an empty training set");
  /* an unknown heff_kind (the first frame's comment, line 2) */
  c.seen = 0;
  in = fopen(file, "r+");
  char head[2][4096];
  CHECK(in && fgets(head[0], sizeof head[0], in) && fgets(head[1], sizeof head[1], in),
        "read the first frame's lines");
  if (in) {
    char *at = strstr(head[1], " pbc=");
    CHECK(at != NULL, "no pbc key on line 2");
    if (at) {
      memcpy(at, " heff_kind=x", 12); /* over pbc="T T T", the same number of bytes */
      rewind(in);
      fputs("12", in); /* the count line back as written (3x2x2) */
      fseek(in, (long)strlen(head[0]), SEEK_SET);
      fputs(head[1], in);
    }
    fclose(in);
  }
  rc = fit_xyz_read(file, &m, on_frame, &c, &n, &valid, &err);
  snprintf(want, sizeof want, "%s:2: key 'heff_kind': expected md, harmonic", file);
  CHECK(rc != 0 && strstr(err.msg, want), "unknown kind: rc %d, message '%s'", rc, err.msg);
  printf("message: %s\n", err.msg);
  unlink(file);
  for (int k = 0; k < NF; k++) {
    hf_fields_free(&c.want[k]);
    free(c.y[k]);
  }
  hf_model_free(&m);
  return check_done("test_training_set");
}
