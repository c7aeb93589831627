/* check.h - the tiny assertion layer every test program uses: each CHECK
 * prints what it compared, failures are counted, and check_done() returns
 * the exit status. */
#ifndef HF_CHECK_H
#define HF_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond, ...)                          \
  do {                                            \
    check_count++;                                \
    if (!(cond)) {                                \
      check_failures++;                           \
      printf("FAIL %s:%d: ", __FILE__, __LINE__); \
      printf(__VA_ARGS__);                        \
      printf("\n");                               \
    }                                             \
  } while (0)

/* |a - b| <= tol * max(|b|, floor) */
#define CHECK_CLOSE(a, b, tol, floor, what)                                                      \
  do {                                                                                           \
    double a_ = (a), b_ = (b);                                                                   \
    double s_ = fmax(fabs(b_), (floor));                                                         \
    check_count++;                                                                               \
    if (!(fabs(a_ - b_) <= (tol)*s_)) {                                                          \
      check_failures++;                                                                          \
      printf("FAIL %s:%d: %s: %.12g vs %.12g (rel %.3g > %.3g)\n", __FILE__, __LINE__, what, a_, \
             b_, fabs(a_ - b_) / s_, (double)(tol));                                             \
    }                                                                                            \
  } while (0)

#define REQUIRE_OK(call, err)                                               \
  do {                                                                      \
    if ((call) != 0) {                                                      \
      printf("FAIL %s:%d: %s: %s\n", __FILE__, __LINE__, #call, (err).msg); \
      return 1;                                                             \
    }                                                                       \
  } while (0)

/* Mean and standard error of n samples from nb block averages (blocks long
 * against the correlation time make the error honest). */
static inline void check_block_average(const double *s, int n, int nb, double *mean, double *err) {
  int bl = n / nb;
  double m = 0, m2 = 0;
  for (int b = 0; b < nb; b++) {
    double a = 0;
    for (int i = 0; i < bl; i++) a += s[b * bl + i];
    a /= bl;
    m += a;
    m2 += a * a;
  }
  m /= nb;
  double var = (m2 / nb - m * m) * nb / (nb - 1.0);
  *mean = m;
  *err = sqrt(fmax(var, 0.0) / nb);
}

static inline int check_done(const char *name) {
  printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
  return check_failures ? 1 : 0;
}

#endif
