/* test_fit_child.c - `fit` with the child engine (fit file `engine: {type:
 * child}`) running dft_bridge/ase_runner.py with ASE's Lennard-Jones on a
 * 2x2x2 BaTiO3 cell, a few dozen NPT steps:
 *  1. engine calls happen, one numbered call directory each, and every
 *     result lands in train.xyz;
 *  2. a fit stopped after 4 calls with its checkpoint rolled back to call 2
 *     (a kill between append and checkpoint) resumes and finishes with a
 *     training set byte-identical to the uninterrupted run, and no call
 *     whose result was in train.xyz runs again (no extra call directory);
 *  3. the same fit with `persistent: true` (one client over the i-PI socket)
 *     makes the same calls with the same energies (to 1e-9 relative: the
 *     socket carries atomic units), from one client process;
 *  4. a persistent client that crashes at its 3rd call: each crash is
 *     logged in calls/calls.tsv, the client restarted, the call retried, and
 *     the fit ends with the same calls and energies;
 *  5. a persistent fit stopped after 4 calls and rolled back to call 2 is
 *     resumed file-based (`persistent` may change on resume) without
 *     repeating a call, ending with the same energies.
 * usage: test_fit_child MODELS_DIR PYTHON ASE_RUNNER */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "childtest.h"
#include "fittest.h"
#include "testfile.h"

static char tmp[] = "/tmp/test_fit_child_XXXXXX";

/* engine: extra lines for the engine mapping ("" or e.g. "  persistent: true\n") */
static void write_fit(const char *name, const char *models, const char *py, const char *runner,
                      const char *settings, const char *engine) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "reference: %s/BaTiO3_ZVR1995.yaml\n"
          "engine:\n"
          "  type: child\n"
          "  settings: %s\n"
          "  python: %s\n"
          "  runner: %s\n"
          "  species: [Ba, Ti, O]\n"
          "  xi: [0.006, 1, -1.556, -0.804, -0.804]\n"
          "  masses: [137.327, 47.867, 15.999]\n"
          "  timeout: 300\n"
          "  retries: 1\n"
          "%s"
          "basis: [\"u^2..4\", \"u u@1\", \"v v@0..1\", \"eta^2\", \"eta u^2\"]\n"
          "temperatures: [50]\n"
          "steps: 40\n"
          "initial_amplitude: 0.03\n"
          "threshold: {initial_interval: 4, min_interval: 4}\n"
          "output: {dir: %s, log_every: 5, progress: false}\n",
          models, settings, py, runner, engine, name);
  fclose(f);
}

static long count_calls(const char *name) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s/calls", tmp, name);
  DIR *d = opendir(path);
  long n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += strncmp(e->d_name, "call_", 5) == 0;
  if (d) closedir(d);
  return n;
}

/* Sum of the "seconds" column of a run's calls/calls.tsv (successful calls). */
static double engine_seconds(const char *name) {
  char path[1200], line[4096];
  snprintf(path, sizeof path, "%s/%s/calls/calls.tsv", tmp, name);
  FILE *f = fopen(path, "r");
  double sum = 0;
  while (f && fgets(line, sizeof line, f)) {
    char dir[256], status[64];
    double sec;
    if (line[0] != '#' && sscanf(line, "%255s %63s %lf", dir, status, &sec) == 3 &&
        !strcmp(status, "ok"))
      sum += sec;
  }
  if (f) fclose(f);
  return sum;
}

/* The energies of a run's train.xyz frames (at most max); their number. */
static long energies(const char *name, double *e, long max) {
  long n, k = 0;
  char *b = fittest_slurp(tmp, name, "train.xyz", &n), *p = b;
  for (; p && k < max && (p = strstr(p, " energy=")); p++) e[k++] = strtod(p + 8, NULL);
  free(b);
  return k;
}

