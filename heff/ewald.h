/* ewald.h - the dipole-dipole interaction kernel D(k) by Ewald summation.
 *
 * This file owns the reciprocal-space dipole tensor of a simple cubic lattice
 * of point dipoles (spacing a0) in a periodic supercell with conducting
 * ("tin-foil") boundary conditions:
 *   E = (1/2) sum_i sum_j' p_i^T T(R_ij) p_j = (1/(2N)) sum_k xhat(k)^+ D(k) xhat(k),
 *   T_ab(R) = (delta_ab - 3 Rhat_a Rhat_b)/R^3,  D(k) = sum_{R != 0} T(R) e^{i k.R},
 * xhat(k) = sum_i p_i e^{-i k.R_i}, R over all primitive lattice vectors.  At
 * k = 0 the macroscopic (k+G = 0) term is omitted (tin-foil), which gives
 * D(0) = -(4 pi/3)/a0^3 (the Lorentz factor).  It knows nothing about models,
 * units of charge or the engine: multiply by e^2/(4 pi eps0) Z*^2/eps_inf
 * outside. */
#ifndef HF_EWALD_H
#define HF_EWALD_H

#include "error.h"
#include "fields.h"

/* Fills D[6*q + c], c = xx,yy,zz,yz,zx,xy (c = 0..5), for every r2c
 * half-spectrum point q of lat (see hf_kpoint in fields.h), in units of
 * 1/Angstrom^3 (multiply by e^2/(4 pi eps0) Z*^2/eps_inf outside).  D is real
 * and symmetric because the lattice is centrosymmetric.  Uses the default
 * splitting parameter HF_EWALD_ALPHA/a0; truncation error < 1e-16 and
 * rounding a few 1e-15 relative to |D(0)|.  No global state, no output. */
int hf_dipole_kernel(const hf_lattice *lat, double a0, double *D, hf_err *err);

/* Default Ewald splitting parameter alpha * a0 (dimensionless).  With it the
 * reciprocal sum needs only the 7 vectors G = 0, +-2 pi e_i / a0 and the
 * real-space sum the cube |n_i| <= 20 (see ewald.c for the error budget). */
#define HF_EWALD_ALPHA 0.32

/* As hf_dipole_kernel with an explicit splitting parameter alpha (1/Angstrom,
 * 0.2/a0 <= alpha <= 3/a0); cutoffs are chosen for the same accuracy.  The
 * result is independent of alpha up to rounding: for testing. */
int hf_dipole_kernel_alpha(const hf_lattice *lat, double a0, double alpha, double *D, hf_err *err);

#endif
