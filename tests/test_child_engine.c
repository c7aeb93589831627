/* test_child_engine.c - the child-process engine (dft_bridge/child_engine.h)
 * with dft_bridge/ase_runner.py and ASE's Lennard-Jones calculator on a
 * 2x2x2 BaTiO3 supercell (ZVR model layout: u on B, v on A, eta):
 * - the reference structure is computed once, in RUN/reference;
 * - all rows are finite; the mode forces and -dE/deta (rows) equal 5-point
 *   central differences of the child's energy along three mode components
 *   and two strain components (rel 1e-5);
 * - a crash (exit 1, retried once), a timeout (a sleeping child: the process
 *   is gone afterwards), an unconverged SCF, a truncated result and a
 *   program that does not exist are reported as failures, with their call
 *   directories kept and logged in calls.tsv; the engine works afterwards;
 * - Pulay correction: the normal stress rows move by V p_ref / N, and a
 *   plane-wave basis excess x (ase_runner --simulate excess:X) moves the
 *   energy by V p_ref (x - x_ref) / N, a call without x after a reference with
 *   one is refused.
 * usage: test_child_engine MODELS_DIR PYTHON ASE_RUNNER */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "child_engine.h"
#include "childtest.h"
#include "testconfig.h"
#include "wall_clock.h"

#define RUN "child_engine_run"

