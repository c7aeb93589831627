/* child_engine.h - a first-principles engine (fit/fp_engine.h) that runs an
 * external program per call: the configuration's atoms (mode_map.h) go to
 * structure.xyz in a new directory RUN_DIR/call_NNNN, the program (argv, no
 * shell) runs there with STRUCTURE and RESULT appended to its arguments
 * (dft_bridge/ase_runner.py is one), and its energy, forces and stress come
 * back as mode rows.  A nonzero exit, a signal, a timeout, a missing or
 * garbled result or an unconverged SCF is a failed call: logged in
 * RUN_DIR/calls.tsv, retried in a new directory up to `attempts` times, then
 * reported through hf_err.  Every call directory is kept (input, result,
 * stdout.log, stderr.log).  With `persistent`, one client process answers
 * all calls over a socket instead (ipi_client.h), keeping its wavefunctions;
 * structure.xyz and result.txt are written as above, the client's logs are
 * RUN_DIR/ipi_client_NNN.*.log.  Protocol: docs/dft-bridge.md. */
#ifndef HF_CHILD_ENGINE_H
#define HF_CHILD_ENGINE_H

#include <signal.h>

#include "fp_engine.h"

typedef struct {
  const char *const *argv; /* command, NULL-terminated; relative paths are relative to the
                              call directory, so give absolute ones */
  const char *run_dir;     /* made if missing (its parent must exist) */
  double timeout;          /* seconds per attempt, > 0 */
  int attempts;            /* tries per call, >= 1 */
  const char *species[4];  /* element symbols of A, B, X, and for a model with sigma the
                              second species of the alloy sublattice (the model's sigma site):
                              it replaces the host where sigma = 1 */
  double xi[5];            /* local-mode eigenvector (hf_mode_map_init) */
  double e_ref;            /* energy of the undistorted supercell, eV; NAN: computed once in
                              RUN_DIR/reference (a converged result found there is reused).
                              With sigma it must be NAN: each occupation's undistorted cell
                              is computed in RUN_DIR/reference_HASH (16 hex digits of the
                              FNV-1a hash of sigma) */
  int remove_mean_force;   /* subtract the mean atomic force (codes whose forces do not sum
                              to zero, e.g. CP2K) */
  int persistent;          /* one client for all calls, through the i-PI protocol
                              (ipi_client.h): argv gets "--ipi ipi.sock" instead of
                              STRUCTURE RESULT and runs in run_dir */
  int pulay_correction;    /* subtract the reference structure's mean normal stress from the
                              normal stresses (plane-wave Pulay stress; a0 must be the
                              engine's equilibrium lattice constant) */
  const volatile sig_atomic_t *stop; /* NULL, or a flag the program's signal handler sets:
                                        a running child (file mode) is then killed with its
                                        group and the call fails at once, not retried; the
                                        persistent client finishes its call first */
} hf_child_config;

/* The model gives a0, the sites and the fields (u, v, omega, sigma); rows
 * are in its layout (regression_rows.h).  The structure of a call puts the
 * species of each alloy site from sigma; the local modes keep one xi for
 * both species (paper 003). */
int hf_child_engine_create(hf_fp_engine *e, const hf_model *m, const hf_lattice *lat,
                           const hf_child_config *cfg, hf_err *err);
/* The reference energy in use (NAN before it is known). */
double hf_child_engine_eref(const hf_fp_engine *e);
/* The reference's mean normal stress, eV/Angstrom^3 (NAN unless computed). */
double hf_child_engine_pref(const hf_fp_engine *e);
/* Directory of the last attempt ("" before the first). */
const char *hf_child_engine_last_dir(const hf_fp_engine *e);

#endif
