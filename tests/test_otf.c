/* test_otf.c - the on-the-fly fitter end to end, on the model engine:
 *  1. noise-free, with the ZVR BaTiO3 model hidden in the engine and a basis
 *     that contains it: every coefficient of the fitted model file (as heff
 *     loads it) is within 2% of the hidden model decomposed in the SAT basis
 *     (an independent decomposition here), or within 3 posterior sigma where
 *     a 3x3x3 cell cannot pin it;
 *  2. resume after kill: a fit killed (SIGKILL) mid-run, with its checkpoint
 *     rolled back behind results already appended (a kill between append and
 *     checkpoint) and a half-written frame at the end, resumes and finishes
 *     with training set, held-out set, tables and model byte-identical to an
 *     uninterrupted run: no engine call repeated or lost, same random stream;
 *  3. engine failures are logged and skipped: the loop goes on, and only the
 *     successful results enter the training set;
 *  4. fit --refit: the training set of a fit with a wrong Z* regressed with
 *     the right reference recovers the hidden model;
 *  5. initial_training: a fit started on an earlier fit's frames copies them
 *     (marked imported) ahead of its own, predicts well before its first
 *     call (made after initial_interval steps, not at step 0), resumes from a
 *     kill between import and first checkpoint to the
 *     same files, and refuses frames of another a0;
 *  6. omega: the fit's MD keeps the Eq. 2 gauge (frames with zero layer
 *     sums), and frames moved out of it by a uniform omega (the same atoms)
 *     are imported as the originals;
 *  7. force errors in eV/Angstrom: a held-out point's true force error is
 *     the largest |model - engine| over the u and v forces (eV/A) and the
 *     omega forces times 2/a0 (eV/rad to eV per Angstrom of oxygen motion),
 *     recomputed here from the held-out frame and the fitted model file;
 *  8. output files replaced under the running fit (as a `git stash` or
 *     checkout of a committed run directory does: new files with older
 *     content) are put back from the open files at the next engine call:
 *     train.xyz, calls.tsv and learning.tsv end byte for byte as those of an
 *     undisturbed run;
 *  9. frames of several supercells in one regression (supercells());
 * 10. calls for extrapolation (extrapolation());
 * 11. probes along frozen patterns where the model turns down (probes()). */
#include <fftw3.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "engine.h"
#include "fittest.h"
#include "frozen_patterns.h"
#include "otf_internal.h"
#include "rng.h"
#include "testfile.h"
#include "training_set.h"

static char tmp[] = "/tmp/test_otf_XXXXXX";

static void write_fit(const char *name, const char *models, const char *extra) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "reference: %s/BaTiO3_ZVR1995.yaml\n"
          "engine: {type: model, model: %s/BaTiO3_ZVR1995.yaml%s}\n"
          "pressure: -4.8\n"
          "temperatures: [100, 300]\n"
          "output: {dir: %s, checkpoint_every: 100, log_every: 10, progress: false}\n",
          models, models, extra, name);
  fclose(f);
}

/* Two fit files a and b with the same settings: write_fit's plus the lines
 * of more (two runs to compare). */
static void write_fit_pair(const char *a, const char *b, const char *models, const char *extra,
                           const char *more) {
  char path[1200];
  for (int k = 0; k < 2; k++) {
    write_fit(k ? b : a, models, extra);
    snprintf(path, sizeof path, "%s/%s.yaml", tmp, k ? b : a);
    FILE *f = fopen(path, "a");
    fputs(more, f);
    fclose(f);
  }
}

static int run(const char *name, long first, long *done, int finish, int resume, hf_err *err) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
  return fittest_run(path, first, finish, resume, done, err);
}

/* Loads tmp/name.yaml and creates its run (resume: --resume); *r NULL on
 * failure. */
static int create_run(const char *name, int resume, fit_run **r, hf_err *err) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
  fit_config c;
  int resumed;
  *r = NULL;
  if (fit_config_load(&c, path, err)) return HF_FAIL;
  return fit_run_create(r, &c, resume, &resumed, err);
}

/* 1 if the model.yaml files of runs a and b have the same coefficients and
 * deviations bit for bit (their notes name the fit files, which differ), 0
 * if not, -1 if one does not load. */
static int same_coefficients(const char *a, const char *b) {
  hf_err err;
  hf_model ma, mb;
  char path[1200];
  snprintf(path, sizeof path, "%s/%s/model.yaml", tmp, a);
  if (hf_model_load(&ma, path, &err)) return -1;
  snprintf(path, sizeof path, "%s/%s/model.yaml", tmp, b);
  if (hf_model_load(&mb, path, &err)) {
    hf_model_free(&ma);
    return -1;
  }
  int same = ma.nterms == mb.nterms && ma.nterms > 0;
  for (int k = 0; same && k < ma.nterms; k++)
    same = ma.terms[k].coef == mb.terms[k].coef && ma.terms[k].stdev == mb.terms[k].stdev;
  hf_model_free(&ma);
  hf_model_free(&mb);
  return same;
}

static void copy_file(const char *from, const char *to) {
  long n;
  char path[600];
  snprintf(path, sizeof path, "%s/%s", tmp, from);
  char *b = testfile_read_n(path, &n);
  if (!b) return;
  snprintf(path, sizeof path, "%s/%s", tmp, to);
  FILE *f = fopen(path, "wb");
  fwrite(b, 1, (size_t)n, f);
  fclose(f);
  free(b);
}

/* Coefficients of the model file at path against ZVR decomposed in the SAT
 * basis (independently here): the number within 2% of the non-zero ones
 * (*nonzero); with strict, every one must be within 2% or 3 posterior
 * sigma. */
static int against_model(const char *path, const char *tpath, const char *extra, int strict,
                         int *nonzero) {
  hf_err err;
  hf_model fitted, truth;
  REQUIRE_OK(hf_model_load(&fitted, path, &err), err);
  REQUIRE_OK(hf_model_load(&truth, tpath, &err), err);
  hf_sat_set s;
  double *w, res;
  REQUIRE_OK(fittest_truth(&truth, extra, &s, &w, &res, &err), err);
  CHECK(res < 1e-12, "the hidden model's terms lie outside the basis (%.3g)", res);
  CHECK(s.n == fitted.nterms, "basis %d terms, fitted model %d", s.n, fitted.nterms);
  int pinned = 0;
  *nonzero = 0;
  for (int k = 0; k < s.n && k < fitted.nterms; k++) {
    const hf_term *t = &fitted.terms[k];
    CHECK(!strcmp(t->name, s.t[k].name), "term %d: %s vs %s", k, t->name, s.t[k].name);
    double d = fabs(t->coef - w[k]);
    int ok2 = w[k] != 0 && d <= 0.02 * fabs(w[k]), ok3 = d <= 3 * t->stdev;
    pinned += ok2;
    *nonzero += w[k] != 0;
    if (strict)
      CHECK(ok2 || ok3, "%s: fit %.6g +- %.3g, truth %.6g", t->name, t->coef, t->stdev, w[k]);
  }
  free(w);
  hf_sat_set_free(&s);
  hf_model_free(&fitted);
  hf_model_free(&truth);
  return pinned;
}

