/* initial_state.h - the configuration a run starts from (run file key
 * 'initial', docs/run-format.md): random u, a uniform u, domains separated by
 * planar walls (180 and 90 degree walls, stripe domains), or a configuration
 * file.  Units: Angstrom. */
#ifndef HF_INITIAL_STATE_H
#define HF_INITIAL_STATE_H

#include "rng.h"
#include "run_config.h"

/* Sets x (u; from a file also v and w) as c says; r supplies the random
 * amplitude.  With a distributed lattice (lat->x0, nloc) every rank draws or
 * reads the whole supercell and keeps its slab, so the start does not depend
 * on the rank count.  Errors name the configuration file and line. */
int hf_initial_state(const hf_run_config *c, const hf_lattice *lat, hf_fields *x, hf_rng *r,
                     hf_err *err);

/* Writes u (and v, w when present) of x, the whole supercell lat, as a
 * configuration file that 'initial: {state: file}' reads:
 * "x y z ux uy uz [vx vy vz] [wx wy wz]". */
int hf_config_write(const char *path, const hf_lattice *lat, const hf_fields *x, hf_err *err);

#endif
