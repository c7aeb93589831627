/* sphere_min.h - the minimum of a smooth function on the sphere sum x_i^2 = r2
 * (quartic_form.c's searches: a model's form on the configurations of an rms
 * mode amplitude 1).
 *
 * Limited-memory BFGS on the sphere: the gradient's tangent part, a
 * two-loop-recursion direction projected into the tangent plane, steps
 * retracted onto the sphere by rescaling, an Armijo backtracking line search
 * from the quasi-Newton step.  The (s, y) pairs are the retracted steps and
 * the changes of the tangent gradient; a pair with s . y <= 0 is not stored,
 * and a direction that does not descend restarts the memory from the
 * gradient.  A round of a bounded fit's searches took 6.4 times fewer model
 * evaluations than the nonlinear conjugate gradients with a heuristic step
 * that this replaced (bench/bench_form_min, bench/README.md). */
#ifndef HF_SPHERE_MIN_H
#define HF_SPHERE_MIN_H

#include "error.h"

/* f(ctx, x, g): the value at x, its gradient (d f / d x, all components)
 * into g. */
typedef double (*hf_sphere_fn)(void *ctx, const double *x, double *g);

typedef struct {
  int dim, mem;    /* vector length, (s, y) pairs kept */
  double *s, *y;   /* mem x dim each, a ring */
  double *rho;     /* mem: 1 / (s . y) */
  double *alpha;   /* mem: the two-loop recursion's */
  double *d, *t;   /* dim: direction, tangent gradient */
  double *xn, *gn; /* dim: the trial point and its gradient */
  double *tn;      /* dim: its tangent gradient */
} hf_sphere_min;

/* Workspace for vectors of dim components and mem pairs (owned; free with
 * hf_sphere_min_free). */
int hf_sphere_min_alloc(hf_sphere_min *w, int dim, int mem, hf_err *err);
void hf_sphere_min_free(hf_sphere_min *w);

/* Descends f from x (rescaled onto sum x_i^2 = r2 first) until an accepted
 * step lowers f by at most tol |f|, the tangent gradient vanishes, the line
 * search can no longer move x, or max_iter steps; x holds the point at the
 * end and the return value f there.  *evaluations (may be NULL) counts the
 * calls of f. */
double hf_sphere_min_run(hf_sphere_min *w, hf_sphere_fn f, void *ctx, double *x, double r2,
                         int max_iter, double tol, long *evaluations);

#endif
