/* test_pattern_frames.c - fit's harmonic frames (pattern_frames, fit/probe.h).
 * A fit whose engine is the ZVR BaTiO3 model (2x2x2, 100 -> 300 K at
 * -4.8 GPa) with pattern_frames: 0.2:
 *  - the fourteen harmonic frames are the calls right after the first one, one
 *    step apart, logged in order (Gamma [001], X [100], X [010], M [110],
 *    M [100], M [001], R [100] at 0.2 A, then the same at 0.1 A);
 *  - in train.xyz each is u = A e cos(2 pi q . R) on the cubic cell,
 *    built here from the formula (not hf_pattern_fill), with v, omega and
 *    strain exactly 0, and its energy row is the ZVR model's energy of that
 *    pattern, hf_patterns_eval's table at A;
 *  - what they teach: the lowest eigenvalue of the fitted model's harmonic u
 *    matrix at Gamma, X, M and R (hf_soft_modes_find) against the engine
 *    model's: with the frames each within 10% and in the engine model's order
 *    (Gamma lowest; measured 5.5% at worst, 4.5% in the sanitizer build, whose
 *    MD differs by round-off), without them at least twice as far off
 *    (measured 25%, with X below Gamma: a modulated order the engine model
 *    does not have; 28% in the sanitizer build);
 *  - stopped between the third and fourth frame and resumed, the run ends
 *    with the files of the uninterrupted run byte for byte;
 *  - `pattern_frames: {amplitude: 0.2, base: [...], patterns: ["M [001]",
 *    "R [100]"]}` with an initial strain makes five frames: the base state
 *    (uniform u on the initial strain), then M [001] and R [100] frozen on it
 *    at 0.2 and 0.1 A, each u and strain as built here and its energy the ZVR
 *    model's on that configuration;
 *  - pattern_frames of 0.8 and -0.1, a base beyond 1.5 A, a repeated or
 *    unknown pattern and a mapping without amplitude are refused, naming the
 *    key and file. */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "engine.h"
#include "fittest.h"
#include "frozen_patterns.h"
#include "probe.h"
#include "soft_modes.h"
#include "training_set.h"

static char tmp[] = "/tmp/test_pattern_frames_XXXXXX";
#define STEPS 40
#define AMP 0.2

/* (q, direction) of the default frames in order, as wave vectors (units of
 * pi / a0: 1 = a half) and unit directions */
static const int qv[FIT_PATTERN_NPAT][3] = {{0, 0, 0}, {1, 0, 0}, {1, 0, 0}, {1, 1, 0},
                                            {1, 1, 0}, {1, 1, 0}, {1, 1, 1}};
static const double dv[FIT_PATTERN_NPAT][3] = {
    {0, 0, 1}, {1, 0, 0}, {0, 1, 0}, {M_SQRT1_2, M_SQRT1_2, 0}, {1, 0, 0}, {0, 0, 1}, {1, 0, 0}};
/* hf_patterns indices of the same */
static const int pq[FIT_PATTERN_NPAT] = {0, 1, 1, 2, 2, 2, 3};
static const int pd[FIT_PATTERN_NPAT] = {2, 0, 1, 3, 0, 2, 0};

#define MAXF 16
/* the frames a run should make: u = base + amp e cos(pi q . R), eta, E/N */
typedef struct {
  int n;
  long step[MAXF];
  int found[MAXF];
  int q[MAXF][3];
  double e[MAXF][3], amp[MAXF], want[MAXF];
  double base[3], eta[6];
  long bad, md;
} frames;

