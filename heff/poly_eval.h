/* poly_eval.h - direct evaluation of one lattice polynomial on a supercell:
 * its value, its gradient with respect to every field and the homogeneous
 * strain.  This is the reference path: any term, any variables.  The fitter
 * uses it for features (energy per unit coefficient and its derivatives);
 * the engine uses it for terms that have no compiled kernel. */
#ifndef HF_POLY_EVAL_H
#define HF_POLY_EVAL_H

#include "fields.h"
#include "poly.h"

/* Variables a halo can hold: ux uy uz, vx vy vz, wx wy wz, sigma. */
#define HF_POLY_HALO_SLOTS 10

/* x slabs on several MPI ranks (docs/mpi.md): the evaluator runs over the
 * anchor cells of this rank's planes [lat->x0, lat->x0 + lat->nx) and reads
 * the planes of the neighbouring ranks from halos the caller filled: for
 * variable slot s (hf_poly_halo_slot) lo[s] planes below the slab (xlo[s],
 * plane x0 - lo[s] first) and hi[s] above (xhi[s], plane x0 + nx first).
 * Gradient contributions to those planes are added to glo[s] / ghi[s] (same
 * layout; the caller clears them and sends them back to their owners).  Local
 * strain (etaL) factors are not supported here. */
typedef struct {
  int lo[HF_POLY_HALO_SLOTS], hi[HF_POLY_HALO_SLOTS];
  const double *xlo[HF_POLY_HALO_SLOTS], *xhi[HF_POLY_HALO_SLOTS];
  double *glo[HF_POLY_HALO_SLOTS], *ghi[HF_POLY_HALO_SLOTS];
  int lead; /* this rank counts the strain-only monomials (one rank must) */
} hf_poly_halo;

/* The halo slot of a variable (u, v, w, sigma), -1 for strains. */
int hf_poly_halo_slot(const hf_var *v);

typedef struct {
  const hf_lattice *lat;
  const hf_fields *x;
  double *const *etaL;      /* 6 local strain arrays, or NULL if no term needs them */
  size_t strain_cells;      /* cells a strain-only monomial counts (0: all; a film in
                               vacuum: its material cells) */
  const hf_poly_halo *halo; /* NULL: lat is the whole (periodic) supercell */
} hf_poly_input;

typedef struct {
  hf_fields *g;         /* accumulates coef * dt/dx (NULL: energy only) */
  double *const *gEtaL; /* accumulates coef * dt/detaL (6 arrays), or NULL */
  double *dEdeta;       /* accumulates coef * dt/deta (6), or NULL */
} hf_poly_output;

/* Start of x plane P (global, unwrapped) of array a (NULL: returns NULL),
 * the field of halo slot s: on one rank plane P mod Lx of a; on x slabs one
 * of the rank's planes or one of a halo (xlo/xhi, or glo/ghi when grad),
 * NULL where there is none (beyond the slot's halo too). */
double *hf_poly_plane(const hf_poly_input *in, int s, double *a, int P, int grad);

/* Returns coef * t(x) and accumulates derivatives into out. */
double hf_poly_eval(const hf_poly *p, double coef, const hf_poly_input *in,
                    const hf_poly_output *out);

#endif
