/* timeseries.h - the time series of collective modes an MD run records
 * during the averaging phase of each temperature (<prefix>_timeseries.tsv):
 * the supercell polarization P(t) (C/m^2) with the cell volume, and with
 * omega its R- and M-point projections (radians).  scripts/dielectric.py
 * turns them into autocorrelation functions and the frequency-dependent
 * susceptibility (paper 002, Eq. 6).
 *
 * Rows go into a buffer allocated at creation; the file is written only at
 * hf_timeseries_flush (checkpoints, temperature ends), so the step loop does
 * no I/O. */
#ifndef HF_TIMESERIES_H
#define HF_TIMESERIES_H

#include <stdio.h>

#include "fields.h"

typedef struct hf_timeseries hf_timeseries;

/* Opens path (append when resuming, after truncating it to `bytes`; else
 * a new file with its header), with room for `capacity` rows between
 * flushes; ncells for the header; with_w: the model has omega. */
int hf_timeseries_open(hf_timeseries **out, const char *path, int resume, long bytes, long capacity,
                       long ncells, int with_w, hf_err *err);
void hf_timeseries_close(hf_timeseries *t);

/* Adds the row of configuration x (the whole supercell lat) at temperature T
 * (K) and time t (fs); vol_cell in Angstrom^3, zstar in e.  Rows beyond the
 * capacity are an error at the next flush. */
void hf_timeseries_sample(hf_timeseries *t, const hf_lattice *lat, const hf_fields *x,
                          double vol_cell, double zstar, double T, double time);

/* Writes the buffered rows and syncs the file; *bytes is its length after. */
int hf_timeseries_flush(hf_timeseries *t, long *bytes, hf_err *err);

#endif
