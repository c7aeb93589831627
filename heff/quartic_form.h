/* quartic_form.h - is the fourth-order part of a model's mode energy positive?
 * Its quartic terms in u and omega (on-site u^4, w^4, u^2 w^2 and pairs such as
 * u^3-u and u^2-u^2), with the homogeneous strain relaxed under its couplings
 * eta u^2, eta w^2 and the elastic eta^2 (strain scales as u^2, so this adds the
 * quartic -B C^-1 B / 2; v at zero, no dipole: that is quadratic), form a
 * homogeneous function Q(u, omega) of degree 4 (units mixed: A and rad; only its
 * sign and pattern matter).  Where Q is
 * negative along some configuration d, the energy along t d falls as -t^4
 * unless a higher-order term stops it: a fitted anharmonic pair can outweigh
 * the on-site quartic along patterns no training frame held (a learned
 * PbTiO3 model's 8^3 HMC melted into |u| of 2-10 A there).  The frozen
 * patterns (frozen_patterns.h) test a few symmetric ones; this searches all
 * configurations of a supercell.
 *
 * With r_i^2 = |u_i|^2 + |omega_i|^2: kappa = min of N Q / (sum_i r_i^2)^2, eV (N
 * cells): Q per cell of a configuration with an rms r of 1.  Found by
 * limited-memory BFGS on the sphere sum r_i^2 = N (sphere_min.h) from seeded starts,
 * random ones and (half of them, at random) ones near commensurate patterns (each
 * component modulated at one of Gamma, X, M, R); a local minimum, so a negative kappa is proof, a
 * positive one evidence.  kappa grows with N for a pattern confined to a few cells (one cell with
 * on-site q: kappa = q N); quartic = Q / sum r_i^4 at the same point does not (q for that cell;
 * kappa itself for a uniform r). */
#ifndef HF_QUARTIC_FORM_H
#define HF_QUARTIC_FORM_H

#include <stdint.h>

#include "error.h"
#include "model.h"

typedef struct {
  int L[3];             /* the supercell searched */
  int nterms;           /* model terms with pure-u quartic monomials */
  int higher;           /* 1: the model has pure-u monomials above degree 4 */
  double kappa;         /* the minimum found, eV */
  double quartic;       /* Q / sum |u_i|^4 there, eV: Q per occupied cell at |u| = 1 A
                           (degree 6, 8: S / sum |u_i|^6, ^8) */
  double participation; /* (sum |u_i|^2)^2 / sum |u_i|^4 at the minimum: cells it occupies */
  double polar;         /* |mean u| / rms of (u, omega) at the minimum (1: uniform u) */
  double omega_share;   /* sum |omega_i|^2 / sum (|u_i|^2 + |omega_i|^2) there */
  double u[3];          /* direction of the largest |u_i| at the minimum (unit vector) */
  double eta[6];        /* the relaxed homogeneous strain there (at sum |u|^2 = N) */
  int strain;           /* 1: strain relaxed; 0: no eta^2 terms (strain held at 0); -1:
                           the elastic matrix is not positive definite (strain held at 0) */
  double eta_soft[6];   /* the elastic matrix's softest strain (unit; with strain -1 the
                           one along which the eta^2 terms are negative) */
  long evaluations;     /* full-engine evaluations the search took (its cost; those of the
                           engine of the strained monomials alone, a fraction each, not counted) */
  double eta0[6];       /* the well form's strain of the cubic crystal under its pressure */
  int degree;           /* 4: the quartic (or well) form; 6, 8: the top form */
} hf_quartic_form;

/* Weights of a form by degree: w[d / 2] multiplies the terms' monomials of
 * degree d = 2, 4, 6, 8 in u and omega (eta counting 2: degree 4 holds eta u^2
 * and eta^2, the strain relaxed under them; w[0] unused).  A weight on degree
 * 2 adds the dipole sum and the harmonic part the strain of a pressure gives
 * (eta0 . B(u)) with it. */
typedef struct {
  double w[5];
  /* The search's metric for omega (rad per unit of its coordinate; 0 or 1:
   * omega counts as u does, sum |u_i|^2 + |omega_i|^2 = N): with s the sphere
   * is sum |u_i|^2 + |omega_i|^2 / s^2 = N, so a well form searched with
   * radius R and s = R_w / R bounds wells at an rms |u| of R and an rms
   * |omega| of R_w (a tilt well of 0.3 rad lies well inside an R of 1.3 in
   * the mixed metric).  Used by hf_form_min only: a row (hf_form_row) is the
   * form at a configuration, whatever metric found it. */
  double omega_scale;
} hf_form_weights;

/* Along t d (sum r_i^2 = N) the energy per cell is sum_j P_{2j+2}(d) t^(2j+2),
 * j = 0 .. D/2 - 1 (D the model's degree, hf_form_degree; strain relaxed).
 * With s = t^2, f(s) = sum_j P_{2j+2} s^j has the energy's sign, and f and all
 * its derivatives >= 0 at s = R^2 make f >= 0 for every s >= R^2: no well
 * (energy below the reference) reaches beyond an rms amplitude R.  The k-th of
 * those conditions, f^(k)(R^2) / k! >= 0 divided by R^(D - 2 - 2k), is the form
 * with weights C(j, k) R^(2 (j + 1) - D) on degree 2j + 2 (j >= k): k = 0 is the
 * well form (Q + H / R^2 for D = 4), k = D/2 - 1 the top form alone (R
 * unused). */
hf_form_weights hf_form_well_weights(int degree, int k, double radius);

