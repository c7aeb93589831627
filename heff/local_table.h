/* local_table.h - the per-temperature table of local structure that a sweep
 * writes next to its main table (<prefix>_local.tsv): fractions of cells by
 * phase (C, T, O, R from each cell's own u), per alloy species (sigma 0 / 1)
 * the mean |u| and sorted mean |u_a| with their own phase fractions, the
 * zone-boundary (R, M) amplitudes of u (antipolar order), and with omega the
 * tilt pattern: R- and M-point amplitudes per axis, tilt angles and
 * the Glazer label.  A sweep adds every 10th sample (a sample costs about one
 * MD step).  Sample sums are plain data (checkpointed as they are). */
#ifndef HF_LOCAL_TABLE_H
#define HF_LOCAL_TABLE_H

#include <stdio.h>

#include "fields.h"
#include "model.h"

typedef struct {
  long samples;
  double frac[4];
  double count[2];
  double abs[2];
  double comp[2][3];
  double frac_species[2][4];
  double R[3], M[3];   /* sums of |R_a|, |M_a| of omega (radians) */
  double uR[3], uM[3]; /* the same for u (Angstrom): antipolar patterns */
  double w_noise[3];   /* sums of the mean |R_a| a disordered omega of the sample's rms would
                          give (hf_tilts_noise; rad); last: older checkpoints read it as 0 */
} hf_local_acc;

void hf_local_acc_sample(hf_local_acc *a, const hf_lattice *lat, const hf_fields *x,
                         double threshold);
/* Header lines with units; has_sigma and has_w choose the column groups; with
 * sigma a line names the two alloy species from the model (alloy_species). */
void hf_local_header(FILE *f, const hf_model *m, int has_sigma, int has_w);
/* One row of averages at temperature T (Glazer label from the mean
 * amplitudes: an axis is untilted, "0", below 0.25 degree of tilt or 3 times
 * the mean amplitude of a disordered omega with the samples' rms, whichever
 * is larger; equal = 10%). */
void hf_local_row(FILE *f, double T, const hf_local_acc *a, int has_sigma, int has_w);

#endif
