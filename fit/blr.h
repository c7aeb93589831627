/* blr.h - the regression core of fit: Bayesian linear regression of the SAT
 * coefficients (paper 003, Eqs. 9-16; issue 4, part 2).
 *
 * Data.  Each training structure contributes a block of rows: one energy row,
 * the mode-force rows (u, v, omega) and six stress rows.  Row i is the feature
 * vector phi_i (M numbers: what each term contributes at unit coefficient to the
 * energy, to a mode force or to a stress component, e.g. from hf_poly_eval on
 * each SAT) and the target y_i (the first-principles value minus its E_long part,
 * Eq. 9), tagged with its type (enum hf_blr_type).  The data set never keeps the
 * rows: per type t it keeps the triangular QR factor of [Phi_t | y_t]
 * ((M+1) x (M+1)), updated by a block Householder step when a block is appended
 * (O(m M^2) for m rows; for bulk loading pass many structures in one call), and
 * the mean and variance of the targets of each type.  Memory is O(types * M^2),
 * whatever the number of rows.  Per-type factors let the type scales below
 * change as data arrive without touching old rows.
 *
 * Model (what hf_blr_solve fits).  Rows of type t are multiplied by
 * s_t = h_t / sigma_t (matrix H of the paper): h_t the weight of the type,
 * sigma_t the standard deviation of its targets in the data set (population
 * formula, rows counted with their weights, hf_blr_data_append_weighted; the
 * RMS of the targets when that is zero or there is one row; 1 when the targets
 * are all zero).  Columns are then scaled to unit RMS:
 * d_j = sqrt(sum_i (s_t(i) phi_ij)^2 / N) (1 for a zero column), w'_j = d_j w_j.
 * With Y~ = H Y and Phi' = H Phi D^-1,
 *     Y~ = Phi' w' + noise,  noise ~ N(0, sigma_v^2 I),  prior w' ~ N(0, sigma_w^2 I).
 * sigma_v is the noise in units of each type's standard deviation, sigma_w the
 * typical contribution of one term in the same units; both are dimensionless,
 * so the prior treats coefficients of different units alike.  Posterior
 * (Eqs. 10-12): Sigma' = (I/sigma_w^2 + Phi'^T Phi'/sigma_v^2)^-1,
 * w' = Sigma' Phi'^T Y~ / sigma_v^2; outputs are mapped back, w = D^-1 w',
 * Sigma = D^-1 Sigma' D^-1, in the units of the features and targets.
 *
 * Method.  The per-type factors, scaled by s_t and D, are stacked and reduced
 * by one QR to [[B, z], [0, rho]] (M x M upper triangular B: Phi' = Q B,
 * z = Q^T Y~, rho^2 the least-squares residual); then B = U S V^T (SVD) and
 * c = U^T z.  Everything follows in O(M) per hyperparameter pair from s_i, c_i,
 * rho: no normal equations are formed, so the condition number is not squared.
 *   HF_BLR_LSQ   (sigma_w -> infinity, Eq. 16): w' = sum_{s_i > rcond s_1} V_i c_i / s_i,
 *                the minimum-norm solution in the scaled coefficients w' (the plain
 *                minimum norm when dependent columns have equal RMS); rank reported;
 *                sigma_v^2 = residual / (N - rank); Sigma' = sigma_v^2 (B^T B)^+,
 *                so directions cut off carry no variance.
 *   HF_BLR_BAYES evidence approximation: ln p(Y~ | sigma_v, sigma_w) is maximised over
 *                a = ln alpha, b = ln beta (alpha = 1/sigma_w^2, beta = 1/sigma_v^2).
 *                Its stationary point is MacKay's fixed point, with lambda_i = beta s_i^2:
 *                gamma = sum_i lambda_i / (alpha + lambda_i), alpha = gamma / |w'|^2,
 *                beta = (N - gamma) / |Y~ - Phi' w'|^2; it is reached by Newton steps
 *                (analytic gradient and Hessian) with MacKay's update as the fallback
 *                where the evidence is not concave.  The iteration always starts from
 *                the same point (sigma_w^2 = mean square of Y~, sigma_v^2 = the
 *                least-squares residual per degree of freedom), so a fit depends only
 *                on the data.  Either hyperparameter can be fixed instead.  When the
 *                evidence is largest in a limit (sigma_w -> 0: the data look like pure
 *                noise; sigma_v -> 0: exact data) the hyperparameter stops at 1e-12
 *                times the RMS of Y~.  The prior keeps every variance finite, also
 *                for columns the data cannot pin.
 * Refitting after an append costs O(M^3) (stacking, QR, SVD; the evidence
 * iteration is O(M) per step), independent of the number of rows.
 *
 * Prediction.  For feature rows phi of a new configuration (physical units, as
 * appended) the mean is phi w and the Bayesian error of row i is
 *     err_i = sqrt((phi Sigma phi^T)_ii)
 * (the standard deviation of the second term of Eq. 14; the noise of a new
 * measurement, fit->noise[t], is not included).  Sigma = L L^T with L lower
 * trapezoidal (M x rank) is factored at fit time, so a call costs about
 * m M rank / 2 multiply-adds (register-blocked), without factorisation, without
 * allocation and without writing to the fit (calls may run concurrently).
 *
 * Errors: functions return HF_OK / HF_FAIL and fill hf_err; nothing prints. */
