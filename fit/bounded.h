/* bounded.h - coefficients whose quartic form is positive (fit key
 * regression: bounded).
 *
 * A fitted model can have a negative quartic form (heff/quartic_form.h)
 * along configurations no frame holds and the engine cannot be asked about
 * (atoms beyond the physical range): the energy then falls without bound
 * there, and heff's runs melt into it (PbTiO3: 8^3 HMC at 600 K).  The
 * coefficients are moved to the point nearest the posterior mean w0 in the
 * metric of the posterior covariance Sigma,
 *     min (w - w0)^T Sigma^-1 (w - w0)  subject to  a_k . w >= eps  (k = 1..K),
 * where each a_k is the degree-4 part of every term (hf_quartic_form_row) at
 * a configuration along which the form was negative (cutting planes: search,
 * add a row for every start that ends negative, repeats dropped, solve again,
 * until the search on the supercells finds no negative direction, and a wider
 * search from more starts confirms it; after each solve the minima just cut
 * are descended again under the new coefficients, and cut again while still
 * negative, which takes a valley down in a few passes where random starts took
 * a round each; rows whose multiplier is 0 are dropped
 * when half the room is used), and, when the elastic matrix has a negative
 * eigenvalue, at its softest strain.  The change falls on the coefficients
 * the data know least.  Dual: w = w0 + Sigma A^T lambda, lambda >= 0 the
 * maximiser of lambda . (eps - A w0) - lambda^T A Sigma A^T lambda / 2, by
 * exact coordinate ascent.  The posterior covariance (the Bayesian errors) is
 * left as the data give it.
 * Every row stays a valid cut when the data change (a bounded model meets it
 * whatever its coefficients), so a live fit carries the rows that were active
 * at one refit into the next (fit_bound_cuts): the next solve starts from
 * them and its search has only the new directions left to find.
 *
 * A positive quartic form still lets a well reach far beyond the data where
 * the harmonic part is negative (a learned SrTiO3 model's 8^3 HMC sat at
 * |u| 1.3 A, its frames below 0.55): with a radius R > 0 the well form
 * W = Q + H / R^2 >= eps too (heff/quartic_form.h: no direction's well, the
 * range where the energy lies below the reference, reaches beyond an rms
 * amplitude R), measured from the crystal strained by the fit's pressure (a
 * learned PbTiO3 model with the well form at 0 GPa had a well of -2.3 eV per
 * cell at -6 GPa).  Its rows hold the part no coefficient scales (the dipole
 * sum / R^2) on their right-hand side, and stay valid cuts only while R does
 * (and, the strain under pressure depending on the elastic coefficients,
 * approximately: every round searches anew).
 *
 * A basis with on-site terms of degree D = 6 or 8 (u^D and, with omega, w^D)
 * is bounded by its top form instead (hf_form_degree): the rows are the
 * degree-D parts, and the lower forms are free to be negative, as a
 * first-order transition's Landau expansion is (PbTiO3: sextic coefficients
 * fitted negative made its antipolar starts run away however positive the
 * quartic form was held; its published model has u^6 < 0 and u^8 > 0).
 * With a radius R the well form becomes the D/2 - 1 conditions that f and its
 * derivatives be non-negative at s = R^2 (f(s) the energy along t d over t^2,
 * s = t^2: hf_form_well_weights), each searched as the well form is, their
 * rows tagged with R.
 *
 * R is an rms amplitude of (u, omega) per cell, A and rad alike, so a tilt
 * well of 0.3 rad (a 30-degree tilt, for Eq. 1's staggered omega) lies deep
 * inside an R of 1.3 set for u (a bounded PbTiO3 refit's 8^3 HMC fell into
 * such wells, -1 eV per cell).  An omega radius R_w searches the well
 * conditions in the metric sum |u_i|^2 + (R / R_w)^2 |omega_i|^2 (hf_form_weights
 * omega_scale): no well reaches beyond rms |u| R along u, rms |omega| R_w
 * along omega, and the ellipse between them for mixed patterns.  Rows are
 * tagged with R alone: a run keeps its R_w (the fit's hash holds it). */
