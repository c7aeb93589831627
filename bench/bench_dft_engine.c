/* bench_dft_engine.c - wall time per call of the child engine, file-based
 * (one process per call) against persistent (one i-PI client for all
 * calls), on the same sequence of slightly different structures (not a
 * test; docs/dft-bridge.md has the GPAW numbers).  Structure k: uniform
 * u = (0.01 + 0.003 k, 0.005, 0.05 + 0.005 k) Angstrom, v = (0.002 k, 0,
 * -0.001 k); strain eta = (0.002, 0, 0.001, 0, 0, 0), plus (0.001 k, -0.001 k,
 * 0, 0.001 k, 0, 0) when STRAIN is 1 (then every call has a new cell).  The
 * reference energy is taken as 0 (no reference call).  Prints one line per
 * call; the results stay in RUN/file and RUN/persistent (result.txt, and
 * gpaw.txt with the SCF iterations).
 * usage: bench_dft_engine MODEL L SETTINGS RUN NCALLS STRAIN PYTHON RUNNER [RANKS [MODES]]
 * MODES: both (default), file or persistent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "child_engine.h"
#include "wall_clock.h"

static void structure(hf_fields *s, const hf_lattice *lat, int k, int strain) {
  for (size_t i = 0; i < lat->n; i++) {
    const double u[3] = {0.01 + 0.003 * k, 0.005, 0.05 + 0.005 * k},
                 v[3] = {0.002 * k, 0, -0.001 * k};
    for (int g = 0; g < 3; g++) s->u[g][i] = u[g], s->v[g][i] = v[g];
  }
  const double eta[6] = {0.002, 0, 0.001, 0, 0, 0}, deta[6] = {0.001, -0.001, 0, 0.001, 0, 0};
  for (int m = 0; m < 6; m++) s->eta[m] = eta[m] + (strain ? k * deta[m] : 0);
}

int main(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr,
            "usage: bench_dft_engine MODEL L SETTINGS RUN NCALLS STRAIN PYTHON RUNNER [RANKS "
            "[MODES]]\n");
    return 2;
  }
  const int L = atoi(argv[2]), ncalls = atoi(argv[5]), strain = atoi(argv[6]);
  const int ranks = argc > 9 ? atoi(argv[9]) : 1;
  const char *modes = argc > 10 ? argv[10] : "both";
  hf_err err;
  hf_model m;
  hf_lattice lat;
  hf_fields s;
  if (hf_model_load(&m, argv[1], &err) || hf_lattice_init(&lat, (int[3]){L, L, L}, &err) ||
      hf_fields_alloc(&s, &lat, HF_FIELD_U | HF_FIELD_V, &err)) {
    fprintf(stderr, "bench_dft_engine: %s\n", err.msg);
    return 1;
  }
  char np[16];
  snprintf(np, sizeof np, "%d", ranks);
  const char *serial[] = {argv[7], argv[8], "--settings", argv[3], NULL};
  const char *mpi[] = {"mpirun", "-np", np, argv[7], argv[8], "--settings", argv[3], NULL};
  mkdir(argv[4], 0755);
  double *y = malloc((1 + 6 * lat.n + 6) * sizeof *y);
  printf("# mode\tcall\tseconds\tenergy_eV\n");
  for (int persistent = 0; persistent < 2; persistent++) {
    if (strcmp(modes, "both") && strcmp(modes, persistent ? "persistent" : "file")) continue;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", argv[4], persistent ? "persistent" : "file");
    hf_child_config cfg = {.argv = ranks > 1 ? mpi : serial,
                           .run_dir = dir,
                           .timeout = 86400,
                           .attempts = 1,
                           .species = {"Ba", "Ti", "O"},
                           .xi = {0.011, 1, -1.514, -0.786, -0.786},
                           .e_ref = 0,
                           .persistent = persistent};
    hf_fp_engine e;
    if (hf_child_engine_create(&e, &m, &lat, &cfg, &err)) {
      fprintf(stderr, "bench_dft_engine: %s\n", err.msg);
      return 1;
    }
    for (int k = 0; k < ncalls; k++) {
      structure(&s, &lat, k, strain);
      const double t0 = hf_wall_seconds();
      if (e.compute(e.ctx, &s, y, &err)) {
        fprintf(stderr, "bench_dft_engine: %s\n", err.msg);
        return 1;
      }
      printf("%s\t%d\t%.2f\t%.10f\n", persistent ? "persistent" : "file", k + 1,
             hf_wall_seconds() - t0, y[0] * (double)lat.n);
      fflush(stdout);
    }
    hf_fp_engine_free(&e);
  }
  free(y);
  hf_fields_free(&s);
  hf_model_free(&m);
  return 0;
}
