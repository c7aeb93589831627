/* rng.c - xoshiro256** generator and derived distributions (see rng.h). */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void hf_rng_seed(hf_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

void hf_rng_split(const hf_rng *parent, uint64_t stream, hf_rng *child) {
  uint64_t x = parent->s[0] ^ (parent->s[3] * 0x2545f4914f6cdd1dULL) ^ stream;
  x = splitmix64(&x) ^ stream;
  hf_rng_seed(child, x);
}

uint64_t hf_fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t k = 0; k < n; k++) h = (h ^ b[k]) * 1099511628211ull;
  return h;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t hf_rng_u64(hf_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double hf_rng_uniform(hf_rng *r) { return (double)(hf_rng_u64(r) >> 11) * 0x1.0p-53; }

/* Standard normal by the ziggurat method (Marsaglia & Tsang, J. Stat. Softw.
 * 5(8), 2000): ~99% of draws cost one 32-bit integer, a compare and a multiply,
 * which matters because Langevin dynamics draws one per degree of freedom per
 * step.  Tables: ziggurat_tables.c. */
/* One slow round of a ziggurat of layers with tables f (R: the base layer's
 * edge). */
static inline int zig_edge(hf_rng *r, int32_t hz, uint32_t iz, double x, double *out, double R,
                           const double *f) {
  if (iz == 0) { /* the tail beyond R */
    double t, y;
    do {
      t = -log(1.0 - hf_rng_uniform(r)) / R;
      y = -log(1.0 - hf_rng_uniform(r));
    } while (y + y < t * t);
    *out = hz > 0 ? R + t : -R - t;
    return 1;
  }
  *out = x;
  return f[iz] + hf_rng_uniform(r) * (f[iz - 1] - f[iz]) < exp(-0.5 * x * x);
}

int hf_zig_edge(hf_rng *r, int32_t hz, uint32_t iz, double x, double *out) {
  return zig_edge(r, hz, iz, x, out, 3.442619855899, hf_zig_f);
}

int hf_zig256_edge(hf_rng *r, int32_t hz, uint32_t iz, double x, double *out) {
  return zig_edge(r, hz, iz, x, out, 3.6541528853610088, hf_zig256_f);
}

/* The layer is the low 7 (8) bits of a draw (mask), the signed 32-bit
 * abscissa its high half. */
static inline double zig_normal(hf_rng *r, uint32_t mask, const uint32_t *k, const double *w,
                                int (*edge)(hf_rng *, int32_t, uint32_t, double, double *)) {
  for (;;) {
    uint64_t bits = hf_rng_u64(r);
    int32_t hz = (int32_t)(uint32_t)(bits >> 32);
    uint32_t iz = (uint32_t)bits & mask;
    uint32_t ahz = hz < 0 ? (uint32_t)(-(int64_t)hz) : (uint32_t)hz;
    double x = hz * w[iz], out;
    if (ahz < k[iz]) return x;
    if (edge(r, hz, iz, x, &out)) return out;
  }
}

double hf_rng_normal(hf_rng *r) { return zig_normal(r, 127u, hf_zig_k, hf_zig_w, hf_zig_edge); }

double hf_rng_normal256(hf_rng *r) {
  return zig_normal(r, 255u, hf_zig256_k, hf_zig256_w, hf_zig256_edge);
}