#ifndef FIT_BOUNDED_H
#define FIT_BOUNDED_H

#include <stdint.h>

#include "error.h"
#include "model.h"

#define FIT_BOUND_ROWS 400          /* most constraint rows */
#define FIT_BOUND_ITER 100          /* most search-and-solve rounds */
#define FIT_BOUND_EPS 1e-3          /* eV per cell at an rms mode amplitude of 1 */
#define FIT_BOUND_STARTS 8          /* starts of each search */
#define FIT_BOUND_VERIFY_STARTS 32  /* and of the one that confirms none is left, */
#define FIT_BOUND_VERIFY_CELLS 2048 /* or this many cells' worth on a small supercell */
#define FIT_BOUND_FOLLOW 20         /* most passes following a round's cut minima */

typedef struct {
  int rows;         /* constraint rows held at the end, carried ones included */
  int carried;      /* of them, rows carried from an earlier solve (fit_bound_cuts) */
  int iterations;   /* search-and-solve rounds */
  int converged;    /* 1: the last search found the form positive on every supercell */
  double kappa_in;  /* the lowest kappa before (eV) */
  double kappa_out; /* and after */
  double distance;  /* sqrt((w - w0)^T Sigma^-1 (w - w0)): how far, in posterior sd */
  /* (appended: checkpoints from before the well form hold the fields above) */
  double radius;   /* R of the well form (0: not searched) */
  double well_in;  /* the lowest well form before (eV per cell; INFINITY: not searched) */
  double well_out; /* and after */
  int degree;      /* the bounded form's: 4, 6 or 8 (hf_form_degree; 0: older, 4) */
  int followed;    /* rows added by following the cut minima after each round's solve */
} fit_bound_report;

/* The rows active at the end of a solve, for the next (owned; zero-init). */
typedef struct {
  int M, k;       /* coefficients per row, rows */
  double *A;      /* k x M */
  double *c;      /* k: each row's constant part: a_k . w + c_k >= eps */
  double *radius; /* k: the well form's R each row came from (0: the quartic form) */
} fit_bound_cuts;

/* Room for k rows of M (the arrays zeroed). */
int fit_bound_cuts_alloc(fit_bound_cuts *c, int M, int k);

void fit_bound_cuts_free(fit_bound_cuts *c);

/* w[M] from w0[M] and cov (M x M, row-major) for model m (its coefficients are
 * overwritten: w at return) on the nl supercells L[nl][3]; seed fixes the
 * searches; radius > 0 adds the well conditions' rows (0: the top form alone:
 * quartic, or of degree 6 or 8) at pressure (GPa, the fit's: hf_form_min),
 * along omega at omega_radius (rad; 0: radius, the mixed metric).
 * w may be w0.  cuts (NULL: none) brings rows from an earlier solve (used
 * when its M matches; its well rows when their radius is this one) and
 * receives this solve's active rows. */
int fit_bound(hf_model *m, const double *w0, const double *cov, int M, const int (*L)[3], int nl,
              uint64_t seed, double radius, double omega_radius, double pressure,
              fit_bound_cuts *cuts, double *w, fit_bound_report *rep, hf_err *err);

/* 1 if every factor of every monomial of term t is a homogeneous strain: the
 * terms the elastic frames (fit key strain_frames) determine. */
int fit_term_is_pure_strain(const hf_term *t);

/* The posterior covariance with the coefficients held[i] != 0 fixed at their
 * mean (regression: bounded_hold): the conditional covariance
 *     Sigma_RR - Sigma_RH Sigma_HH^-1 Sigma_HR
 * on the others (Sigma_HH^+, the pseudo-inverse, when held coefficients are
 * tied by an exact constraint), rows and columns of the held ones 0, into
 * out (M x M).
 * fit_bound in this metric moves only the free coefficients, by the least
 * the posterior allows given the held ones (the same minimum of
 * (w - w0)^T Sigma^-1 (w - w0) with w_H = w0_H).  Returns the number held, or
 * HF_FAIL. */
int fit_bound_hold_cov(const double *cov, int M, const int *held, double *out, hf_err *err);

#endif
