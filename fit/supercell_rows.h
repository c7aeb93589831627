/* supercell_rows.h - regression scratch per supercell.  A fit runs its MD on
 * one supercell, but its data may hold frames of others: paper 003 trains on
 * 2x2x2 and then 2x4x4 "in turn", the second fit importing the first one's
 * frames (initial_training), and a 2x2x2 cell alone samples the intersite
 * couplings only at Gamma, X, M and R.  Each frame's rows are built on its own
 * supercell; this keeps the features and buffers of each supercell met. */
#ifndef FIT_SUPERCELL_ROWS_H
#define FIT_SUPERCELL_ROWS_H

#include "fields.h"
#include "model.h"
#include "regression_rows.h"

#define FIT_MAX_CELLS 8 /* distinct supercells in one data set */

typedef struct {
  hf_lattice lat;
  hf_features *feat;
  size_t rows;
  double *phi, *ylong, *target, *mean, *berr; /* rows x M, then rows each */
  int *type;
  hf_fields *x;   /* a frame's configuration, as the caller changes it */
  hf_fields xbuf; /* what x points to in an owned cell */
  int owned;      /* 0: the pointers alias the fit's own buffers */
  long frames;    /* training frames of this supercell in the data set */
} fit_cell;

typedef struct {
  fit_cell own; /* the fit's supercell (aliases) */
  fit_cell other[FIT_MAX_CELLS];
  int nother;
} fit_cells;

/* The scratch of supercell lat for model m with M terms: the fit's own when
 * lat has its size, else created on first use (at most FIT_MAX_CELLS). */
int fit_cells_get(fit_cells *cs, const hf_model *m, int M, const hf_lattice *lat, fit_cell **out,
                  hf_err *err);
void fit_cells_free(fit_cells *cs);

#endif