/* A failing engine: argv of the good one plus extra arguments. */
static int expect_failure(const hf_model *m, const hf_lattice *lat, hf_child_config cfg,
                          const char *const *argv, const char *dir, const hf_fields *s, double *y,
                          const char *want, const char *label) {
  hf_err err;
  hf_fp_engine e;
  cfg.argv = argv;
  cfg.run_dir = dir;
  REQUIRE_OK(hf_child_engine_create(&e, m, lat, &cfg, &err), err);
  const double t0 = hf_wall_seconds();
  const int rc = e.compute(e.ctx, s, y, &err);
  const double sec = hf_wall_seconds() - t0;
  const char *last = hf_child_engine_last_dir(&e);
  printf("%s: %s after %.2f s: %s\n", label, rc ? "failed" : "succeeded", sec, rc ? err.msg : "");
  CHECK(rc != 0, "%s: the call should fail", label);
  CHECK(strstr(err.msg, want) != NULL, "%s: message should say '%s': %s", label, want, err.msg);
  CHECK(strstr(err.msg, last) != NULL, "%s: message names the call directory", label);
  CHECK(childtest_exists(last, "structure.xyz") && childtest_exists(last, "stderr.log") &&
            childtest_exists(last, "stdout.log"),
        "%s: the call directory %s is kept with its input and logs", label, last);
  char log[4096];
  snprintf(log, sizeof log, "%s/calls.tsv", dir);
  CHECK(childtest_count_lines(log, "\tfailed\t") == cfg.attempts, "%s: %d failed attempts logged",
        label, cfg.attempts);
  hf_fp_engine_free(&e);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    printf("usage: test_child_engine MODELS_DIR PYTHON ASE_RUNNER\n");
    return 1;
  }
  hf_err err;
  static childtest_env t;
  REQUIRE_OK(childtest_env_init(&t, argv + 1, RUN, "lj", &err), err);
  const hf_model *m = &t.m;
  const hf_lattice *lat = &t.lat;
  const size_t n = t.n, rows = t.rows;
  const char *runner = t.runner, *settings = t.settings, *const *good = t.argv;
  hf_child_config cfg = t.cfg;
  hf_fp_engine e;
  REQUIRE_OK(hf_child_engine_create(&e, m, lat, &cfg, &err), err);
  hf_fields s;
  REQUIRE_OK(hf_fields_alloc(&s, lat, HF_FIELD_U | HF_FIELD_V, &err), err);
  hf_rng rng;
  hf_rng_seed(&rng, 11);
  testconfig_random(&s, lat, &rng, 0.06, 0.04, 0, 0.01);
  double *y = malloc(rows * sizeof *y), *yp = malloc(rows * sizeof *yp);
  REQUIRE_OK(e.compute(e.ctx, &s, y, &err), err);
  const double eref = hf_child_engine_eref(&e);
  printf("reference energy %.10f eV (%s/reference), E - E_ref = %.6g eV/cell\n", eref, cfg.run_dir,
         y[0]);
  CHECK(isfinite(eref) && childtest_exists(RUN "/lj/reference", "result.txt"),
        "reference computed");
  int finite = 1;
  for (size_t r = 0; r < rows; r++) finite &= isfinite(y[r]);
  CHECK(finite, "all %zu rows finite", rows);

  /* mode forces and -dE/deta/N vs differences of N * y[0] */
  const double worst = childtest_fd_rows(&e, &s, y, n, "child");
  CHECK(worst < 1e-5, "rows vs finite differences: worst rel %.3g", worst);
  printf("child rows vs 5-point differences of the child's energy: worst rel %.2e\n", worst);

  /* failures; the reference energy is passed on so that only the call runs */
  cfg.e_ref = eref;
  cfg.attempts = 2;
  const char *crash[] = {argv[2], runner, "--settings", settings, "--simulate", "crash", NULL};
  expect_failure(m, lat, cfg, crash, RUN "/crash", &s, yp, "exit code 1: ase_runner: simulated",
                 "crash (2 attempts)");
  cfg.attempts = 1;
  cfg.timeout = 1.5;
  const char *sleepy[] = {argv[2], runner, "--settings", settings, "--simulate", "sleep:60", NULL};
  const double t0 = hf_wall_seconds();
  expect_failure(m, lat, cfg, sleepy, RUN "/timeout", &s, yp, "timed out after 1.5 s", "timeout");
  CHECK(hf_wall_seconds() - t0 < 10, "the timeout is kept (%.1f s)", hf_wall_seconds() - t0);
  FILE *pf = fopen(RUN "/timeout/call_0001/sleeping.pid", "r");
  long pid = 0;
  CHECK(pf && fscanf(pf, "%ld", &pid) == 1 && pid > 0, "the sleeping child wrote its pid");
  if (pf) fclose(pf);
  CHECK(pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH, "the timed-out child %ld is gone",
        pid);
  cfg.timeout = 120;
  const char *unconv[] = {argv[2],      runner,        "--settings", settings,
                          "--simulate", "unconverged", NULL};
  expect_failure(m, lat, cfg, unconv, RUN "/unconverged", &s, yp, "SCF not converged",
                 "unconverged");
  const char *garbage[] = {argv[2], runner, "--settings", settings, "--simulate", "garbage", NULL};
  expect_failure(m, lat, cfg, garbage, RUN "/garbage", &s, yp, "result.txt", "truncated result");
  const char *missing[] = {RUN "/no-such-program", NULL};
  hf_fp_engine bad;
  cfg.argv = missing;
  cfg.run_dir = RUN "/missing";
  REQUIRE_OK(hf_child_engine_create(&bad, m, lat, &cfg, &err), err);
  const int rc = bad.compute(bad.ctx, &s, yp, &err);
  printf("missing program: %s\n", err.msg);
  CHECK(rc != 0 && strstr(err.msg, "cannot start"), "a missing program is a failed call");
  hf_fp_engine_free(&bad);

  /* the engine goes on after failures, and repeats its answer */
  REQUIRE_OK(e.compute(e.ctx, &s, yp, &err), err);
  double diff = 0;
  for (size_t r = 0; r < rows; r++) diff = fmax(diff, fabs(yp[r] - y[r]));
  CHECK(diff == 0, "a repeated call gives the same rows (max diff %.3g)", diff);
  CHECK(childtest_count_lines(RUN "/lj/calls.tsv", "\tok\t") == 23, "23 successful calls logged");

  /* Pulay correction: at eta = 0 only the normal stress rows move, by
   * V p_ref / N (the reference's mean normal stress, reused from RUN/lj) */
  for (int l = 0; l < 6; l++) s.eta[l] = 0;
  REQUIRE_OK(e.compute(e.ctx, &s, y, &err), err);
  hf_child_config pc = cfg;
  pc.argv = good;
  pc.run_dir = RUN "/lj";
  pc.timeout = 120;
  pc.e_ref = NAN;
  pc.pulay_correction = 1;
  hf_fp_engine ep;
  REQUIRE_OK(hf_child_engine_create(&ep, m, lat, &pc, &err), err);
  REQUIRE_OK(ep.compute(ep.ctx, &s, yp, &err), err);
  const double pref = hf_child_engine_pref(&ep), vol = 8 * pow(m->a0, 3);
  printf("Pulay: reference mean normal stress %.6g eV/A^3\n", pref);
  double worst_p = 0;
  for (size_t r = 0; r < rows; r++) {
    const double want = r >= 1 + 6 * n && r < 1 + 6 * n + 3 ? vol * pref / (double)n : 0;
    worst_p = fmax(worst_p, fabs(yp[r] - y[r] - want) / fmax(fabs(want), 1e-3));
  }
  CHECK(isfinite(pref) && pref != 0 && worst_p < 1e-10,
        "Pulay correction shifts only the normal stress rows by V p_ref / N (worst %.3g)", worst_p);

  /* basis excess: same x in reference and call changes nothing; x = 0.003
   * against the reference's 0.001 raises E by V p_ref 0.002 / N */
  const char *ex1[] = {argv[2], runner, "--settings", settings, "--simulate", "excess:0.001", NULL};
  const char *ex3[] = {argv[2], runner, "--settings", settings, "--simulate", "excess:0.003", NULL};
  hf_child_config xc = pc;
  xc.run_dir = RUN "/excess";
  xc.argv = ex1;
  hf_fp_engine ex;
  double *yx = malloc(rows * sizeof *yx);
  REQUIRE_OK(hf_child_engine_create(&ex, m, lat, &xc, &err), err);
  REQUIRE_OK(ex.compute(ex.ctx, &s, yx, &err), err);
  CHECK(fabs(yx[0] - yp[0]) < 1e-12,
        "equal excess in call and reference: energy row unchanged "
        "(%.3g)",
        yx[0] - yp[0]);
  hf_fp_engine_free(&ex);
  xc.argv = ex3; /* the reference (x = 0.001) is read back from RUN/excess */
  REQUIRE_OK(hf_child_engine_create(&ex, m, lat, &xc, &err), err);
  REQUIRE_OK(ex.compute(ex.ctx, &s, yx, &err), err);
  const double shift = vol * pref * 0.002 / (double)n;
  printf("basis excess 0.003 vs 0.001: energy row moves %.6g eV/cell (V p_ref 0.002 / N = %.6g)\n",
         yx[0] - yp[0], shift);
  double other = 0;
  for (size_t r = 1; r < rows; r++) other = fmax(other, fabs(yx[r] - yp[r]));
  CHECK(fabs(yx[0] - yp[0] - shift) < 1e-9 * fabs(shift) + 1e-13 && other == 0,
        "the energy row moves by V p_ref dx / N, nothing else moves (%.3g, %.3g)",
        yx[0] - yp[0] - shift, other);
  hf_fp_engine_free(&ex);
  xc.argv = good; /* no excess after a reference with one */
  REQUIRE_OK(hf_child_engine_create(&ex, m, lat, &xc, &err), err);
  const int rcx = ex.compute(ex.ctx, &s, yx, &err);
  printf("call without basis_excess: %s\n", rcx ? err.msg : "accepted");
  CHECK(rcx && strstr(err.msg, "basis_excess missing but given in the reference"),
        "a call without basis_excess after a reference with one is refused");
  hf_fp_engine_free(&ex);
  free(yx);
  hf_fp_engine_free(&ep);

  hf_fp_engine_free(&e);
  hf_fields_free(&s);
  hf_model_free(&t.m);
  free(y), free(yp);
  return check_done("child_engine");
}