static int against_truth(const char *path, const char *models, int strict, int *nonzero) {
  char tpath[1200];
  snprintf(tpath, sizeof tpath, "%s/BaTiO3_ZVR1995.yaml", models);
  return against_model(path, tpath, NULL, strict, nonzero);
}

static int recovery(const char *models) {
  write_fit("clean", models, "");
  char path[1200];
  snprintf(path, sizeof path, "%s/clean.yaml", tmp);
  FILE *f = fopen(path, "a");
  fprintf(f, "supercell: [3, 3, 3]\nsteps: 1500\nseed: 3\n");
  fclose(f);
  hf_err err;
  long done;
  REQUIRE_OK(run("clean", 1500, &done, 1, 0, &err), err);
  snprintf(path, sizeof path, "%s/clean/model.yaml", tmp);
  int nonzero, pinned = against_truth(path, models, 1, &nonzero);
  printf("recovery on 3x3x3: %d of %d non-zero coefficients within 2%%\n", pinned, nonzero);
  CHECK(pinned == nonzero, "%d of %d non-zero ZVR coefficients within 2%%", pinned, nonzero);
  return 0;
}

/* Writes tmp/name: ZVR's model file with every line containing subst[2k]
 * replaced by subst[2k + 1] (a NULL-terminated list of pairs). */
static void zvr_variant(const char *models, const char *name, const char *const *subst) {
  char path[1200], line[512];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", models);
  FILE *in = fopen(path, "r");
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  FILE *out = fopen(path, "w");
  while (in && out && fgets(line, sizeof line, in)) {
    const char *put = line;
    for (int k = 0; subst[k]; k += 2)
      if (strstr(line, subst[k])) put = subst[k + 1];
    fputs(put, out);
  }
  if (in) fclose(in);
  if (out) fclose(out);
}

/* fit --refit: a fit whose reference has the wrong Z* (9.2 instead of ZVR's
 * 9.956) cannot recover the hidden model; the regression of its training
 * set with the right reference recovers it (the engine data do not depend
 * on Z*), the source directory is only read, and a refit of the clean run
 * with its own settings gives its coefficients bit for bit. */
static int refit(const char *models) {
  char path[1200];
  zvr_variant(models, "ZVR_wrong_zstar.yaml", (const char *[]){"zstar:", "  zstar: 9.2\n", NULL});
  snprintf(path, sizeof path, "%s/wrongz.yaml", tmp);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "reference: %s/ZVR_wrong_zstar.yaml\n"
          "engine: {type: model, model: %s/BaTiO3_ZVR1995.yaml}\n"
          "pressure: -4.8\ntemperatures: [100, 300]\nsupercell: [3, 3, 3]\nsteps: 1500\n"
          "seed: 3\noutput: {dir: wrongz, progress: false}\n",
          tmp, models);
  fclose(f);
  hf_err err;
  long done;
  REQUIRE_OK(run("wrongz", 1500, &done, 1, 0, &err), err);
  int nonzero, wrong;
  snprintf(path, sizeof path, "%s/wrongz/model.yaml", tmp);
  wrong = against_truth(path, models, 0, &nonzero);
  CHECK(wrong < nonzero, "with Z* 9.2 the fit cannot recover ZVR (%d of %d within 2%%)", wrong,
        nonzero);
  /* the refit: the clean run's settings (right Z*), output elsewhere */
  write_fit("right", models, "");
  snprintf(path, sizeof path, "%s/right.yaml", tmp);
  f = fopen(path, "a");
  fprintf(f, "supercell: [3, 3, 3]\nsteps: 1500\nseed: 3\n");
  fclose(f);
  long n0, n1;
  char *before = fittest_slurp(tmp, "wrongz", "train.xyz", &n0);
  fit_config c;
  fit_run *r;
  char data[1200];
  snprintf(data, sizeof data, "%s/wrongz", tmp);
  REQUIRE_OK(fit_config_load(&c, path, &err), err);
  REQUIRE_OK(fit_refit_create(&r, &c, data, &err), err);
  REQUIRE_OK(fit_run_finish(r, &err), err);
  CHECK(strstr(fit_run_summary(r), "refit of the training set") != NULL &&
            strstr(fit_run_summary(r), "MD steps") == NULL,
        "summary of a refit: %s", fit_run_summary(r));
  fit_run_free(r);
  char *after = fittest_slurp(tmp, "wrongz", "train.xyz", &n1);
  CHECK(n0 == n1 && before && after && !memcmp(before, after, (size_t)n0),
        "the source training set is left as it was");
  free(before);
  free(after);
  snprintf(path, sizeof path, "%s/right/model.yaml", tmp);
  int right = against_truth(path, models, 1, &nonzero);
  printf("refit with the right Z*: %d of %d within 2%% (the wrong-Z* fit: %d)\n", right, nonzero,
         wrong);
  CHECK(right == nonzero, "refit recovers %d of %d ZVR coefficients", right, nonzero);
  /* the clean run refitted with its own settings: the same coefficients */
  write_fit("again", models, "");
  snprintf(path, sizeof path, "%s/again.yaml", tmp);
  f = fopen(path, "a");
  fprintf(f, "supercell: [3, 3, 3]\nsteps: 1500\nseed: 3\n");
  fclose(f);
  snprintf(data, sizeof data, "%s/clean", tmp);
  REQUIRE_OK(fit_config_load(&c, path, &err), err);
  REQUIRE_OK(fit_refit_create(&r, &c, data, &err), err);
  REQUIRE_OK(fit_run_finish(r, &err), err);
  fit_run_free(r);
  CHECK(same_coefficients("clean", "again") == 1,
        "refit of the clean run with its own settings: the same coefficients bit for bit");
  /* the output directory must not be the data's */
  snprintf(path, sizeof path, "%s/clean.yaml", tmp);
  REQUIRE_OK(fit_config_load(&c, path, &err), err);
  int rc = fit_refit_create(&r, &c, data, &err);
  CHECK(rc != 0 && strstr(err.msg, "must not be the directory"), "refit into its data: %s",
        err.msg);
  return 0;
}

static int resume_after_kill(const char *models) {
  const char *noisy = ", noise: {energy: 0.0002, force: 0.005, stress: 0.001}";
  const char *more = "supercell: [2, 2, 2]\nsteps: 700\nseed: 5\nheldout_every: 60\n";
  char path[1200];
  write_fit_pair("A", "B", models, noisy, more);
  hf_err err;
  long done;
  REQUIRE_OK(run("A", 700, &done, 1, 0, &err), err);
  pid_t pid = fork();
  if (pid == 0) { /* B: run, keep an early checkpoint, run on, die */
    if (run("B", 55, &done, 0, 0, &err)) _exit(3);
    copy_file("B/fit.ckpt", "B.ckpt.early");
    if (run("B", 300, &done, 0, 1, &err)) _exit(4);
    raise(SIGKILL);
    _exit(5);
  }
  int status;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
  /* roll the checkpoint back behind appended results and leave a torn frame */
  copy_file("B.ckpt.early", "B/fit.ckpt");
  long n;
  char *train = fittest_slurp(tmp, "B", "train.xyz", &n);
  snprintf(path, sizeof path, "%s/B/train.xyz", tmp);
  FILE *f = fopen(path, "ab");
  fwrite(train, 1, 700, f); /* the start of a frame, cut inside a line */
  fclose(f);
  free(train);
  REQUIRE_OK(run("B", 700, &done, 1, 1, &err), err);
  CHECK(done == 700, "resumed run ended at step %ld", done);
  const char *files[] = {"train.xyz",   "heldout.xyz",      "learning.tsv",    "calls.tsv",
                         "heldout.tsv", "parity_train.tsv", "coefficients.tsv"};
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    const int same = fittest_same_file(tmp, "A", "B", files[k]);
    printf("%-18s identical: %s\n", files[k], same ? "yes" : "NO");
    CHECK(same, "%s differs after kill + resume", files[k]);
  }
  /* model files: the same coefficients and deviations bit for bit (the notes
   * name the fit file, which differs) */
  CHECK(same_coefficients("A", "B") == 1, "model.yaml coefficients differ after kill + resume");
  /* without --resume an existing training set is refused, never overwritten */
  int rc = run("B", 1, &done, 0, 0, &err);
  CHECK(rc != 0 && strstr(err.msg, "never overwritten"), "restart over a training set: %s",
        err.msg);
  return 0;
}

