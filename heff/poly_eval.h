/* poly_eval.h - direct evaluation of one lattice polynomial on a supercell:
 * its value, its gradient with respect to every field and the homogeneous
 * strain.  This is the reference path: any term, any variables.  The fitter
 * uses it for features (energy per unit coefficient and its derivatives);
 * the engine uses it for terms that have no compiled kernel. */
#ifndef HF_POLY_EVAL_H
#define HF_POLY_EVAL_H

#include "fields.h"
#include "poly.h"

typedef struct {
  const hf_lattice *lat;
  const hf_fields *x;
  double *const *etaL; /* 6 local strain arrays, or NULL if no term needs them */
  size_t strain_cells; /* cells a strain-only monomial counts (0: all; a film in
                          vacuum: its material cells) */
} hf_poly_input;

typedef struct {
  hf_fields *g;         /* accumulates coef * dt/dx (NULL: energy only) */
  double *const *gEtaL; /* accumulates coef * dt/detaL (6 arrays), or NULL */
  double *dEdeta;       /* accumulates coef * dt/deta (6), or NULL */
} hf_poly_output;

/* Returns coef * t(x) and accumulates derivatives into out. */
double hf_poly_eval(const hf_poly *p, double coef, const hf_poly_input *in,
                    const hf_poly_output *out);

#endif