/* Same number of frames as "full" and energies equal to rel 1e-9. */
static int same_energies(const char *name, const char *label) {
  double a[256], b[256];
  const long na = energies("full", a, 256), nb = energies(name, b, 256);
  double worst = na == nb ? 0 : INFINITY;
  for (long k = 0; k < na && k < nb; k++) worst = fmax(worst, fabs(b[k] - a[k]) / fabs(a[k]));
  printf("%s: %ld frames (full: %ld), energies rel %.2e\n", label, nb, na, worst);
  return na > 0 && worst < 1e-9;
}

static long frames(const char *name) {
  long n;
  char *b = fittest_slurp(tmp, name, "train.xyz", &n), *p = b;
  long k = 0;
  for (; p && (p = strstr(p, "heff_step=")); p++) k++; /* one per frame's comment line */
  free(b);
  return k;
}

/* The fit file by a relative path (cwd = tmp): the child, which runs in its
 * call directory, must still find the settings and runner. */
static int open_fit(const char *name, int resume, fit_run **r, hf_err *err) {
  char path[1200];
  snprintf(path, sizeof path, "%s.yaml", name);
  fit_config c;
  int resumed;
  return fit_config_load(&c, path, err) || fit_run_create(r, &c, resume, &resumed, err);
}

static void copy_file(const char *from, const char *to) {
  FILE *i = fopen(from, "rb"), *o = fopen(to, "wb");
  char buf[65536];
  for (size_t k; i && o && (k = fread(buf, 1, sizeof buf, i)) > 0;) fwrite(buf, 1, k, o);
  if (i) fclose(i);
  if (o) fclose(o);
}

/* A whole fit, finished. */
static int run_fit(const char *name, fit_run **r, hf_err *err) {
  if (open_fit(name, 0, r, err)) return HF_FAIL;
  int st;
  while ((st = fit_run_advance(*r, 10, err)) == 0) {
  }
  return st == HF_FAIL || fit_run_finish(*r, err) ? HF_FAIL : HF_OK;
}