static int engine_failures(const char *models) {
  write_fit("F", models, ", fail_every: 3");
  char path[1200];
  snprintf(path, sizeof path, "%s/F.yaml", tmp);
  FILE *f = fopen(path, "a");
  fputs("supercell: [2, 2, 2]\nsteps: 400\nseed: 8\n", f);
  fclose(f);
  hf_err err;
  fit_run *r;
  int st = 0;
  REQUIRE_OK(create_run("F", 0, &r, &err), err);
  while (st == 0) st = fit_run_advance(r, 100, &err);
  CHECK(st == 1, "run with failing engine stopped: %s", err.msg);
  fit_stats s = *fit_run_get_stats(r);
  fit_run_free(r);
  long n;
  char *calls = fittest_slurp(tmp, "F", "calls.tsv", &n),
       *train = fittest_slurp(tmp, "F", "train.xyz", &n);
  long logged = 0, frames = 0;
  for (char *p = calls; p && (p = strstr(p, "engine call failed")); p++) logged++;
  for (char *p = train; p && (p = strstr(p, "\n8\nLattice")); p++) frames++;
  frames += train && !strncmp(train, "8\nLattice", 9);
  printf("failing engine: %ld calls, %ld failed (%ld logged), %ld frames, %ld steps\n", s.calls,
         s.failed, logged, frames, s.step);
  CHECK(s.failed > 0 && s.calls > 3 && s.step == 400, "failures %ld, calls %ld", s.failed, s.calls);
  CHECK(logged == s.failed && frames == s.calls,
        "logged %ld of %ld failures; %ld frames for %ld calls", logged, s.failed, frames, s.calls);
  free(calls);
  free(train);
  return 0;
}

/* Energy change per cell of model file PATH (4x4x4, engine as heff runs it)
 * under a uniform shift of v, at a random configuration: the acoustic sum
 * rule says zero.  *scale: the configuration's energy per cell. */
static double uniform_v_change(const char *path, double *scale) {
  hf_err err;
  hf_model m;
  if (hf_model_load(&m, path, &err)) return NAN;
  hf_lattice lat;
  hf_fields x;
  hf_engine *eng;
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  hf_lattice_init(&lat, (int[3]){4, 4, 4}, &err);
  if (hf_fields_alloc(&x, &lat, HF_FIELD_U | HF_FIELD_V, &err) ||
      hf_engine_create(&eng, &m, &lat, &o, &err)) {
    hf_model_free(&m);
    return NAN;
  }
  hf_rng r;
  hf_rng_seed(&r, 11);
  for (int c = 0; c < 6; c++)
    for (size_t i = 0; i < lat.n; i++) hf_fields_comp(&x, c)[i] = 0.1 * hf_rng_uniform(&r) - 0.05;
  hf_energy E0, E1;
  hf_engine_eval(eng, &x, NULL, NULL, &E0);
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat.n; i++) x.v[a][i] += 0.03 * (a + 1);
  hf_engine_eval(eng, &x, NULL, NULL, &E1);
  *scale = fabs(E0.total) / (double)lat.n;
  hf_engine_free(eng);
  hf_fields_free(&x);
  hf_model_free(&m);
  return (E1.total - E0.total) / (double)lat.n;
}

/* The acoustic sum rule (fit/acoustic_sum_rule.h): from noisy data (which
 * cannot pin the k = 0 stiffness of v), the fitted energy is invariant under a
 * uniform v with the rule (default) and not without it; heff evaluates both. */
static int acoustic_sum_rule(const char *models) {
  const char *noisy = ", noise: {energy: 0.0002, force: 0.005, stress: 0.001}";
  const char *name[2] = {"asr_on", "asr_off"};
  double d[2], sc[2];
  for (int k = 0; k < 2; k++) {
    write_fit(name[k], models, noisy);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.yaml", tmp, name[k]);
    FILE *f = fopen(path, "a");
    fprintf(f, "supercell: [2, 2, 2]\nsteps: 300\nseed: 4\n%s",
            k ? "regression: {acoustic_sum_rule: false}\n" : "");
    fclose(f);
    hf_err err;
    long done;
    REQUIRE_OK(run(name[k], 300, &done, 1, 0, &err), err);
    snprintf(path, sizeof path, "%s/%s/model.yaml", tmp, name[k]);
    d[k] = uniform_v_change(path, &sc[k]);
    /* the summary's own invariance line says the same */
    long n;
    char *sum = fittest_slurp(tmp, name[k], "summary.txt", &n);
    const char *key = "uniform shift of v by 0.01 A, 0 for the engine: ";
    const char *at = sum ? strstr(sum, key) : NULL;
    double dv = at ? strtod(at + strlen(key), NULL) : NAN;
    printf("%s: summary: v %.3g eV per cell\n", name[k], dv);
    CHECK(k ? fabs(dv) > 1e-8 : fabs(dv) < 1e-12, "%s: summary invariance line %.3g", name[k], dv);
    free(sum);
  }
  printf(
      "uniform v shift: energy change per cell %.3e eV with the sum rule, %.3e without "
      "(energy per cell %.3e)\n",
      d[0], d[1], sc[0]);
  CHECK(fabs(d[0]) < 1e-12 * sc[0] + 1e-15, "with the sum rule the energy changes by %.3e", d[0]);
  CHECK(fabs(d[1]) > 1e-6 * sc[1], "without the rule the test cannot tell (%.3e)", d[1]);
  return 0;
}

/* Appends lines to the fit file tmp/name.yaml. */
static void fit_append(const char *name, const char *text) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
  FILE *f = fopen(path, "a");
  fputs(text, f);
  fclose(f);
}

