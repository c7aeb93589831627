/* sweep.h - a temperature sweep: for each temperature (each starting from the
 * previous state), thermalise then average with MD, HMC or Metropolis MC;
 * write the table, per-term energies, VTK fields; checkpoint so that a run
 * killed at any point resumes and, with the same seed, reproduces the
 * uninterrupted numbers.  The caller owns the loop (hf_sweep_advance). */
#ifndef HF_SWEEP_H
#define HF_SWEEP_H

#include "observables.h"
#include "run_config.h"

typedef struct hf_sweep hf_sweep;

enum { HF_SWEEP_RUNNING = 0, HF_SWEEP_TEMPERATURE_DONE = 1, HF_SWEEP_FINISHED = 2 };

/* Builds engine, fields and sampler; opens the output files; loads the
 * checkpoint when one exists and resume != 0 (*resumed set accordingly). */
int hf_sweep_create(hf_sweep **s, const hf_run_config *c, const hf_model *m, int resume,
                    int *resumed, hf_err *err);
/* The same on MPI ranks (comm.h; NULL: serial): every call below is then
 * collective, rank 0 alone writes the tables, VTK and checkpoint, and the
 * results equal the one-rank run to round-off (docs/mpi.md). */
int hf_sweep_create_comm(hf_sweep **s, const hf_run_config *c, const hf_model *m, int resume,
                         int *resumed, hf_comm *comm, hf_err *err);
void hf_sweep_free(hf_sweep *s);
/* Runs at most max_units steps/sweeps; returns HF_SWEEP_* or HF_FAIL. */
int hf_sweep_advance(hf_sweep *s, long max_units, hf_err *err);
const hf_obs_result *hf_sweep_last_result(const hf_sweep *s);
/* Fraction of all units done, current temperature index and stage. */
double hf_sweep_fraction(const hf_sweep *s);
void hf_sweep_progress(const hf_sweep *s, char *buf, size_t n, double elapsed);
/* Acceptance and step of the last finished temperature. */
void hf_sweep_last_accept(const hf_sweep *s, double *accept, double *step);
const char *hf_sweep_table_path(const hf_sweep *s);
/* A warning for the user found at creation (e.g. an unstable elastic energy),
 * or "" when there is none. */
const char *hf_sweep_warning(const hf_sweep *s);

#endif
