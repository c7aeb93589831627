/* quartic_form.c - the minimum of the quartic u form (quartic_form.h). */
#include "quartic_form.h"

#include <fftw3.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fields.h"
#include "poly_eval.h"
#include "rng.h"
#include "sphere_min.h"

#define MAX_ITER 4000
#define TOL 1e-10      /* relative change of Q per iteration where a descent stops */
#define SPHERE_PAIRS 8 /* the descent's L-BFGS memory */

/* The degree of a monomial in u and omega when eta counts twice (it scales
 * as u^2 where strain relaxes): 4 for u^4, u^2 w^2, eta u^2, eta^2, ...; 2, 6
 * and 8 for those in u and omega alone (strain alone or with u^4: 0, not
 * kept); 0 for any other.  *higher flags those in u and omega alone above 4. */
static int mono_degree(const hf_mono *mo, int *higher) {
  int nu = 0, ne = 0;
  for (int f = 0; f < mo->deg; f++) {
    if (mo->f[f].kind == HF_VAR_U || mo->f[f].kind == HF_VAR_W)
      nu++;
    else if (mo->f[f].kind == HF_VAR_ETA)
      ne++;
    else
      return 0;
  }
  if (!ne && nu > 4) *higher = 1;
  if (nu + 2 * ne == 4) return 4;
  return !ne && (nu == 2 || nu == 6 || nu == 8) ? nu : 0;
}

/* The mode part of a monomial eta_l x x' (one strain factor, two of u or
 * omega) at the strain eta0, or 0 (*out untouched) for any other monomial. */
static int at_strain(const hf_mono *mo, const double eta0[6], hf_mono *out) {
  int l = -1, ne = 0, nu = 0;
  for (int f = 0; f < mo->deg; f++)
    if (mo->f[f].kind == HF_VAR_ETA)
      l = f, ne++;
    else
      nu += mo->f[f].kind == HF_VAR_U || mo->f[f].kind == HF_VAR_W;
  if (ne != 1 || nu != 2 || mo->deg != 3 || eta0[mo->f[l].comp] == 0) return 0;
  *out = *mo;
  out->c *= eta0[mo->f[l].comp];
  out->deg = 0;
  for (int f = 0; f < mo->deg; f++)
    if (f != l) out->f[out->deg++] = mo->f[f];
  return 1;
}

/* What weighted_part keeps of each term: its monomials of each degree d
 * with a weight, scaled by it, and with eta0 (NULL: none) each eta_l x x' at
 * that strain scaled by the weight of degree 2 (the harmonic part the strain
 * of a pressure adds); *higher flags u, omega monomials above degree 4. */
typedef struct {
  const hf_form_weights *wt;
  const double *eta0;
  int *higher;
} weighting;

static int kept_part(const hf_term *src, hf_poly *p, void *ctx) {
  const weighting *c = ctx;
  for (int k = 0; k < src->poly.n; k++) {
    hf_mono mo = src->poly.m[k], h;
    const int d = mono_degree(&mo, c->higher);
    const double w = d ? c->wt->w[d / 2] : 0;
    mo.c *= w;
    int rc = w != 0 ? hf_poly_add_mono(p, &mo) : HF_OK;
    if (!rc && c->wt->w[1] != 0 && c->eta0 && at_strain(&src->poly.m[k], c->eta0, &h)) {
      h.c *= c->wt->w[1];
      rc = hf_poly_add_mono(p, &h);
    }
    if (rc) return HF_FAIL;
  }
  return HF_OK;
}

/* The monomials with a strain factor: an engine of these alone gives a
 * form's dE/deta at eta = 0, B(u), at a fraction of the cost. */
static int strained_part(const hf_term *src, hf_poly *p, void *ctx) {
  (void)ctx;
  for (int k = 0; k < src->poly.n; k++) {
    const hf_mono *mo = &src->poly.m[k];
    int strained = 0;
    for (int f = 0; f < mo->deg; f++) strained |= mo->f[f].kind == HF_VAR_ETA;
    if (strained && hf_poly_add_mono(p, mo)) return HF_FAIL;
  }
  return HF_OK;
}

