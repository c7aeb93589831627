/* pinned.h - pinned cells: cells whose local modes (some or all of the
 * fields u, v, w) are held at their initial values during a run, for
 * boundary conditions such as clamped domain-wall ends, fixed capping
 * layers or frozen defects (run-file key 'pinned', docs/run-format.md).
 *
 * The set is kept as short per-field lists of this rank's cells, so the
 * samplers touch only those cells (dynamics.h, hmc.h, metropolis.h) and runs
 * without pinned cells pay nothing. */
#ifndef HF_PINNED_H
#define HF_PINNED_H

#include <stdint.h>

#include "fields.h"

/* One entry of the run-file key 'pinned': a box of cells or a file of
 * cells, and the fields held fixed there. */
typedef struct {
  int box[3][2];   /* cell index ranges [x0, x1) x [y0, y1) x [z0, z1) (file[0] == 0) */
  char file[1024]; /* cell file, resolved ("" for a box) */
  unsigned fields; /* HF_FIELD_U | _V | _W; 0: every vector field of the model */
} hf_pin_region;

typedef struct {
  size_t n[3];     /* this rank's pinned cells per field (u, v, w) */
  size_t *cell[3]; /* their indices in this rank's slab, ascending */
  size_t ncells;   /* cells with at least one pinned field, whole supercell */
  size_t ncomp[3]; /* pinned components per field (3 per cell), whole supercell */
  uint64_t hash;   /* of the whole set (a checkpoint must agree on it) */
} hf_pin;

/* The set of the nreg regions reg (from run file run_path) on lat: every
 * rank reads the whole description and keeps its slab's cells.
 * field_mask: the model's fields (hf_engine_field_mask); a region naming a
 * field the model lacks is an error, as is a cell file's malformed line
 * (file:line).  nreg = 0: the empty set. */
int hf_pin_build(hf_pin *p, const hf_pin_region *reg, int nreg, const char *run_path,
                 const hf_lattice *lat, unsigned field_mask, hf_err *err);
void hf_pin_free(hf_pin *p);
/* Pinned components over the whole supercell, all fields. */
size_t hf_pin_components(const hf_pin *p);

#endif
