/* rng.h - seeded, checkpointable random numbers (xoshiro256** by Blackman and
 * Vigna, seeded through splitmix64).  The whole state is four words, so a
 * checkpoint stores it exactly and a resumed run continues the same stream.
 * Independent streams (one per thread or purpose) come from hf_rng_split. */
#ifndef HF_RNG_H
#define HF_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
  int have_spare; /* Gaussian pair cache */
  double spare;
} hf_rng;

void hf_rng_seed(hf_rng *r, uint64_t seed);
/* A new stream determined by (parent seed state, stream id) without
 * advancing the parent. */
void hf_rng_split(const hf_rng *parent, uint64_t stream, hf_rng *child);
uint64_t hf_rng_u64(hf_rng *r);
/* Uniform in [0, 1). */
double hf_rng_uniform(hf_rng *r);
/* Standard normal (polar Box-Muller). */
double hf_rng_normal(hf_rng *r);

#endif
