/* test_rng.c - the random streams: the ziggurat normal against the exact
 * normal distribution (128 and 256 layers: moments, CDF at many points including the tail
 * beyond the ziggurat's R = 3.4426, and a Kolmogorov-Smirnov bound), uniform
 * moments, seeding and stream splitting. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double Phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* Moments, Kolmogorov-Smirnov distance and tail counts of n draws of
 * normal(r) against the exact standard normal. */
static void check_normal(const char *name, double (*normal)(hf_rng *), hf_rng *r) {
  const int n = 2000000;
  double *x = malloc((size_t)n * sizeof *x);
  double m1 = 0, m2 = 0, m4 = 0;
  for (int i = 0; i < n; i++) {
    x[i] = normal(r);
    m1 += x[i];
    m2 += x[i] * x[i];
    m4 += x[i] * x[i] * x[i] * x[i];
  }
  m1 /= n;
  m2 /= n;
  m4 /= n;
  printf("%s: mean %.5f (sd %.5f), <x^2> %.5f (sd %.5f), <x^4> %.4f (sd %.4f)\n", name, m1,
         1 / sqrt(n), m2, sqrt(2.0 / n), m4, sqrt(96.0 / n));
  CHECK(fabs(m1) < 5 / sqrt(n), "%s: mean %.3g", name, m1);
  CHECK(fabs(m2 - 1) < 5 * sqrt(2.0 / n), "%s: variance %.6f", name, m2);
  CHECK(fabs(m4 - 3) < 5 * sqrt(96.0 / n), "%s: fourth moment %.5f", name, m4);
  qsort(x, (size_t)n, sizeof *x, cmp);
  double ks = 0;
  for (int i = 0; i < n; i += 7) ks = fmax(ks, fabs((i + 0.5) / n - Phi(x[i])));
  printf("%s: Kolmogorov-Smirnov distance %.2e (5%% critical %.2e)\n", name, ks, 1.36 / sqrt(n));
  CHECK(ks < 1.63 / sqrt(n), "%s: KS distance %.3g", name, ks);
  /* tail counts beyond fixed points (both ziggurats' R among them) */
  const double pts[] = {2.0, 3.0, 3.44262, 3.65415, 3.8, 4.2};
  for (int k = 0; k < 6; k++) {
    long c = 0;
    for (int i = 0; i < n; i++) c += fabs(x[i]) > pts[k];
    double p = 2 * Phi(-pts[k]), sd = sqrt(n * p * (1 - p));
    printf("%s: P(|x| > %.3f): %ld draws, expected %.1f +- %.1f\n", name, pts[k], c, n * p, sd);
    CHECK(fabs(c - n * p) < 5 * sd, "%s: tail beyond %.3f: %ld vs %.1f", name, pts[k], c, n * p);
  }
  free(x);
}

int main(void) {
  hf_rng r;
  hf_rng_seed(&r, 2024);
  const int n = 2000000;
  check_normal("normal", hf_rng_normal, &r);
  check_normal("normal256", hf_rng_normal256, &r);
  double u1 = 0, u2 = 0;
  for (int i = 0; i < n; i++) {
    double u = hf_rng_uniform(&r);
    CHECK(u >= 0 && u < 1, "uniform out of [0,1): %g", u);
    u1 += u;
    u2 += u * u;
  }
  CHECK(fabs(u1 / n - 0.5) < 5 * sqrt(1 / 12.0 / n), "uniform mean %.6f", u1 / n);
  CHECK(fabs(u2 / n - 1 / 3.0) < 5 * sqrt(4 / 45.0 / n), "uniform <u^2> %.6f", u2 / n);
  /* same seed, same stream; split streams differ from the parent and each other */
  hf_rng a, b, c1, c2;
  hf_rng_seed(&a, 7);
  hf_rng_seed(&b, 7);
  int same = 1;
  for (int i = 0; i < 1000; i++) same &= hf_rng_u64(&a) == hf_rng_u64(&b);
  CHECK(same, "same seed gave different streams");
  hf_rng_split(&a, 1, &c1);
  hf_rng_split(&a, 2, &c2);
  CHECK(hf_rng_u64(&c1) != hf_rng_u64(&c2), "split streams coincide");
  return check_done("test_rng");
}
