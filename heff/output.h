/* output.h - files a run writes: the per-temperature TSV table (units in the
 * header), per-term energies, VTK image data of the fields (ParaView), and
 * the progress line.  Disk writes happen here, in checkpoint.c and in the
 * other per-run tables (local_table.c, timeseries.c). */
#ifndef HF_OUTPUT_H
#define HF_OUTPUT_H

#include <stdio.h>

#include "model.h"
#include "observables.h"

/* Writes the header lines of the sweep table (with units) to f. */
void hf_table_header(FILE *f, const hf_model *m, const char *method, const char *extra);
/* field: the static applied field of this row, kV/cm. */
void hf_table_row(FILE *f, const hf_obs_result *r, double accept, double step, double pressure,
                  const double field[3]);
void hf_terms_header(FILE *f, const hf_model *m);
void hf_terms_row(FILE *f, const hf_obs_result *r, const hf_model *m);
/* Legacy VTK structured points with u (and v, w) as point vectors,
 * Angstrom; origin at the first u site. */
int hf_write_vtk(const char *path, const hf_model *m, const hf_lattice *lat, const hf_fields *x,
                 const char *title, hf_err *err);
/* Fixed-width progress text "T 230 K (12/25) thermalize 120/400 ... ETA 3m12s". */
void hf_progress_format(char *buf, size_t n, double T, int it, int nt, const char *stage, long step,
                        long nsteps, double elapsed, double fraction_done);

#endif