/* q: m's header and, per term, what part (kept_part, strained_part) puts
 * into its polynomial; terms left empty are dropped. */
static int model_part(const hf_model *m, int (*part)(const hf_term *, hf_poly *, void *), void *ctx,
                      hf_model *q, hf_err *err) {
  hf_model_init(q);
  *q = *m;
  q->nterms = 0;
  q->terms = calloc(m->nterms ? (size_t)m->nterms : 1, sizeof *q->terms);
  if (!q->terms) return hf_fail(err, "quartic form: out of memory");
  for (int t = 0; t < m->nterms; t++) {
    hf_term *dst = &q->terms[q->nterms];
    *dst = m->terms[t];
    hf_poly_init(&dst->poly);
    if (part(&m->terms[t], &dst->poly, ctx)) {
      hf_poly_free(&dst->poly);
      hf_model_free(q);
      return hf_fail(err, "quartic form: out of memory");
    }
    if (dst->poly.n)
      q->nterms++;
    else
      hf_poly_free(&dst->poly);
  }
  return HF_OK;
}

/* Each monomial of q times s^(number of omega factors): the form in the
 * search coordinate omega / s (hf_form_weights omega_scale). */
static void scale_omega(hf_model *q, double s) {
  for (int t = 0; t < q->nterms; t++)
    for (int k = 0; k < q->terms[t].poly.n; k++) {
      hf_mono *mo = &q->terms[t].poly.m[k];
      for (int f = 0; f < mo->deg; f++)
        if (mo->f[f].kind == HF_VAR_W) mo->c *= s;
    }
}

/* q: the model's header and, per term, its monomials weighted by degree (and
 * with a weight w2 on degree 2 the dipole sum scaled by w2 too, and with
 * eta0 w2 eta0_l u^2 from eta_l u^2). */
static int weighted_part(const hf_model *m, const hf_form_weights *wt, const double *eta0,
                         hf_model *q, int *higher, hf_err *err) {
  *higher = 0;
  weighting c = {wt, eta0, higher};
  if (model_part(m, kept_part, &c, q, err)) return HF_FAIL;
  q->dipole = wt->w[1] > 0 && m->dipole;
  q->zstar = m->zstar * sqrt(fmax(wt->w[1], 0)); /* the dipole energy goes as Z*^2 */
  return HF_OK;
}

static const hf_form_weights QUARTIC = {{0, 0, 1, 0, 0}, 0};

hf_form_weights hf_form_well_weights(int degree, int k, double radius) {
  /* f(s) = sum_j P_{2j+2} s^j, s = t^2: f^(k)(R^2) / k! = sum_{j >= k}
   * C(j, k) P_{2j+2} R^(2 (j - k)), divided by R^(2 (D/2 - 1 - k)) so that the
   * top degree's weight is C(D/2 - 1, k) */
  hf_form_weights wt = {{0, 0, 0, 0, 0}, 0};
  const int top = degree / 2 - 1;
  const double r2inv = radius > 0 ? 1 / (radius * radius) : 0;
  for (int j = k; j <= top && j < 4; j++) {
    double c = 1, scale = 1;
    for (int i = 0; i < k; i++) c = c * (j - i) / (i + 1); /* C(j, k) */
    for (int e = j; e < top; e++) scale *= r2inv;
    wt.w[j + 1] = j == top ? c : c * scale;
  }
  return wt;
}

/* The searched components: u (0-2) and omega (6-8) when the model has it. */
static double *comp(const hf_fields *x, int c) {
  return c < 3 || c >= 6 ? hf_fields_comp(x, c) : NULL;
}

static void copy_searched(hf_fields *dst, const hf_fields *src, size_t n) {
  for (int c = 0; c < 9; c++)
    if (comp(src, c)) memcpy(comp(dst, c), comp(src, c), n * sizeof(double));
}