#ifndef FIT_BLR_H
#define FIT_BLR_H

#include <stddef.h>

#include "error.h"

enum hf_blr_type {
  HF_BLR_ENERGY = 0, /* energy per unit cell */
  HF_BLR_FORCE_U,    /* force on a dipolar-mode component */
  HF_BLR_FORCE_V,    /* force on an inhomogeneous-strain (acoustic) mode component */
  HF_BLR_FORCE_W,    /* force on an AFD (omega) mode component */
  HF_BLR_STRESS,     /* stress component */
  HF_BLR_NTYPES
};

enum hf_blr_method { HF_BLR_BAYES = 0, HF_BLR_LSQ = 1 };

/* A feature column whose RMS (rows normalised) is at most this fraction of
 * the largest column's is one the data cannot see (round-off of a term that
 * vanishes on the training cells): its coefficient stays 0. */
#define HF_BLR_UNSEEN 1e-12

/* ---- data set */
typedef struct {
  int M;                      /* parameters (columns) */
  long nrows;                 /* rows appended */
  long n[HF_BLR_NTYPES];      /* rows per type */
  int nblocks;                /* blocks appended */
  double mean[HF_BLR_NTYPES]; /* mean of the targets per type (weighted) */
  double m2[HF_BLR_NTYPES];   /* weighted sum of squared deviations from the mean per type */
  double wsum[HF_BLR_NTYPES]; /* sum of the row weights per type (= n[t] when all are 1) */
  double *r[HF_BLR_NTYPES];   /* private: (M+1)^2 column-major R of [Phi_t y_t], or NULL */
  double *buf;                /* private: staging rows + Householder work */
  size_t bufcap;              /* private: doubles in buf */
} hf_blr_data;

/* Empty data set for M >= 1 parameters. */
int hf_blr_data_init(hf_blr_data *d, int M, hf_err *err);
void hf_blr_data_free(hf_blr_data *d);
/* Appends one block of m rows: phi is m x M row-major (row i = phi + i*M),
 * y[m] the targets, type[m] the enum hf_blr_type of each row (any order).
 * Non-finite values or bad types are refused before anything changes. */
int hf_blr_data_append(hf_blr_data *d, int m, const double *phi, const double *y, const int *type,
                       hf_err *err);
/* The same with every row of the block weighted by wt > 0 (finite): the rows
 * enter the factors multiplied by sqrt(wt), i.e. as measurements whose noise
 * is sigma_v / sqrt(wt) (a frame that should count as much as wt copies of
 * itself, without adding wt - 1 rows: the evidence's N counts each row once).
 * The targets' mean and sigma_t count each row wt times, as copies would. */
int hf_blr_data_append_weighted(hf_blr_data *d, int m, const double *phi, const double *y,
                                const int *type, double wt, hf_err *err);
/* Standard deviation sigma_t used to normalise type t (see the model above). */
double hf_blr_data_sigma(const hf_blr_data *d, int type);

/* ---- fitting */
typedef struct {
  int method;                   /* enum hf_blr_method; default HF_BLR_BAYES */
  double weight[HF_BLR_NTYPES]; /* h_t >= 0; 0 leaves the type out; default 1 */
  int normalize;                /* 1 (default): divide type t by sigma_t; 0: s_t = h_t */
  double rcond;                 /* LSQ: relative singular-value cutoff; default 1e-10 */
  double sigma_v, sigma_w;      /* BAYES: > 0 fixes that hyperparameter (normalised
                                   units, see above); 0 (default): evidence */
  int max_iter;                 /* BAYES: evidence iterations; default 1000 */
  double tol;                   /* BAYES: stop when ln alpha, ln beta move less; 1e-10 */
} hf_blr_opts;

void hf_blr_opts_default(hf_blr_opts *o);

