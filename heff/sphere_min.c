/* sphere_min.c - limited-memory BFGS on the sphere (sphere_min.h). */
#include "sphere_min.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ARMIJO 1e-4     /* sufficient decrease: f(x + a d) <= f + ARMIJO a (d . t) */
#define FIRST_MOVE 0.05 /* the first step's length, in units of the radius */
#define MIN_MOVE 1e-14  /* a step shorter than this times the radius does not move x */

static double dot(const double *a, const double *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* v minus its part along x (|x|^2 = r2): into the tangent plane at x. */
static void project(double *v, const double *x, double r2, int n) {
  const double c = dot(v, x, n) / r2;
  for (int i = 0; i < n; i++) v[i] -= c * x[i];
}

static void rescale(double *x, double r2, int n) {
  const double c = sqrt(r2 / dot(x, x, n));
  for (int i = 0; i < n; i++) x[i] *= c;
}

void hf_sphere_min_free(hf_sphere_min *w) {
  free(w->s), free(w->y), free(w->rho), free(w->alpha);
  free(w->d), free(w->t), free(w->xn), free(w->gn), free(w->tn);
  *w = (hf_sphere_min){0};
}

int hf_sphere_min_alloc(hf_sphere_min *w, int dim, int mem, hf_err *err) {
  *w = (hf_sphere_min){.dim = dim, .mem = mem};
  if (dim < 1 || mem < 1)
    return hf_fail(err, "sphere minimum: %d components, %d pairs (expected >= 1)", dim, mem);
  const size_t n = (size_t)dim, m = (size_t)mem;
  w->s = malloc(m * n * sizeof *w->s), w->y = malloc(m * n * sizeof *w->y);
  w->rho = malloc(m * sizeof *w->rho), w->alpha = malloc(m * sizeof *w->alpha);
  w->d = malloc(n * sizeof *w->d), w->t = malloc(n * sizeof *w->t);
  w->xn = malloc(n * sizeof *w->xn), w->gn = malloc(n * sizeof *w->gn);
  w->tn = malloc(n * sizeof *w->tn);
  if (w->s && w->y && w->rho && w->alpha && w->d && w->t && w->xn && w->gn && w->tn) return HF_OK;
  hf_sphere_min_free(w);
  return hf_fail(err, "out of memory");
}

/* d = -H t by the two-loop recursion over the k newest pairs (newest at
 * ring place head - 1), H0 = gamma. */
static void direction(hf_sphere_min *w, int k, int head, double gamma) {
  const int n = w->dim;
  for (int i = 0; i < n; i++) w->d[i] = w->t[i];
  for (int j = 0; j < k; j++) {
    const int p = (head - 1 - j + w->mem) % w->mem;
    w->alpha[p] = w->rho[p] * dot(w->s + (size_t)p * n, w->d, n);
    const double *y = w->y + (size_t)p * n;
    for (int i = 0; i < n; i++) w->d[i] -= w->alpha[p] * y[i];
  }
  for (int i = 0; i < n; i++) w->d[i] *= gamma;
  for (int j = k - 1; j >= 0; j--) {
    const int p = (head - 1 - j + w->mem) % w->mem;
    const double b = w->rho[p] * dot(w->y + (size_t)p * n, w->d, n);
    const double *s = w->s + (size_t)p * n;
    for (int i = 0; i < n; i++) w->d[i] += (w->alpha[p] - b) * s[i];
  }
  for (int i = 0; i < n; i++) w->d[i] = -w->d[i];
}

double hf_sphere_min_run(hf_sphere_min *w, hf_sphere_fn f, void *ctx, double *x, double r2,
                         int max_iter, double tol, long *evaluations) {
  const int n = w->dim;
  long evals = 0;
  rescale(x, r2, n);
  double F = f(ctx, x, w->t);
  evals++;
  project(w->t, x, r2, n);
  int k = 0, head = 0; /* pairs held, the ring's next place */
  double gamma = 0;    /* H0: s . y / y . y of the newest pair (0: none yet) */
  const double radius = sqrt(r2);
  for (int it = 0; it < max_iter; it++) {
    const double tt = dot(w->t, w->t, n);
    if (!(tt > 0)) break;
    const double first = FIRST_MOVE * radius / sqrt(tt); /* H0 without a pair */
    direction(w, k, head, k ? gamma : first);
    project(w->d, x, r2, n); /* older pairs lie in older tangent planes */
    double slope = dot(w->d, w->t, n);
    if (!(slope < 0)) { /* not downhill: the memory is forgotten */
      k = 0, head = 0;
      for (int i = 0; i < n; i++) w->d[i] = -first * w->t[i];
      slope = -first * tt;
    }
    const double dd = sqrt(dot(w->d, w->d, n));
    double a = 1, Fn = F;
    int moved = 0;
    while (a * dd > MIN_MOVE * radius) {
      for (int i = 0; i < n; i++) w->xn[i] = x[i] + a * w->d[i];
      rescale(w->xn, r2, n);
      Fn = f(ctx, w->xn, w->gn);
      evals++;
      if (Fn <= F + ARMIJO * a * slope) {
        moved = 1;
        break;
      }
      /* the minimum of the quadratic through F, slope and Fn, kept within
       * a tenth to a half of the step (a half when Fn is not finite) */
      const double q = -slope * a * a / (2 * (Fn - F - slope * a));
      a = isfinite(q) ? fmin(fmax(q, 0.1 * a), 0.5 * a) : 0.5 * a;
    }
    if (!moved) break;
    /* the pair: the retracted step and the tangent gradient's change, both
     * in the new tangent plane */
    for (int i = 0; i < n; i++) w->tn[i] = w->gn[i];
    project(w->tn, w->xn, r2, n);
    double *s = w->s + (size_t)head * n, *y = w->y + (size_t)head * n;
    for (int i = 0; i < n; i++) s[i] = w->xn[i] - x[i], y[i] = w->t[i];
    project(s, w->xn, r2, n);
    project(y, w->xn, r2, n);
    for (int i = 0; i < n; i++) y[i] = w->tn[i] - y[i];
    const double sy = dot(s, y, n), yy = dot(y, y, n);
    if (sy > 0 && yy > 0) {
      w->rho[head] = 1 / sy;
      gamma = sy / yy;
      head = (head + 1) % w->mem;
      k += k < w->mem;
    }
    const double change = F - Fn;
    memcpy(x, w->xn, (size_t)n * sizeof *x);
    memcpy(w->t, w->tn, (size_t)n * sizeof *w->t);
    F = Fn;
    if (change <= tol * fabs(F)) break;
  }
  if (evaluations) *evaluations += evals;
  return F;
}
