/* fit_main.c - the fit program: learns an effective Hamiltonian on the fly
 * from a fit file (docs/fit-format.md), resuming from its output directory
 * when asked.  Only this file prints and exits. */
#include <cblas.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "otf.h"
#include "wall_clock.h"

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: fit [--resume] [--quiet] FIT.yaml\n"
      "       fit --refit RUN_DIR FIT.yaml\n"
      "  Fits the effective Hamiltonian described by FIT.yaml on the fly (docs/fit-format.md).\n"
      "  --resume  continue from the output directory (no engine call is repeated)\n"
      "  --quiet   no progress line\n"
      "  --refit   no MD, no engine: regress FIT.yaml's reference (Z*, eps_inf, ...), basis and\n"
      "            regression settings on the training set RUN_DIR/train.xyz of an earlier or\n"
      "            running fit; output to FIT.yaml's output.dir (not RUN_DIR)\n"
      "Output in the output directory: model.yaml (fitted, runnable by heff), train.xyz and\n"
      "heldout.xyz (extended XYZ), learning.tsv, calls.tsv, heldout.tsv, coefficients.tsv,\n"
      "parity_*.tsv, summary.txt, fit.ckpt.  Units: eV, Angstrom, fs, K, GPa.\n");
}

/* SIGINT, SIGTERM, SIGHUP: the run stops at the next step with a checkpoint,
 * and a running engine call is killed with its process group (otherwise the
 * DFT child would outlive fit).  A second signal ends fit at once. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
  if (stop_signal) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
  stop_signal = sig;
}

static void catch_stop_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (int k = 0; k < 3; k++) sigaction(sigs[k], &sa, NULL);
}

/* fit --refit RUN_DIR FIT.yaml */
static int refit(const char *dir, const char *path) {
  hf_err err = {{0}};
  fit_config c;
  fit_run *r;
  if (fit_config_load(&c, path, &err) || fit_refit_create(&r, &c, dir, &err) ||
      fit_run_finish(r, &err)) {
    fprintf(stderr, "fit: %s\n", err.msg);
    return 1;
  }
  fputs(fit_run_summary(r), stdout);
  fit_run_free(r);
  return 0;
}

int main(int argc, char **argv) {
  /* The regression's matrices are small (tens of columns): BLAS threads only
   * spin and take the core from the MD. */
  openblas_set_num_threads(1);
  if (argc > 1 && !strcmp(argv[1], "--refit")) {
    if (argc != 4) {
      usage(stderr);
      return 2;
    }
    return refit(argv[2], argv[3]);
  }
  int resume, quiet;
  const char *path;
  int status0 = hf_cli_parse(argc, argv, "fit", usage, &resume, &quiet, &path);
  if (status0 >= 0) return status0;
  hf_err err = {{0}};
  fit_config c;
  fit_run *r;
  int resumed;
  if (fit_config_load(&c, path, &err)) {
    fprintf(stderr, "fit: %s\n", err.msg);
    return 1;
  }
  c.stop = &stop_signal;
  catch_stop_signals();
  if (fit_run_create(&r, &c, resume, &resumed, &err)) {
    fprintf(stderr, "fit: %s\n", err.msg);
    return stop_signal ? 128 + stop_signal : 1;
  }
  printf("# fit: %s\n# %dx%dx%d cells, %d basis terms, %ld MD steps, seed %llu, engine %s %s%s\n",
         path, c.L[0], c.L[1], c.L[2], fit_run_nterms(r), c.steps, c.seed,
         c.engine == FIT_ENGINE_MODEL ? "model" : "child",
         c.engine == FIT_ENGINE_MODEL ? c.engine_model : c.child.run_dir,
         resumed ? " (resumed)" : "");
  fflush(stdout);
  /* progress: a line rewritten in place on a terminal; in a log (a fit
   * running in the background) a line every 100 steps, with the wall time */
  int tty = !quiet && c.progress && isatty(fileno(stderr));
  int logged = !quiet && c.progress && !tty;
  const double t0 = hf_wall_seconds();
  int status;
  do {
    status = fit_run_advance(r, tty ? 500 : 100, &err);
    if (status == HF_FAIL) break;
    if (tty || logged) {
      const fit_stats *s = fit_run_get_stats(r);
      fprintf(stderr, "%sstep %ld/%ld  T %.0f K  calls %ld  threshold %.3g eV/A  wall %.0f s%s",
              tty ? "\r" : "", s->step, c.steps, fit_config_temperature(&c, s->step), s->calls,
              fit_run_threshold(r), hf_wall_seconds() - t0, tty ? "   " : "\n");
    }
  } while (status == 0);
  if (tty) fputc('\n', stderr);
  if (status == HF_FAIL || fit_run_finish(r, &err)) {
    fprintf(stderr, "fit: %s\n", err.msg);
    fit_run_free(r);
    return stop_signal ? 128 + stop_signal : 1; /* (the shell's convention for a signal) */
  }
  fputs(fit_run_summary(r), stdout);
  fit_run_free(r);
  return 0;
}
