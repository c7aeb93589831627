/* training_set.h - the append-only training set of `fit`: every engine
 * result with its configuration, one extended-XYZ frame per call, written
 * and fsynced before the result is used, so a finished first-principles
 * result is never lost.  ASE reads the file (ase.io.read(path, ':')).
 *
 * One "atom" per cell (species X, the A-site position a0 (x,y,z) under the
 * homogeneous strain) carrying the mode fields and the forces on them:
 *   Properties=species:S:1:pos:R:3[:sigma:R:1][:u:R:3:f_u:R:3][:v:R:3:f_v:R:3][:w:R:3:f_w:R:3]
 * (sigma, 0 or 1, for alloys: the cell's occupation of the alloy sublattice)
 * and in the comment line: Lattice, pbc, energy (eV, supercell), stress
 * (ASE convention: (1/V) dE/d(strain), eV/Angstrom^3, 3x3), and the exact
 * regression rows as heff_* keys: heff_energy_per_cell (eV), heff_stress_rows
 * (-dE/deta per cell, eV, Voigt with engineering shears), heff_eta (the
 * homogeneous strain), heff_step and heff_T (MD step and temperature of the
 * call), heff_pred_err (largest Bayesian force error before the call, eV/A),
 * heff_imported=1 on frames copied from an earlier fit (initial_training), and
 * heff_kind (why the call was made: md, harmonic, elastic, descent or probe;
 * frames written before the key existed have none and read as untagged).
 * Numbers are printed with 17 significant digits, so a frame read back gives
 * bit-identical rows and a resumed fit refits to the same coefficients. */
#ifndef FIT_TRAINING_SET_H
#define FIT_TRAINING_SET_H

#include <stdio.h>

#include "fields.h"
#include "model.h"

/* Why a frame was computed (heff_kind); FIT_FRAME_UNTAGGED: a frame written
 * before the key existed. */
enum fit_frame_kind {
  FIT_FRAME_UNTAGGED = 0,
  FIT_FRAME_MD,       /* an MD configuration (and held-out frames) */
  FIT_FRAME_HARMONIC, /* pattern_frames: a frozen pattern, or its base state */
  FIT_FRAME_ELASTIC,  /* strain_frames */
  FIT_FRAME_DESCENT,  /* a descent probe's relaxed configuration */
  FIT_FRAME_PROBE,    /* a pattern probe (probe:) */
  FIT_FRAME_NKIND
};
/* "untagged", "md", "harmonic", "elastic", "descent", "probe" */
extern const char *const fit_frame_kind_names[FIT_FRAME_NKIND];

typedef struct {
  long step;
  double T;        /* K */
  double pred_err; /* eV/Angstrom; -1 if there was no fit yet */
  int imported;    /* 1: copied from an earlier fit's training set (heff_imported=1) */
  int kind;        /* enum fit_frame_kind */
} fit_frame_meta;

/* Appends one frame: configuration x and engine rows y (layout of
 * regression_rows.h for model m), then fflush + fsync. */
int fit_xyz_append(FILE *f, const char *path, const hf_model *m, const hf_lattice *lat,
                   const hf_fields *x, const double *y, const fit_frame_meta *meta, hf_err *err);

/* One frame: its supercell lat (the frame's own: a fit may learn from
 * frames of several supercells, as paper 003 trains on 2x2x2 and 2x4x4 in
 * turn), configuration x and engine rows y. */
typedef int (*fit_frame_fn)(void *ctx, const hf_lattice *lat, const hf_fields *x, const double *y,
                            const fit_frame_meta *meta, hf_err *err);

/* Reads every complete frame of path (which may not exist: 0 frames), calling
 * fn for each with its supercell, x and y filled.  The supercell comes from
 * the frame's Lattice under heff_eta, which must be an integer multiple of
 * a0 along each axis.  A frame cut short by a kill during writing ends the
 * read: *valid_bytes is the length of the complete frames (the caller
 * truncates the file to it).  Frames that do not match the model (fields, a0
 * through the Lattice) are errors naming the file and line. */
int fit_xyz_read(const char *path, const hf_model *m, fit_frame_fn fn, void *ctx, long *nframes,
                 long *valid_bytes, hf_err *err);

#endif