/* Number of occurrences of needle in s. */
static long count_of(const char *s, const char *needle) {
  long n = 0;
  for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

/* initial_training: fits that start from the frames of "clean" (recovery). */
static int initial_training(const char *models) {
  const char *more =
      "supercell: [3, 3, 3]\nsteps: 100\nseed: 7\n"
      "initial_training: clean/train.xyz\n";
  write_fit("imp", models, "");
  fit_append("imp", more);
  write_fit("impk", models, "");
  fit_append("impk", more);
  hf_err err;
  long done, nc, ni;
  REQUIRE_OK(run("imp", 100, &done, 1, 0, &err), err);
  /* the earlier frames come first, byte for byte apart from the flag */
  char *clean = fittest_slurp(tmp, "clean", "train.xyz", &nc);
  char *imp = fittest_slurp(tmp, "imp", "train.xyz", &ni);
  if (!clean || !imp) {
    CHECK(0, "training sets missing");
    return 1;
  }
  const char *flag = " heff_imported=1";
  long frames = count_of(clean, "heff_step="), flagged = count_of(imp, flag);
  char *w = imp;
  for (char *p = imp; *p;) /* drop the flags */
    if (!strncmp(p, flag, strlen(flag)))
      p += strlen(flag);
    else
      *w++ = *p++;
  *w = 0;
  CHECK(flagged == frames && frames > 0, "%ld of the %ld earlier frames flagged", flagged, frames);
  CHECK((long)strlen(imp) > nc && !memcmp(clean, imp, (size_t)nc),
        "the earlier frames open the new training set unchanged");
  free(clean);
  free(imp);
  /* the first call is predicted by the model of the earlier frames: a
   * finite, small true error (a fresh fit has none to give: nan) */
  char *calls = fittest_slurp(tmp, "imp", "calls.tsv", &nc);
  const char *row = calls;
  while (row && *row == '#') row = strchr(row, '\n') + 1;
  double v[5] = {NAN, NAN, NAN, NAN, NAN}; /* call, step, T, Bayesian, true largest force error */
  if (row) sscanf(row, "%lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4]);
  free(calls);
  printf("initial_training: %ld frames imported; the first call's true force error %.3g eV/A\n",
         frames, v[4]);
  CHECK(isfinite(v[4]) && v[4] < 0.01, "true force error at the first call %g eV/A", v[4]);
  CHECK(v[0] == 1 && v[1] == 10,
        "the first call waits initial_interval steps (step %g; the earlier fit's first frame is "
        "the same random start)",
        v[1]);
  char path[1200];
  snprintf(path, sizeof path, "%s/imp/model.yaml", tmp);
  int nonzero, pinned = against_truth(path, models, 1, &nonzero);
  CHECK(pinned == nonzero, "imported + new frames: %d of %d ZVR coefficients within 2%%", pinned,
        nonzero);
  /* killed after the import, before any checkpoint: resumes to the same files */
  fit_run *r;
  REQUIRE_OK(create_run("impk", 0, &r, &err), err);
  fit_run_free(r);
  snprintf(path, sizeof path, "%s/impk/fit.ckpt", tmp);
  CHECK(access(path, F_OK) != 0, "no checkpoint yet");
  REQUIRE_OK(run("impk", 100, &done, 1, 1, &err), err);
  const char *files[] = {"train.xyz", "calls.tsv", "learning.tsv"};
  for (size_t k = 0; k < 3; k++) {
    long na, nb;
    char *a = fittest_slurp(tmp, "imp", files[k], &na),
         *b = fittest_slurp(tmp, "impk", files[k], &nb);
    CHECK(a && b && na == nb && !memcmp(a, b, (size_t)na), "%s differs after import + resume",
          files[k]);
    free(a);
    free(b);
  }
  CHECK(same_coefficients("imp", "impk") == 1, "model.yaml differs after import + resume");
  /* frames of a fit with another a0 are refused, naming the key */
  zvr_variant(models, "ZVR_other_a0.yaml", (const char *[]){"a0:", "  a0: 3.99\n", NULL});
  snprintf(path, sizeof path, "%s/impa.yaml", tmp);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "reference: ZVR_other_a0.yaml\nengine: {type: model, model: %s/BaTiO3_ZVR1995.yaml}\n"
          "%soutput: {dir: impa, progress: false}\n",
          models, more);
  fclose(f);
  int rc = run("impa", 10, &done, 0, 0, &err);
  CHECK(rc != 0 && strstr(err.msg, "key 'Lattice'") && strstr(err.msg, "clean/train.xyz"),
        "frames of another a0: %s", err.msg);
  snprintf(path, sizeof path, "%s/impa/train.xyz", tmp);
  CHECK(access(path, F_OK) != 0, "a failed import leaves no training set");
  return 0;
}

/* The omega values (3 per cell, every frame in order) of a train.xyz with
 * u, v and omega, and the largest |layer mean| of omega_a over the frames
 * (2x2x2, cells in x, y, z order). */
static double *xyz_omega(const char *path, long *count, double *worst) {
  FILE *f = fopen(path, "r");
  char line[4096];
  double *w = NULL;
  long n = 0;
  *worst = 0;
  double layer[3][2] = {{0}};
  int cell = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (line[0] != 'X') continue;
    double v[21];
    char *p = line + 1, *end;
    for (int k = 0; k < 21; k++, p = end) v[k] = strtod(p, &end);
    w = realloc(w, (size_t)(n + 3) * sizeof *w);
    const int c[3] = {cell / 4, cell / 2 % 2, cell % 2};
    for (int a = 0; a < 3; a++) {
      w[n + a] = v[15 + a];
      layer[a][c[a]] += v[15 + a] / 4;
    }
    n += 3;
    if (++cell == 8) {
      for (int a = 0; a < 3; a++)
        for (int l = 0; l < 2; l++) *worst = fmax(*worst, fabs(layer[a][l]));
      memset(layer, 0, sizeof layer);
      cell = 0;
    }
  }
  if (f) fclose(f);
  *count = n;
  return w;
}

/* Copies train.xyz with every omega raised by shift (the same atoms). */
static void shift_omega(const char *from, const char *to, double shift) {
  FILE *in = fopen(from, "r"), *out = fopen(to, "w");
  char line[4096];
  while (in && out && fgets(line, sizeof line, in)) {
    if (line[0] != 'X') {
      fputs(line, out);
      continue;
    }
    double v[21];
    char *p = line + 1, *end;
    for (int k = 0; k < 21; k++, p = end) v[k] = strtod(p, &end);
    fputc('X', out);
    for (int k = 0; k < 21; k++) fprintf(out, " %.17g", v[k] + (k >= 15 && k < 18 ? shift : 0));
    fputc('\n', out);
  }
  if (in) fclose(in);
  if (out) fclose(out);
}

