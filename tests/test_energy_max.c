/* test_energy_max.c - regression: energy_max and amplitude_max
 * (fit_config.h): frames whose engine energy, or whose largest local mode
 * |u_i|, lies above the limit stay in train.xyz but out of the regression.
 * Fits of the ZVR BaTiO3 model (forces with 0.05 eV/A of noise, 2x2x2,
 * 100 -> 300 K), one with energy_max 0.03 eV per cell (its frames lie at
 * 0.007-0.054), one with amplitude_max at the median of the first run's
 * largest |u_i|; for each limit:
 *  - some frames lie above it (the test's premise) and some below; learning.tsv
 *    names each one above, the summary counts them;
 *  - a refit of its train.xyz with the limit gives the model of a refit
 *    without the key of a train.xyz holding only the frames at or below it
 *    (written here from the first), coefficient for coefficient to 1e-12;
 *  - the same refit without the key differs (the frames above do count then);
 *  - a limit of -1 is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"
#include "fittest.h"
#include "otf_internal.h"
#include "training_set.h"

static char tmp[] = "/tmp/test_energy_max_XXXXXX";
static const double emax = 0.03;

typedef enum { ENERGY, AMPLITUDE } limit_kind;
static const char *key_of[] = {"energy_max", "amplitude_max"};
static const char *unit_of[] = {"eV per cell", "A"};
static const char *named_as[] = {"is above energy_max", "is above amplitude_max"};

/* The frame's energy per cell or its largest local mode |u_i| (A). */
static double frame_value(limit_kind k, const hf_lattice *lat, const hf_fields *x,
                          const double *y) {
  if (k == ENERGY) return y[0];
  double big = 0;
  for (size_t i = 0; i < lat->n; i++)
    big = fmax(big, x->u[0][i] * x->u[0][i] + x->u[1][i] * x->u[1][i] + x->u[2][i] * x->u[2][i]);
  return sqrt(big);
}

static void write_fit(const char *name, const char *models, const char *regression) {
  fittest_write_zvr_noisy(tmp, name, models, "regression", regression);
}

typedef struct {
  FILE *f;
  const char *path;
  const hf_model *m;
  limit_kind kind;
  double limit;
  long above, below;
  double *values; /* every frame's value, when not NULL (at most 4096) */
} filter_ctx;

static int keep_below(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                      const fit_frame_meta *meta, hf_err *err) {
  filter_ctx *c = p;
  const double v = frame_value(c->kind, lat, x, y);
  if (c->values && c->above + c->below < 4096) c->values[c->above + c->below] = v;
  if (v > c->limit) {
    c->above++;
    return HF_OK;
  }
  c->below++;
  return fit_xyz_append(c->f, c->path, c->m, lat, x, y, meta, err);
}

