/* fields.h - supercell geometry and structure-of-arrays fields.
 *
 * Cells are indexed i = (x*Ly + y)*Lz + z (FFTW row-major, z fastest); cell
 * origin R = a0 (x, y, z) is the A site.  Every field component is its own
 * array allocated with fftw_alloc_real, so r2c transforms run on it in place
 * of a copy.  Reciprocal space uses FFTW's r2c half layout: index
 * (kx*Ly + ky)*(Lz/2+1) + kz. */
#ifndef HF_FIELDS_H
#define HF_FIELDS_H

#include <stddef.h>

#include "error.h"

typedef struct {
  int L[3];
  size_t n;  /* cells of the whole supercell */
  size_t nk; /* r2c half-spectrum points: Lx*Ly*(Lz/2+1) */
  /* This rank's slab (comm.h): x planes [x0, x0 + nx), nloc cells stored
   * from global cell x0*Ly*Lz on; and its k-space slab ky in [ky0, ky0 + nky),
   * nkloc points.  One rank: the whole supercell, k space in the r2c layout
   * above (kt = 0); several: kt = 1, FFTW's transposed layout
   * ((ky - ky0)*Lx + kx)*(Lz/2+1) + kz (hf_kindex). */
  int x0, nx, ky0, nky, kt;
  size_t nloc, nkloc;
} hf_lattice;

int hf_lattice_init(hf_lattice *lat, const int L[3], hf_err *err);

static inline size_t hf_index(const hf_lattice *lat, int x, int y, int z) {
  return ((size_t)x * (size_t)lat->L[1] + (size_t)y) * (size_t)lat->L[2] + (size_t)z;
}

/* Wrapped coordinate (x + d) mod L. */
static inline int hf_pbc(int x, int d, int L) {
  int r = x + d;
  /* offsets are a few cells (|d| <= 4 in model terms), so a loop beats the
   * division of r % L; it also covers offsets larger than L in small cells */
  while (r < 0) r += L;
  while (r >= L) r -= L;
  return r;
}

/* Precomputed periodic wrap tables: hf_wraptab_get(w, k, d)[x] = (x + d) mod
 * L[k] for |d| <= HF_WRAP_MAX.  Stencil loops use them to avoid branches. */
#define HF_WRAP_MAX 8
typedef struct {
  int *t[3];
  int L[3];
} hf_wraptab;
int hf_wraptab_init(hf_wraptab *w, const hf_lattice *lat, hf_err *err);
void hf_wraptab_free(hf_wraptab *w);
static inline const int *hf_wraptab_get(const hf_wraptab *w, int k, int d) {
  return w->t[k] + (size_t)(d + HF_WRAP_MAX) * (size_t)w->L[k];
}

/* Index of k-point (kx, ky, kz) among this rank's (ky in its slab). */
static inline size_t hf_kindex(const hf_lattice *lat, int kx, int ky, int kz) {
  const size_t nzh = (size_t)(lat->L[2] / 2 + 1);
  return (lat->kt ? (size_t)(ky - lat->ky0) * (size_t)lat->L[0] + (size_t)kx
                  : (size_t)kx * (size_t)lat->L[1] + (size_t)ky) *
             nzh +
         (size_t)kz;
}

/* Integer wave vector of this rank's k-point q (hf_kindex order): m[] with
 * k = 2 pi m / (L a0), m in (-L/2, L/2]. */
void hf_kpoint(const hf_lattice *lat, size_t q, int m[3]);

/* All per-cell fields of a configuration. Arrays absent from the model are
 * NULL.  eta is the homogeneous strain (Voigt, engineering shears). */
typedef struct {
  double *u[3], *v[3], *w[3];
  double *sigma;
  double eta[6];
} hf_fields;

enum { HF_FIELD_U = 1, HF_FIELD_V = 2, HF_FIELD_W = 4, HF_FIELD_SIGMA = 8 };

/* Allocates the fields named by mask (HF_FIELD_*), zeroed: lat->nloc cells
 * (this rank's slab) per array.  Likewise zero and copy. */
int hf_fields_alloc(hf_fields *f, const hf_lattice *lat, unsigned mask, hf_err *err);
void hf_fields_free(hf_fields *f);
void hf_fields_zero(hf_fields *f, const hf_lattice *lat);
/* dst = src for every array both have (same lattice). */
void hf_fields_copy(hf_fields *dst, const hf_fields *src, const hf_lattice *lat);
/* The nine vector-field component arrays as one table: [0..2] u, [3..5] v,
 * [6..8] w (entries may be NULL). */
static inline double *hf_fields_comp(const hf_fields *f, int c) {
  return c < 3 ? f->u[c] : c < 6 ? f->v[c - 3] : f->w[c - 6];
}

/* The largest |component| of u, v and w over this rank's cells (Angstrom;
 * omega in radians) and the largest |eta_l|: how far a configuration is from
 * the range where a perovskite model means anything (hf_fields_in_range). */
void hf_fields_extent(const hf_fields *f, const hf_lattice *lat, double *mode_max,
                      double *strain_max);
/* The largest local magnitude |f_i| of a vector field (u, v or w of
 * hf_fields) over n cells; 0 when the field is absent (f[0] NULL). */
double hf_vector_field_max(double *const f[3], size_t n);
/* Whether mode_max < a0 and strain_max < 0.2: beyond that a model's
 * polynomial is being evaluated where it was never fitted, and an MD or
 * Monte Carlo run there is a runaway (an unbounded model, too long a step).
 * Not tighter: a local mode on A alternating from cell to cell moves only the
 * A atoms (by xi_A u, ~0.16 u for PbTiO3), and hot PbTiO3 takes single cells
 * to |u| = 1.8 A with no atom 0.4 A from its site; a runaway passes any bound
 * within steps.  fit judges its MD by the atoms (hf_mode_map_max_displacement). */
int hf_fields_in_range(double mode_max, double strain_max, double a0);

#endif