static int check_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                       const fit_frame_meta *meta, hf_err *err) {
  (void)err;
  frames *f = p;
  int k = 0;
  while (k < f->n && f->step[k] != meta->step) k++;
  if (k == f->n) { /* an MD call's frame */
    f->md++;
    f->bad += meta->kind != FIT_FRAME_MD;
    return HF_OK;
  }
  f->found[k]++;
  double du = 0, other = 0, deta = 0;
  for (size_t i = 0; i < lat->n; i++) {
    /* fields.h: i = (x Ly + y) Lz + z */
    const int c[3] = {(int)(i / lat->L[2] / lat->L[1]), (int)(i / lat->L[2] % lat->L[1]),
                      (int)(i % lat->L[2])};
    const int phase = f->q[k][0] * c[0] + f->q[k][1] * c[1] + f->q[k][2] * c[2];
    const double s = phase % 2 ? -1 : 1; /* cos(pi phase) */
    for (int a = 0; a < 3; a++) {
      du = fmax(du, fabs(x->u[a][i] - f->base[a] - f->amp[k] * f->e[k][a] * s));
      if (x->v[a]) other = fmax(other, fabs(x->v[a][i]));
      if (x->w[a]) other = fmax(other, fabs(x->w[a][i]));
    }
  }
  for (int c = 0; c < 6; c++) deta = fmax(deta, fabs(x->eta[c] - f->eta[c]));
  printf(
      "harmonic frame %d (step %ld): u off the formula by %.2g, v/omega up to %.2g, eta off by "
      "%.2g; E/N %.8f eV, expected %.8f; heff_kind %s\n",
      k + 1, meta->step, du, other, deta, y[0], f->want[k], fit_frame_kind_names[meta->kind]);
  f->bad += !(du < 1e-12 && other == 0 && deta == 0 && meta->kind == FIT_FRAME_HARMONIC &&
              fabs(y[0] - f->want[k]) < 1e-9 * fmax(1, fabs(f->want[k])));
  return HF_OK;
}

/* Reads the harmonic frames' log lines of run `name` into f->step (checking
 * their order against the names given) and that calls 2.. are they. */
static void logged_frames(const char *name, frames *f, const char *const *qname,
                          const char *const *dname) {
  long n;
  char *log = fittest_slurp(tmp, name, "learning.tsv", &n);
  for (int k = 0; k < MAXF; k++) f->step[k] = -1;
  int nlog = 0;
  for (char *p = log; p && (p = strstr(p, "# step ")); p++) {
    long step;
    int k, of;
    char qn[16] = "", dn[16] = "";
    if (sscanf(p, "# step %ld: harmonic frame %d of %d: u along %15s %15s", &step, &k, &of, qn,
               dn) >= 3) {
      char ch;
      const int isbase =
          sscanf(p, "# step %*d: harmonic frame %*d of %*d: the base state on u%c", &ch) == 1;
      CHECK(of == f->n && k == nlog + 1 && nlog < f->n &&
                (qname[nlog] ? !strcmp(qn, qname[nlog]) && !strcmp(dn, dname[nlog]) : isbase),
            "%s: harmonic frame %d of %d (%s %s) logged as #%d", name, k, of, qn, dn, nlog + 1);
      if (nlog < f->n) f->step[nlog] = step;
      nlog++;
    }
  }
  free(log);
  CHECK(nlog == f->n, "%s: %d harmonic frames logged, expected %d", name, nlog, f->n);
  for (int k = 1; k < nlog && k < f->n; k++)
    CHECK(f->step[k] == f->step[0] + k, "%s: harmonic frame %d at step %ld, the first at %ld", name,
          k + 1, f->step[k], f->step[0]);
  char *calls = fittest_slurp(tmp, name, "calls.tsv", &n);
  long cstep[MAXF + 1];
  int nc = 0;
  for (char *p = calls; p && *p && nc <= f->n; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    long call, step;
    if (*p != '#' && sscanf(p, "%ld %ld", &call, &step) == 2) cstep[nc++] = step;
  }
  free(calls);
  CHECK(nc == f->n + 1 && cstep[1] == f->step[0] && cstep[f->n] == f->step[f->n - 1],
        "%s: calls 2-%d are not the harmonic frames", name, f->n + 1);
}

/* Every frame of f once in the run's train.xyz, each as expected. */
static int check_train(const char *name, frames *f, const char *absm) {
  hf_err err;
  hf_model truth;
  char path[1200];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
  REQUIRE_OK(hf_model_load(&truth, path, &err), err);
  long all, valid;
  snprintf(path, sizeof path, "%s/%s/train.xyz", tmp, name);
  REQUIRE_OK(fit_xyz_read(path, &truth, check_frame, f, &all, &valid, &err), err);
  hf_model_free(&truth);
  for (int k = 0; k < f->n; k++)
    CHECK(f->found[k] == 1, "%s: harmonic frame %d found %d times in train.xyz", name, k + 1,
          f->found[k]);
  CHECK(f->bad == 0,
        "%s: %ld frames are not the named pattern or its energy, or not of heff_kind harmonic "
        "(md for the %ld MD frames)",
        name, f->bad, f->md);
  return 0;
}

/* The ZVR model's energy per cell of u = base + A e cos(pi q . R) under
 * strain eta on 2x2x2 (the pattern filled here, not by hf_pattern_fill). */