/* The strain part: E = Q_u(u) + eta . B(u) + eta^T C eta / 2 (C from the
 * eta^2 terms, B from eta u^2), so the strain that minimises it is
 * eta = -C^-1 B(u).  cinv = C^-1 (row-major), or NULL: strain held at 0. */
typedef struct {
  hf_engine *e;
  hf_engine *strained; /* the monomials with a strain factor alone (strained_part) */
  const double *cinv;
  long evaluations; /* evaluations of e so far (strained's are a fraction of one) */
} qf_ctx;

/* Q at the relaxed strain (x->eta set to it) and its gradient in u (at the
 * minimum over eta, dQ/du is the partial derivative there). */
static double energy(qf_ctx *q, hf_fields *x, hf_fields *g) {
  hf_energy E;
  if (q->cinv) {
    double B[6];
    memset(x->eta, 0, sizeof x->eta);
    hf_engine_eval(q->strained, x, NULL, B, &E);
    for (int a = 0; a < 6; a++) {
      x->eta[a] = 0;
      for (int b = 0; b < 6; b++) x->eta[a] -= q->cinv[6 * a + b] * B[b];
    }
  }
  hf_engine_eval(q->e, x, g, NULL, &E);
  q->evaluations++;
  return E.total - E.pv;
}

/* C = d2E/deta2 at u = 0 (E is quadratic in eta there: exact from unit
 * strains); its (pseudo-)inverse into cinv.  0 when the model has no eta^2
 * terms, -1 when C has a negative eigenvalue (the crystal itself is unstable). */
static int strain_inverse(hf_engine *e, hf_fields *x, double cinv[36], double soft[6]) {
  double C[36], d0[6], d1[6], any = 0;
  hf_energy E;
  hf_fields_zero(x, hf_engine_lattice(e));
  memset(x->eta, 0, sizeof x->eta);
  hf_engine_eval(e, x, NULL, d0, &E);
  for (int b = 0; b < 6; b++) {
    x->eta[b] = 1;
    hf_engine_eval(e, x, NULL, d1, &E);
    x->eta[b] = 0;
    for (int a = 0; a < 6; a++) C[6 * a + b] = d1[a] - d0[a], any += fabs(C[6 * a + b]);
  }
  if (!(any > 0)) return 0;
  for (int a = 0; a < 6; a++) /* symmetric by construction up to round-off */
    for (int b = 0; b < a; b++) C[6 * a + b] = C[6 * b + a] = 0.5 * (C[6 * a + b] + C[6 * b + a]);
  /* pseudo-inverse: strains no eta^2 term holds (a zero eigenvalue) stay at 0 */
  double w[6];
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', 6, C, 6, w)) return -1;
  const double wmax = fmax(fabs(w[0]), fabs(w[5]));
  for (int a = 0; a < 6; a++) soft[a] = C[6 * a]; /* the softest strain: eigenvector 0 */
  if (w[0] < -1e-10 * wmax) return -1;
  memset(cinv, 0, 36 * sizeof *cinv);
  for (int k = 0; k < 6; k++) {
    if (!(w[k] > 1e-10 * wmax)) continue;
    for (int a = 0; a < 6; a++)
      for (int b = 0; b < 6; b++) cinv[6 * a + b] += C[6 * a + k] * C[6 * b + k] / w[k];
  }
  return 1;
}

/* The searched components (u, and omega when the model has it) as one vector
 * for the sphere's descent (sphere_min.h), and back. */
static size_t searched_dim(const hf_fields *x, size_t n) {
  size_t d = 0;
  for (int c = 0; c < 9; c++) d += comp(x, c) ? n : 0;
  return d;
}

static void pack(const hf_fields *x, double *v, size_t n) {
  for (int c = 0; c < 9; c++)
    if (comp(x, c)) memcpy(v, comp(x, c), n * sizeof *v), v += n;
}

static void unpack(const double *v, hf_fields *x, size_t n) {
  for (int c = 0; c < 9; c++)
    if (comp(x, c)) memcpy(comp(x, c), v, n * sizeof *v), v += n;
}

