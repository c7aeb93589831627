/* engine_factory.h - the first-principles engine a fit file names
 * (fit_config.h, `engine:`): the model engine (a hidden model, optionally
 * noisy, with a noise-free twin for the model's own error) or a child process
 * per call (dft_bridge/child_engine.h, e.g. GPAW).  Keeps otf.c
 * engine-agnostic. */
#ifndef FIT_ENGINE_FACTORY_H
#define FIT_ENGINE_FACTORY_H

#include "fit_config.h"
#include "mode_map.h"

typedef struct {
  hf_fp_engine fp;    /* the engine the fit calls */
  hf_fp_engine clean; /* model type with noise: the same model without it */
  int has_clean;
  hf_model truth; /* model type: the hidden model (decomposed in coefficients.tsv) */
  int has_truth;
  char name[64]; /* "model", "child", for reports */
  /* child type: the engine's map from modes to atoms and a buffer of 3 per
   * atom, for fit_engines_atom_extent */
  int has_map;
  hf_mode_map map;
  double *atoms;
} fit_engines;

/* fitted gives the layout (a0, sites, dof).  The record holds the truth the
 * model engine points to: do not move it after creation. */
int fit_engines_create(fit_engines *e, const fit_config *c, const hf_model *fitted,
                       const hf_lattice *lat, hf_err *err);
void fit_engines_free(fit_engines *e);

/* Child type with atomic masses: sets fitted's u and v masses to those of
 * the engine's atoms and xi (docs/dft-bridge.md), so MD moves the modes the
 * engine sees; otherwise leaves the reference's. */
int fit_engines_mode_masses(const fit_config *c, hf_model *fitted, const hf_lattice *lat,
                            hf_err *err);

/* Child type: hf_mode_map_max_displacement of x through the engine's map
 * (Angstrom), which, not the mode amplitude, says whether a configuration is
 * physical; -1 for the model type. */
double fit_engines_atom_extent(const fit_engines *e, const hf_fields *x);

#endif
