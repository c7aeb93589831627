/* test_frame_weights.c - regression: run_weight and kind_weights (fit_config.h):
 * the run's own frames weigh run_weight in the regression, frames imported
 * from an earlier fit (heff_imported=1) 1, each times the weight of its
 * heff_kind.  A noisy ZVR fit (2x2x2, 100 -> 300 K) gives the
 * frames; a copy of its train.xyz marks the first half imported.  Refits of
 * the force rows alone by least squares (energy and stress weights 0, so the
 * per-type scales cannot matter and a uniform weight cannot either):
 *  - all frames the run's own: run_weight 4 gives the run_weight 1 model (a
 *    weight on every row only rescales the noise);
 *  - half imported, run_weight 3 gives the model of a train.xyz holding the
 *    imported half once and the own half three times (to 1e-10; the same
 *    normal equations, and a uniform column scale leaves least squares as it
 *    is), while three copies of the imported half instead give another model:
 *    the weight falls on the run's frames, not on the imported ones;
 *  - half imported, run_weight 3 differs from run_weight 1;
 *  - all own, the first half tagged harmonic and the rest md: kind_weights
 *    {harmonic: 3} gives the model of the harmonic half three times (1e-10),
 *    and run_weight 2 with {md: 0.5, harmonic: 1.5} the same (the weights
 *    multiply, and a common factor does not count);
 *  - run_weight 0, -1 and a word, kind_weights {harmonic: 0} and an unknown
 *    kind are refused, naming the key. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"
#include "fittest.h"
#include "training_set.h"

static char tmp[] = "/tmp/test_frame_weights_XXXXXX";

#define NSPLIT 5
typedef struct {
  /* all frames with the first half imported; the same with the own half
   * three times; the same with the imported half three times; all own, the
   * first half tagged harmonic; the same with the harmonic half three times */
  FILE *f[NSPLIT];
  const char *path[NSPLIT];
  const hf_model *m;
  long half, seen;
} split_ctx;

static int split_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                       const fit_frame_meta *meta, hf_err *err) {
  split_ctx *c = p;
  fit_frame_meta mm = *meta;
  const int first = c->seen++ < c->half;
  for (int k = 0; k < NSPLIT; k++) {
    mm.imported = k < 3 && first;
    mm.kind = k >= 3 && first ? FIT_FRAME_HARMONIC : FIT_FRAME_MD;
    const int copies = (k == 1 && !first) || ((k == 2 || k == 4) && first) ? 3 : 1;
    for (int j = 0; j < copies; j++)
      if (fit_xyz_append(c->f[k], c->path[k], c->m, lat, x, y, &mm, err)) return HF_FAIL;
  }
  return HF_OK;
}

static int count_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                       const fit_frame_meta *meta, hf_err *err) {
  (void)lat, (void)x, (void)y, (void)meta, (void)err;
  ++*(long *)p;
  return HF_OK;
}

/* base/train.xyz into mixed/ (first half imported), own3/, imported3/,
 * tagged/ (first half harmonic) and harmonic3/ */
static int split_run(const char *absm, long *nframes, hf_err *err) {
  static const char *dirs[NSPLIT] = {"mixed", "own3", "imported3", "tagged", "harmonic3"};
  char mpath[1200], src[1200], dst[NSPLIT][1300];
  snprintf(mpath, sizeof mpath, "%s/BaTiO3_ZVR1995.yaml", absm);
  snprintf(src, sizeof src, "%s/base/train.xyz", tmp);
  hf_model ref;
  if (hf_model_load(&ref, mpath, err)) return HF_FAIL;
  long all = 0, valid;
  int rc = fit_xyz_read(src, &ref, count_frame, &all, nframes, &valid, err);
  split_ctx c = {.m = &ref, .half = all / 2};
  for (int k = 0; k < NSPLIT && !rc; k++) {
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/%s", tmp, dirs[k]);
    snprintf(dst[k], sizeof dst[k], "%s/train.xyz", dir);
    rc = hf_mkdir_p(dir, err);
    if (!rc && !(c.f[k] = fopen(dst[k], "w"))) rc = hf_fail(err, "cannot write %s", dst[k]);
    c.path[k] = dst[k];
  }
  if (!rc) rc = fit_xyz_read(src, &ref, split_frame, &c, nframes, &valid, err);
  for (int k = 0; k < NSPLIT; k++)
    if (c.f[k]) fclose(c.f[k]);
  hf_model_free(&ref);
  *nframes = all;
  return rc;
}

static double max_rel_diff(const hf_model *a, const hf_model *b) {
  if (a->nterms != b->nterms) return INFINITY;
  double big = 0, d = 0;
  for (int k = 0; k < b->nterms; k++) big = fmax(big, fabs(b->terms[k].coef));
  for (int k = 0; k < a->nterms; k++) d = fmax(d, fabs(a->terms[k].coef - b->terms[k].coef));
  return d / big;
}

/* fit --refit of tmp/data with the force rows by least squares and the
 * regression keys extra ("": none) into *m */
