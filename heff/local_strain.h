/* local_strain.h - the local (inhomogeneous) strain etaL at each u site,
 * from the acoustic displacements v at the 8 corners of the cube around it
 * (Zhong-Vanderbilt-Rabe): etaL_aa = (1/4a0) sum over the 4 corner pairs of
 * the v_a difference along a; engineering shears etaL_bc likewise with
 * d v_b/d c + d v_c/d b.  The adjoint maps dE/detaL back to dE/dv. */
#ifndef HF_LOCAL_STRAIN_H
#define HF_LOCAL_STRAIN_H

#include "fields.h"
#include "symmetry.h"

typedef struct {
  int d[8][3];    /* cell offset of each corner's v */
  double h[8][3]; /* +-1: side of the corner along each axis */
  double inv4a0;
} hf_strain_stencil;

int hf_strain_stencil_init(hf_strain_stencil *s, const hf_sites *sites, double a0, hf_err *err);
/* etaL[l][i] = local strain l at cell i. */
void hf_local_strain(const hf_lattice *lat, const hf_wraptab *w, const hf_strain_stencil *s,
                     double *const v[3], double *const etaL[6]);
/* gv[a][j] += sum_{i,l} gEtaL[l][i] d etaL[l][i] / d v[a][j]. */
void hf_local_strain_adjoint(const hf_lattice *lat, const hf_wraptab *w, const hf_strain_stencil *s,
                             double *const gEtaL[6], double *const gv[3]);

#endif