typedef struct {
  int M;                          /* parameters; 0 while the object holds no fit */
  int nfree;                      /* dimension of the coefficient space (M less the
                                     independent constraints) */
  int method;                     /* method of this fit */
  long nrows;                     /* N: rows used (types with weight > 0) */
  double *w;                      /* [M] posterior mean (LSQ: least-squares solution) */
  double *cov;                    /* [M*M] posterior covariance Sigma, row-major */
  double *sd;                     /* [M] sqrt(diag Sigma): standard deviation per coefficient */
  double *colscale;               /* [M] d_j */
  double rowscale[HF_BLR_NTYPES]; /* s_t (0 for types left out or without rows) */
  double noise[HF_BLR_NTYPES];    /* sigma_v / s_t: noise of type t in its own units */
  double rmse[HF_BLR_NTYPES];     /* training residual RMS of type t, its own units (with
                                     row weights: sqrt(sum wt r^2 / sum wt)) */
  double sigma_v, sigma_w;        /* hyperparameters (LSQ: residual estimate; INFINITY) */
  double gamma;                   /* effective number of parameters (LSQ: rank) */
  double log_evidence;            /* BAYES: ln p(Y~ | sigma_v, sigma_w) (with row weights
                                     less their constant sum ln(wt) / 2); LSQ: 0 */
  int rank;                       /* singular values of Phi' above rcond * largest */
  int iterations;                 /* BAYES: evidence iterations done */
  int converged;                  /* BAYES: 1 if the iteration met tol (always 1 for LSQ) */
  int nunseen;                    /* columns the data cannot see (HF_BLR_UNSEEN) */
  unsigned char *unseen;          /* [M] 1 for each of them: coefficient 0, variance the prior's */
  /* private: Sigma = L L^T, L row-major M x lcols, L[j*lcols+k] = 0 for k > j;
   * lcols = rank (LSQ) or M (BAYES), padded with zero columns to a multiple of 8 */
  int lcols;
  double *L;
} hf_blr_fit;

void hf_blr_fit_init(hf_blr_fit *f);
void hf_blr_fit_free(hf_blr_fit *f);
/* Fits the data set.  On failure f keeps its previous fit. */
int hf_blr_solve(hf_blr_fit *f, const hf_blr_data *d, const hf_blr_opts *o, hf_err *err);
/* The same with exact linear constraints A w = 0 (A: nc x M, row-major, the
 * units of w; nc = 0: none), e.g. the acoustic sum rule.  The coefficients are
 * w' = N z (scaled units as above) with N an orthonormal basis of the null
 * space of A D^-1 (rows of A D^-1 whose singular values are below 1e-10 times
 * the largest do not count); the prior z ~ N(0, sigma_w^2 I) is the isotropic
 * prior restricted to that space, the evidence counts its dimension, and
 * Sigma = D^-1 N Sigma_z N^T D^-1, so predictions vary only within it.
 * f->nfree is that dimension (M without constraints). */
int hf_blr_solve_constrained(hf_blr_fit *f, const hf_blr_data *d, const hf_blr_opts *o,
                             const double *A, int nc, hf_err *err);

/* The same with the coefficients held[j] != 0 fixed at w0[j] (held = w0 =
 * NULL: none): the others are fitted to the targets less the held terms'
 * part, y - Phi_H w0_H, with the prior and the constraints A (their columns
 * of the free coefficients: A_F w_F = 0) on the free ones alone.  The held
 * coefficients come back as w0 bit for bit with zero variance, so predictions
 * and their Bayesian errors vary only with the free ones; the type scales s_t
 * stay those of the engine's targets, as in the joint fit.  (A solid solution
 * fitted on its host compound's model: regression: hold_model.) */
int hf_blr_solve_held(hf_blr_fit *f, const hf_blr_data *d, const hf_blr_opts *o, const double *A,
                      int nc, const unsigned char *held, const double *w0, hf_err *err);

/* ---- prediction (no allocation) */
/* For m rows phi (m x M row-major): mean[i] = phi_i w and err[i] = the Bayesian
 * error of row i; either output may be NULL. */
int hf_blr_predict(const hf_blr_fit *f, int m, const double *phi, double *mean, double *err_out,
                   hf_err *err);

typedef struct {
  double err[HF_BLR_NTYPES]; /* largest Bayesian error among rows of each type (0 if none) */
  int row[HF_BLR_NTYPES];    /* the row where it occurs (-1 if none) */
  double force;              /* largest over the three force types */
  int force_row;             /* its row (-1 if no force rows) */
} hf_blr_maxerr;

/* The largest Bayesian error per row type (energy, each force type, stress)
 * and over all force rows, for m rows tagged with type[m]. */
int hf_blr_predict_max(const hf_blr_fit *f, int m, const double *phi, const int *type,
                       hf_blr_maxerr *out, hf_err *err);

/* "energy", "force_u", "force_v", "force_w", "stress" (NULL if out of range). */
const char *hf_blr_type_name(int type);

#endif
