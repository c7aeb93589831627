/* test_energy_max.c - regression: energy_max (fit_config.h): frames whose
 * engine energy lies above it stay in train.xyz but out of the regression.
 * A fit of the ZVR BaTiO3 model (forces with 0.05 eV/A of noise, 2x2x2,
 * 100 -> 300 K) with energy_max 0.03 eV per cell (its frames lie at 0.007-0.054):
 *  - some frames lie above it (the test's premise) and some below; learning.tsv
 *    names each one above, the summary counts them;
 *  - a refit of its train.xyz with energy_max gives the model of a refit
 *    without the key of a train.xyz holding only the frames at or below it
 *    (written here from the first), coefficient for coefficient to 1e-12;
 *  - the same refit without the key differs (the frames above do count then);
 *  - energy_max: -1 is refused. */
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

static void write_fit(const char *name, const char *models, const char *regression) {
  fittest_write_zvr_noisy(tmp, name, models, "regression", regression);
}

typedef struct {
  FILE *f;
  const char *path;
  const hf_model *m;
  long above, below;
} filter_ctx;

static int keep_below(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                      const fit_frame_meta *meta, hf_err *err) {
  filter_ctx *c = p;
  if (y[0] > emax) {
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

int main(int argc, char **argv) {
  const char *models = argc > 1 ? argv[1] : "models";
  char absm[1024], path[1200];
  if (!realpath(models, absm) || !mkdtemp(tmp)) return 1;
  hf_err err;
  char key[64];
  snprintf(key, sizeof key, "energy_max: %g", emax);
  write_fit("run", absm, key);
  long done;
  snprintf(path, sizeof path, "%s/run.yaml", tmp);
  REQUIRE_OK(fittest_run(path, 300, 1, 0, &done, &err), err);

  /* the frames at or below energy_max, in their order, into below/train.xyz */
  hf_model ref;
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
  REQUIRE_OK(hf_model_load(&ref, path, &err), err);
  snprintf(path, sizeof path, "%s/below", tmp);
  REQUIRE_OK(hf_mkdir_p(path, &err), err);
  char out[1200];
  snprintf(out, sizeof out, "%s/below/train.xyz", tmp);
  filter_ctx fc = {fopen(out, "w"), out, &ref, 0, 0};
  long all, valid;
  snprintf(path, sizeof path, "%s/run/train.xyz", tmp);
  REQUIRE_OK(fit_xyz_read(path, &ref, keep_below, &fc, &all, &valid, &err), err);
  fclose(fc.f);
  hf_model_free(&ref);
  printf("frames: %ld above %g eV per cell, %ld at or below\n", fc.above, emax, fc.below);
  CHECK(fc.above > 0 && fc.below > 5, "the test's premise: frames on both sides of energy_max");

  long n;
  char *log = fittest_slurp(tmp, "run", "learning.tsv", &n);
  long named = 0;
  for (char *p = log; p && (p = strstr(p, "is above energy_max")); p++) named++;
  free(log);
  char *sum = fittest_slurp(tmp, "run", "summary.txt", &n);
  char want[128];
  snprintf(want, sizeof want, "energy_max (%g eV per cell): %ld, kept", emax, fc.above);
  CHECK(named == fc.above, "learning.tsv names %ld frames above energy_max, train.xyz holds %ld",
        named, fc.above);
  CHECK(sum && strstr(sum, want), "the summary does not say '%s'", want);
  free(sum);

  hf_model with, filtered, without;
  write_fit("refit_with", absm, key);
  write_fit("refit_filtered", absm, "");
  write_fit("refit_without", absm, "");
  REQUIRE_OK(fittest_refit(tmp, "run", "refit_with", &with, &err), err);
  REQUIRE_OK(fittest_refit(tmp, "below", "refit_filtered", &filtered, &err), err);
  REQUIRE_OK(fittest_refit(tmp, "run", "refit_without", &without, &err), err);
  const double d1 = max_rel_diff(&with, &filtered), d2 = max_rel_diff(&without, &filtered);
  printf("refit with energy_max vs without it on the filtered frames: %.3g; unfiltered: %.3g\n", d1,
         d2);
  CHECK(d1 < 1e-12, "energy_max refit differs from the filtered refit by %.3g", d1);
  CHECK(d2 > 1e-6, "the frames above energy_max change nothing (%.3g): a test that cannot fail",
        d2);
  hf_model_free(&with), hf_model_free(&filtered), hf_model_free(&without);

  write_fit("bad", absm, "energy_max: -1");
  fit_config c;
  snprintf(path, sizeof path, "%s/bad.yaml", tmp);
  const int rc = fit_config_load(&c, path, &err);
  printf("energy_max: -1: %s\n", rc ? err.msg : "accepted");
  CHECK(rc && strstr(err.msg, "'energy_max'"), "energy_max: -1 not refused as expected");

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (!check_failures && system(cmd)) printf("could not remove %s\n", tmp);
  return check_done("energy_max");
}