static int omega_gauge(const char *models) {
  char path[1200];
  zvr_variant(models, "ZVR_omega.yaml",
              (const char *[]){"dof:", "dof: [u, v, omega, eta]\n",
                               "sites:", "sites: {u: B, v: A, omega: B}\n",
                               "masses:", "masses:\n  omega: 64.0\n", NULL});
  const char *eng =
      "engine: {type: model, model: ZVR_omega.yaml, extra_terms: [{name: kw, coef: "
      "2.0, expr: \"wx^2+wy^2+wz^2\"}]}\n";
  for (int k = 0; k < 2; k++) {
    snprintf(path, sizeof path, "%s/%s.yaml", tmp, k ? "wgi" : "wg");
    FILE *f = fopen(path, "w");
    fprintf(f,
            "reference: ZVR_omega.yaml\n%spressure: -4.8\ntemperatures: [200, 300]\nsteps: %d\n"
            "seed: 9\n%soutput: {dir: %s, progress: false}\n",
            eng, k ? 20 : 60, k ? "initial_training: wshift.xyz\n" : "", k ? "wgi" : "wg");
    fclose(f);
  }
  hf_err err;
  long done;
  REQUIRE_OK(run("wg", 60, &done, 0, 0, &err), err);
  long n0, n1;
  double worst0, worst1;
  snprintf(path, sizeof path, "%s/wg/train.xyz", tmp);
  double *w0 = xyz_omega(path, &n0, &worst0);
  char shifted[1200];
  snprintf(shifted, sizeof shifted, "%s/wshift.xyz", tmp);
  shift_omega(path, shifted, 0.05);
  REQUIRE_OK(run("wgi", 20, &done, 0, 0, &err), err);
  snprintf(path, sizeof path, "%s/wgi/train.xyz", tmp);
  double *w1 = xyz_omega(path, &n1, &worst1);
  double d = 0, rms = 0;
  for (long k = 0; k < n0 && k < n1; k++) {
    d = fmax(d, fabs(w1[k] - w0[k]));
    rms += w0[k] * w0[k] / (double)n0;
  }
  printf(
      "omega gauge: %ld frames of the fit's MD, layer means <= %.2g (omega rms %.3g rad); "
      "shifted by 0.05 rad and imported: off the originals by %.2g\n",
      n0 / 24, worst0, sqrt(rms), d);
  CHECK(n0 >= 48 && sqrt(rms) > 1e-3, "the fit made %ld frames with omega rms %.3g", n0 / 24,
        sqrt(rms));
  CHECK(worst0 < 1e-12, "the fit's MD left the omega gauge (%.3g)", worst0);
  CHECK(n1 > n0 && d < 1e-15, "imported shifted frames are the originals (%.3g)", d);
  free(w0);
  free(w1);
  return 0;
}

typedef struct {
  hf_fields x;
  double *y;
  size_t rows;
  long n;
} frame_copy;

static int keep_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                      const fit_frame_meta *meta, hf_err *err) {
  (void)meta, (void)err;
  frame_copy *c = p;
  if (lat->n != 8) return hf_fail(err, "a frame of %zu cells, expected 2x2x2", lat->n);
  hf_fields_copy(&c->x, x, lat);
  memcpy(c->x.eta, x->eta, sizeof x->eta);
  memcpy(c->y, y, c->rows * sizeof *y);
  c->n++;
  return HF_OK;
}

/* Last value of column col (0-based) of a TSV file's data rows. */
static double last_column(const char *path, int col) {
  FILE *f = fopen(path, "r");
  char line[4096];
  double v = NAN;
  while (f && fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    char *p = line;
    for (int k = 0; k < col && p; k++) p = strchr(p, '\t') ? strchr(p, '\t') + 1 : NULL;
    if (p) v = strtod(p, NULL);
  }
  if (f) fclose(f);
  return v;
}

static int omega_force_units(void) { /* (after omega_gauge: its ZVR_omega.yaml) */
  /* the engine: ZVR with omega and a sixth-order omega term no basis term
   * holds, so that the omega forces carry most of the model's error */
  const char *eng =
      "engine: {type: model, model: ZVR_omega.yaml, extra_terms: [{name: kw6, coef: "
      "3.0e4, expr: \"wx^6+wy^6+wz^6\"}]}\n";
  char path[1200];
  snprintf(path, sizeof path, "%s/wu.yaml", tmp);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "reference: ZVR_omega.yaml\n%ssupercell: [2, 2, 2]\npressure: -4.8\n"
          "temperatures: [300, 300]\nsteps: 36\nseed: 4\ninitial_amplitude: 0.05\n"
          "heldout_every: 35\noutput: {dir: wu, progress: false}\n",
          eng);
  fclose(f);
  hf_err err;
  long done;
  REQUIRE_OK(run("wu", 36, &done, 1, 0, &err), err);
  /* the held-out frame (step 35, after the last call at step 30: the fitted
   * model is the one that predicted it) */
  hf_model ref, fitted;
  hf_lattice lat;
  snprintf(path, sizeof path, "%s/ZVR_omega.yaml", tmp);
  REQUIRE_OK(hf_model_load(&ref, path, &err), err);
  snprintf(path, sizeof path, "%s/wu/model.yaml", tmp);
  REQUIRE_OK(hf_model_load(&fitted, path, &err), err);
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){2, 2, 2}, &err), err);
  const unsigned mask = HF_FIELD_U | HF_FIELD_V | HF_FIELD_W;
  frame_copy c = {.rows = 1 + 9 * lat.n + 6};
  c.y = calloc(c.rows, sizeof *c.y);
  hf_fields g;
  REQUIRE_OK(hf_fields_alloc(&c.x, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&g, &lat, mask, &err), err);
  long all, valid;
  snprintf(path, sizeof path, "%s/wu/heldout.xyz", tmp);
  REQUIRE_OK(fit_xyz_read(path, &ref, keep_frame, &c, &all, &valid, &err), err);
  CHECK(c.n == 1, "one held-out frame (%ld)", c.n);
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &fitted, &lat, NULL, &err), err);
  double dEdeta[6];
  hf_energy E;
  hf_engine_eval(e, &c.x, &g, dEdeta, &E);
  double uv = 0, w = 0;
  size_t r = 1;
  for (int comp = 0; comp < 9; comp++)
    for (size_t i = 0; i < lat.n; i++, r++) {
      const double d = fabs(-hf_fields_comp(&g, comp)[i] - c.y[r]);
      if (comp < 6)
        uv = fmax(uv, d);
      else
        w = fmax(w, d);
    }
  const double want = fmax(uv, w * 2.0 / ref.a0), unscaled = fmax(uv, w);
  snprintf(path, sizeof path, "%s/wu/heldout.tsv", tmp);
  const double got = last_column(path, 3);
  printf(
      "force units: held-out true force error %.6g eV/A; recomputed: u, v %.6g eV/A, omega "
      "%.6g eV/rad x 2/a0 = %.6g eV/A (unscaled maximum %.6g)\n",
      got, uv, w, w * 2.0 / ref.a0, unscaled);
  CHECK(fabs(got - want) < 1e-6 * want, "held-out true force error %.9g, want %.9g", got, want);
  CHECK(fabs(unscaled - want) > 0.05 * want,
        "the omega forces do not decide the maximum (%.3g vs %.3g): the test shows nothing",
        unscaled, want);
  hf_engine_free(e);
  hf_fields_free(&g);
  hf_fields_free(&c.x);
  free(c.y);
  hf_model_free(&ref);
  hf_model_free(&fitted);
  return 0;
}

/* Replaces tmp/dir/name by a new file with the content tmp/old (as git does). */
static void replace_with(const char *dir, const char *name, const char *old) {
  char to[300], from[300], path[1300], tmpp[1300];
  snprintf(to, sizeof to, "%s/%s.new", dir, name);
  snprintf(from, sizeof from, "%s", old);
  copy_file(from, to);
  snprintf(tmpp, sizeof tmpp, "%s/%s", tmp, to);
  snprintf(path, sizeof path, "%s/%s/%s", tmp, dir, name);
  rename(tmpp, path);
}

