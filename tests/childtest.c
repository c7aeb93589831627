/* childtest.c - helpers of the child-engine tests (childtest.h). */
#include "childtest.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wall_clock.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

void childtest_fresh_dir(const char *path) {
  nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  mkdir(path, 0755);
}

int childtest_exists(const char *dir, const char *name) {
  char p[4096];
  struct stat sb;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return stat(p, &sb) == 0;
}

int childtest_count_lines(const char *path, const char *word) {
  FILE *f = fopen(path, "r");
  char line[2048];
  int n = 0;
  while (f && fgets(line, sizeof line, f)) n += strstr(line, word) != NULL;
  if (f) fclose(f);
  return n;
}

int childtest_lj_settings(const char *dir, const char *name, const char *extra, char *out,
                          size_t len) {
  char cwd[2048];
  if (!getcwd(cwd, sizeof cwd)) return -1;
  if (snprintf(out, len, "%s/%s/%s", dir[0] == '/' ? "" : cwd, dir, name) >= (int)len) return -1;
  FILE *f = fopen(out, "w");
  if (!f) return -1;
  fprintf(f, "{\"calculator\": \"lj\", \"sigma\": 1.7, \"epsilon\": 0.05, \"rc\": 5.2%s%s}\n",
          extra[0] ? ", " : "", extra);
  return fclose(f);
}

double childtest_fd_rows(hf_fp_engine *e, hf_fields *s, const double *y, size_t n,
                         const char *label) {
  struct {
    const char *name;
    double *var;
    size_t row;
    double h;
  } probes[] = {
      {"u_x(cell 0)", &s->u[0][0], 1 + 0 * n + 0, 1e-3},
      {"u_z(cell 5)", &s->u[2][5], 1 + 2 * n + 5, 1e-3},
      {"v_y(cell 3)", &s->v[1][3], 1 + 4 * n + 3, 1e-3},
      {"eta1", &s->eta[0], 1 + 6 * n + 0, 1e-4},
      {"eta4", &s->eta[3], 1 + 6 * n + 3, 1e-4},
  };
  const size_t rows = 1 + 6 * n + 6;
  double *yp = malloc(rows * sizeof *yp), worst = 0;
  hf_err err;
  for (size_t p = 0; p < sizeof probes / sizeof *probes; p++) {
    const double v0 = *probes[p].var, h = probes[p].h;
    double en[4];
    for (int q = 0; q < 4; q++) {
      *probes[p].var = v0 + (q < 2 ? 1 : 2) * (q % 2 ? -h : h);
      const int rc = e->compute(e->ctx, s, yp, &err);
      if (rc) printf("  %s: %s\n", label, err.msg);
      en[q] = rc ? NAN : yp[0] * (double)n;
    }
    *probes[p].var = v0;
    double fd = -(8 * (en[0] - en[1]) - (en[2] - en[3])) / (12 * h);
    if (probes[p].row > 6 * n) fd /= (double)n; /* stress rows are per cell */
    const double an = y[probes[p].row], rel = fabs(fd - an) / fmax(fabs(an), 1e-6);
    worst = isnan(rel) || isnan(worst) ? NAN : fmax(worst, rel);
    printf("  %s %-12s row %.10g, finite differences %.10g (rel %.2e)\n", label, probes[p].name, an,
           fd, rel);
  }
  free(yp);
  return worst;
}

int childtest_env_init(childtest_env *t, char **args, const char *run, const char *sub,
                       hf_err *err) {
  memset(t, 0, sizeof *t);
  char model_path[4096];
  static char run_dir[4096]; /* the test's one environment */
  snprintf(model_path, sizeof model_path, "%s/BaTiO3_ZVR1995.yaml", args[0]);
  snprintf(run_dir, sizeof run_dir, "%s/%s", run, sub);
  if (!realpath(args[2], t->runner)) return hf_fail(err, "cannot resolve %s", args[2]);
  childtest_fresh_dir(run);
  if (childtest_lj_settings(run, "lj.json", "", t->settings, sizeof t->settings))
    return hf_fail(err, "cannot write %s/lj.json", run);
  if (hf_model_load(&t->m, model_path, err) || hf_lattice_init(&t->lat, (int[3]){2, 2, 2}, err))
    return HF_FAIL;
  t->n = t->lat.n;
  t->rows = 1 + 6 * t->n + 6;
  const char *cmd[] = {args[1], t->runner, "--settings", t->settings, NULL};
  memcpy(t->argv, cmd, sizeof cmd);
  t->cfg = (hf_child_config){.argv = t->argv,
                             .run_dir = run_dir,
                             .timeout = 120,
                             .attempts = 1,
                             .species = {"Ba", "Ti", "O"},
                             /* the GPAW PBEsol soft mode (docs/dft-bridge.md) */
                             .xi = {0.006, 1, -1.556, -0.804, -0.804},
                             .e_ref = NAN};
  return HF_OK;
}
