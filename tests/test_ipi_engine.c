/* test_ipi_engine.c - the persistent mode of the child engine
 * (child_engine.h `persistent`, ipi_client.h, ipi_server.h) with
 * dft_bridge/ase_runner.py --ipi and ASE's Lennard-Jones on a 2x2x2 BaTiO3
 * supercell (ZVR model layout: u on B, v on A, eta):
 * - the reference energy and all rows on four configurations (other modes,
 *   other strains, positions only) equal those of the file-based child
 *   engine (one process per call) to round-off (rel 1e-9: the socket carries
 *   Bohr and Hartree), so the virial -> stress conversion has the right sign;
 * - the persistent rows match 5-point differences of its own energy along
 *   three mode components and two strains (rel 1e-5);
 * - one client process serves every call (one log pair, one marker line per
 *   call), each call directory keeps structure.xyz and result.txt;
 * - a client that crashes at its 2nd call is detected, logged, restarted and
 *   the call retried; a hanging client times out (the process is gone), an
 *   unconverged SCF and a protocol error fail the call; after each failure
 *   the next call succeeds with a new client;
 * - the client's basis_excess (extra string) reaches result.txt and the
 *   Pulay-corrected energy: a client that gives it for the reference only
 *   has its next call refused.
 * usage: test_ipi_engine MODELS_DIR PYTHON ASE_RUNNER */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "child_engine.h"
#include "childtest.h"
#include "testconfig.h"
#include "wall_clock.h"

#define RUN "ipi_engine_run"

/* Largest |a - b| / max(|b|, 1e-8) over the rows. */
static double rows_diff(const double *a, const double *b, size_t rows) {
  double d = 0;
  for (size_t r = 0; r < rows; r++) d = fmax(d, fabs(a[r] - b[r]) / fmax(fabs(b[r]), 1e-8));
  return d;
}

typedef struct {
  const hf_model *m;
  const hf_lattice *lat;
  hf_child_config cfg;
  const char *py, *runner;
  hf_fields *s[3];
  double *yfile[3]; /* the file-based engine's rows of s[k] */
  size_t rows;
} failure_case;

/* An engine whose client fakes `simulate` at its 2nd call: call 1 works,
 * call 2 fails (attempts 1) or is retried with a new client (attempts 2),
 * call 3 works.  want: text of the failure message. */
