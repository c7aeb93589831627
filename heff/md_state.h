/* md_state.h - the configuration and integrator state of a run as
 * checkpoint sections (checkpoint.h): fields, occupation, strain and, when a
 * dynamics object is given, velocities, strain rates and the Nose-Hoover
 * chain.  Shared by the heff sweep and the fitter so both resume alike.
 *
 * On several ranks (comm.h) the calls are collective: fields travel between
 * the slabs and rank 0, which alone holds the file (w, r NULL elsewhere), so
 * the file is the one-rank file whatever the rank count. */
#ifndef HF_MD_STATE_H
#define HF_MD_STATE_H

#include "checkpoint.h"
#include "dynamics.h"

/* dyn may be NULL (Monte Carlo runs have no velocities); comm NULL: serial. */
int hf_md_state_put(hf_ckpt_writer *w, const hf_fields *x, hf_dyn *dyn, const hf_lattice *lat,
                    hf_comm *comm, hf_err *err);
/* Reads what hf_md_state_put wrote; the caller refreshes forces afterwards. */
int hf_md_state_get(hf_ckpt_reader *r, hf_fields *x, hf_dyn *dyn, const hf_lattice *lat,
                    hf_comm *comm, hf_err *err);

#endif
