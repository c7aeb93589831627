/* fp_engine.c - the model engine behind the first-principles interface
 * (fp_engine.h). */
#include "fp_engine.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"

typedef struct {
  hf_engine *eng;
  hf_lattice lat;
  hf_fields g;
  hf_noise noise;
  int noisy;
} model_ctx;

/* FNV-1a over the bytes of the configuration (fields, strain, occupation). */
static uint64_t config_hash(const model_ctx *c, const hf_fields *x) {
  uint64_t h = HF_FNV_OFFSET;
  const size_t n = c->lat.n;
  for (int comp = 0; comp < 10; comp++) {
    const double *a = comp < 9 ? hf_fields_comp(x, comp) : x->sigma;
    if (a) h = hf_fnv1a(h, a, n * sizeof(double));
  }
  return hf_fnv1a(h, x->eta, sizeof x->eta);
}

static int model_compute(void *p, const hf_fields *x, double *y, hf_err *err) {
  model_ctx *c = p;
  const uint64_t h = config_hash(c, x);
  /* simulated failures (for testing the loop), like the noise a function of
   * the configuration */
  if (c->noise.fail_every > 0 && (h ^ c->noise.seed) % (uint64_t)c->noise.fail_every == 0)
    return hf_fail(err, "model engine: simulated failure (fail_every %d)", c->noise.fail_every);
  double dEdeta[6];
  hf_energy E;
  hf_engine_eval(c->eng, x, &c->g, dEdeta, &E);
  /* The noise is a function of (seed, configuration), like the scatter of a
   * real DFT code: a repeated call gives the same answer, so a resumed fit
   * needs no engine state. */
  hf_rng seed, rng;
  hf_rng_seed(&seed, c->noise.seed);
  hf_rng_split(&seed, h, &rng);
  const double N = (double)c->lat.n;
  size_t r = 0;
  y[r] = (E.total - E.pv) / N;
  if (c->noisy) y[r] += c->noise.energy * hf_rng_normal(&rng);
  r++;
  for (int comp = 0; comp < 9; comp++) {
    const double *g = hf_fields_comp(&c->g, comp);
    if (!g) continue;
    for (size_t i = 0; i < c->lat.n; i++, r++) {
      y[r] = -g[i];
      if (c->noisy) y[r] += c->noise.force * hf_rng_normal(&rng);
    }
  }
  for (int l = 0; l < 6; l++, r++) {
    y[r] = -dEdeta[l] / N;
    if (c->noisy) y[r] += c->noise.stress * hf_rng_normal(&rng);
  }
  return HF_OK;
}

static void model_destroy(void *p) {
  model_ctx *c = p;
  if (!c) return;
  hf_engine_free(c->eng);
  hf_fields_free(&c->g);
  free(c);
}

int hf_model_engine_create(hf_fp_engine *e, const hf_model *truth, const hf_lattice *lat,
                           const hf_noise *noise, hf_err *err) {
  memset(e, 0, sizeof *e);
  model_ctx *c = calloc(1, sizeof *c);
  if (!c) return hf_fail(err, "out of memory");
  c->lat = *lat;
  if (noise) {
    if (noise->energy < 0 || noise->force < 0 || noise->stress < 0 || noise->fail_every < 0) {
      free(c);
      return hf_fail(err, "model engine: noise standard deviations must be >= 0");
    }
    c->noise = *noise;
    c->noisy = noise->energy > 0 || noise->force > 0 || noise->stress > 0;
  }
  if (hf_engine_create(&c->eng, truth, lat, NULL, err) ||
      hf_fields_alloc(&c->g, lat, hf_engine_field_mask(c->eng) & ~(unsigned)HF_FIELD_SIGMA, err)) {
    model_destroy(c);
    return hf_wrap(err, "model engine '%s'", truth->name);
  }
  e->name = "model";
  e->ctx = c;
  e->compute = model_compute;
  e->destroy = model_destroy;
  return HF_OK;
}

void hf_fp_engine_free(hf_fp_engine *e) {
  if (e->destroy) e->destroy(e->ctx);
  memset(e, 0, sizeof *e);
}
