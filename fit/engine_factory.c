/* engine_factory.c - model or child engine from the fit file (see
 * engine_factory.h). */
#include "engine_factory.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child_engine.h"
#include "mode_map.h"

static int model_engines(fit_engines *e, const fit_config *c, const hf_model *fitted,
                         const hf_lattice *lat, hf_err *err) {
  if (hf_model_load(&e->truth, c->engine_model, err)) return HF_FAIL;
  e->has_truth = 1;
  for (int k = 0; k < c->nextra; k++) /* checked when the fit file was read */
    if (hf_model_add_term(&e->truth, c->extra[k].name, c->extra[k].coef, c->extra[k].expr,
                          c->extra[k].symmetrize, err))
      return HF_FAIL;
  if (e->truth.dof != fitted->dof)
    return hf_fail(err, "%s: the engine model has other degrees of freedom than the reference %s",
                   c->engine_model, c->reference);
  hf_sites a, b;
  hf_model_sites(&e->truth, &a);
  hf_model_sites(fitted, &b);
  if (memcmp(&a, &b, sizeof a))
    return hf_fail(err,
                   "%s: the engine model puts its fields (u, v, omega, sigma) on other sites "
                   "than the fit (reference %s and occupation: site)",
                   c->engine_model, c->reference);
  const hf_noise *nz = &c->noise;
  const int noisy = nz->energy > 0 || nz->force > 0 || nz->stress > 0;
  if (hf_model_engine_create(&e->fp, &e->truth, lat, noisy || nz->fail_every > 0 ? nz : NULL, err))
    return HF_FAIL;
  e->has_clean = noisy;
  return noisy ? hf_model_engine_create(&e->clean, &e->truth, lat, NULL, err) : HF_OK;
}

/* [mpirun -np N] [python] runner --settings S; the child engine appends
 * STRUCTURE RESULT (or, persistent, --ipi SOCKET).  The ranks inherit the environment
 * (GPAW_SETUP_PATH, threads). */
static int child_engine(fit_engines *e, const fit_config *c, const hf_model *fitted,
                        const hf_lattice *lat, hf_err *err) {
  const fit_child_opts *o = &c->child;
  /* the child runs in its call directory: relative paths would break */
  char settings[PATH_MAX], runner[PATH_MAX], python[PATH_MAX];
  if (!realpath(o->settings, settings))
    return hf_fail(err, "engine settings %s: %s", o->settings, strerror(errno));
  if (!realpath(o->runner, runner))
    return hf_fail(err, "engine runner %s: %s", o->runner, strerror(errno));
  snprintf(python, sizeof python, "%s", o->python); /* a bare name is looked up in PATH */
  if (o->python[0] && o->python[0] != '/' && strchr(o->python, '/') && !realpath(o->python, python))
    return hf_fail(err, "engine python %s: %s", o->python, strerror(errno));
  const char *argv[16];
  char np[16];
  int n = 0;
  if (o->ranks > 1) {
    snprintf(np, sizeof np, "%d", o->ranks);
    argv[n++] = o->mpirun;
    argv[n++] = "-np";
    argv[n++] = np;
  }
  if (python[0]) argv[n++] = python;
  argv[n++] = runner;
  argv[n++] = "--settings";
  argv[n++] = settings;
  argv[n] = NULL;
  hf_child_config cc = {.argv = argv,
                        .run_dir = o->run_dir,
                        .timeout = o->timeout,
                        .attempts = 1 + o->retries,
                        .species = {o->species[0], o->species[1], o->species[2], o->species[3]},
                        .e_ref = o->e_ref,
                        .remove_mean_force = o->remove_mean_force,
                        .pulay_correction = o->pulay_correction,
                        .persistent = o->persistent,
                        .stop = c->stop};
  memcpy(cc.xi, o->xi, sizeof cc.xi);
  if (hf_mode_map_from_model(&e->map, fitted, lat, o->xi, err)) return HF_FAIL;
  e->atoms = malloc(3 * hf_mode_map_natoms(&e->map) * sizeof *e->atoms);
  if (!e->atoms) return hf_fail(err, "out of memory (atom buffer of the mode map)");
  e->has_map = 1;
  return hf_child_engine_create(&e->fp, fitted, lat, &cc, err);
}

int fit_engines_create(fit_engines *e, const fit_config *c, const hf_model *fitted,
                       const hf_lattice *lat, hf_err *err) {
  memset(e, 0, sizeof *e);
  hf_model_init(&e->truth);
  if (c->engine == FIT_ENGINE_MODEL) {
    snprintf(e->name, sizeof e->name, "model");
    return model_engines(e, c, fitted, lat, err);
  }
  snprintf(e->name, sizeof e->name, "child");
  return child_engine(e, c, fitted, lat, err) ? hf_wrap(err, "engine of %s", c->path) : HF_OK;
}

void fit_engines_free(fit_engines *e) {
  hf_fp_engine_free(&e->fp);
  hf_fp_engine_free(&e->clean);
  hf_model_free(&e->truth);
  free(e->atoms);
  memset(e, 0, sizeof *e);
}

int fit_engines_mode_masses(const fit_config *c, hf_model *fitted, const hf_lattice *lat,
                            hf_err *err) {
  if (c->engine != FIT_ENGINE_CHILD || !(c->child.masses[0] > 0)) return HF_OK;
  hf_mode_map mm;
  if (hf_mode_map_from_model(&mm, fitted, lat, c->child.xi, err))
    return hf_wrap(err, "%s: engine xi", c->path);
  double mass[3];
  hf_mode_map_masses(&mm, c->child.masses, mass);
  /* u and v only: the omega mass convention of model files is the reference's */
  for (int k = 0; k < 2; k++)
    if (mm.fields & (1u << k)) fitted->mass[k] = mass[k];
  return HF_OK;
}

double fit_engines_atom_extent(const fit_engines *e, const hf_fields *x) {
  return e->has_map ? hf_mode_map_max_displacement(&e->map, x, e->atoms) : -1;
}
