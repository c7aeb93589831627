/* occupation.h - alloy occupations sigma on one sublattice (A or B) of a
 * supercell: random at a composition, ordered (rock-salt, layered),
 * clustered or core-shell, or with a requested nearest-neighbour short-range
 * order; measured (composition, Warren-Cowley parameters) and read from or
 * written to a file.
 *
 * Convention: sigma_i = 1 where the second species sits, 0 for the host
 * (in PbZr(x)Ti(1-x)O3 on B: 1 = Zr).  The composition x is the fraction of
 * sites with sigma = 1.  The sublattice is simple cubic whichever site it is,
 * so neighbour shells are those of the cell lattice.
 *
 * Warren-Cowley parameter of shell s: alpha_s = 1 - P(1 | 0-neighbour) / x,
 * where P(1 | 0-neighbour) is the fraction of species-1 sites among the
 * shell-s neighbours of species-0 sites: 0 for a random alloy, < 0 for
 * unlike-neighbour preference (ordering, -1 for rock-salt at x = 1/2 in
 * shell 1), > 0 for clustering. */
#ifndef HF_OCCUPATION_H
#define HF_OCCUPATION_H

#include "error.h"
#include "fields.h"
#include "rng.h"

/* Exactly round(x N) sites of species 1, chosen uniformly (Fisher-Yates). */
int hf_occ_random(const hf_lattice *lat, double x, hf_rng *r, double *sigma, hf_err *err);
/* The same over the sites with skip[i] == 0 only (round(x N_taking_part)
 * of them); skipped sites get sigma = 0 (films: the vacuum).  skip NULL:
 * hf_occ_random, with the same random numbers. */
int hf_occ_random_in(const hf_lattice *lat, double x, const unsigned char *skip, hf_rng *r,
                     double *sigma, hf_err *err);
/* Rock-salt (G-type) order: sigma = 1 where x + y + z is odd (x = 1/2). */
int hf_occ_rocksalt(const hf_lattice *lat, double *sigma, hf_err *err);
/* Layers normal to axis (0, 1, 2): n1 layers of species 1, then n0 of the
 * host, repeated from the first layer. */
int hf_occ_layered(const hf_lattice *lat, int axis, int n1, int n0, double *sigma, hf_err *err);
/* Core-shell: species 1 in the round(x N) cells nearest the supercell centre
 * (a sphere of volume fraction x; ties broken by index, deterministic). */
int hf_occ_core_shell(const hf_lattice *lat, double x, double *sigma, hf_err *err);
/* Random at composition x, then swaps of unlike pairs (composition fixed)
 * accepted when they bring the first-shell alpha closer to alpha1 (reverse
 * Monte Carlo), until |alpha_1 - alpha1| <= tol or no swap helps in
 * max_sweeps sweeps.  *reached is the final alpha_1. */
int hf_occ_sro(const hf_lattice *lat, double x, double alpha1, double tol, int max_sweeps,
               hf_rng *r, double *sigma, double *reached, hf_err *err);

/* Composition (fraction of sigma = 1) and Warren-Cowley alpha of shells
 * 1..3 (nearest (1,0,0), (1,1,0), (1,1,1)); alpha[s-1], NAN where undefined
 * (x = 0 or 1). */
void hf_occ_measure(const hf_lattice *lat, const double *sigma, double *x, double alpha[3]);

/* A key of the occupation's class: equal for arrangements that a lattice
 * translation of the supercell and a cubic point operation mapping the supercell
 * onto itself (axis permutations between equal lengths, reflections) carry into
 * each other, different otherwise (up to 64-bit hash collisions).  Such
 * arrangements have the same undistorted-cell energy and mean stress, so a fit
 * computes one reference per class.  sigma: the whole supercell (0 or 1 per
 * site); cost 48 N^2 at most, for small fit cells. */
int hf_occ_class_key(const hf_lattice *lat, const double *sigma, uint64_t *key, hf_err *err);

/* Text file: a header "# occupation Lx Ly Lz" then one line "x y z sigma" per
 * cell (any order, each cell once; sigma 0 or 1). */
int hf_occ_write(const char *path, const hf_lattice *lat, const double *sigma, hf_err *err);
/* Errors name the file and line. */
int hf_occ_read(const char *path, const hf_lattice *lat, double *sigma, hf_err *err);

#endif
