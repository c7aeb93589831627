/* child_io.h - the files of the child protocol (docs/dft-bridge.md): the
 * structure as extended XYZ (species, positions, cell) and the result file
 * the child writes (energy, stress, forces, converged flag). */
#ifndef HF_CHILD_IO_H
#define HF_CHILD_IO_H

#include <stddef.h>

#include "error.h"

/* species[k] names atom k (at most 7 characters). */
int hf_xyz_write(const char *path, size_t natoms, const char *const *species, const double *r,
                 const double cell[3][3], const char *comment, hf_err *err);

typedef struct {
  int converged;
  double energy;       /* eV, whole supercell */
  double stress[6];    /* eV/Angstrom^3, ASE sign, Voigt xx yy zz yz zx xy */
  double basis_excess; /* plane-wave count over its continuum value, minus 1 (NAN: not given;
                          ase_runner.py) */
  double *forces;      /* 3 per atom, eV/Angstrom (caller's array) */
} hf_child_result;

/* Reads a result for natoms atoms into res (res->forces must hold 3*natoms;
 * the optional basis_excess line, else NAN);
 * fails, naming the file and line, on a missing or garbled file, a wrong atom
 * count or a non-finite number.  An unconverged result reads fine with
 * converged = 0 (and nothing else set). */
int hf_child_result_read(const char *path, size_t natoms, hf_child_result *res, hf_err *err);

/* Writes res in the format hf_child_result_read reads (numbers to 17
 * significant digits, so they read back bit for bit), atomically (a
 * temporary file renamed); `note` (may be NULL; its first 400 characters) goes to a
 * comment line. */
int hf_child_result_write(const char *path, size_t natoms, const hf_child_result *res,
                          const char *note, hf_err *err);

#endif
