/* testconfig.h - random configurations and exact symmetry images of them,
 * shared by the tests. */
#ifndef HF_TESTCONFIG_H
#define HF_TESTCONFIG_H

#include "fields.h"
#include "model.h"
#include "rng.h"
#include "symmetry.h"

/* Fills every allocated field with uniform noise of the given amplitudes;
 * sigma gets 1 or 2. */
void testconfig_random(hf_fields *x, const hf_lattice *lat, hf_rng *r, double au, double av,
                       double aw, double aeta);
/* dst = image of src under the point operation g about the u site of cell 0
 * followed by a translation by t cells (cubic supercells only for g != 1). */
void testconfig_transform(hf_fields *dst, const hf_fields *src, const hf_lattice *lat,
                          const hf_model *m, const hf_symop *g, const int t[3]);

#endif
