/* mode_map.h - atoms of a perovskite ABX3 supercell from the mode fields and
 * back (paper 003, Eqs. 1-7; conventions in docs/dft-bridge.md).
 *
 * Atoms: 5 per cell, index 5*i + k with i the cell index of fields.h and
 * k = A (cell corner a0(x,y,z)), B (+a0(1/2,1/2,1/2)), X_x, X_y, X_z (the face
 * centres B - a0/2 e_a).  Positions (Eq. 6):
 *
 *     r = (1 + eps) R0 + x,   x = M s,   cell = (1 + eps) a0 diag(L),
 *
 * with s = (u, v, omega), eps the symmetric strain from Voigt eta (engineering
 * shears) and x Cartesian displacements that the strain does not scale.  M is
 * applied matrix-free (a short stencil per mode), so mode forces are
 * f_s = M^T f_x (Eq. 5) without a dense matrix.  Units: Angstrom, radian,
 * eV, amu. */
#ifndef HF_MODE_MAP_H
#define HF_MODE_MAP_H

#include <stddef.h>

#include "fields.h"
#include "model.h"

enum { HF_ATOM_A = 0, HF_ATOM_B = 1, HF_ATOM_XX = 2, HF_ATOM_XY = 3, HF_ATOM_XZ = 4 };
#define HF_ATOMS_PER_CELL 5

/* One mode pattern: the displacement of atom (cell i + d, type k) is
 * c[3x3] times the mode vector of cell i. */
typedef struct {
  int k, d[3];
  double c[3][3]; /* c[gamma][alpha]: atom component gamma per mode component alpha */
} hf_mode_link;

#define HF_MODE_MAX_LINKS 21
/* Cells per axis of a mapped supercell (first-principles cells are far smaller). */
#define HF_MODE_MAP_MAX_L 64

typedef struct {
  hf_lattice lat;
  double a0;
  unsigned fields; /* HF_FIELD_U | HF_FIELD_V | HF_FIELD_W present */
  int site_u, site_v;
  double xi[5]; /* A, B, X_par, X_perp, X_perp; sum of squares 1 */
  int nlink[3]; /* links of u, v, omega */
  hf_mode_link link[3][HF_MODE_MAX_LINKS];
} hf_mode_map;

/* xi: displacements of A, B, X_par, X_perp, X_perp per unit u at the zone
 * centre (any scale; normalised here to sum_k xi_k^2 = 1, sign kept; the two
 * X_perp must be equal).  u and v sit on different sites; omega on B.
 * fields: HF_FIELD_U/V/W mask; xi is ignored without u. */
int hf_mode_map_init(hf_mode_map *mm, const hf_lattice *lat, double a0, unsigned fields, int site_u,
                     int site_v, const double xi[5], hf_err *err);
/* The same from a model's a0, dof and sites. */
int hf_mode_map_from_model(hf_mode_map *mm, const hf_model *m, const hf_lattice *lat,
                           const double xi[5], hf_err *err);

static inline size_t hf_mode_map_natoms(const hf_mode_map *mm) {
  return HF_ATOMS_PER_CELL * mm->lat.n;
}

/* Undistorted positions R0 (3 per atom, xyz interleaved). */
void hf_mode_map_reference(const hf_mode_map *mm, double *R0);
/* x = M s (3 per atom); the fields present in mm->fields are read. */
void hf_mode_map_apply(const hf_mode_map *mm, const hf_fields *s, double *x);
/* fs = M^T f (Eq. 5); writes every field present in mm->fields. */
void hf_mode_map_transpose(const hf_mode_map *mm, const double *f, hf_fields *fs);
/* The largest |displacement| of an atom from its ideal site, Angstrom, that the
 * modes of s put there (x = M s, strain left out; x: a buffer of 3 per atom).
 * A large mode amplitude can be a small atomic one: a u pattern alternating
 * from cell to cell cancels on every atom two cells share. */
double hf_mode_map_max_displacement(const hf_mode_map *mm, const hf_fields *s, double *x);
/* Eq. 6: positions r (3 per atom) and cell rows (cell[i] = i-th lattice vector). */
void hf_mode_map_structure(const hf_mode_map *mm, const hf_fields *s, double *r, double cell[3][3]);

/* Eq. 2 gauge: subtracts from omega_a its mean over every layer normal to a
 * (the part of omega that moves no atom). */
void hf_mode_map_gauge(const hf_mode_map *mm, hf_fields *s);
/* s = argmin |x - M s|^2 within the Eq. 2 gauge (conjugate gradients on
 * M^T M, matrix-free): exact inverse on the image of M.  rel_resid (may be
 * NULL) gets |x - M s| / |x|. */
int hf_mode_map_project(const hf_mode_map *mm, const double *x, hf_fields *s, double *rel_resid,
                        hf_err *err);

/* eps (3x3, symmetric) from Voigt eta with engineering shears. */
void hf_strain_tensor(const double eta[6], double eps[3][3]);
/* v = scale * the symmetric part of t, Voigt order xx yy zz yz zx xy. */
void hf_voigt_symmetric(const double t[3][3], double scale, double v[6]);
/* Ai = A^-1 by cofactors; returns det A (Ai is inf/nan when it is 0). */
double hf_mat3_inverse(const double A[3][3], double Ai[3][3]);
/* Volume of the strained supercell, Angstrom^3. */
double hf_mode_map_volume(const hf_mode_map *mm, const double eta[6]);
/* Eq. 7: dE/deta at fixed modes from an atomic calculation of the structure
 * of hf_mode_map_structure: x = M s, atomic forces f (eV/Angstrom) and the
 * engine's stress (eV/Angstrom^3, ASE convention: (1/V) dE/d(deformation)
 * at fixed fractional coordinates, Voigt xx yy zz yz zx xy). */
void hf_mode_map_strain_derivative(const hf_mode_map *mm, const double eta[6], const double *x,
                                   const double *f, const double stress[6], double dEdeta[6]);

/* Mode masses from atomic masses m_atom = (A, B, X), amu: u: sum_k m_k xi_k^2
 * (kinetic energy per cell of a uniform u); v: m_A + m_B + 3 m_X; omega (amu
 * Angstrom^2 per rad^2): per cell for the R-point staggered tilt, 2 m_X a0^2. */
void hf_mode_map_masses(const hf_mode_map *mm, const double m_atom[3], double mass[3]);

#endif