static int zvr_energy(const char *absm, const double base[3], const int q[3], const double e[3],
                      double A, const double eta[6], double *out, hf_err *err) {
  hf_model m;
  char path[1200];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
  hf_lattice lat;
  if (hf_model_load(&m, path, err)) return HF_FAIL;
  hf_engine *eng = NULL;
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  hf_fields x;
  int rc = hf_lattice_init(&lat, (int[3]){2, 2, 2}, err) ||
           hf_engine_create(&eng, &m, &lat, &o, err) ||
           hf_fields_alloc(&x, &lat, hf_engine_field_mask(eng), err);
  if (!rc) {
    for (int c = 0; c < 2; c++)
      for (int b = 0; b < 2; b++)
        for (int z = 0; z < 2; z++) {
          const double s = (q[0] * c + q[1] * b + q[2] * z) % 2 ? -1 : 1;
          for (int a = 0; a < 3; a++) x.u[a][hf_index(&lat, c, b, z)] = base[a] + A * e[a] * s;
        }
    memcpy(x.eta, eta, sizeof x.eta);
    hf_energy E;
    hf_engine_eval(eng, &x, NULL, NULL, &E);
    *out = E.total / (double)lat.n;
    hf_fields_free(&x);
  }
  if (eng) hf_engine_free(eng);
  hf_model_free(&m);
  return rc ? HF_FAIL : HF_OK;
}

static void write_fit(const char *name, const char *models, const char *amp) {
  char engine[1200], extra[128] = "";
  snprintf(engine, sizeof engine, "%s/BaTiO3_ZVR1995.yaml", models);
  if (amp) snprintf(extra, sizeof extra, "pattern_frames: %s\n", amp);
  fittest_write_zvr_engine(tmp, name, models, engine, STEPS, 100, extra);
}

