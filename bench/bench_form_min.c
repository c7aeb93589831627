/* bench_form_min.c - what the searches of a bounded fit cost (fit/bounded.h).
 *
 *   bench_form_min [--model PATH] [--starts N] [--radius R] [--pressure P] [--seed S]
 *
 * A bounded refit (regression: bounded) repeats, every round, one search per
 * supercell (the fit's 2x2x2 and 4x4x4), per form (the top form and, with a
 * well radius, the D/2 - 1 well conditions) and per start, each a descent on
 * the sphere (hf_form_min).  This runs that round once on a model, each start
 * on its own as fit_bound does, and reports per supercell and form the
 * engine evaluations per start, the CPU time per evaluation and per start,
 * and the lowest value found (eV), so a change to the descent can be judged
 * by its cost and by whether it still finds the same minima.
 * Defaults: the shipped PbTiO3 model (degree 8, omega), 8 starts (a round;
 * a verifying round has 256 on 2x2x2, 32 on 4x4x4), R = 1.3 A, -6 GPa: the
 * shipped recipe's.
 * CPU time, not wall time: a shared machine's other jobs do not count.
 * Not a unit test and not registered as a benchmark; see bench/README.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "quartic_form.h"

#define DEFAULT_MODEL "models/PbTiO3_GPAW_PBEsol_k2.yaml"

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int usage(void) {
  fprintf(stderr,
          "usage: bench_form_min [--model PATH] [--starts N] [--radius R] "
          "[--pressure GPa] [--seed S]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *path = DEFAULT_MODEL;
  int nstart = 8;
  double radius = 1.3, pressure = -6;
  unsigned long long seed = 25;
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) return usage();
    if (!strcmp(argv[i], "--model"))
      path = argv[++i];
    else if (!strcmp(argv[i], "--starts"))
      nstart = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--radius"))
      radius = atof(argv[++i]);
    else if (!strcmp(argv[i], "--pressure"))
      pressure = atof(argv[++i]);
    else if (!strcmp(argv[i], "--seed"))
      seed = strtoull(argv[++i], NULL, 10);
    else
      return usage();
  }
  if (nstart < 1) return usage();
  hf_err err = {0};
  hf_model m;
  int D;
  if (hf_model_load(&m, path, &err) || hf_form_degree(&m, &D, &err)) {
    fprintf(stderr, "bench_form_min: %s\n", err.msg);
    return 1;
  }
  const int L[2][3] = {{2, 2, 2}, {4, 4, 4}};
  const int nform = radius > 0 ? D / 2 : 1;
  printf(
      "# bench_form_min: model %s (%d terms, top degree %d), %d starts, radius %g A, "
      "%g GPa, seed %llu\n",
      path, m.nterms, D, nstart, radius, pressure, seed);
  printf("# %-5s %-6s %12s %14s %12s %14s %14s\n", "L", "form", "evals/start", "us/eval",
         "ms/start", "lowest[eV]", "negative");
  double total = 0;
  long total_evals = 0;
  for (int l = 0; l < 2; l++)
    for (int form = 0; form < nform; form++) {
      hf_form_weights wt = hf_form_well_weights(D, form ? form - 1 : D / 2 - 1, radius);
      long evals = 0;
      int negative = 0;
      double lowest = 1e300;
      const double t0 = cpu_seconds();
      for (int s = 0; s < nstart; s++) {
        hf_quartic_form f;
        if (hf_form_min(&m, L[l], &wt, pressure, 1, seed + 104729ull * (uint64_t)s, &f, NULL,
                        &err)) {
          fprintf(stderr, "bench_form_min: %s\n", err.msg);
          hf_model_free(&m);
          return 1;
        }
        evals += f.evaluations;
        lowest = f.kappa < lowest ? f.kappa : lowest;
        negative += f.kappa < 0;
      }
      const double dt = cpu_seconds() - t0;
      total += dt, total_evals += evals;
      char name[16];
      snprintf(name, sizeof name, form ? "well%d" : "top", form - 1);
      printf("  %dx%dx%d %-6s %12.0f %14.2f %12.2f %14.6g %14d\n", L[l][0], L[l][1], L[l][2], name,
             (double)evals / nstart, 1e6 * dt / (double)evals, 1e3 * dt / nstart, lowest, negative);
    }
  printf("# round: %.2f s CPU, %ld evaluations\n", total, total_evals);
  hf_model_free(&m);
  return 0;
}