static int replaced_outputs(const char *models) {
  const char *more = "supercell: [2, 2, 2]\nsteps: 120\nseed: 6\n";
  write_fit_pair("G", "H", models, "", more);
  hf_err err;
  REQUIRE_OK(run("G", 120, NULL, 1, 0, &err), err);
  fit_run *r;
  REQUIRE_OK(create_run("H", 0, &r, &err), err);
  int st = fit_run_advance(r, 35, &err);
  static const char *const names[3] = {"train.xyz", "calls.tsv", "learning.tsv"};
  for (int k = 0; k < 3; k++) { /* the state a commit at step 35 would hold */
    char from[300], to[300];
    snprintf(from, sizeof from, "H/%s", names[k]);
    snprintf(to, sizeof to, "H.%s.old", names[k]);
    copy_file(from, to);
  }
  if (st == 0) st = fit_run_advance(r, 30, &err);
  for (int k = 0; k < 3; k++) { /* git stash (or checkout) of step 35's files */
    char old[300];
    snprintf(old, sizeof old, "H.%s.old", names[k]);
    replace_with("H", names[k], old);
  }
  while (st == 0) st = fit_run_advance(r, 1000, &err);
  if (st != HF_FAIL && fit_run_finish(r, &err)) st = HF_FAIL;
  const int put_back = strstr(fit_run_summary(r), "put back: 3") != NULL;
  fit_run_free(r);
  REQUIRE_OK(st == HF_FAIL ? HF_FAIL : HF_OK, err);
  CHECK(put_back, "the summary counts 3 files put back");
  for (int k = 0; k < 3; k++) {
    long na, nb;
    char *a = fittest_slurp(tmp, "G", names[k], &na), *b = fittest_slurp(tmp, "H", names[k], &nb);
    CHECK(a && b && na == nb && !memcmp(a, b, (size_t)na),
          "%s of the run whose files were replaced at step 65 differs from the undisturbed run's "
          "(%ld vs %ld bytes)",
          names[k], nb, na);
    free(a);
    free(b);
  }
  printf(
      "replaced outputs: train.xyz, calls.tsv, learning.tsv put back and identical to an "
      "undisturbed run\n");
  return 0;
}

/* 9. frames of several supercells in one regression.  The hidden model is
 * ZVR plus a fourth-shell u-u pair (a0(2,0,0)), which a 2x2x2 cell folds
 * onto the on-site u^2 term: a fit on 2x2x2 alone cannot separate them,
 * whatever it samples (nor the off-diagonal second-shell pairs, whose
 * sign(d_a d_b) pattern cancels along an axis of length 2).  A second fit on
 * 2x4x4 (paper 003's second cell) that imports those frames
 * (initial_training) builds each frame's rows on its own supercell and
 * recovers every coefficient (the 2x2x2 fit's summary names the pairs it
 * cannot see, the 2x4x4 one none); its parity table names each frame's
 * supercell; a refit of the mixed set gives the same coefficients bit for
 * bit; and a fit's own frames on another supercell are refused. */
static int supercells(const char *models) {
  const char *basis =
      "basis: [\"u^2..4\", \"u u@1..3\", \"v v@0..2\", \"eta^2\", \"eta u^2\", "
      "\"etaL u^2\", \"u u@4\"]\n";
  zvr_variant(models, "ZVR_j200.yaml", (const char *[]){NULL});
  char hidden[1200], path[1200];
  snprintf(hidden, sizeof hidden, "%s/ZVR_j200.yaml", tmp);
  FILE *f = fopen(hidden, "a");
  fputs(
      "  - name: j200L\n    coef: 0.35\n    expr: \"ux*ux[2,0,0]\"\n    symmetrize: orbit\n"
      "  - name: j200T\n    coef: -0.25\n    expr: \"uy*uy[2,0,0]\"\n    symmetrize: orbit\n",
      f);
  fclose(f);
  /* sc222, sc244 (importing sc222), sc244r (refit of sc244), sc244x (a
   * 2x4x4 fit whose output directory holds 2x2x2 frames of its own) */
  static const char *name[4] = {"sc222", "sc244", "sc244r", "sc244x"};
  for (int k = 0; k < 4; k++) {
    snprintf(path, sizeof path, "%s/%s.yaml", tmp, name[k]);
    f = fopen(path, "w");
    fprintf(f,
            "reference: %s/BaTiO3_ZVR1995.yaml\n"
            "engine: {type: model, model: %s}\n%s"
            "pressure: -4.8\ntemperatures: [100, 300]\nseed: %d\n"
            "supercell: [2, %d, %d]\nsteps: %d\n%s"
            "output: {dir: %s, checkpoint_every: 100, log_every: 10, progress: false}\n",
            models, hidden, basis, k ? 6 : 5, k ? 4 : 2, k ? 4 : 2, k ? 200 : 600,
            k == 1 || k == 2 ? "initial_training: sc222/train.xyz\n" : "", name[k]);
    fclose(f);
  }
  hf_err err;
  long done;
  int nonzero[2], pinned[2];
  for (int k = 0; k < 2; k++) {
    REQUIRE_OK(run(name[k], k ? 200 : 600, &done, 1, 0, &err), err);
    snprintf(path, sizeof path, "%s/%s/model.yaml", tmp, name[k]);
    pinned[k] = against_model(path, hidden, "u u@4", k, &nonzero[k]);
  }
  printf("supercells: 2x2x2 alone pins %d of %d coefficients; with 2x4x4 frames %d of %d\n",
         pinned[0], nonzero[0], pinned[1], nonzero[1]);
  CHECK(pinned[0] < nonzero[0], "2x2x2 alone pinned all %d coefficients (the pair is folded)",
        nonzero[0]);
  CHECK(pinned[1] == nonzero[1], "2x2x2 + 2x4x4: %d of %d coefficients within 2%%", pinned[1],
        nonzero[1]);
  long n;
  char *par = fittest_slurp(tmp, name[1], "parity_train.tsv", &n);
  CHECK(par && strstr(par, "\t2x2x2\t") && strstr(par, "\t2x4x4\t"),
        "the parity table names both supercells");
  free(par);
  char *t222 = fittest_slurp(tmp, name[0], "train.xyz", &n);
  char *t244 = fittest_slurp(tmp, name[1], "train.xyz", &n);
  char *sum = fittest_slurp(tmp, name[1], "summary.txt", &n), want[120];
  const long f222 = t222 ? count_of(t222, "heff_step=") : -1;
  snprintf(want, sizeof want, "supercells of the training frames: 2x4x4 %ld, 2x2x2 %ld\n",
           (t244 ? count_of(t244, "heff_step=") : 0) - f222, f222);
  CHECK(sum && strstr(sum, want), "summary lacks '%s'", want);
  /* the 2x2x2 fit names the pairs it cannot see; the 2x4x4 frames see them */
  char *s222 = fittest_slurp(tmp, name[0], "summary.txt", &n);
  CHECK(s222 && strstr(s222, "terms unseen by the training cells") &&
            strstr(s222, "u1-u1.s2.2 (ux*uy[1,1,0])") && sum && !strstr(sum, "terms unseen"),
        "unseen terms: named on 2x2x2 alone and none with 2x4x4 frames:\n%s\n%s",
        s222 ? s222 : "(none)", sum ? sum : "(none)");
  free(s222);
  free(t222), free(t244), free(sum);
  /* the refit reads the mixed training set as the fit did */
  fit_config c;
  fit_run *r = NULL;
  char data[1200];
  snprintf(data, sizeof data, "%s/%s", tmp, name[1]);
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name[2]);
  REQUIRE_OK(fit_config_load(&c, path, &err), err);
  REQUIRE_OK(fit_refit_create(&r, &c, data, &err), err);
  REQUIRE_OK(fit_run_finish(r, &err), err);
  fit_run_free(r);
  CHECK(same_coefficients(name[1], name[2]) == 1,
        "refit of the mixed training set: the same coefficients bit for bit");
  /* frames of this run on another supercell (no checkpoint: they would be
   * replayed) */
  snprintf(path, sizeof path, "%s/%s", tmp, name[3]);
  mkdir(path, 0755);
  copy_file("sc222/train.xyz", "sc244x/train.xyz");
  int rc = create_run(name[3], 1, &r, &err);
  fit_run_free(r);
  CHECK(rc && strstr(err.msg, "on a 2x2x2 supercell, the fit runs on 2x4x4"),
        "a fit's own frames on another supercell: rc %d, '%s'", rc, err.msg);
  printf("message: %s\n", err.msg);
  return 0;
}