typedef struct {
  qf_ctx *q;
  hf_fields *x, *g; /* the point evaluated (its strain relaxed) and gradient */
  size_t n;
} sphere_ctx;

static double form_value(void *ctx, const double *v, double *gv) {
  sphere_ctx *c = ctx;
  unpack(v, c->x, c->n);
  const double Q = energy(c->q, c->x, c->g);
  pack(c->g, gv, c->n);
  return Q;
}

static void describe(const hf_fields *x, size_t n, double Q, hf_quartic_form *out) {
  double s2 = 0, s4 = 0, sd = 0, sw = 0, mean[3] = {0, 0, 0}, big = -1;
  for (size_t i = 0; i < n; i++) {
    double ru = 0, rw = 0;
    for (int c = 0; c < 3; c++) {
      ru += x->u[c][i] * x->u[c][i];
      if (x->w[c]) rw += x->w[c][i] * x->w[c][i];
      mean[c] += x->u[c][i] / (double)n;
    }
    s2 += ru + rw;
    s4 += (ru + rw) * (ru + rw);
    sd += pow(ru + rw, 0.5 * out->degree);
    sw += rw;
    if (ru > big && ru > 0) {
      big = ru;
      for (int c = 0; c < 3; c++) out->u[c] = x->u[c][i] / sqrt(ru);
    }
  }
  out->participation = s2 * s2 / s4;
  out->quartic = Q / sd;
  out->polar =
      sqrt(mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]) / sqrt(s2 / (double)n);
  out->omega_share = sw / s2;
}

/* A start near a commensurate pattern: each component its own wavevector of
 * {0, pi}^3 (Gamma, X, M, R; a random one each) and amplitude, with a tenth
 * of that in noise.  Random starts alone missed such valleys: a bounded fit's
 * 40 of them ended positive on 2^3 where a six-start search found an
 * antipolar pattern negative (u_x and u_z modulated at (pi, 0, pi), u_y at R). */
static void commensurate_start(hf_fields *x, const hf_lattice *lat, hf_rng *r) {
  for (int c = 0; c < 9; c++) {
    double *f = comp(x, c);
    if (!f) continue;
    const uint64_t q = hf_rng_u64(r) >> 61; /* three bits: the wavevector */
    const double a = hf_rng_normal(r);
    for (size_t i = 0; i < lat->n; i++) {
      const size_t z = i % (size_t)lat->L[2], y = i / (size_t)lat->L[2] % (size_t)lat->L[1];
      const size_t xx = i / ((size_t)lat->L[1] * (size_t)lat->L[2]);
      const size_t phase = ((q & 1) ? xx : 0) + ((q & 2) ? y : 0) + ((q & 4) ? z : 0);
      f[i] = (phase % 2 ? -a : a) + 0.1 * hf_rng_normal(r);
    }
  }
}

/* The elastic matrix of m's eta^2 terms: strain_inverse's *status (1, 0, -1)
 * with its pseudo-inverse cinv and softest strain soft. */
static int elastic_inverse(const hf_model *m, double cinv[36], double soft[6], int *status,
                           hf_err *err) {
  hf_model q;
  int higher;
  if (weighted_part(m, &QUARTIC, NULL, &q, &higher, err)) return HF_FAIL;
  hf_lattice lat;
  hf_engine *e = NULL;
  hf_fields x;
  memset(&x, 0, sizeof x);
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  int rc = hf_lattice_init(&lat, (const int[3]){1, 1, 1}, err) ||
           hf_engine_create(&e, &q, &lat, &o, err) ||
           hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), err);
  *status = rc ? 0 : strain_inverse(e, &x, cinv, soft);
  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&q);
  return rc ? hf_wrap(err, "elastic matrix") : HF_OK;
}

int hf_elastic_soft(const hf_model *m, double soft[6], int *status, hf_err *err) {
  double cinv[36];
  memset(soft, 0, 6 * sizeof *soft);
  return elastic_inverse(m, cinv, soft, status, err);
}