static int refit(const char *absm, const char *data, const char *name, const char *extra,
                 hf_model *m, hf_err *err) {
  char reg[256];
  snprintf(reg, sizeof reg,
           "method: lsq, weights: {energy: 0, stress: 0}, acoustic_sum_rule: false%s%s",
           extra[0] ? ", " : "", extra);
  fittest_write_zvr_noisy(tmp, name, absm, "regression", reg);
  return fittest_refit(tmp, data, name, m, err);
}

int main(int argc, char **argv) {
  const char *models = argc > 1 ? argv[1] : "models";
  char absm[1024], path[1200];
  if (!realpath(models, absm) || !mkdtemp(tmp)) return 1;
  hf_err err;
  fittest_write_zvr_noisy(tmp, "base", absm, NULL, NULL);
  snprintf(path, sizeof path, "%s/base.yaml", tmp);
  long done, n;
  REQUIRE_OK(fittest_run(path, 300, 1, 0, &done, &err), err);
  REQUIRE_OK(split_run(absm, &n, &err), err);
  printf("frames: %ld (the first %ld marked imported in mixed/)\n", n, n / 2);
  CHECK(n >= 12, "the test's premise: at least 12 frames (%ld)", n);

  hf_model own1, own4, mixed1, mixed3, own3, imp3;
  REQUIRE_OK(refit(absm, "base", "own1", "", &own1, &err), err);
  REQUIRE_OK(refit(absm, "base", "own4", "run_weight: 4", &own4, &err), err);
  REQUIRE_OK(refit(absm, "mixed", "mixed1", "run_weight: 1", &mixed1, &err), err);
  REQUIRE_OK(refit(absm, "mixed", "mixed3", "run_weight: 3", &mixed3, &err), err);
  REQUIRE_OK(refit(absm, "own3", "own3_refit", "", &own3, &err), err);
  REQUIRE_OK(refit(absm, "imported3", "imported3_refit", "", &imp3, &err), err);

  const double d_own = max_rel_diff(&own4, &own1), d_mix = max_rel_diff(&mixed3, &mixed1);
  const double d_copies = max_rel_diff(&mixed3, &own3), d_wrong = max_rel_diff(&mixed3, &imp3);
  printf("all own, run_weight 4 vs 1: %.3g\n", d_own);
  printf("half imported, run_weight 3 vs 1: %.3g\n", d_mix);
  printf("half imported, run_weight 3 vs the own half copied three times: %.3g\n", d_copies);
  printf("half imported, run_weight 3 vs the imported half copied three times: %.3g\n", d_wrong);
  CHECK(d_own < 1e-9, "a uniform run_weight changed the model by %.3g", d_own);
  CHECK(d_mix > 1e-3, "run_weight 3 changed nothing on half-imported data (%.3g)", d_mix);
  CHECK(d_copies < 1e-10, "run_weight 3 is not three copies of the own frames (%.3g)", d_copies);
  CHECK(d_wrong > 1e-3, "the test's premise: copying the other half differs (%.3g)", d_wrong);

  hf_model kind3, harm3, kindmul;
  REQUIRE_OK(refit(absm, "tagged", "kind3", "kind_weights: {harmonic: 3}", &kind3, &err), err);
  REQUIRE_OK(refit(absm, "harmonic3", "harmonic3_refit", "", &harm3, &err), err);
  REQUIRE_OK(refit(absm, "tagged", "kindmul",
                   "run_weight: 2, kind_weights: {md: 0.5, harmonic: 1.5}", &kindmul, &err),
             err);
  const double d_kind = max_rel_diff(&kind3, &harm3), d_mul = max_rel_diff(&kindmul, &harm3);
  const double d_kind1 = max_rel_diff(&kind3, &own1);
  printf(
      "half tagged harmonic, kind_weights {harmonic: 3} vs that half three times: %.3g "
      "(vs unweighted %.3g)\n",
      d_kind, d_kind1);
  printf("run_weight 2 with {md: 0.5, harmonic: 1.5} vs the same: %.3g\n", d_mul);
  CHECK(d_kind < 1e-10, "kind_weights harmonic 3 is not three copies (%.3g)", d_kind);
  CHECK(d_kind1 > 1e-3, "kind_weights changed nothing (%.3g)", d_kind1);
  CHECK(d_mul < 1e-10, "run_weight and kind_weights do not multiply (%.3g)", d_mul);
  hf_model *all[9] = {&own1, &own4, &mixed1, &mixed3, &own3, &imp3, &kind3, &harm3, &kindmul};
  for (int k = 0; k < 9; k++) hf_model_free(all[k]);

  const char *badk[5] = {"run_weight", "run_weight", "run_weight", "harmonic", "kind_weights"};
  const char *badv[5] = {"run_weight: 0", "run_weight: -1", "run_weight: heavy",
                         "kind_weights: {harmonic: 0}", "kind_weights: {phonon: 2}"};
  for (int k = 0; k < 5; k++) {
    char name[32];
    snprintf(name, sizeof name, "bad%d", k);
    fittest_write_zvr_noisy(tmp, name, absm, "regression", badv[k]);
    CHECK(fittest_refuses(tmp, name, badk[k], badv[k]), "%s not refused", badv[k]);
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  return check_done("frame_weights");
}
