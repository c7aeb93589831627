/* pair_kernel.h - the engine's kernel for two-cell monomials: products of
 * u, v and omega factors at two cells (one to three at each) times any
 * homogeneous strain factors.  These are the anharmonic and cross-field pairs
 * learned models carry (u^3 u@1, u^2 u^2@1, u v@1, u w@1, u^2 w^2@1,
 * u^3 w@1, eta u u@1, w^2 w^2@1, ...), which the generic evaluator runs one
 * monomial at a time.
 *
 * Each such monomial c eta... s_a(i) s_b(i + d) is a product of two site
 * monomials s (degree 1-3 in the nine components ux..wz of one cell), so
 *     E = sum_d sum_(a,b) c_ab(eta) sum_i s_a(i) s_b(i + d).
 * The site monomials are tabulated once per cell in a padded layout (the
 * periodic images of each plane's edges stored around it), where every bond
 * d is one constant offset: each (a, b) pair of a bond is one straight loop
 * of multiply-adds, and dE/ds goes back to dE/dx once per cell.  Bonds point
 * up in x (d_x >= 0), so a block of x planes reads only the planes above it
 * (on several ranks: the halo above, hf_poly_halo hi).  Internal to the
 * engine. */
#ifndef HF_PAIR_KERNEL_H
#define HF_PAIR_KERNEL_H

#include "error.h"
#include "poly.h"
#include "poly_eval.h"

typedef struct hf_pair_kernel hf_pair_kernel;

/* 1 if the kernel takes m: its u, v, w factors sit at exactly two cells,
 * one to three at each, and every other factor is a homogeneous strain. */
int hf_pair_takes(const hf_mono *m);

/* A kernel for the monomials of p (each taken by hf_pair_takes, coefficient
 * folded in) on a lattice of L[1] x L[2] planes, nx of them local, run on
 * nthreads OpenMP threads (blocks of x planes; results identical to one
 * thread, bit for bit). */
int hf_pair_kernel_create(hf_pair_kernel **out, const hf_poly *p, const int L[3], int nx,
                          int nthreads, hf_err *err);
void hf_pair_kernel_free(hf_pair_kernel *k);

/* Planes above a local one that slot s (hf_poly_halo_slot) is read from. */
void hf_pair_kernel_reach(const hf_pair_kernel *k, int hi[HF_POLY_HALO_SLOTS]);

/* Bytes of tables and scratch. */
size_t hf_pair_kernel_bytes(const hf_pair_kernel *k);

/* The energy; adds dE/dx to out->g and dE/deta to out->dEdeta (either NULL:
 * not wanted), as hf_poly_eval does for the same monomials. */
double hf_pair_kernel_eval(hf_pair_kernel *k, const hf_poly_input *in, const hf_poly_output *out);

#endif