static double max_rel_diff(const hf_model *a, const hf_model *b) {
  if (a->nterms != b->nterms) return INFINITY;
  double d = 0;
  for (int k = 0; k < a->nterms; k++)
    d = fmax(d, fabs(a->terms[k].coef - b->terms[k].coef) / fmax(fabs(b->terms[k].coef), 1e-300));
  return d;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The frames of <run>/train.xyz at or below limit (by kind), in their order,
 * into dst (a train.xyz); values (NULL: not wanted) gets every frame's value.
 * The counts in fc. */
static int filter_run(const char *absm, const char *run, limit_kind kind, double limit,
                      const char *dst, double *values, filter_ctx *fc, hf_err *err) {
  hf_model ref;
  char path[1200];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
  if (hf_model_load(&ref, path, err)) return HF_FAIL;
  *fc = (filter_ctx){fopen(dst, "w"), dst, &ref, kind, limit, 0, 0, values};
  long all, valid;
  snprintf(path, sizeof path, "%s/%s/train.xyz", tmp, run);
  const int rc = fc->f ? fit_xyz_read(path, &ref, keep_below, fc, &all, &valid, err)
                       : hf_fail(err, "cannot write %s", dst);
  if (fc->f) fclose(fc->f);
  hf_model_free(&ref);
  return rc;
}

/* A fit named `run` with the limit, then the checks of the header on it;
 * 1 when a step fails outright (REQUIRE_OK). */
static int check_limit(const char *absm, limit_kind kind, double limit, const char *run) {
  hf_err err;
  char key[64], path[1200], dir[1200], out[1300];
  snprintf(key, sizeof key, "%s: %g", key_of[kind], limit);
  write_fit(run, absm, key);
  long done;
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, run);
  REQUIRE_OK(fittest_run(path, 300, 1, 0, &done, &err), err);

  /* the frames at or below the limit into <run>_below/train.xyz */
  snprintf(dir, sizeof dir, "%s/%s_below", tmp, run);
  REQUIRE_OK(hf_mkdir_p(dir, &err), err);
  snprintf(out, sizeof out, "%s/train.xyz", dir);
  filter_ctx fc;
  REQUIRE_OK(filter_run(absm, run, kind, limit, out, NULL, &fc, &err), err);
  printf("%s: frames: %ld above %g %s, %ld at or below\n", key_of[kind], fc.above, limit,
         unit_of[kind], fc.below);
  CHECK(fc.above > 0 && fc.below > 5, "the test's premise: frames on both sides of %s",
        key_of[kind]);

  long n;
  char *log = fittest_slurp(tmp, run, "learning.tsv", &n);
  long named = 0;
  for (char *p = log; p && (p = strstr(p, named_as[kind])); p++) named++;
  free(log);
  char *sum = fittest_slurp(tmp, run, "summary.txt", &n);
  char want[128];
  snprintf(want, sizeof want, "%s (%g %s): %ld, kept", key_of[kind], limit, unit_of[kind],
           fc.above);
  CHECK(named == fc.above, "learning.tsv names %ld frames above %s, train.xyz holds %ld", named,
        key_of[kind], fc.above);
  CHECK(sum && strstr(sum, want), "the summary does not say '%s'", want);
  free(sum);

  hf_model with, filtered, without;
  char with_name[64], filt_name[64], without_name[64], below_name[64];
  snprintf(with_name, sizeof with_name, "%s_refit_with", run);
  snprintf(filt_name, sizeof filt_name, "%s_refit_filtered", run);
  snprintf(without_name, sizeof without_name, "%s_refit_without", run);
  snprintf(below_name, sizeof below_name, "%s_below", run);
  write_fit(with_name, absm, key);
  write_fit(filt_name, absm, "");
  write_fit(without_name, absm, "");
  REQUIRE_OK(fittest_refit(tmp, run, with_name, &with, &err), err);
  REQUIRE_OK(fittest_refit(tmp, below_name, filt_name, &filtered, &err), err);
  REQUIRE_OK(fittest_refit(tmp, run, without_name, &without, &err), err);
  const double d1 = max_rel_diff(&with, &filtered), d2 = max_rel_diff(&without, &filtered);
  printf("refit with %s vs without it on the filtered frames: %.3g; unfiltered: %.3g\n",
         key_of[kind], d1, d2);
  CHECK(d1 < 1e-12, "%s refit differs from the filtered refit by %.3g", key_of[kind], d1);
  CHECK(d2 > 1e-6, "the frames above %s change nothing (%.3g): a test that cannot fail",
        key_of[kind], d2);
  hf_model_free(&with), hf_model_free(&filtered), hf_model_free(&without);

  char bad[64], quoted[64];
  snprintf(bad, sizeof bad, "%s_bad", run);
  snprintf(key, sizeof key, "%s: -1", key_of[kind]);
  write_fit(bad, absm, key);
  fit_config c;
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, bad);
  const int rc = fit_config_load(&c, path, &err);
  printf("%s: %s\n", key, rc ? err.msg : "accepted");
  snprintf(quoted, sizeof quoted, "'%s'", key_of[kind]);
  CHECK(rc && strstr(err.msg, quoted), "%s not refused as expected", key);
  return 0;
}

int main(int argc, char **argv) {
  const char *models = argc > 1 ? argv[1] : "models";
  char absm[1024];
  if (!realpath(models, absm) || !mkdtemp(tmp)) return 1;
  if (check_limit(absm, ENERGY, emax, "energy")) return 1;

  /* amplitude_max at the median largest |u_i| of the energy run's frames
   * (rounded to 3 digits: the summary prints it with %g) */
  static double amp[4096];
  hf_err err;
  char out[1200];
  snprintf(out, sizeof out, "%s/amplitudes.xyz", tmp);
  filter_ctx fc;
  REQUIRE_OK(filter_run(absm, "energy", AMPLITUDE, INFINITY, out, amp, &fc, &err), err);
  const long na = fc.above + fc.below;
  if (na <= 10) {
    CHECK(0, "the energy run has %ld frames", na);
    return check_done("energy_max");
  }
  qsort(amp, (size_t)na, sizeof *amp, cmp_double);
  char med[32];
  snprintf(med, sizeof med, "%.3g", amp[na / 2]);
  printf("largest |u_i| of the energy run's frames: %.3g .. %.3g A, median %s\n", amp[0],
         amp[na - 1], med);
  if (check_limit(absm, AMPLITUDE, atof(med), "amplitude")) return 1;

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (!check_failures && system(cmd)) printf("could not remove %s\n", tmp);
  return check_done("energy_max");
}