/* The strain of the cubic crystal (u, v, omega at 0) under pressure p, GPa:
 * C eta0 = -p V0 (1, 1, 1, 0, 0, 0) per cell; 0 for p = 0 or when the eta^2
 * terms do not make C positive definite. */
static int pressure_strain(const hf_model *m, double p, double eta0[6], hf_err *err) {
  memset(eta0, 0, 6 * sizeof *eta0);
  if (p == 0) return HF_OK;
  double cinv[36], soft[6];
  int status;
  if (elastic_inverse(m, cinv, soft, &status, err)) return hf_wrap(err, "strain under pressure");
  const double pv = p * HF_GPA_A3 * m->a0 * m->a0 * m->a0;
  for (int a = 0; status > 0 && a < 6; a++)
    for (int b = 0; b < 3; b++) eta0[a] -= cinv[6 * a + b] * pv;
  return HF_OK;
}

struct hf_form_search {
  hf_quartic_form head; /* what every search of it reports: L, degree, eta0, nterms, ... */
  double ws;            /* omega's search scale (hf_form_weights omega_scale, 0 -> 1) */
  hf_model q, sq;       /* the weighted form; its strained monomials (energy()'s B(u)) */
  hf_lattice lat;
  hf_engine *e, *se;
  hf_fields x, g, best;
  hf_sphere_min sm;
  double *v; /* the searched components as one vector */
  double cinv[36];
  int strain; /* 1: strain relaxed through cinv */
};

void hf_form_search_free(hf_form_search *s) {
  if (!s) return;
  hf_fields_free(&s->x), hf_fields_free(&s->g), hf_fields_free(&s->best);
  hf_sphere_min_free(&s->sm);
  free(s->v);
  hf_engine_free(s->e), hf_engine_free(s->se);
  hf_model_free(&s->q), hf_model_free(&s->sq);
  free(s);
}

int hf_form_search_create(hf_form_search **out, const hf_model *m, const int L[3],
                          const hf_form_weights *wt, double pressure, hf_err *err) {
  *out = NULL;
  if (!(m->dof & HF_DOF_U)) return hf_fail(err, "quartic form: the model has no u");
  for (int a = 0; a < 3; a++)
    if (L[a] < 1 || L[a] > 16)
      return hf_fail(err, "quartic form: supercell %dx%dx%d out of range (1..16)", L[0], L[1],
                     L[2]);
  int degree = 0;
  for (int k = 1; k < 5; k++)
    if (wt->w[k] != 0) degree = 2 * k;
  if (degree < 4) return hf_fail(err, "form: no weight on degree 4, 6 or 8");
  if (!(wt->omega_scale >= 0))
    return hf_fail(err, "form: omega scale %g (expected >= 0)", wt->omega_scale);
  hf_form_search *s = calloc(1, sizeof *s);
  if (!s) return hf_fail(err, "out of memory");
  hf_model_init(&s->q), hf_model_init(&s->sq);
  s->head = (hf_quartic_form){.L = {L[0], L[1], L[2]}, .degree = degree};
  s->ws = wt->omega_scale > 0 ? wt->omega_scale : 1;
  /* the harmonic part is measured from the crystal strained by the pressure */
  int rc = wt->w[1] != 0 && pressure_strain(m, pressure, s->head.eta0, err);
  rc = rc || weighted_part(m, wt, wt->w[1] != 0 ? s->head.eta0 : NULL, &s->q, &s->head.higher, err);
  if (!rc && s->ws != 1) scale_omega(&s->q, s->ws);
  s->head.nterms = rc ? 0 : s->q.nterms;
  if (rc || !s->q.nterms) { /* nothing to search: every run reports kappa 0 */
    if (rc) hf_form_search_free(s), s = NULL;
    *out = s;
    return rc ? hf_wrap(err, "form") : HF_OK;
  }
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  rc = hf_lattice_init(&s->lat, L, err) || hf_engine_create(&s->e, &s->q, &s->lat, &o, err);
  const unsigned mask = rc ? 0 : hf_engine_field_mask(s->e);
  rc = rc || hf_fields_alloc(&s->x, &s->lat, mask, err) ||
       hf_fields_alloc(&s->g, &s->lat, mask, err) || hf_fields_alloc(&s->best, &s->lat, mask, err);
  const size_t dim = rc ? 0 : searched_dim(&s->x, s->lat.n);
  rc = rc || hf_sphere_min_alloc(&s->sm, (int)dim, SPHERE_PAIRS, err);
  if (!rc && !(s->v = malloc(dim * sizeof *s->v))) rc = hf_fail(err, "out of memory");
  /* without degree 4 the form has no eta terms: the strain stays at 0, and the
   * status reported is that of the model's own elastic terms */
  int strain = rc ? 0 : strain_inverse(s->e, &s->x, s->cinv, s->head.eta_soft);
  s->head.strain = strain;
  if (!rc && wt->w[2] == 0) {
    rc = hf_elastic_soft(m, s->head.eta_soft, &s->head.strain, err);
    strain = 0;
  }
  s->strain = strain > 0; /* -1 is reported; the modes alone are still searched */
  if (!rc && s->strain) rc = model_part(&s->q, strained_part, NULL, &s->sq, err);
  if (!rc && s->strain) {
    s->sq.dipole = 0; /* the dipole sum has no strain factor */
    rc = hf_engine_create(&s->se, &s->sq, &s->lat, &o, err);
  }
  if (rc) {
    hf_form_search_free(s);
    return hf_wrap(err, "quartic form");
  }
  *out = s;
  return HF_OK;
}