static void client_failure(const failure_case *fc, const char *label, const char *simulate,
                           int attempts, double timeout, const char *want) {
  char settings[4096], dir[256], extra[128], log[512];
  snprintf(extra, sizeof extra, "\"simulate\": \"%s\"", simulate);
  snprintf(dir, sizeof dir, RUN "/%s", label);
  char name[128];
  snprintf(name, sizeof name, "%s.json", label);
  if (childtest_lj_settings(RUN, name, extra, settings, sizeof settings)) return;
  const char *argv[] = {fc->py, fc->runner, "--settings", settings, NULL};
  hf_child_config cfg = fc->cfg;
  cfg.argv = argv;
  cfg.run_dir = dir;
  cfg.attempts = attempts;
  cfg.timeout = timeout;
  hf_err err;
  hf_fp_engine e;
  if (hf_child_engine_create(&e, fc->m, fc->lat, &cfg, &err)) {
    CHECK(0, "%s: %s", label, err.msg);
    return;
  }
  double *y = malloc(fc->rows * sizeof *y);
  int rc[3];
  double sec[3];
  for (int k = 0; k < 3; k++) {
    const double t0 = hf_wall_seconds();
    rc[k] = e.compute(e.ctx, fc->s[k], y, &err);
    sec[k] = hf_wall_seconds() - t0;
    printf("%s: call %d %s after %.2f s%s%s\n", label, k + 1, rc[k] ? "failed" : "ok", sec[k],
           rc[k] ? ": " : "", rc[k] ? err.msg : "");
    if (!rc[k])
      CHECK(rows_diff(y, fc->yfile[k], fc->rows) < 1e-9, "%s: call %d equals the file engine's",
            label, k + 1);
    if (k == 1 && attempts == 1) {
      const char *last = hf_child_engine_last_dir(&e);
      CHECK(rc[k] != 0 && strstr(err.msg, want) && strstr(err.msg, last),
            "%s: call 2 fails naming '%s' and its directory: %s", label, want, err.msg);
      CHECK(childtest_exists(last, "structure.xyz"), "%s: the failed call's input is kept", label);
      CHECK(sec[k] < timeout + 10, "%s: the failure is seen in time (%.1f s)", label, sec[k]);
    }
  }
  CHECK(!rc[0] && !rc[2] && (attempts == 1 || !rc[1]), "%s: the other calls succeed", label);
  /* with a retry, the new client's 2nd call is call 3, which fails once too */
  const int fails = attempts == 1 ? 1 : 2;
  char next[64];
  snprintf(log, sizeof log, "%s/calls.tsv", dir);
  snprintf(next, sizeof next, "ipi_client_%03d.stdout.log", fails + 1);
  CHECK(childtest_count_lines(log, "\tfailed\t") == fails &&
            childtest_count_lines(log, want) == fails,
        "%s: %d failed attempts logged with '%s'", label, fails, want);
  CHECK(childtest_exists(dir, next) && !childtest_exists(dir, "ipi_client_004.stdout.log"),
        "%s: the client was restarted after each failure", label);
  hf_fp_engine_free(&e);
  free(y);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    printf("usage: test_ipi_engine MODELS_DIR PYTHON ASE_RUNNER\n");
    return 1;
  }
  hf_err err;
  static childtest_env t;
  REQUIRE_OK(childtest_env_init(&t, argv + 1, RUN, "file", &err), err);
  const hf_model *m = &t.m;
  const hf_lattice *lat = &t.lat;
  const size_t n = t.n, rows = t.rows;
  const char *runner = t.runner;
  hf_child_config cfg = t.cfg;
  hf_fp_engine ef, ep;
  REQUIRE_OK(hf_child_engine_create(&ef, m, lat, &cfg, &err), err);
  hf_child_config pc = cfg;
  pc.run_dir = RUN "/ipi";
  pc.persistent = 1;
  REQUIRE_OK(hf_child_engine_create(&ep, m, lat, &pc, &err), err);

  /* four configurations: random; other modes and strain; positions only; larger */
  enum { NCONF = 4 };
  hf_fields s[NCONF];
  hf_rng rng;
  hf_rng_seed(&rng, 21);
  const double amp[NCONF][2] = {{0.06, 0.04}, {0.05, 0.03}, {0.05, 0.03}, {0.1, 0.06}};
  double *yf[NCONF], *yp = malloc(rows * sizeof *yp), worst = 0;
  for (int k = 0; k < NCONF; k++) {
    REQUIRE_OK(hf_fields_alloc(&s[k], lat, HF_FIELD_U | HF_FIELD_V, &err), err);
    testconfig_random(&s[k], lat, &rng, amp[k][0], amp[k][1], 0, 0.01);
    if (k == 2) memcpy(s[k].eta, s[1].eta, sizeof s[k].eta); /* same cell as before */
    yf[k] = malloc(rows * sizeof *yf[k]);
    REQUIRE_OK(ef.compute(ef.ctx, &s[k], yf[k], &err), err);
    REQUIRE_OK(ep.compute(ep.ctx, &s[k], yp, &err), err);
    const double d = rows_diff(yp, yf[k], rows);
    worst = fmax(worst, d);
    printf("configuration %d: E - E_ref %.12g (file) %.12g (persistent) eV/cell, rows rel %.2e\n",
           k, yf[k][0], yp[0], d);
  }
  const double erf = hf_child_engine_eref(&ef), erp = hf_child_engine_eref(&ep);
  printf("reference energy %.15g (file) %.15g (persistent) eV\n", erf, erp);
  CHECK(fabs(erf - erp) <= 1e-12 * fabs(erf), "reference energies agree");
  CHECK(worst < 1e-9, "persistent rows equal the file-based ones to round-off (worst rel %.2e)",
        worst);

  /* the persistent rows against differences of the persistent energy */
  REQUIRE_OK(ep.compute(ep.ctx, &s[0], yp, &err), err);
  const double fd = childtest_fd_rows(&ep, &s[0], yp, n, "persistent");
  printf("persistent rows vs 5-point differences: worst rel %.2e\n", fd);
  CHECK(fd < 1e-5, "persistent rows match finite differences (worst rel %.3g)", fd);

  /* one client for all calls; the raw input and output of every call kept */
  const int calls = 1 + NCONF + 1 + 20;
  CHECK(childtest_count_lines(RUN "/ipi/calls.tsv", "\tok\t") == calls, "%d calls logged", calls);
  CHECK(childtest_count_lines(RUN "/ipi/ipi_client_001.stdout.log", "=== heff ipi call") == calls,
        "one client served all %d calls, marking each in its log", calls);
  CHECK(!childtest_exists(RUN "/ipi", "ipi_client_002.stdout.log"), "no second client");
  CHECK(childtest_exists(RUN "/ipi/call_0001", "structure.xyz") &&
            childtest_exists(RUN "/ipi/call_0001", "result.txt") &&
            childtest_exists(RUN "/ipi/reference", "result.txt"),
        "call directories keep structure.xyz and result.txt");
  hf_fp_engine_free(&ep);
  CHECK(!childtest_exists(RUN "/ipi", "ipi.sock"), "the socket is removed at the end");

  /* failures at the client's 2nd call; the reference energy is given */
  failure_case fc = {.m = m,
                     .lat = lat,
                     .cfg = cfg,
                     .py = argv[2],
                     .runner = runner,
                     .s = {&s[0], &s[1], &s[3]},
                     .yfile = {yf[0], yf[1], yf[3]},
                     .rows = rows};
  fc.cfg.e_ref = erf;
  fc.cfg.persistent = 1;
  client_failure(&fc, "crash", "crash@2", 2, 60, "exit code 1");
  const double t0 = hf_wall_seconds();
  client_failure(&fc, "timeout", "sleep:60@2", 1, 10, "timed out after 10 s");
  printf("timeout case: %.1f s\n", hf_wall_seconds() - t0);
  FILE *pf = fopen(RUN "/timeout/call_0002/sleeping.pid", "r");
  long pid = 0;
  CHECK(pf && fscanf(pf, "%ld", &pid) == 1 && pid > 0, "the hanging client wrote its pid");
  if (pf) fclose(pf);
  CHECK(pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH, "the timed-out client %ld is gone",
        pid);
  client_failure(&fc, "unconverged", "unconverged@2", 1, 60, "SCF not converged");
  CHECK(childtest_count_lines(RUN "/unconverged/call_0002/result.txt", "converged false") == 1,
        "the unconverged result is kept");
  client_failure(&fc, "garbage", "garbage@2", 1, 60, "protocol error");

  /* basis_excess through the extra string: given at call 1 (the reference) only */
  char xs[4096];
  if (!childtest_lj_settings(RUN, "excess.json", "\"simulate\": \"excess:0.002@1\"", xs,
                             sizeof xs)) {
    const char *xargv[] = {argv[2], runner, "--settings", xs, NULL};
    hf_child_config xc = cfg;
    xc.argv = xargv;
    xc.run_dir = RUN "/excess";
    xc.persistent = 1;
    xc.pulay_correction = 1;
    hf_fp_engine ex;
    REQUIRE_OK(hf_child_engine_create(&ex, m, lat, &xc, &err), err);
    const int rcx = ex.compute(ex.ctx, &s[0], yp, &err);
    printf("persistent, excess at the reference only: %s\n", rcx ? err.msg : "accepted");
    CHECK(childtest_count_lines(RUN "/excess/reference/result.txt", "basis_excess 0.002") == 1,
          "the client's basis_excess is written to the reference's result.txt");
    CHECK(rcx && strstr(err.msg, "basis_excess missing but given in the reference"),
          "the next call without it is refused");
    hf_fp_engine_free(&ex);
  }

  hf_fp_engine_free(&ef);
  for (int k = 0; k < NCONF; k++) hf_fields_free(&s[k]), free(yf[k]);
  free(yp);
  hf_model_free(&t.m);
  return check_done("ipi_engine");
}