/* 10. threshold: extrapolation: with the Bayesian threshold set high
 * (factor 1000, once three calls are recorded), every call a fit logs as an
 * extrapolation call holds a mode component beyond 1.1 x the largest of the
 * training set before it, checked here from train.xyz itself (the frame's
 * largest |u| and |v| against all earlier frames'), and the fit makes such
 * calls while its MD heats from 100 to 300 K; the same fit without the key
 * logs none. */
typedef struct {
  long n;
  long step[512];
  double umax[512], vmax[512];
} extent_list;

static int frame_extent(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                        const fit_frame_meta *meta, hf_err *err) {
  (void)y, (void)err;
  extent_list *e = p;
  if (e->n == 512) return HF_OK;
  double um = 0, vm = 0;
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat->n; i++) {
      um = fmax(um, fabs(x->u[a][i]));
      vm = fmax(vm, fabs(x->v[a][i]));
    }
  e->step[e->n] = meta->step;
  e->umax[e->n] = um;
  e->vmax[e->n++] = vm;
  return HF_OK;
}

static int extrapolation(const char *models) {
  const char *more[2] = {
      "supercell: [2, 2, 2]\nsteps: 600\nseed: 9\n"
      "threshold: {factor: 1000, history: 3, stability: 100, "
      "extrapolation: 1.1}\n",
      "supercell: [2, 2, 2]\nsteps: 600\nseed: 9\n"
      "threshold: {factor: 1000, history: 3, stability: 100}\n"};
  static const char *name[2] = {"extra", "noextra"};
  hf_err err;
  long done, n;
  for (int k = 0; k < 2; k++) {
    write_fit(name[k], models, "");
    fit_append(name[k], more[k]);
    REQUIRE_OK(run(name[k], 600, &done, 1, 0, &err), err);
  }
  static extent_list e;
  hf_model ref;
  char path[1200];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", models);
  REQUIRE_OK(hf_model_load(&ref, path, &err), err);
  long all, valid;
  snprintf(path, sizeof path, "%s/%s/train.xyz", tmp, name[0]);
  REQUIRE_OK(fit_xyz_read(path, &ref, frame_extent, &e, &all, &valid, &err), err);
  hf_model_free(&ref);
  char *log = fittest_slurp(tmp, name[0], "learning.tsv", &n);
  long logged = 0, beyond = 0;
  const char *mark = "call for extrapolation";
  for (char *p = log; p && (p = strstr(p, "# step ")); p++) {
    long step = strtol(p + 7, NULL, 10);
    const char *eol = strchr(p, '\n');
    const char *m = strstr(p, mark);
    if (!m || (eol && m > eol)) continue;
    logged++;
    long f = 0;
    while (f < e.n && e.step[f] != step) f++;
    double um = 0, vm = 0;
    for (long g = 0; g < f && f < e.n; g++) um = fmax(um, e.umax[g]), vm = fmax(vm, e.vmax[g]);
    beyond += f < e.n && (e.umax[f] > 1.1 * um || e.vmax[f] > 1.1 * vm);
  }
  free(log);
  log = fittest_slurp(tmp, name[1], "learning.tsv", &n);
  long without = log ? count_of(log, mark) : -1;
  free(log);
  printf(
      "extrapolation: %ld of %ld frames were calls for extrapolation, %ld of them beyond 1.1 x "
      "every earlier frame; without the key %ld\n",
      logged, e.n, beyond, without);
  CHECK(logged > 0 && beyond == logged,
        "%ld calls for extrapolation, %ld of them beyond 1.1 x the training set", logged, beyond);
  CHECK(without == 0, "without the key %ld calls for extrapolation", without);

  /* extrapolation_interval: with min_interval 40 the extrapolation calls keep 40
   * steps from the call before; with extrapolation_interval 2 they may come sooner */
  static const char *gapname[2] = {"extra_min40", "extra_gap2"};
  long least[2];
  for (int k = 0; k < 2; k++) {
    write_fit(gapname[k], models, "");
    fit_append(gapname[k], k ? "supercell: [2, 2, 2]\nsteps: 600\nseed: 9\n"
                               "threshold: {factor: 1000, history: 3, stability: 100, "
                               "min_interval: 40, extrapolation: 1.1, extrapolation_interval: 2}\n"
                             : "supercell: [2, 2, 2]\nsteps: 600\nseed: 9\n"
                               "threshold: {factor: 1000, history: 3, stability: 100, "
                               "min_interval: 40, extrapolation: 1.1}\n");
    REQUIRE_OK(run(gapname[k], 600, &done, 1, 0, &err), err);
    static extent_list g;
    g.n = 0;
    snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", models);
    REQUIRE_OK(hf_model_load(&ref, path, &err), err);
    snprintf(path, sizeof path, "%s/%s/train.xyz", tmp, gapname[k]);
    REQUIRE_OK(fit_xyz_read(path, &ref, frame_extent, &g, &all, &valid, &err), err);
    hf_model_free(&ref);
    least[k] = 1000000;
    for (long f = 4; f < g.n; f++) /* after the 3 calls that set the threshold */
      least[k] = g.step[f] - g.step[f - 1] < least[k] ? g.step[f] - g.step[f - 1] : least[k];
    printf("extrapolation_interval %s: %ld frames, closest calls %ld steps apart\n",
           k ? "2" : "unset (min_interval 40)", g.n, least[k]);
  }
  CHECK(least[0] >= 40 && least[0] < 1000000, "min_interval 40: closest calls %ld steps apart",
        least[0]);
  CHECK(least[1] < 40, "extrapolation_interval 2: closest calls %ld steps apart (below 40)",
        least[1]);
  return 0;
}