/* One descent from s->x; s->best (and out->eta) take its end point when it
 * is below *Qbest. */
static void descend(hf_form_search *s, qf_ctx *ctx, double *Qbest, hf_quartic_form *out) {
  const size_t n = s->lat.n;
  sphere_ctx sc = {ctx, &s->x, &s->g, n};
  pack(&s->x, s->v, n);
  hf_sphere_min_run(&s->sm, form_value, &sc, s->v, (double)n, MAX_ITER, TOL, NULL);
  unpack(s->v, &s->x, n);
  const double Q = energy(ctx, &s->x, &s->g); /* x's strain: the end point's, not a trial's */
  if (Q < *Qbest) {
    *Qbest = Q;
    copy_searched(&s->best, &s->x, n);
    memcpy(out->eta, s->x.eta, sizeof out->eta);
  }
}

/* The search's result from its best point (Q there: Qbest). */
static void finish(const hf_form_search *s, const qf_ctx *ctx, double Qbest, hf_quartic_form *out,
                   double *config) {
  const size_t n = s->lat.n;
  /* on the sphere (sum |u|^2)^2 = N^2, so kappa = N Q / N^2 */
  out->kappa = Qbest / (double)n;
  out->evaluations = ctx->evaluations;
  describe(&s->best, n, Qbest, out);
  for (size_t i = 0; config && i < n; i++)
    for (int c = 0; c < 3; c++) {
      config[6 * i + c] = s->best.u[c][i];
      config[6 * i + 3 + c] = s->best.w[c] ? s->ws * s->best.w[c][i] : 0; /* rad */
    }
}

/* What every search reports before it starts: the object's head, config
 * zeroed; 0 when there is nothing to search (no quartic terms: kappa 0). */
static int begin(const hf_form_search *s, hf_quartic_form *out, double *config, qf_ctx *ctx) {
  *out = s->head;
  const size_t n = (size_t)s->head.L[0] * s->head.L[1] * s->head.L[2];
  if (config) memset(config, 0, 6 * n * sizeof *config);
  *ctx = (qf_ctx){s->e, s->se, s->strain ? s->cinv : NULL, 0};
  return s->head.nterms > 0;
}

