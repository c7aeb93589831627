/* polar_states.h - the uniform polar states a model relaxes to and whether
 * they are stable.  On 2x2x2 cells at a pressure (and, for films, an
 * epitaxial clamp: eta1 = eta2 = e, eta6 = 0 held), FIRE relaxations
 * (relax.h) over the fields and the free strains from uniform u = 0.1 A
 * along [001], [110] and [111] (T, O and R: a symmetric start keeps its
 * symmetry), then on each relaxed state the curvature of the enthalpy along
 * frozen u patterns: for each q with components 0 or 1/2 the 3x3 matrix
 *   K_ab(q) = (1/N) d^2 H / dA_a dA_b,  u_a(R) += A_a cos(2 pi q . R),
 * by central differences of the engine's exact gradient, v, omega and the
 * strain held.  Relaxing those too can only lower it, so a negative
 * eigenvalue is an instability of the state (a symmetry-lowering order at
 * that q: an in-plane polarization at Gamma, an antipolar order elsewhere).
 * Units: eV, Angstrom, GPa. */
#ifndef HF_POLAR_STATES_H
#define HF_POLAR_STATES_H

#include "error.h"
#include "model.h"

#define HF_POLAR_NSTATE 3 /* T, O, R */
#define HF_POLAR_NQ 8     /* q index: 4 q_x + 2 q_y + q_z with each 2q component 0 or 1 */

typedef struct {
  int status;                 /* enum hf_relax_status of the relaxation */
  double u[3];                /* the relaxed u (uniform), Angstrom */
  double eta[6];              /* the relaxed strain */
  double H;                   /* enthalpy per cell above the undistorted crystal under the
                                 same clamp, eV */
  double k[HF_POLAR_NQ][3];   /* eigenvalues of K(q), ascending, eV/A^2 */
  double vec[HF_POLAR_NQ][3]; /* the unit eigenvector of the lowest */
} hf_polar_state;

extern const char *const hf_polar_state_names[HF_POLAR_NSTATE];

/* 2q of q index k (components 0 or 1). */
static inline void hf_polar_q(int k, int q2[3]) {
  q2[0] = (k >> 2) & 1, q2[1] = (k >> 1) & 1, q2[2] = k & 1;
}

/* The three states of model m at pressure (GPa); epitaxial NAN: every
 * strain free, else eta1 = eta2 = epitaxial and eta6 = 0 held.  Fails when
 * the model has no u. */
int hf_polar_states(const hf_model *m, double pressure, double epitaxial,
                    hf_polar_state out[HF_POLAR_NSTATE], hf_err *err);

#endif
