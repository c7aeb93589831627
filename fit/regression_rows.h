/* regression_rows.h - the rows of the regression for one configuration (paper 003,
 * Eq. 9): energy per cell, the force on every mode component, and the six
 * strain derivatives, split into the part each fitted term contributes per
 * unit coefficient (phi) and the fixed long-range part (y_long, the dipole
 * sum).  Row layout: 1 energy row, then 3N rows per vector field the model
 * carries (u, v, omega in that order, cell index fastest within a
 * component), then 6 stress rows.  Units: eV per cell for the energy, eV per
 * Angstrom (or per radian) for forces, eV per cell for the stress rows
 * (-dE/deta / N, Voigt order, engineering shears).  The pV term is not part
 * of the model's energy and is left out. */
#ifndef HF_REGRESSION_ROWS_H
#define HF_REGRESSION_ROWS_H

#include "blr.h"
#include "fields.h"
#include "model.h"

typedef struct hf_features hf_features;

/* Scratch for one supercell (allocations happen here only). */
int hf_features_create(hf_features **f, const hf_model *m, const hf_lattice *lat, hf_err *err);
void hf_features_free(hf_features *f);
/* Number of rows for this model and supercell. */
size_t hf_features_rows(const hf_features *f);
/* phi: rows x nterms, row-major (may be NULL); ylong: rows; type: rows
 * (enum hf_blr_type). */
void hf_features_eval(hf_features *f, const hf_fields *x, double *phi, double *ylong, int *type);

#endif