void hf_form_search_run(hf_form_search *s, int nstart, uint64_t seed, hf_quartic_form *out,
                        double *config) {
  qf_ctx ctx;
  if (!begin(s, out, config, &ctx)) return;
  const size_t n = s->lat.n;
  hf_rng r;
  hf_rng_seed(&r, seed);
  double Qbest = INFINITY;
  for (int k = 0; k < nstart; k++) {
    if (hf_rng_u64(&r) >> 63) /* half the starts (and of single-start calls) */
      commensurate_start(&s->x, &s->lat, &r);
    else
      for (int c = 0; c < 9; c++)
        for (size_t i = 0; comp(&s->x, c) && i < n; i++) comp(&s->x, c)[i] = hf_rng_normal(&r);
    descend(s, &ctx, &Qbest, out);
  }
  finish(s, &ctx, Qbest, out, config);
}

int hf_form_search_from(hf_form_search *s, const double *start, hf_quartic_form *out,
                        double *config, hf_err *err) {
  qf_ctx ctx;
  if (!begin(s, out, config, &ctx)) return HF_OK;
  const size_t n = s->lat.n;
  double r2 = 0;
  for (size_t i = 0; i < n; i++) /* into the search's metric (omega / s) */
    for (int c = 0; c < 3; c++) {
      s->x.u[c][i] = start[6 * i + c];
      r2 += start[6 * i + c] * start[6 * i + c];
      if (!s->x.w[c]) continue;
      s->x.w[c][i] = start[6 * i + 3 + c] / s->ws;
      r2 += s->x.w[c][i] * s->x.w[c][i];
    }
  if (!(r2 > 0) || !isfinite(r2))
    return hf_fail(err, "form search: the start is %s on the searched modes",
                   isfinite(r2) ? "zero" : "not finite");
  double Qbest = INFINITY;
  descend(s, &ctx, &Qbest, out);
  finish(s, &ctx, Qbest, out, config);
  return HF_OK;
}

int hf_form_min(const hf_model *m, const int L[3], const hf_form_weights *wt, double pressure,
                int nstart, uint64_t seed, hf_quartic_form *out, double *config, hf_err *err) {
  hf_form_search *s;
  if (hf_form_search_create(&s, m, L, wt, pressure, err)) return HF_FAIL;
  if (nstart < 1) {
    hf_form_search_free(s);
    return hf_fail(err, "quartic form: need at least one start");
  }
  hf_form_search_run(s, nstart, seed, out, config);
  hf_form_search_free(s);
  return HF_OK;
}

int hf_quartic_form_min(const hf_model *m, const int L[3], int nstart, uint64_t seed,
                        hf_quartic_form *out, double *config, hf_err *err) {
  return hf_form_min(m, L, &QUARTIC, 0, nstart, seed, out, config, err);
}

int hf_top_form_min(const hf_model *m, const int L[3], int degree, int nstart, uint64_t seed,
                    hf_quartic_form *out, double *config, hf_err *err) {
  if (degree != 4 && degree != 6 && degree != 8)
    return hf_fail(err, "top form: degree %d (expected 4, 6 or 8)", degree);
  const hf_form_weights wt = hf_form_well_weights(degree, degree / 2 - 1, 0);
  return hf_form_min(m, L, &wt, 0, nstart, seed, out, config, err);
}

int hf_well_form_min(const hf_model *m, const int L[3], double radius, double pressure, int nstart,
                     uint64_t seed, hf_quartic_form *out, double *config, hf_err *err) {
  if (!(radius > 0)) return hf_fail(err, "well form: radius %g (expected > 0)", radius);
  const hf_form_weights wt = hf_form_well_weights(4, 0, radius);
  return hf_form_min(m, L, &wt, pressure, nstart, seed, out, config, err);
}