/* The minimum of the form with weights wt, searched as below in wt's metric
 * (omega_scale; config returned in rad all the same; its degree: the highest weighted; the harmonic
 * part, with a weight on degree 2, measured from the crystal strained by pressure, GPa, out->eta0).
 * Without a weight on degree 4 the strain stays at 0, and strain and eta_soft report the model's
 * elastic terms. */
int hf_form_min(const hf_model *m, const int L[3], const hf_form_weights *wt, double pressure,
                int nstart, uint64_t seed, hf_quartic_form *out, double *config, hf_err *err);

/* hf_form_min in two steps, for searches that run side by side (fit/bounded.c:
 * a thread each): create builds the form's engines (FFTW plans: not
 * thread-safe, so one thread creates them all), run searches from nstart
 * seeded starts exactly as hf_form_min (the same result for the same seed,
 * whichever search object and thread), touching only its own search object. */
typedef struct hf_form_search hf_form_search;
int hf_form_search_create(hf_form_search **s, const hf_model *m, const int L[3],
                          const hf_form_weights *wt, double pressure, hf_err *err);
void hf_form_search_run(hf_form_search *s, int nstart, uint64_t seed, hf_quartic_form *out,
                        double *config);
/* One descent from a given configuration (start: as config below, 6 N
 * numbers, omega in rad; rescaled onto the search's sphere), reported as a
 * run is: a bounded fit follows the minima it cut off after each solve
 * (fit/bounded.c).  Fails for a start that is zero (or not finite) on the
 * searched modes. */
int hf_form_search_from(hf_form_search *s, const double *start, hf_quartic_form *out,
                        double *config, hf_err *err);
void hf_form_search_free(hf_form_search *s);

/* Searches the L[0] x L[1] x L[2] supercell from nstart starts (seed fixes
 * them).  config (NULL: not wanted) receives the minimum, 6 N numbers: u_a of
 * cell i at [6 i + a] and omega_a at [6 i + 3 + a] (cell index of fields.h; 0
 * without omega; rad), scaled to sum |u_i|^2 + |omega_i|^2 = N (with an
 * omega_scale s: sum |u_i|^2 + |omega_i|^2 / s^2 = N).
 * Fails when the model has no u; a model without quartic u terms gives
 * nterms 0, kappa 0 and config zero. */
int hf_quartic_form_min(const hf_model *m, const int L[3], int nstart, uint64_t seed,
                        hf_quartic_form *out, double *config, hf_err *err);

/* The form that decides whether the model is bounded below: the highest
 * degree D of its terms in u and omega alone (4, 6 or 8) into *degree.  With
 * D > 4 (a first-order Landau expansion: PbTiO3's published on-site terms have
 * u^6 negative and u^8 positive, models.md) the top form S(u, omega), the
 * degree-D monomials in u and omega, must be positive: the lower parts, strain
 * relaxed under eta u^2 and eta^2 included (they scale as t^4 along t d), are
 * then outgrown.  That holds only when strain couples to u and omega no higher
 * than u^2 (eta u^4 relaxed goes as t^8), and when S holds every mode the
 * model has (u^D, and w^D with omega): fails otherwise, and for an odd D or
 * D > 8. */
int hf_form_degree(const hf_model *m, int *degree, hf_err *err);

/* The minimum of the form of degree 4 (hf_quartic_form_min), 6 or 8 (the top
 * form S alone, strain at 0: kappa = S / N at sum r_i^2 = N). */
int hf_top_form_min(const hf_model *m, const int L[3], int degree, int nstart, uint64_t seed,
                    hf_quartic_form *out, double *config, hf_err *err);

/* The elastic matrix of the eta^2 terms: *status 1 positive definite, 0 no
 * eta^2 terms, -1 a negative eigenvalue; soft its softest strain (unit). */
int hf_elastic_soft(const hf_model *m, double soft[6], int *status, hf_err *err);

/* The well form W = Q + H / R^2, H the harmonic energy (the degree-2 monomials
 * in u and omega and the dipole sum; strain relaxed in Q as above): along t d
 * (sum r_i^2 = N) the energy is H t^2 + Q t^4, so where H < 0 its well (the
 * range of t where it lies below 0) ends at t^2 = -H / Q, and W >= 0 along
 * every d says no well reaches beyond an rms amplitude R.  Under a pressure p
 * (GPa) the crystal's strain eta0 (C eta0 = -p V0 on the normal strains) adds
 * the harmonic part eta0 . B(u) of the eta u^2 couplings (a negative pressure
 * deepens the polar well: measured relative to the strained crystal, the
 * energy along t d is (H + eta0 . B) t^2 + Q t^4).  Searched as the quartic
 * form is (out: kappa its minimum per cell, eV; eta0; the same fields
 * otherwise).  Fails unless radius (R: A and rad, rms of (u, omega) per cell)
 * is positive. */
int hf_well_form_min(const hf_model *m, const int L[3], double radius, double pressure, int nstart,
                     uint64_t seed, hf_quartic_form *out, double *config, hf_err *err);

/* The energy per cell of each term's part in the form with weights wt at a
 * configuration: config as hf_quartic_form_min returns it (6 N numbers, u then
 * omega per cell; N = L[0] L[1] L[2]), eta the homogeneous strain, eta0 the
 * pressure's strain (NULL: none; used with a weight on degree 2, as
 * hf_form_min returns it); phi[m->nterms].  *constant (NULL: not wanted)
 * receives the part no coefficient scales, the dipole sum times the weight of
 * degree 2, per cell, so that kappa = sum_t coef_t phi_t + *constant at the
 * form's minimum. */
int hf_form_row(const hf_model *m, const int L[3], const hf_form_weights *wt, const double *config,
                const double eta[6], const double *eta0, double *phi, double *constant,
                hf_err *err);

#endif
