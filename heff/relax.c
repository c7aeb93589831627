/* relax.c - FIRE relaxation of a configuration (relax.h). */
#include "relax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "omega_gauge.h"

void hf_relax_opts_default(hf_relax_opts *o) {
  memset(o, 0, sizeof *o);
  o->max_steps = 5000;
  o->ftol = 1e-4;
  o->dt = 0.05;
  o->max_move = 0.01;
}

/* FIRE's constants (Bitzek et al. 2006) */
#define FIRE_NMIN 5
#define FIRE_FINC 1.1
#define FIRE_FDEC 0.5
#define FIRE_ALPHA0 0.1
#define FIRE_FALPHA 0.99

/* Generalized forces: -g for the fields, -dH/deta / s for the strain
 * coordinate q = s eta.  The omega forces are projected onto the Eq. 2
 * gauge (gauge: work space, NULL without omega), as the dynamics does: a
 * model's on-site omega terms push along layer-uniform omega, which moves
 * no atom.  Returns the largest |force|. */
static double forces(hf_engine *eng, const hf_fields *x, hf_fields *g, double fq[6], double s,
                     const hf_relax_opts *o, double *gauge, double *H) {
  const hf_lattice *lat = hf_engine_lattice(eng);
  double dE[6];
  hf_energy E;
  hf_engine_eval(eng, x, g, dE, &E);
  *H = E.total;
  if (gauge) hf_omega_gauge_project(lat, hf_engine_comm(eng), g->w, gauge);
  double m = 0;
  for (int c = 0; c < 9; c++) {
    double *a = hf_fields_comp(g, c);
    for (size_t i = 0; a && i < lat->n; i++) {
      a[i] = -a[i];
      if (!(fabs(a[i]) <= m)) m = fabs(a[i]); /* NaN propagates */
    }
  }
  for (int l = 0; l < 6; l++) {
    fq[l] = o->strain && !o->strain_fixed[l] ? -dE[l] / s : 0.0;
    if (!(fabs(fq[l]) <= m)) m = fabs(fq[l]);
  }
  return m;
}

/* The FIRE iterations from the forces at the start (fq, res->fmax, res->H);
 * s: the strain coordinate's scale a0 sqrt(N). */
static void relax_loop(hf_engine *eng, hf_fields *x, hf_fields *g, hf_fields *vel,
                       const hf_relax_opts *o, double s, double *gauge, double fq[6],
                       hf_relax_result *res) {
  const hf_lattice *lat = hf_engine_lattice(eng);
  const double a0 = hf_engine_model(eng)->a0;
  double vq[6] = {0}, dt = o->dt, alpha = FIRE_ALPHA0;
  int since_neg = 0;
  for (int c = 0; c < 9; c++) {
    double *v = hf_fields_comp(vel, c);
    if (v) memset(v, 0, lat->n * sizeof *v);
  }
  for (res->steps = 0; res->steps < o->max_steps; res->steps++) {
    if (res->fmax < o->ftol) return; /* HF_RELAX_CONVERGED */
    double umax, emax;
    hf_fields_extent(x, lat, &umax, &emax);
    if (!hf_fields_in_range(umax, emax, a0)) {
      res->status = HF_RELAX_RUNAWAY;
      return;
    }
    if (o->watch && o->watch_every > 0 && res->steps > 0 && res->steps % o->watch_every == 0 &&
        o->watch(o->watch_ctx, x)) {
      res->status = HF_RELAX_WATCHED;
      return;
    }
    /* P = F.v, |F|, |v| over every coordinate */
    double P = 0, ff = 0, vv = 0;
    for (int c = 0; c < 9; c++) {
      const double *f = hf_fields_comp(g, c), *v = hf_fields_comp(vel, c);
      for (size_t i = 0; f && i < lat->n; i++)
        P += f[i] * v[i], ff += f[i] * f[i], vv += v[i] * v[i];
    }
    for (int l = 0; l < 6; l++) P += fq[l] * vq[l], ff += fq[l] * fq[l], vv += vq[l] * vq[l];
    const double mix = ff > 0 ? alpha * sqrt(vv / ff) : 0;
    if (P > 0) {
      for (int c = 0; c < 9; c++) {
        const double *f = hf_fields_comp(g, c);
        double *v = hf_fields_comp(vel, c);
        for (size_t i = 0; f && i < lat->n; i++) v[i] = (1 - alpha) * v[i] + mix * f[i];
      }
      for (int l = 0; l < 6; l++) vq[l] = (1 - alpha) * vq[l] + mix * fq[l];
      if (++since_neg > FIRE_NMIN) dt = fmin(dt * FIRE_FINC, 4 * o->dt), alpha *= FIRE_FALPHA;
    } else { /* uphill: stop, smaller steps */
      for (int c = 0; c < 9; c++) {
        double *v = hf_fields_comp(vel, c);
        if (v) memset(v, 0, lat->n * sizeof *v);
      }
      memset(vq, 0, sizeof vq);
      since_neg = 0, dt *= FIRE_FDEC, alpha = FIRE_ALPHA0;
    }
    /* semi-implicit Euler, unit masses; the step scaled down to max_move */
    double vmax = 0;
    for (int c = 0; c < 9; c++) {
      const double *f = hf_fields_comp(g, c);
      double *v = hf_fields_comp(vel, c);
      for (size_t i = 0; f && i < lat->n; i++) v[i] += dt * f[i], vmax = fmax(vmax, fabs(v[i]));
    }
    for (int l = 0; l < 6 && o->strain; l++) vq[l] += dt * fq[l], vmax = fmax(vmax, fabs(vq[l]));
    const double h = dt * vmax > o->max_move ? o->max_move / vmax : dt;
    for (int c = 0; c < 9; c++) {
      const double *v = hf_fields_comp(vel, c);
      double *a = hf_fields_comp(x, c);
      for (size_t i = 0; v && i < lat->n; i++) a[i] += h * v[i];
    }
    for (int l = 0; l < 6 && o->strain; l++) x->eta[l] += h * vq[l] / s;
    res->fmax = forces(eng, x, g, fq, s, o, gauge, &res->H);
  }
  res->status = res->fmax < o->ftol ? HF_RELAX_CONVERGED : HF_RELAX_MAX_STEPS;
}

void hf_relax(hf_engine *eng, hf_fields *x, hf_fields *g, hf_fields *vel, const hf_relax_opts *o,
              hf_relax_result *res) {
  const hf_lattice *lat = hf_engine_lattice(eng);
  const double s = hf_engine_model(eng)->a0 * sqrt((double)lat->n);
  double fq[6];
  memset(res, 0, sizeof *res);
  double *gauge = NULL;
  if (x->w[0]) {
    if (!(gauge = malloc(hf_omega_gauge_work(lat) * sizeof *gauge))) {
      res->status = HF_RELAX_NO_MEMORY;
      return;
    }
    hf_omega_gauge_project(lat, hf_engine_comm(eng), x->w, gauge); /* a start off the gauge */
  }
  res->fmax = forces(eng, x, g, fq, s, o, gauge, &res->H);
  relax_loop(eng, x, g, vel, o, s, gauge, fq, res);
  free(gauge);
}
