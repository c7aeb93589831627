/* md_state.h - the configuration and integrator state of a run as
 * checkpoint sections (checkpoint.h): fields, occupation, strain and, when a
 * dynamics object is given, velocities, strain rates and the Nose-Hoover
 * chain.  Shared by the heff sweep and the fitter so both resume alike. */
#ifndef HF_MD_STATE_H
#define HF_MD_STATE_H

#include "checkpoint.h"
#include "dynamics.h"

/* dyn may be NULL (Monte Carlo runs have no velocities). */
void hf_md_state_put(hf_ckpt_writer *w, const hf_fields *x, hf_dyn *dyn, size_t ncells);
/* Reads what hf_md_state_put wrote; the caller refreshes forces afterwards. */
int hf_md_state_get(hf_ckpt_reader *r, hf_fields *x, hf_dyn *dyn, size_t ncells, hf_err *err);

#endif