int main(int argc, char **argv) {
  if (argc < 4 || !mkdtemp(tmp)) {
    printf("usage: test_fit_child MODELS_DIR PYTHON ASE_RUNNER\n");
    return 1;
  }
  char runner[4096];
  if (!realpath(argv[3], runner)) return 1;
  char path[1200];
  snprintf(path, sizeof path, "%s/lj.json", tmp);
  FILE *f = fopen(path, "w");
  fprintf(f, "{\"calculator\": \"lj\", \"sigma\": 1.7, \"epsilon\": 0.05, \"rc\": 5.2}\n");
  fclose(f);
  snprintf(path, sizeof path, "%s/crash.json", tmp);
  f = fopen(path, "w");
  fprintf(f,
          "{\"calculator\": \"lj\", \"sigma\": 1.7, \"epsilon\": 0.05, \"rc\": 5.2, "
          "\"simulate\": \"crash@3\"}\n");
  fclose(f);
  if (chdir(tmp)) return 1;
  const char *persistent = "  persistent: true\n";
  write_fit("full", argv[1], argv[2], runner, "lj.json", "");
  write_fit("cut", argv[1], argv[2], runner, "lj.json", "");
  write_fit("ipi", argv[1], argv[2], runner, "lj.json", persistent);
  write_fit("crash", argv[1], argv[2], runner, "crash.json", persistent);
  write_fit("switch", argv[1], argv[2], runner, "lj.json", persistent);
  hf_err err;

  /* 1. uninterrupted */
  fit_run *r;
  int st;
  REQUIRE_OK(run_fit("full", &r, &err), err);
  const fit_stats *s = fit_run_get_stats(r);
  long calls = s->calls;
  printf("full: %ld steps, %ld calls, %ld failed, %ld call directories, %ld frames\n", s->step,
         calls, s->failed, count_calls("full"), frames("full"));
  CHECK(calls >= 4, "engine calls happen (%ld)", calls);
  CHECK(s->failed == 0, "no failed call (%ld)", s->failed);
  CHECK(frames("full") == calls, "every result in train.xyz (%ld frames)", frames("full"));
  CHECK(count_calls("full") == calls, "one call directory per call (%ld)", count_calls("full"));
  /* the run-time line of the summary: fit's engine time against the child
   * engine's own per-call wall times (calls/calls.tsv, the reference too) */
  double call_sec = engine_seconds("full");
  printf("engine time: fit %.3f s, calls.tsv %.3f s\n", s->t_engine, call_sec);
  CHECK(call_sec > 0 && s->t_engine >= call_sec && s->t_engine < call_sec + 0.5 * (calls + 1),
        "fit's engine time %.3f s covers the calls' %.3f s (plus < 0.5 s per call of file work)",
        s->t_engine, call_sec);
  CHECK(strstr(fit_run_summary(r), "run time") && strstr(fit_run_summary(r), "engine"),
        "summary reports the run time and the engine's share:\n%s", fit_run_summary(r));
  fit_run_free(r);

  /* 2. stopped after 4 calls, checkpoint rolled back to call 2, resumed */
  REQUIRE_OK(open_fit("cut", 0, &r, &err), err);
  char ck[1200], saved[1200];
  snprintf(ck, sizeof ck, "%s/cut/fit.ckpt", tmp);
  snprintf(saved, sizeof saved, "%s/cut/fit.ckpt.call2", tmp);
  while (fit_run_get_stats(r)->calls < 4) {
    REQUIRE_OK(fit_run_advance(r, 1, &err) == HF_FAIL, err);
    if (fit_run_get_stats(r)->calls == 2 && access(saved, F_OK) != 0) copy_file(ck, saved);
  }
  fit_run_free(r); /* the "kill" */
  CHECK(rename(saved, ck) == 0, "checkpoint rolled back to call 2");
  const long before = count_calls("cut");
  REQUIRE_OK(open_fit("cut", 1, &r, &err), err);
  while ((st = fit_run_advance(r, 10, &err)) == 0) {
  }
  REQUIRE_OK(st == HF_FAIL, err);
  REQUIRE_OK(fit_run_finish(r, &err), err);
  printf("resumed: %ld calls; call directories %ld before the resume, %ld after\n",
         fit_run_get_stats(r)->calls, before, count_calls("cut"));
  CHECK(before == 4, "4 call directories before the resume (%ld)", before);
  CHECK(count_calls("cut") == calls, "no call repeated: %ld call directories, %ld calls",
        count_calls("cut"), calls);
  long n1, n2;
  char *a = fittest_slurp(tmp, "full", "train.xyz", &n1),
       *b = fittest_slurp(tmp, "cut", "train.xyz", &n2);
  CHECK(a && b && n1 == n2 && !memcmp(a, b, (size_t)n1),
        "resumed train.xyz equals the uninterrupted one (%ld vs %ld bytes)", n2, n1);
  free(a), free(b);
  fit_run_free(r);

  /* 2b. an engine that breaks after a fit exists (settings file rewritten to
   * crash, then resumed): the fit stops after FIT_MAX_FAIL_STREAK failures in
   * a row instead of running the MD on with an unchecked model */
  snprintf(path, sizeof path, "%s/breaks.json", tmp);
  f = fopen(path, "w");
  fprintf(f, "{\"calculator\": \"lj\", \"sigma\": 1.7, \"epsilon\": 0.05, \"rc\": 5.2}\n");
  fclose(f);
  write_fit("breaks", argv[1], argv[2], runner, "breaks.json", "");
  { /* enough steps for the streak: 99 instead of 40 */
    char fp[1200];
    snprintf(fp, sizeof fp, "%s/breaks.yaml", tmp);
    char *text = testfile_read(fp), *at = text ? strstr(text, "steps: 40\n") : NULL;
    CHECK(at != NULL, "breaks.yaml has no 'steps: 40'");
    if (at) {
      memcpy(at, "steps: 99", 9); /* same length */
      testfile_write(fp, text);
    }
    free(text);
  }
  REQUIRE_OK(open_fit("breaks", 0, &r, &err), err);
  while (fit_run_get_stats(r)->calls < 2) REQUIRE_OK(fit_run_advance(r, 1, &err) == HF_FAIL, err);
  fit_run_free(r);
  f = fopen(path, "w");
  fprintf(f,
          "{\"calculator\": \"lj\", \"sigma\": 1.7, \"epsilon\": 0.05, \"rc\": 5.2, "
          "\"simulate\": \"crash\"}\n");
  fclose(f);
  REQUIRE_OK(open_fit("breaks", 1, &r, &err), err);
  while ((st = fit_run_advance(r, 1, &err)) == 0) {
  }
  printf("broken engine: %s\n", st == HF_FAIL ? err.msg : "(not stopped)");
  CHECK(st == HF_FAIL && strstr(err.msg, "10 engine calls failed in a row") &&
            strstr(err.msg, "simulated crash") && fit_run_get_stats(r)->failed == 10,
        "a broken engine does not stop the fit (%d, %ld failed): %s", st,
        fit_run_get_stats(r)->failed, err.msg);
  fit_run_free(r);

  /* 3. persistent */
  REQUIRE_OK(run_fit("ipi", &r, &err), err);
  s = fit_run_get_stats(r);
  CHECK(s->calls == calls && s->failed == 0, "persistent: %ld calls (file-based %ld), %ld failed",
        s->calls, calls, s->failed);
  CHECK(same_energies("ipi", "persistent"), "persistent: the energies of the file-based fit");
  CHECK(childtest_count_lines("ipi/calls/ipi_client_001.stdout.log", "=== heff ipi call") ==
                calls + 1 &&
            access("ipi/calls/ipi_client_002.stdout.log", F_OK) != 0,
        "persistent: one client answered the reference and all %ld calls", calls);
  fit_run_free(r);

  /* 4. persistent client crashing at its 3rd call */
  REQUIRE_OK(run_fit("crash", &r, &err), err);
  s = fit_run_get_stats(r);
  const long crashes = childtest_count_lines("crash/calls/calls.tsv", "simulated crash");
  printf("crashing client: %ld calls, %ld failed, %ld crashes logged\n", s->calls, s->failed,
         crashes);
  CHECK(s->calls == calls && s->failed == 0 && crashes >= 2,
        "crashes are logged and retried with a new client; the fit goes on");
  CHECK(same_energies("crash", "crashing client"), "crashing client: the same energies");
  fit_run_free(r);

  /* 5. persistent, cut after 4 calls, rolled back to call 2, resumed file-based */
  REQUIRE_OK(open_fit("switch", 0, &r, &err), err);
  snprintf(ck, sizeof ck, "%s/switch/fit.ckpt", tmp);
  snprintf(saved, sizeof saved, "%s/switch/fit.ckpt.call2", tmp);
  while (fit_run_get_stats(r)->calls < 4) {
    REQUIRE_OK(fit_run_advance(r, 1, &err) == HF_FAIL, err);
    if (fit_run_get_stats(r)->calls == 2 && access(saved, F_OK) != 0) copy_file(ck, saved);
  }
  fit_run_free(r);
  CHECK(rename(saved, ck) == 0, "switch: checkpoint rolled back to call 2");
  write_fit("switch", argv[1], argv[2], runner, "lj.json", "");
  REQUIRE_OK(open_fit("switch", 1, &r, &err), err);
  while ((st = fit_run_advance(r, 10, &err)) == 0) {
  }
  REQUIRE_OK(st == HF_FAIL, err);
  REQUIRE_OK(fit_run_finish(r, &err), err);
  CHECK(count_calls("switch") == calls, "switch: no call repeated (%ld call directories)",
        count_calls("switch"));
  CHECK(same_energies("switch", "persistent, resumed file-based"),
        "switch: the energies of the uninterrupted fit");
  fit_run_free(r);
  return check_done("fit_child");
}
