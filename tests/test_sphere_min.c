/* test_sphere_min.c - hf_sphere_min_run against exact minima on the sphere:
 * the Rayleigh quotient of a random symmetric matrix (LAPACK's lowest
 * eigenvalue and its eigenvector), sum x_i^4 (uniform |x_i|, n) and
 * -sum x_i^4 (one component, -n^2), a function without a tangent gradient,
 * and the workspace's refusals. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "sphere_min.h"

#define N 40

typedef struct {
  const double *A;
  int n;
  long calls;
} quad;

static double rayleigh(void *ctx, const double *x, double *g) {
  quad *q = ctx;
  double f = 0;
  for (int i = 0; i < q->n; i++) {
    double s = 0;
    for (int j = 0; j < q->n; j++) s += q->A[i * q->n + j] * x[j];
    g[i] = 2 * s;
    f += x[i] * s;
  }
  q->calls++;
  return f;
}

static double quartic(void *ctx, const double *x, double *g) {
  const double sign = *(const double *)ctx;
  double f = 0;
  for (int i = 0; i < N; i++) f += sign * pow(x[i], 4), g[i] = 4 * sign * pow(x[i], 3);
  return f;
}

/* |x|^2 alone: constant on the sphere, its gradient radial */
static double radial(void *ctx, const double *x, double *g) {
  (void)ctx;
  double f = 0;
  for (int i = 0; i < N; i++) f += x[i] * x[i], g[i] = 2 * x[i];
  return f;
}

static double norm2(const double *x) {
  double s = 0;
  for (int i = 0; i < N; i++) s += x[i] * x[i];
  return s;
}

int main(void) {
  hf_err err = {0};
  hf_rng r;
  hf_rng_seed(&r, 7);
  hf_sphere_min w;
  REQUIRE_OK(hf_sphere_min_alloc(&w, N, 8, &err), err);
  const double r2 = N;
  double x[N];

  /* 1. the Rayleigh quotient of A = V diag(lam) V^T with eigenvalues spread
   * over three decades (an ill-conditioned valley): r2 lam_min, along v_min */
  double A[N * N], V[N * N], lam[N];
  for (int i = 0; i < N * N; i++) A[i] = hf_rng_normal(&r);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < i; j++) A[i * N + j] = A[j * N + i] = 0.5 * (A[i * N + j] + A[j * N + i]);
  memcpy(V, A, sizeof A);
  REQUIRE_OK(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', N, V, N, lam), err);
  /* replace the spectrum: lam_k = 1e-3 + k^3 / N^3 (lowest 1e-3, the next 1e-3 + 1/N^3) */
  memset(A, 0, sizeof A);
  for (int k = 0; k < N; k++) {
    lam[k] = 1e-3 + pow((double)k / N, 3);
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) A[i * N + j] += V[i * N + k] * lam[k] * V[j * N + k];
  }
  quad q = {A, N, 0};
  for (int i = 0; i < N; i++) x[i] = hf_rng_normal(&r);
  long evals = 0;
  const double F = hf_sphere_min_run(&w, rayleigh, &q, x, r2, 20000, 1e-14, &evals);
  double overlap = 0;
  for (int i = 0; i < N; i++) overlap += V[i * N] * x[i];
  CHECK_CLOSE(F, r2 * lam[0], 1e-8, 1e-12, "Rayleigh quotient minimum vs LAPACK lam_min r2");
  CHECK(fabs(fabs(overlap) / sqrt(r2) - 1) < 1e-5, "overlap with v_min %.10g",
        fabs(overlap) / sqrt(r2));
  CHECK(fabs(norm2(x) - r2) < 1e-10 * r2, "on the sphere: |x|^2 %.15g", norm2(x));
  CHECK(evals == q.calls && evals > 0, "evaluations %ld, calls %ld", evals, q.calls);
  printf("Rayleigh quotient: %.12g (LAPACK %.12g), %ld evaluations\n", F, r2 * lam[0], evals);

  /* 2. sum x_i^4 on |x|^2 = N: n at |x_i| = 1; -sum x_i^4: -N^2, one component */
  const double plus = 1, minus = -1;
  for (int i = 0; i < N; i++) x[i] = hf_rng_normal(&r);
  double Fq = hf_sphere_min_run(&w, quartic, (void *)&plus, x, r2, 20000, 1e-14, NULL);
  double dev = 0;
  for (int i = 0; i < N; i++) dev = fmax(dev, fabs(fabs(x[i]) - 1));
  CHECK_CLOSE(Fq, (double)N, 1e-10, 1, "sum x^4 minimum");
  CHECK(dev < 1e-5, "sum x^4: max ||x_i| - 1| %g", dev);
  for (int i = 0; i < N; i++) x[i] = hf_rng_normal(&r);
  Fq = hf_sphere_min_run(&w, quartic, (void *)&minus, x, r2, 20000, 1e-14, NULL);
  CHECK_CLOSE(Fq, -(double)N * N, 1e-10, 1, "-sum x^4 minimum");

  /* 3. no tangent gradient: one evaluation, x only rescaled onto the sphere */
  for (int i = 0; i < N; i++) x[i] = 2;
  evals = 0;
  const double Fr = hf_sphere_min_run(&w, radial, NULL, x, r2, 100, 1e-14, &evals);
  CHECK(evals == 1 && fabs(Fr - r2) < 1e-12 * r2 && fabs(x[0] - 1) < 1e-15,
        "radial: %ld evaluations, F %.15g, x0 %.15g", evals, Fr, x[0]);
  hf_sphere_min_free(&w);

  /* 4. refusals */
  CHECK(hf_sphere_min_alloc(&w, 0, 8, &err) == HF_FAIL && strstr(err.msg, "components"),
        "dim 0: '%s'", err.msg);
  CHECK(hf_sphere_min_alloc(&w, N, 0, &err) == HF_FAIL, "mem 0: '%s'", err.msg);
  return check_done("test_sphere_min");
}
