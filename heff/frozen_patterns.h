/* frozen_patterns.h - is a model bounded below along the simplest polar
 * patterns?  The energy per cell of u_i = A e cos(2 pi q . R_i) for q at
 * Gamma, X (1/2,0,0), M (1/2,1/2,0) and R (1/2,1/2,1/2) and polarization
 * directions e along [100], [010], [001], [110], [011], [101] and [111] (u
 * only: v = 0, eta = 0, no pressure), for A up to 1 Angstrom: a fitted
 * anharmonic pair can outweigh the on-site quartic for antiparallel
 * neighbours (X, M, R patterns) that the training frames never held, and
 * MD then leaves the physical range there. */
#ifndef HF_FROZEN_PATTERNS_H
#define HF_FROZEN_PATTERNS_H

#include "error.h"
#include "fields.h"
#include "model.h"

#define HF_PATTERN_NQ 4
#define HF_PATTERN_NDIR 7
#define HF_PATTERN_NAMP 20 /* A = 0.05, 0.10, ..., 1.00 Angstrom */

typedef struct {
  double e[HF_PATTERN_NQ][HF_PATTERN_NDIR][HF_PATTERN_NAMP]; /* eV per cell */
} hf_patterns;

extern const char *const hf_pattern_q_names[HF_PATTERN_NQ];
extern const char *const hf_pattern_dir_names[HF_PATTERN_NDIR];

/* Amplitude of index k, Angstrom. */
static inline double hf_pattern_amplitude(int k) { return 0.05 * (k + 1); }

/* 1 when the supercell holds pattern q (every axis its wave vector halves is even). */
int hf_pattern_commensurate(const hf_lattice *lat, int q);

/* u = A e_d cos(2 pi q . R) on every cell of lat (q commensurate). */
void hf_pattern_fill(const hf_lattice *lat, int q, int d, double A, double *const u[3]);

/* Fails when the model has no u. */
int hf_patterns_eval(const hf_model *m, hf_patterns *out, hf_err *err);

/* 1 when the energy still falls at the largest amplitude (E(1.00) < E(0.95)
 * and below 0, each by more than 1e-9 eV per cell of round-off): the model
 * has no minimum along that pattern within 1 A. */
int hf_pattern_unbounded(const hf_patterns *p, int q, int d);

/* Index k of the first amplitude where the energy, after rising into it,
 * falls to the next amplitude (a maximum at A_k) and, within amax Angstrom,
 * on below everything before the maximum (E(0) = 0 included) by more than
 * depth (eV per cell; 0: any amount): the lowest state along the pattern lies
 * beyond a barrier, where MD heads once it crosses.  -1 when there is none; a
 * well that falls from A = 0 (a polar instability) and a secondary minimum
 * above the first well do not count. */
int hf_pattern_beyond_barrier(const hf_patterns *p, int q, int d, double amax, double depth);

#endif
