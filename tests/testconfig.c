/* testconfig.c - random configurations and their symmetry images. */
#include "testconfig.h"

#include <math.h>

void testconfig_random(hf_fields *x, const hf_lattice *lat, hf_rng *r, double au, double av,
                       double aw, double aeta) {
  for (int c = 0; c < 9; c++) {
    double *a = hf_fields_comp(x, c);
    double amp = c < 3 ? au : c < 6 ? av : aw;
    if (a)
      for (size_t i = 0; i < lat->n; i++) a[i] = amp * (2 * hf_rng_uniform(r) - 1);
  }
  if (x->sigma)
    for (size_t i = 0; i < lat->n; i++) x->sigma[i] = hf_rng_uniform(r) < 0.5 ? 1.0 : 2.0;
  for (int l = 0; l < 6; l++) x->eta[l] = aeta * (2 * hf_rng_uniform(r) - 1);
}

static int mod(int a, int L) { return ((a % L) + L) % L; }

/* Maps cell index of a variable sitting at 'site' (units of a0). */
static size_t map_cell(const hf_lattice *lat, int x, int y, int z, const double *site,
                       const double *center, const hf_symop *g, const int t[3]) {
  int c[3] = {x, y, z}, o[3];
  double r[3], rp[3];
  for (int b = 0; b < 3; b++) r[b] = c[b] + site[b] - center[b];
  for (int b = 0; b < 3; b++) rp[g->perm[b]] = g->sign[b] * r[b];
  for (int b = 0; b < 3; b++)
    o[b] = mod((int)lround(rp[b] + center[b] - site[b]) + t[b], lat->L[b]);
  return hf_index(lat, o[0], o[1], o[2]);
}

void testconfig_transform(hf_fields *dst, const hf_fields *src, const hf_lattice *lat,
                          const hf_model *m, const hf_symop *g, const int t[3]) {
  hf_sites s;
  hf_model_sites(m, &s);
  const double *center = s.s[HF_VAR_U];
  for (int x = 0; x < lat->L[0]; x++)
    for (int y = 0; y < lat->L[1]; y++)
      for (int z = 0; z < lat->L[2]; z++) {
        size_t i = hf_index(lat, x, y, z);
        const int kinds[3] = {HF_VAR_U, HF_VAR_V, HF_VAR_W};
        for (int f = 0; f < 3; f++) {
          if (!hf_fields_comp(src, 3 * f)) continue;
          size_t j = map_cell(lat, x, y, z, s.s[kinds[f]], center, g, t);
          for (int b = 0; b < 3; b++) {
            double sign = g->sign[b] * (f == 2 ? g->det : 1);
            hf_fields_comp(dst, 3 * f + g->perm[b])[j] = sign * hf_fields_comp(src, 3 * f + b)[i];
          }
        }
        if (src->sigma)
          dst->sigma[map_cell(lat, x, y, z, s.s[HF_VAR_SIGMA], center, g, t)] = src->sigma[i];
      }
  for (int l = 0; l < 6; l++) {
    int a = hf_voigt_pair[l][0], b = hf_voigt_pair[l][1];
    dst->eta[hf_voigt_index(g->perm[a], g->perm[b])] = g->sign[a] * g->sign[b] * src->eta[l];
  }
}
