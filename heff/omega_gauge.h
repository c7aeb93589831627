/* omega_gauge.h - the gauge of the tilt field omega (paper 003, Eqs. 1-2).
 *
 * An oxygen between B sites i and j moves by (a0/2) Rhat_ij x (omega_i -
 * omega_j) (Eq. 1): only differences of omega_a across directions normal to
 * a move atoms, so omega_a is defined up to any function of the a
 * coordinate n_a (a uniform omega, or one staggered along a alone, moves
 * nothing).  Paper 003 removes that freedom with Eq. 2: in every layer
 * n_a = const the cells' omega_a sum to zero.  Projecting onto that
 * subspace subtracts each layer's mean of omega_a.  Mode forces of a
 * first-principles engine (M^T f_x) already lie in it; a model's on-site
 * omega terms do not, so the dynamics projects the omega forces (and the
 * Langevin noise) and moves only in the gauge: L0 + L1 + L2 fewer degrees
 * of freedom.  Every rank calls the projection (layer sums are reduced). */
#ifndef HF_OMEGA_GAUGE_H
#define HF_OMEGA_GAUGE_H

#include "comm.h"
#include "fields.h"

/* Layer means below this (radian) are round-off: a state in the gauge. */
#define HF_OMEGA_GAUGE_TOL 1e-12

/* Doubles of work space hf_omega_gauge_project needs: L0 + L1 + L2. */
static inline size_t hf_omega_gauge_work(const hf_lattice *lat) {
  return (size_t)lat->L[0] + (size_t)lat->L[1] + (size_t)lat->L[2];
}

/* w[a] (this rank's cells) -= the mean of w[a] over its layer n_a, for
 * a = 0, 1, 2.  work: hf_omega_gauge_work(lat) doubles. */
void hf_omega_gauge_project(const hf_lattice *lat, hf_comm *comm, double *const w[3], double *work);

/* As hf_omega_gauge_project, and y[a] -= h times the same layer means of
 * w[a] (y NULL: nothing): one pass for a Langevin step, whose velocity
 * noise moves the values (in the gauge before) by h times it. */
void hf_omega_gauge_project_with(const hf_lattice *lat, hf_comm *comm, double *const w[3],
                                 double *const y[3], double h, double *work);

/* Largest |layer mean of w[a]| over a and the layers (0 in the gauge). */
double hf_omega_gauge_violation(const hf_lattice *lat, hf_comm *comm, const double *const w[3],
                                double *work);

#endif
