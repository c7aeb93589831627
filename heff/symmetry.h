/* symmetry.h - the cubic point group Oh (48 signed permutations) acting on
 * lattice polynomials about the site of the dipolar mode u.
 * u and v are polar vectors, omega (w) is axial (times det g), sigma is a
 * scalar, eta/etaL are symmetric tensors in Voigt form.  Sites are given in
 * units of a0 within the cell (A site at 0, B site at (1/2,1/2,1/2)). */
#ifndef HF_SYMMETRY_H
#define HF_SYMMETRY_H

#include "poly.h"

typedef struct {
  int perm[3]; /* g e_b = sign[b] e_{perm[b]} */
  int sign[3];
  int det;
} hf_symop;

typedef struct {
  double s[HF_NVAR_KIND][3]; /* position of each variable kind inside the cell */
} hf_sites;

/* Fills ops[48]; ops[0] is the identity. */
void hf_oh_group(hf_symop ops[48]);

/* dst = g applied to src (canonical). Fails if a variable would leave its
 * sublattice (inconsistent sites). */
int hf_poly_apply(hf_poly *dst, const hf_poly *src, const hf_symop *g, const hf_sites *sites,
                  hf_err *err);

/* Largest relative coefficient change of p under the 48 operations. */
int hf_poly_invariance_defect(const hf_poly *p, const hf_sites *sites, double *defect, hf_err *err);

/* dst = (1/48) sum_g g.src (Reynolds operator). */
int hf_poly_symmetrize(hf_poly *dst, const hf_poly *src, const hf_sites *sites, hf_err *err);

/* Voigt index (0..5) -> tensor pair. */
extern const int hf_voigt_pair[6][2];
int hf_voigt_index(int a, int b);

#endif
