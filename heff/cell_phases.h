/* cell_phases.h - local statistics of a configuration: the phase label of
 * every cell from its own mode (C, T, O, R as for the supercell average:
 * observables.h, hf_phase_label), their fractions, and per alloy species
 * (sigma 0 / 1, occupation.h) the mean mode, mean |u| and the sorted mean
 * |u_a| components.  For solid solutions and domain structures, where the
 * supercell average hides what the cells do. */
#ifndef HF_CELL_PHASES_H
#define HF_CELL_PHASES_H

#include "fields.h"

typedef struct {
  double frac[4];            /* fraction of cells labelled C, T, O, R */
  long count[2];             /* cells per species (all in [0] without sigma) */
  double mean[2][3];         /* mean mode per species, Angstrom */
  double abs[2];             /* mean |u| per species, Angstrom */
  double comp[2][3];         /* mean |u_a| per species, sorted largest first, Angstrom */
  double frac_species[2][4]; /* C/T/O/R fractions within each species */
} hf_cell_stats;

/* f: the three component arrays of a vector field (u); sigma may be NULL;
 * threshold (Angstrom) as for the phase label. */
void hf_cell_stats_compute(const hf_lattice *lat, double *const f[3], const double *sigma,
                           double threshold, hf_cell_stats *out);

#endif
