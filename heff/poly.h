/* poly.h - polynomials in the lattice variables of an effective Hamiltonian.
 *
 * Every term of the Hamiltonian except the dipole sum is a polynomial
 *   t = sum_cells sum_m c_m prod_f x_f(cell + offset_f)
 * in the field components u, v, omega (w), the alloy occupation sigma, the
 * homogeneous strain eta (Voigt, engineering shears, no offset) and the local
 * strain etaL built from v.  This file owns the monomial representation, its
 * canonical form modulo lattice translations, arithmetic, and the text parser
 * ("(ux^2+uy^2+uz^2)^2", "ux*ux[1,0,0]", "eta1*etaL2", "vx[0,1,0]").
 * It knows nothing about supercells or the model file. */
#ifndef HF_POLY_H
#define HF_POLY_H

#include <stdint.h>

#include "error.h"

enum hf_var_kind {
  HF_VAR_U = 0,     /* dipolar local mode, Angstrom */
  HF_VAR_V = 1,     /* acoustic displacement, Angstrom */
  HF_VAR_W = 2,     /* AFD tilt pseudovector omega, radians */
  HF_VAR_SIGMA = 3, /* alloy occupation (scalar, 1, 2, ...) */
  HF_VAR_ETA = 4,   /* homogeneous strain, Voigt 1..6 */
  HF_VAR_ETAL = 5,  /* local (inhomogeneous) strain from v, Voigt 1..6 */
  HF_NVAR_KIND = 6
};

#define HF_MAX_DEG 12
#define HF_MAX_OFF 4 /* |offset component| limit: neighbour shells up to 4 cells */

typedef struct {
  uint8_t kind;  /* enum hf_var_kind */
  uint8_t comp;  /* 0..2 for vectors, 0..5 for strains, 0 for sigma */
  int8_t off[3]; /* cell offset (always 0 for HF_VAR_ETA) */
  int8_t pad;
} hf_var;

typedef struct {
  double c;
  int deg;
  hf_var f[HF_MAX_DEG];
} hf_mono;

typedef struct {
  int n, cap;
  hf_mono *m;
} hf_poly;

void hf_poly_init(hf_poly *p);
void hf_poly_free(hf_poly *p);
int hf_poly_copy(hf_poly *dst, const hf_poly *src);
/* Appends c * (factors) and returns HF_OK, or HF_FAIL on allocation failure. */
int hf_poly_add_mono(hf_poly *p, const hf_mono *m);
/* Puts every monomial in canonical form modulo translation, merges equal
 * monomials and drops those with |c| <= tol * max|c|. */
int hf_poly_canonicalize(hf_poly *p, double tol);
int hf_poly_add(hf_poly *dst, const hf_poly *a, double scale);
int hf_poly_mul(hf_poly *dst, const hf_poly *a, const hf_poly *b, hf_err *err);
int hf_poly_pow(hf_poly *dst, const hf_poly *a, int n, hf_err *err);
void hf_poly_scale(hf_poly *p, double s);

/* Parses an expression over variables ux uy uz vx vy vz wx wy wz sigma
 * eta1..eta6 etaL1..etaL6, each optionally followed by a cell offset [i,j,k],
 * with numbers, + - * ^ (non-negative integer powers) and parentheses.
 * The result is canonical.  On error err says what was expected where. */
int hf_poly_parse(hf_poly *out, const char *text, hf_err *err);

/* Writes a readable form of one variable / monomial (for messages, files). */
void hf_var_str(const hf_var *v, char *buf, int n);
int hf_poly_str(const hf_poly *p, char *buf, int n);

/* Compare two canonical polynomials: max |coefficient difference|,
 * relative to max |c| of a. */
double hf_poly_diff(const hf_poly *a, const hf_poly *b);

#endif