int main(int argc, char **argv) {
  const char *models = argc > 1 ? argv[1] : "models";
  char absm[1024], path[1200];
  if (!realpath(models, absm) || !mkdtemp(tmp)) return 1;
  hf_err err;
  CHECK(AMP == 0.05 * 4 && AMP / 2 == 0.05 * 2, "the table's amplitudes are not 0.2 and 0.1 A");
  write_fit("pat", absm, "0.2");
  write_fit("pat_r", absm, "0.2");
  write_fit("plain", absm, NULL);
  REQUIRE_OK(fittest_run_in(tmp, "pat", STEPS, 1, 0, &err), err);
  REQUIRE_OK(fittest_run_in(tmp, "plain", STEPS, 1, 0, &err), err);

  frames f;
  memset(&f, 0, sizeof f);
  f.n = FIT_PATTERN_NFRAME;
  const char *qname[MAXF + 1] = {0}, *dname[MAXF + 1] = {0};
  hf_model truth;
  hf_patterns table;
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
  REQUIRE_OK(hf_model_load(&truth, path, &err), err);
  REQUIRE_OK(hf_patterns_eval(&truth, &table, &err), err);
  hf_model_free(&truth);
  for (int k = 0; k < f.n; k++) {
    const int j = k % FIT_PATTERN_NPAT; /* the first seven at A, then at A / 2 */
    memcpy(f.q[k], qv[j], sizeof qv[j]);
    memcpy(f.e[k], dv[j], sizeof dv[j]);
    f.amp[k] = k < FIT_PATTERN_NPAT ? AMP : AMP / 2;
    f.want[k] = table.e[pq[j]][pd[j]][k < FIT_PATTERN_NPAT ? 3 : 1]; /* 0.2, 0.1 A */
    qname[k] = hf_pattern_q_names[pq[j]], dname[k] = hf_pattern_dir_names[pd[j]];
  }
  logged_frames("pat", &f, qname, dname);
  if (check_train("pat", &f, absm)) return 1;

  /* frozen on a polar state: {base, patterns} with an initial strain; the
   * frames are the base, then M [001] and R [100] on it at A and A / 2 */
  frames b;
  memset(&b, 0, sizeof b);
  b.n = 5;
  const double base[3] = {0.02, -0.03, 0.25}, eta[6] = {0.004, 0.004, 0.011, 0, 0.002, 0};
  memcpy(b.base, base, sizeof base);
  memcpy(b.eta, eta, sizeof eta);
  const char *bq[MAXF + 1] = {NULL, "M", "R", "M", "R"},
                        *bd[MAXF + 1] = {NULL, "[001]", "[100]", "[001]", "[100]"};
  for (int k = 1; k < 5; k++) {
    const int m = k % 2; /* M, R */
    memcpy(b.q[k], m ? qv[5] : qv[6], sizeof qv[0]);
    memcpy(b.e[k], m ? dv[5] : dv[6], sizeof dv[0]);
    b.amp[k] = k < 3 ? AMP : AMP / 2;
  }
  for (int k = 0; k < 5; k++)
    REQUIRE_OK(zvr_energy(absm, base, b.q[k], b.e[k], b.amp[k], eta, &b.want[k], &err), err);
  char extra[400];
  snprintf(extra, sizeof extra,
           "initial_strain: [0.004, 0.004, 0.011, 0, 0.002, 0]\n"
           "pattern_frames: {amplitude: 0.2, base: [0.02, -0.03, 0.25], patterns: [\"M [001]\", "
           "\"R [100]\"]}\n");
  fittest_write_zvr(tmp, "based", absm, STEPS, 100, extra);
  REQUIRE_OK(fittest_run_in(tmp, "based", STEPS, 1, 0, &err), err);
  logged_frames("based", &b, bq, bd);
  if (check_train("based", &b, absm)) return 1;

  /* what they teach: the lowest eigenvalue of the harmonic u matrix at Gamma,
   * X, M and R, the fitted models' against the engine model's */
  hf_soft_modes sm[3];
  const char *who[3] = {"engine model", "without", "with"};
  for (int k = 0; k < 3; k++) {
    hf_model mk;
    if (k == 0)
      snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
    else
      snprintf(path, sizeof path, "%s/%s/model.yaml", tmp, k == 1 ? "plain" : "pat");
    REQUIRE_OK(hf_model_load(&mk, path, &err), err);
    REQUIRE_OK(hf_soft_modes_find(&mk, 4, &sm[k], &err), err);
    hf_model_free(&mk);
    printf("%-12s D(q) lowest: Gamma %.5f X %.5f M %.5f R %.5f eV/A^2\n", who[k], sm[k].gamma,
           sm[k].x, sm[k].m, sm[k].r);
  }
  double worst[2] = {0, 0};
  for (int k = 1; k < 3; k++) {
    const double got[4] = {sm[k].gamma, sm[k].x, sm[k].m, sm[k].r};
    const double want[4] = {sm[0].gamma, sm[0].x, sm[0].m, sm[0].r};
    for (int j = 0; j < 4; j++) worst[k - 1] = fmax(worst[k - 1], fabs(got[j] / want[j] - 1));
  }
  printf("largest relative error: %.1f%% without the frames, %.1f%% with\n", 100 * worst[0],
         100 * worst[1]);
  CHECK(sm[0].gamma < sm[0].x && sm[2].gamma < sm[2].x && sm[2].x < sm[2].m && sm[2].m < sm[2].r,
        "with the frames Gamma %g X %g M %g R %g: not the engine model's order", sm[2].gamma,
        sm[2].x, sm[2].m, sm[2].r);
  CHECK(worst[1] <= 0.1 && worst[0] >= 2 * worst[1],
        "harmonic eigenvalues: %.3g%% off without the frames, %.3g%% with", 100 * worst[0],
        100 * worst[1]);

  /* stopped between the third and the fourth frame, resumed */
  const int differ = fittest_resume_differs(tmp, "pat", "pat_r", f.step[2] + 1, STEPS, &err);
  REQUIRE_OK(differ < 0 ? HF_FAIL : HF_OK, err);
  CHECK(differ == 0, "%d files after a stop at step %ld and --resume differ", differ,
        f.step[2] + 1);

  const char *badv[6] = {"0.8",
                         "-0.1",
                         "{amplitude: 0.2, base: [0, 0, 1.6]}",
                         "{amplitude: 0.2, patterns: [\"M [001]\", \"M [001]\"]}",
                         "{amplitude: 0.2, patterns: [\"Q [001]\"]}",
                         "{base: [0, 0, 0.5]}"};
  const char *badk[6] = {"pattern_frames", "pattern_frames", "base",
                         "patterns",       "patterns",       "amplitude"};
  for (int k = 0; k < 6; k++) {
    write_fit("bad", absm, badv[k]);
    CHECK(fittest_refuses(tmp, "bad", badk[k], badv[k]), "pattern_frames: %s not refused by name",
          badv[k]);
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (!check_failures && system(cmd)) printf("could not remove %s\n", tmp);
  return check_done("pattern_frames");
}
