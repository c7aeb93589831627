/* fp_engine.h - the interface of a first-principles engine as the fitter
 * sees it: a configuration in; energy, mode forces and stress out in the
 * layout of the regression rows (regression_rows.h: energy per cell, forces
 * per mode component, -dE/deta per cell; eV and Angstrom); failure reported
 * through the return value, never fatal.  Real DFT engines (dft_bridge)
 * implement the same record.  This file also provides the model engine: any
 * model file as the hidden truth, optionally with Gaussian noise. */
#ifndef HF_FP_ENGINE_H
#define HF_FP_ENGINE_H

#include <stdint.h>

#include "fields.h"
#include "model.h"
#include "rng.h"

typedef struct {
  const char *name;
  void *ctx;
  /* y has hf_features_rows() entries for the engine's model layout. */
  int (*compute)(void *ctx, const hf_fields *x, double *y, hf_err *err);
  void (*destroy)(void *ctx);
} hf_fp_engine;

typedef struct {
  double energy;  /* standard deviation of the noise on the energy row, eV/cell */
  double force;   /* on every force row, eV/Angstrom */
  double stress;  /* on every stress row, eV/cell */
  uint64_t seed;  /* noise seed */
  int fail_every; /* > 0: about one call in fail_every fails (testing); 0: never */
} hf_noise;

/* Evaluates `truth` (which may hold terms outside any fitted basis) on the
 * supercell lat; noise may be NULL.  The noise drawn for a configuration is a
 * function of the seed and the configuration's bits (a repeated call returns
 * the same result), so the engine has no state to checkpoint.  The model
 * must outlive the engine. */
int hf_model_engine_create(hf_fp_engine *e, const hf_model *truth, const hf_lattice *lat,
                           const hf_noise *noise, hf_err *err);
void hf_fp_engine_free(hf_fp_engine *e);

#endif
