/* timeseries.c - buffered time series of P(t) and the omega projections (timeseries.h). */
#include "timeseries.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "error.h"
#include "model.h"
#include "tilts.h"

enum {
  COL_T,
  COL_TIME,
  COL_P,
  COL_VOL = COL_P + 3,
  COL_WR,
  COL_WM = COL_WR + 3,
  NCOL_MAX = COL_WM + 3
};

struct hf_timeseries {
  FILE *f;
  char path[1200];
  int ncol;
  long capacity, rows, dropped;
  double *buf; /* rows x ncol */
};

static void header(FILE *f, long ncells, int with_w) {
  fprintf(f, "# heff time series: one row per sample of the averaging phase of each temperature\n");
  fprintf(f, "# cells %ld\n", ncells);
  fprintf(f,
          "# units: T K; t fs since the averaging phase began; P C/m^2 (supercell polarization "
          "Z* <u> / V_cell); V_cell Angstrom^3 per cell");
  if (with_w)
    fprintf(f,
            "; wR_a, wM_a radians: R-point <w_a (-1)^(x+y+z)> and M-point "
            "<w_a (-1)^(x+y+z-x_a)> projections of omega");
  fprintf(f, "\nT_K\tt_fs\tPx_C/m2\tPy_C/m2\tPz_C/m2\tV_cell_A3");
  if (with_w) fprintf(f, "\twR_x\twR_y\twR_z\twM_x\twM_y\twM_z");
  fprintf(f, "\n");
}

int hf_timeseries_open(hf_timeseries **out, const char *path, int resume, long bytes, long capacity,
                       long ncells, int with_w, hf_err *err) {
  *out = NULL;
  hf_timeseries *t = calloc(1, sizeof *t);
  if (!t) return hf_fail(err, "out of memory");
  snprintf(t->path, sizeof t->path, "%s", path);
  t->ncol = with_w ? NCOL_MAX : COL_WR;
  t->capacity = capacity > 0 ? capacity : 1;
  t->buf = malloc((size_t)t->capacity * (size_t)t->ncol * sizeof *t->buf);
  t->f = fopen(path, resume ? "r+" : "w");
  if (!t->buf || !t->f) {
    hf_fail(err, "cannot open the time series %s: %s", path,
            t->f ? "out of memory" : strerror(errno));
    hf_timeseries_close(t);
    return HF_FAIL;
  }
  if (resume ? hf_file_truncate(t->f, bytes, path, err) : (header(t->f, ncells, with_w), HF_OK)) {
    hf_timeseries_close(t);
    return HF_FAIL;
  }
  *out = t;
  return HF_OK;
}

void hf_timeseries_close(hf_timeseries *t) {
  if (!t) return;
  if (t->f) fclose(t->f);
  free(t->buf);
  free(t);
}

void hf_timeseries_sample(hf_timeseries *t, const hf_lattice *lat, const hf_fields *x,
                          double vol_cell, double zstar, double T, double time) {
  if (t->rows == t->capacity) {
    t->dropped++;
    return;
  }
  double *row = t->buf + (size_t)t->rows++ * (size_t)t->ncol;
  const double vol = vol_cell;
  hf_tilts pu;
  hf_tilts_analyse(lat, x->u, 0, 0, &pu);
  row[COL_T] = T;
  row[COL_TIME] = time;
  for (int a = 0; a < 3; a++) row[COL_P + a] = HF_E_A2_TO_C_M2 * zstar * pu.gamma[a] / vol;
  row[COL_VOL] = vol;
  if (t->ncol > COL_WR) {
    hf_tilts pw;
    hf_tilts_analyse(lat, x->w, 0, 0, &pw);
    for (int a = 0; a < 3; a++) {
      row[COL_WR + a] = pw.R[a];
      row[COL_WM + a] = pw.M[a];
    }
  }
}

int hf_timeseries_flush(hf_timeseries *t, long *bytes, hf_err *err) {
  if (t->dropped)
    return hf_fail(err, "time series %s: %ld rows beyond the buffer of %ld (internal error)",
                   t->path, t->dropped, t->capacity);
  for (long i = 0; i < t->rows; i++) {
    const double *row = t->buf + (size_t)i * (size_t)t->ncol;
    fprintf(t->f, "%.2f\t%.3f", row[COL_T], row[COL_TIME]);
    for (int c = COL_P; c < t->ncol; c++) fprintf(t->f, "\t%.9e", row[c]);
    fputc('\n', t->f);
  }
  t->rows = 0;
  if (fflush(t->f) || fsync(fileno(t->f)))
    return hf_fail(err, "cannot write the time series %s: %s", t->path, strerror(errno));
  *bytes = ftell(t->f);
  return HF_OK;
}
