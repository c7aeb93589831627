/* hmc.c - hybrid Monte Carlo over the dynamics integrator (see hmc.h). */
#include "hmc.h"

#include <math.h>
#include <stdlib.h>

struct hf_hmc {
  hf_dyn *dyn;
  hf_engine *eng;
  hf_fields *x;
  hf_fields saved;
  hf_hmc_opts o;
  long tried, accepted, win_tried, win_accepted;
};

void hf_hmc_opts_default(hf_hmc_opts *o) {
  o->n_steps = 40;
  o->dt = 2.0;
  o->target_accept = 0.7;
  o->strain_moves = 1;
  for (int l = 0; l < 6; l++) o->strain_free[l] = 1;
  o->tau_p = 1000.0;
}

int hf_hmc_create(hf_hmc **out, hf_engine *eng, hf_fields *x, const hf_hmc_opts *o, hf_err *err) {
  *out = NULL;
  if (o->n_steps < 1) return hf_fail(err, "HMC needs at least one MD step per trajectory");
  hf_hmc *h = calloc(1, sizeof *h);
  if (!h) return hf_fail(err, "out of memory");
  h->eng = eng;
  h->x = x;
  h->o = *o;
  hf_dyn_opts d;
  hf_dyn_opts_default(&d);
  d.dt = o->dt;
  d.thermostat = HF_THERMO_NONE;
  d.barostat = o->strain_moves;
  d.tau_p = o->tau_p;
  for (int l = 0; l < 6; l++) d.strain_free[l] = o->strain_free[l];
  if (hf_dyn_create(&h->dyn, eng, x, &d, err) ||
      hf_fields_alloc(&h->saved, hf_engine_lattice(eng), hf_engine_field_mask(eng), err)) {
    hf_hmc_free(h);
    return HF_FAIL;
  }
  *out = h;
  return HF_OK;
}

void hf_hmc_free(hf_hmc *h) {
  if (!h) return;
  hf_dyn_free(h->dyn);
  hf_fields_free(&h->saved);
  free(h);
}

int hf_hmc_set_pinned(hf_hmc *h, const hf_pin *p, hf_err *err) {
  return hf_dyn_set_pinned(h->dyn, p, err);
}

int hf_hmc_sweep(hf_hmc *h, double T, hf_rng *r) {
  const hf_lattice *lat = hf_engine_lattice(h->eng);
  hf_fields_copy(&h->saved, h->x, lat);
  hf_dyn_randomize_velocities(h->dyn, T, r);
  double H0 = hf_dyn_conserved(h->dyn);
  for (int s = 0; s < h->o.n_steps; s++) hf_dyn_step(h->dyn, r);
  double H1 = hf_dyn_conserved(h->dyn);
  double dH = H1 - H0;
  int accept = isfinite(dH) && (dH <= 0 || hf_rng_uniform(r) < exp(-dH / (HF_KB * T)));
  h->tried++;
  h->win_tried++;
  if (accept) {
    h->accepted++;
    h->win_accepted++;
  } else {
    hf_fields_copy(h->x, &h->saved, lat);
    hf_dyn_refresh(h->dyn);
  }
  return accept;
}

void hf_hmc_adapt(hf_hmc *h) {
  if (h->win_tried < 5) return;
  double acc = (double)h->win_accepted / (double)h->win_tried;
  /* multiplicative update, bounded so a bad window cannot wreck dt */
  double f = exp(0.5 * (acc - h->o.target_accept));
  if (acc == 0) f = 0.7;
  hf_hmc_set_dt(h, hf_hmc_dt(h) * fmin(1.25, fmax(0.7, f)));
  h->win_tried = h->win_accepted = 0;
}

double hf_hmc_dt(const hf_hmc *h) { return hf_dyn_get_opts(h->dyn)->dt; }

void hf_hmc_set_dt(hf_hmc *h, double dt) {
  hf_dyn_opts d = *hf_dyn_get_opts(h->dyn);
  d.dt = dt;
  hf_dyn_set_opts(h->dyn, &d, NULL);
}

void hf_hmc_counts(const hf_hmc *h, long *tried, long *accepted) {
  *tried = h->tried;
  *accepted = h->accepted;
}

const hf_energy *hf_hmc_energy(const hf_hmc *h) { return hf_dyn_energy(h->dyn); }

void hf_hmc_refresh(hf_hmc *h) { hf_dyn_refresh(h->dyn); }