int hf_form_degree(const hf_model *m, int *degree, hf_err *err) {
  int top = 0, top_u = 0, top_w = 0, eta_high = 0;
  for (int t = 0; t < m->nterms; t++)
    for (int k = 0; k < m->terms[t].poly.n; k++) {
      const hf_mono *mo = &m->terms[t].poly.m[k];
      int nu = 0, nw = 0, ne = 0, other = 0;
      for (int f = 0; f < mo->deg; f++) {
        const int kind = mo->f[f].kind;
        nu += kind == HF_VAR_U, nw += kind == HF_VAR_W, ne += kind == HF_VAR_ETA;
        other += kind != HF_VAR_U && kind != HF_VAR_W && kind != HF_VAR_ETA;
      }
      if (other) continue;
      if (ne) {
        eta_high |= nu + nw + 2 * ne > 4;
        continue;
      }
      top = nu + nw > top ? nu + nw : top;
      if (!nw) top_u = nu > top_u ? nu : top_u;
      if (!nu) top_w = nw > top_w ? nw : top_w;
    }
  *degree = top > 4 ? top : 4;
  if (top <= 4) return HF_OK;
  if (top > 8 || top % 2)
    return hf_fail(err, "top form: the model has mode terms of degree %d (4, 6 or 8 handled)", top);
  if (eta_high)
    return hf_fail(err,
                   "top form: the model couples strain to modes above u^2 (eta u^4 or "
                   "eta^2 u^2): with the strain relaxed those outgrow the top-degree terms");
  if (top_u != top || ((m->dof & HF_DOF_W) && top_w != top))
    return hf_fail(err,
                   "top form: the degree-%d terms do not hold every mode (%s has none): "
                   "basis needs u^%d and, with omega, w^%d on-site terms",
                   top, top_u == top ? "omega" : "u", top, top);
  return HF_OK;
}

/* The dipole energy per cell at x (scaled by w2), from an engine with no terms. */
static int dipole_part(const hf_model *m, const hf_lattice *lat, const hf_fields *x, double w2,
                       double *e_dip, hf_err *err) {
  *e_dip = 0;
  if (!(w2 > 0) || !m->dipole) return HF_OK;
  hf_model d = *m;
  d.nterms = 0;
  d.terms = NULL;
  hf_engine *e = NULL;
  hf_fields y;
  memset(&y, 0, sizeof y);
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  int rc = hf_engine_create(&e, &d, lat, &o, err) ||
           hf_fields_alloc(&y, lat, hf_engine_field_mask(e), err);
  if (!rc) {
    hf_fields_zero(&y, lat);
    for (int a = 0; a < 3; a++) memcpy(y.u[a], x->u[a], lat->n * sizeof(double));
    hf_energy E;
    hf_engine_eval(e, &y, NULL, NULL, &E);
    *e_dip = w2 * (E.total - E.pv) / (double)lat->n;
  }
  hf_fields_free(&y);
  hf_engine_free(e);
  return rc;
}

int hf_form_row(const hf_model *m, const int L[3], const hf_form_weights *wt, const double *config,
                const double eta[6], const double *eta0, double *phi, double *constant,
                hf_err *err) {
  hf_lattice lat;
  hf_fields x;
  memset(&x, 0, sizeof x);
  if (hf_lattice_init(&lat, L, err) || hf_fields_alloc(&x, &lat, HF_FIELD_U | HF_FIELD_W, err))
    return hf_wrap(err, "quartic form row");
  for (size_t i = 0; i < lat.n; i++)
    for (int a = 0; a < 3; a++) x.u[a][i] = config[6 * i + a], x.w[a][i] = config[6 * i + 3 + a];
  memcpy(x.eta, eta, sizeof x.eta);
  hf_poly_input in = {.lat = &lat, .x = &x};
  int rc = HF_OK, higher;
  weighting w = {wt, eta0, &higher};
  for (int t = 0; t < m->nterms && !rc; t++) {
    hf_poly p;
    hf_poly_init(&p);
    if (kept_part(&m->terms[t], &p, &w)) {
      hf_poly_free(&p);
      rc = hf_fail(err, "quartic form row: out of memory");
      break;
    }
    phi[t] = p.n ? hf_poly_eval(&p, 1.0, &in, NULL) / (double)lat.n : 0;
    hf_poly_free(&p);
  }
  double c = 0;
  if (!rc) rc = dipole_part(m, &lat, &x, wt->w[1], &c, err);
  if (constant) *constant = c;
  hf_fields_free(&x);
  return rc ? hf_wrap(err, "quartic form row") : HF_OK;
}
