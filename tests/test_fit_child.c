/* test_fit_child.c - `fit` with the child engine (fit file `engine: {type:
 * child}`) running dft_bridge/ase_runner.py with ASE's Lennard-Jones on a
 * 2x2x2 BaTiO3 cell, a few dozen NPT steps:
 *  1. engine calls happen, one numbered call directory each, and every
 *     result lands in train.xyz;
 *  2. a fit stopped after 4 calls with its checkpoint rolled back to call 2
 *     (a kill between append and checkpoint) resumes and finishes with a
 *     training set byte-identical to the uninterrupted run, and no call
 *     whose result was in train.xyz runs again (no extra call directory).
 * usage: test_fit_child MODELS_DIR PYTHON ASE_RUNNER */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "otf.h"

static char tmp[] = "/tmp/test_fit_child_XXXXXX";

static void write_fit(const char *name, const char *models, const char *py, const char *runner) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "reference: %s/BaTiO3_ZVR1995.yaml\n"
          "engine:\n"
          "  type: child\n"
          "  settings: lj.json\n"
          "  python: %s\n"
          "  runner: %s\n"
          "  species: [Ba, Ti, O]\n"
          "  xi: [0.006, 1, -1.556, -0.804, -0.804]\n"
          "  masses: [137.327, 47.867, 15.999]\n"
          "  timeout: 60\n"
          "  retries: 1\n"
          "basis: [\"u^2..4\", \"u u@1\", \"v v@0..1\", \"eta^2\", \"eta u^2\"]\n"
          "temperatures: [50]\n"
          "steps: 40\n"
          "initial_amplitude: 0.03\n"
          "threshold: {initial_interval: 4, min_interval: 4}\n"
          "output: {dir: %s, log_every: 5, progress: false}\n",
          models, py, runner, name);
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

static char *slurp(const char *name, const char *file, long *n) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s/%s", tmp, name, file);
  FILE *f = fopen(path, "rb");
  *n = 0;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *n = ftell(f);
  rewind(f);
  char *b = malloc((size_t)*n + 1);
  *n = (long)fread(b, 1, (size_t)*n, f);
  b[*n] = 0;
  fclose(f);
  return b;
}

static long frames(const char *name) {
  long n;
  char *b = slurp(name, "train.xyz", &n), *p = b;
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
  if (chdir(tmp)) return 1;
  write_fit("full", argv[1], argv[2], runner);
  write_fit("cut", argv[1], argv[2], runner);
  hf_err err;

  /* 1. uninterrupted */
  fit_run *r;
  REQUIRE_OK(open_fit("full", 0, &r, &err), err);
  int st;
  while ((st = fit_run_advance(r, 10, &err)) == 0) {
  }
  REQUIRE_OK(st == HF_FAIL, err);
  REQUIRE_OK(fit_run_finish(r, &err), err);
  const fit_stats *s = fit_run_get_stats(r);
  long calls = s->calls;
  printf("full: %ld steps, %ld calls, %ld failed, %ld call directories, %ld frames\n", s->step,
         calls, s->failed, count_calls("full"), frames("full"));
  CHECK(calls >= 4, "engine calls happen (%ld)", calls);
  CHECK(s->failed == 0, "no failed call (%ld)", s->failed);
  CHECK(frames("full") == calls, "every result in train.xyz (%ld frames)", frames("full"));
  CHECK(count_calls("full") == calls, "one call directory per call (%ld)", count_calls("full"));
  fit_run_free(r);

  /* 2. stopped after 4 calls, checkpoint rolled back to call 2, resumed */
  REQUIRE_OK(open_fit("cut", 0, &r, &err), err);
  char ck[1200], saved[1200];
  snprintf(ck, sizeof ck, "%s/cut/fit.ckpt", tmp);
  snprintf(saved, sizeof saved, "%s/cut/fit.ckpt.call2", tmp);
  while (fit_run_get_stats(r)->calls < 4) {
    REQUIRE_OK(fit_run_advance(r, 1, &err) == HF_FAIL, err);
    if (fit_run_get_stats(r)->calls == 2 && access(saved, F_OK) != 0) {
      long n;
      char *b = slurp("cut", "fit.ckpt", &n);
      FILE *o = fopen(saved, "wb");
      fwrite(b, 1, (size_t)n, o);
      fclose(o);
      free(b);
    }
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
  char *a = slurp("full", "train.xyz", &n1), *b = slurp("cut", "train.xyz", &n2);
  CHECK(a && b && n1 == n2 && !memcmp(a, b, (size_t)n1),
        "resumed train.xyz equals the uninterrupted one (%ld vs %ld bytes)", n2, n1);
  free(a), free(b);
  fit_run_free(r);
  return check_done("fit_child");
}