/* 11. threshold: probe: a fit with a noisy engine (ZVR + 0.05 eV/A on the
 * forces) and the anharmonic u^3-u pair in its basis, whose early models
 * put their lowest state along some frozen pattern beyond a barrier:
 *  - it probes (the test's premise), and every probe frame in train.xyz is
 *    that pattern, u = +-A e/|e| on every cell as the log names it, v = 0;
 *  - the final model, evaluated here along every pattern up to 1 A
 *    (hf_patterns_eval), has no maximum followed by a lower energy;
 *  - stopped after the first probe and resumed, it ends with the files of
 *    the uninterrupted run, byte for byte;
 *  - a probe amplitude beyond the patterns' 1 A is refused. */
typedef struct {
  long n, step[64], q[64], d[64];
  double A[64];
  long checked, exact;
} probe_list;

static int probe_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                       const fit_frame_meta *meta, hf_err *err) {
  (void)y, (void)err;
  static const int qv[4][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {1, 1, 1}};
  static const int dv[7][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0},
                               {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
  probe_list *l = p;
  long k = 0;
  while (k < l->n && l->step[k] != meta->step) k++;
  if (k == l->n) return HF_OK;
  l->checked++;
  const int *q = qv[l->q[k]], *e = dv[l->d[k]];
  const double norm = sqrt((double)(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]));
  double dev = 0;
  for (int cx = 0; cx < lat->L[0]; cx++)
    for (int cy = 0; cy < lat->L[1]; cy++)
      for (int cz = 0; cz < lat->L[2]; cz++) {
        const size_t i = hf_index(lat, cx, cy, cz);
        const double s = (q[0] * cx + q[1] * cy + q[2] * cz) % 2 ? -1 : 1;
        for (int a = 0; a < 3; a++) {
          dev = fmax(dev, fabs(x->u[a][i] - s * l->A[k] * e[a] / norm));
          dev = fmax(dev, fabs(x->v[a][i]));
        }
      }
  l->exact += dev < 1e-12;
  return HF_OK;
}

/* 1 and the pattern when the model's lowest state along it lies beyond a
 * barrier within 1 A (the criterion test_soft_modes checks on constructed
 * curves). */
static int lowest_beyond_barrier(const hf_patterns *pt, int *qq, int *dd) {
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++)
      if (hf_pattern_beyond_barrier(pt, q, d, 1.0, 0.0) >= 0) {
        *qq = q, *dd = d;
        return 1;
      }
  return 0;
}

static int probes(const char *models) {
  const char *more =
      "basis: [\"u^2..4\", \"u u@1..3\", \"v v@0..2\", \"etaL u^2\", \"eta^2\", "
      "\"eta u^2\", \"u^3 u@1\"]\n"
      "supercell: [2, 2, 2]\nsteps: 300\nseed: 4\nthreshold: {probe: 1.0}\n";
  write_fit_pair("probe", "probe_r", models, ", noise: {force: 0.1}", more);
  hf_err err;
  long done, n;
  REQUIRE_OK(run("probe", 300, &done, 1, 0, &err), err);
  char *log = fittest_slurp(tmp, "probe", "learning.tsv", &n);
  static probe_list l;
  for (char *p = log; p && (p = strstr(p, "# step ")) && l.n < 64; p++) {
    char qn[16], dn[16];
    long step;
    double A;
    if (sscanf(p, "# step %ld: probe: u along %15s %15s at %lf", &step, qn, dn, &A) != 4) continue;
    int q = 0, d = 0;
    while (q < HF_PATTERN_NQ && strcmp(qn, hf_pattern_q_names[q])) q++;
    while (d < HF_PATTERN_NDIR && strcmp(dn, hf_pattern_dir_names[d])) d++;
    CHECK(q < HF_PATTERN_NQ && d < HF_PATTERN_NDIR, "probe pattern %s %s unknown", qn, dn);
    l.step[l.n] = step, l.q[l.n] = q, l.d[l.n] = d, l.A[l.n++] = A;
  }
  free(log);
  hf_model m;
  char path[1200];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", models);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  long all, valid;
  snprintf(path, sizeof path, "%s/probe/train.xyz", tmp);
  REQUIRE_OK(fit_xyz_read(path, &m, probe_frame, &l, &all, &valid, &err), err);
  hf_model_free(&m);
  printf("probes: %ld logged, %ld frames of those steps, %ld of them the logged pattern to 1e-12\n",
         l.n, l.checked, l.exact);
  CHECK(l.n > 0, "no probe: the test's premise (an early model unbounded somewhere) failed");
  CHECK(l.checked == l.n && l.exact == l.n, "%ld of %ld probe frames are their pattern", l.exact,
        l.n);
  snprintf(path, sizeof path, "%s/probe/model.yaml", tmp);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  static hf_patterns pt;
  REQUIRE_OK(hf_patterns_eval(&m, &pt, &err), err);
  hf_model_free(&m);
  int q, d;
  const int bad = lowest_beyond_barrier(&pt, &q, &d);
  CHECK(!bad, "the final model's lowest state along %s %s lies beyond a barrier",
        bad ? hf_pattern_q_names[q] : "", bad ? hf_pattern_dir_names[d] : "");
  /* stopped after the first probe (checkpoint written after every call), resumed */
  REQUIRE_OK(run("probe_r", l.step[0] + 3, &done, 0, 0, &err), err);
  fit_run *r;
  REQUIRE_OK(create_run("probe_r", 1, &r, &err), err);
  const int want = (int)lround(l.A[0] / 0.05); /* amplitude index + 1 */
  CHECK(r->probed[l.q[0]][l.d[0]] == want,
        "the resumed run's record of the first probe: %d, expected %d (the checkpoint)",
        r->probed[l.q[0]][l.d[0]], want);
  fit_run_free(r);
  REQUIRE_OK(run("probe_r", 300, &done, 1, 1, &err), err);
  const char *files[] = {"train.xyz", "learning.tsv", "calls.tsv"};
  for (int k = 0; k < 3; k++)
    CHECK(fittest_same_file(tmp, "probe", "probe_r", files[k]),
          "%s after a stop at step %ld and --resume differs from the uninterrupted run", files[k],
          l.step[0] + 3);
  write_fit("probe_bad", models, "");
  fit_append("probe_bad", "threshold: {probe: 1.5}\n");
  fit_config c;
  snprintf(path, sizeof path, "%s/probe_bad.yaml", tmp);
  const int rc = fit_config_load(&c, path, &err);
  printf("probe: 1.5: %s\n", rc ? err.msg : "accepted");
  CHECK(rc && strstr(err.msg, "'probe'") && strstr(err.msg, "at most 1"),
        "probe: 1.5 not refused as expected");
  return 0;
}

int main(int argc, char **argv) {
  const char *models = argc > 1 ? argv[1] : "models";
  char absm[1024];
  if (!realpath(models, absm)) return 1;
  if (!mkdtemp(tmp)) return 1;
  if (recovery(absm) || refit(absm) || resume_after_kill(absm) || engine_failures(absm) ||
      acoustic_sum_rule(absm) || initial_training(absm) || omega_gauge(absm) ||
      omega_force_units() || replaced_outputs(absm) || supercells(absm) || extrapolation(absm) ||
      probes(absm))
    return 1;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (!check_failures && system(cmd)) printf("could not remove %s\n", tmp);
  return check_done("test_otf");
}
