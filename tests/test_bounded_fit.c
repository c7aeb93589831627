/* test_bounded_fit.c - regression: bounded in a live fit (fit/bounded.h).
 * A fit of the ZVR BaTiO3 model (forces with 0.05 eV/A of noise, 2x2x2, -4.8
 * GPa, 35 steps) whose basis adds the anharmonic pair u^3 u@1:
 * with few frames its posterior mean makes the quartic form negative, so
 * the early refits move the coefficients.
 *  - the premise: at least two refits log constraint rows, and a later one
 *    starts from rows carried from the one before (carried > 0) in no more
 *    rounds than the first (with the cut minima followed a solve often takes
 *    the fewest there are, 3: one that adds rows, one that finds none and the
 *    verification; test_bounded checks the carried rows' projection exactly);
 *  - every logged solve ends converged with kappa >= 0 (the bound holds);
 *  - the final model's quartic form, searched anew by heff's search from
 *    other seeds, is not below -1e-6 eV on 2x2x2 and 4x4x4 (the fit's bound
 *    is eps = 1e-3 at its own minimisers);
 *  - with descent probes on (threshold: descent) and a checkpoint every step,
 *    its output as it was one step before the first descent probe that
 *    follows a refit with rows, resumed, ends with the files of the
 *    uninterrupted run byte for byte: the checkpoint holds the bounded
 *    coefficients and the carried rows, which the data alone do not
 *    determine, and the probe is planned anew from them at the resume.
 * All of it twice: with the quartic form alone, and with the well form too
 * (well_radius 0.5 A: its rows carry a constant, the dipole sum / R^2, and
 * must come back from the checkpoint with it), whose every solve must also
 * end with the well form >= 0 and whose final model's well form, searched
 * anew, is not below -1e-6 eV.  And regression: bounded_hold (hold_check),
 * and the summary's list of the terms the 2x2x2 frames cannot see. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounded.h"
#include "check.h"
#include "fittest.h"
#include "quartic_form.h"

static char tmp[] = "/tmp/test_bounded_fit_XXXXXX";
#define FIT_PRESSURE -4.8 /* GPa: the pressure of the ZVR fit files (fittest.c) */

/* root/name.yaml: the ZVR fit with the anharmonic pair, 35 steps, a
 * checkpoint every step, and `regression: reg` */
static void write_fit_reg(const char *name, const char *models, const char *reg,
                          const char *threshold) {
  char extra[600];
  snprintf(extra, sizeof extra,
           "basis: [\"u^2..4\", \"u u@1..3\", \"v v@0..2\", \"etaL u^2\", \"eta^2\",\n"
           "        \"eta u^2\", \"u^3 u@1\"]\n"
           "regression: %s\n%s",
           reg, threshold);
  fittest_write_zvr(tmp, name, models, 35, 1, extra);
}

static void write_fit(const char *name, const char *models, double radius) {
  char reg[96] = "{bounded: true}";
  if (radius > 0) snprintf(reg, sizeof reg, "{bounded: true, well_radius: %g}", radius);
  write_fit_reg(name, models, reg, "threshold: {descent: 0.5}\n");
}

static int run(const char *name, long first, int finish, int resume, hf_err *err) {
  return fittest_run_in(tmp, name, first, finish, resume, err);
}

/* The whole run of name, its output directory copied to snap_<step> after
 * every step (each ends with a checkpoint): any of them resumes from there. */
static int run_with_snapshots(const char *name, hf_err *err) {
  char path[1200], cmd[3000];
  snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
  fit_config c;
  fit_run *r;
  int resumed, st = 0;
  if (fit_config_load(&c, path, err) || fit_run_create(&r, &c, 0, &resumed, err)) return HF_FAIL;
  while (st == 0) {
    st = fit_run_advance(r, 1, err);
    snprintf(cmd, sizeof cmd, "cp -r %s/%s %s/snap_%ld", tmp, name, tmp,
             fit_run_get_stats(r)->step);
    if (st != HF_FAIL && system(cmd)) st = hf_fail(err, "%s failed", cmd);
  }
  if (st != HF_FAIL && fit_run_finish(r, err)) st = HF_FAIL;
  fit_run_free(r);
  return st == HF_FAIL ? HF_FAIL : HF_OK;
}

/* The checks above for the run name (radius 0: the quartic form alone);
 * 1 when a step could not run. */
static int check_run(const char *name, const char *models, double radius) {
  hf_err err;
  char resumed[64];
  snprintf(resumed, sizeof resumed, "%s_r", name);
  write_fit(name, models, radius);
  write_fit(resumed, models, radius);
  printf("== %s: well radius %g\n", name, radius);
  REQUIRE_OK(run_with_snapshots(name, &err), err);

  /* the bounded solves the run logged */
  long n;
  char *log = fittest_slurp(tmp, name, "learning.tsv", &n);
  CHECK(log != NULL, "%s: no learning.tsv", name);
  if (!log) return 0;
  int solves = 0, with_rows = 0, carried_later = 0, bad = 0, rounds_first = -1;
  long probe = -1, last_rows = -1; /* the first descent probe after a solve with rows */
  for (const char *p = log; (p = strstr(p, "# step ")); p++) {
    long step;
    int rows, carried, rounds, followed;
    char conv[16];
    double kin, kout, r = 0, win = 0, wout = 0;
    int at = 0, wat = 0; /* (after the step number, after kappa) */
    if (sscanf(p, "# step %ld%n", &step, &at) == 1 && !strncmp(p + at, ": descent probe", 15) &&
        probe < 0 && last_rows >= 0 && step > last_rows + 1)
      probe = step;
    if (sscanf(p,
               "# step %ld: bounded: %d constraint rows (%d carried) in %d rounds (%15[a-zA-Z ]; "
               "%d rows by following the cut minima), lowest kappa %lf -> %lf eV%n",
               &step, &rows, &carried, &rounds, conv, &followed, &kin, &kout, &wat) != 8)
      continue;
    const int well =
        radius > 0 && sscanf(p + wat, ", well form (radius %lf) %lf -> %lf", &r, &win, &wout) == 3;
    solves++;
    if (rows > 0) with_rows++, last_rows = step;
    if (rounds_first < 0) rounds_first = rounds;
    if (solves > 1 && carried > 0 && rounds <= rounds_first) carried_later++;
    if (strcmp(conv, "converged") || !(kout >= 0)) bad++;
    if (radius > 0 && !(well && fabs(r - radius) < 1e-9 && wout >= 0)) bad++;
    printf("step %ld: %d rows (%d carried, %d followed), %d rounds, %s, kappa %g -> %g", step, rows,
           carried, followed, rounds, conv, kin, kout);
    if (well) printf(", well %g -> %g", win, wout);
    printf("\n");
  }
  free(log);
  CHECK(with_rows >= 2 && carried_later > 0,
        "%s premise: %d solves with rows, %d later ones from carried rows in no more rounds", name,
        with_rows, carried_later);
  CHECK(bad == 0, "%s: %d bounded solves not converged or ending below 0", name, bad);

  /* the final model's quartic (and well) form, searched from other seeds */
  char path[1300];
  snprintf(path, sizeof path, "%s/%s/model.yaml", tmp, name);
  hf_model m;
  hf_model_init(&m);
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  for (int L = 2; L <= 4; L += 2) {
    hf_quartic_form f;
    REQUIRE_OK(hf_quartic_form_min(&m, (int[3]){L, L, L}, 6, 99, &f, NULL, &err), err);
    printf("final model on %d^3: kappa %.6g eV (%ld evaluations)\n", L, f.kappa, f.evaluations);
    CHECK(f.kappa >= -1e-6, "%s: final model on %d^3: kappa %g < 0", name, L, f.kappa);
    if (!(radius > 0)) continue;
    REQUIRE_OK(hf_well_form_min(&m, (int[3]){L, L, L}, radius, FIT_PRESSURE, 6, 99, &f, NULL, &err),
               err);
    printf("final model on %d^3: well form %.6g eV\n", L, f.kappa);
    CHECK(f.kappa >= -1e-6, "%s: final model on %d^3: well form %g < 0", name, L, f.kappa);
  }
  hf_model_free(&m);

  /* stopped a step before that probe (the checkpoint of every step), resumed */
  CHECK(probe > 0, "%s premise: no descent probe after a bounded solve with rows", name);
  if (probe < 0) return 0;
  printf("stop at step %ld, before the descent probe at step %ld\n", probe - 1, probe);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s/%s && cp -r %s/snap_%ld %s/%s", tmp, resumed, tmp, probe - 1,
           tmp, resumed);
  CHECK(!system(cmd), "%s failed", cmd);
  REQUIRE_OK(run(resumed, 1000, 1, 1, &err), err);
  const char *files[] = {"train.xyz", "learning.tsv", "calls.tsv"};
  for (int k = 0; k < 3; k++)
    CHECK(fittest_same_file(tmp, name, resumed, files[k]),
          "%s: %s after a stop at step %ld and --resume differs from the uninterrupted run", name,
          files[k], probe - 1);
  /* the frames of the last solve with rows, whose posterior mean has a
   * negative quartic form in every build (the final frames' need not: the
   * trajectory differs between builds by round-off), for hold_check */
  snprintf(cmd, sizeof cmd, "rm -rf %s/%s_rows && cp -r %s/snap_%ld %s/%s_rows", tmp, name, tmp,
           last_rows, tmp, name);
  CHECK(!system(cmd), "%s failed", cmd);
  snprintf(cmd, sizeof cmd, "rm -rf %s/snap_*", tmp);
  CHECK(!system(cmd), "%s failed", cmd);
  return 0;
}

/* regression: bounded_hold: elastic, on the frames of run bf up to its last
 * bounded solve with rows (bf_rows: their posterior mean has a negative
 * quartic form): refits of them
 * unbounded, bounded, and bounded with the pure strain coefficients held.
 * Held, those equal the unbounded posterior mean to the last bit, while the
 * plain bounded solve moves them (the premise) and the held one still ends
 * with the quartic form >= 0. */
static int hold_check(const char *models) {
  const char *names[3] = {"h_free", "h_bound", "h_hold"};
  const char *reg[3] = {"{bounded: false}", "{bounded: true}",
                        "{bounded: true, bounded_hold: elastic}"};
  hf_model m[3];
  hf_err err;
  for (int k = 0; k < 3; k++) {
    write_fit_reg(names[k], models, reg[k], "");
    REQUIRE_OK(fittest_refit(tmp, "bf_rows", names[k], &m[k], &err), err);
  }
  int strain = 0, held_moved = 0, other_moved = 0;
  double bound_move = 0;
  for (int t = 0; t < m[0].nterms; t++) {
    const double w0 = m[0].terms[t].coef;
    if (fit_term_is_pure_strain(&m[0].terms[t])) {
      strain++;
      held_moved += m[2].terms[t].coef != w0;
      bound_move = fmax(bound_move, fabs(m[1].terms[t].coef - w0) / fabs(w0));
      printf("%-10s unbounded %.10g, bounded %.10g, held %.10g\n", m[0].terms[t].name, w0,
             m[1].terms[t].coef, m[2].terms[t].coef);
    } else
      other_moved += m[2].terms[t].coef != w0;
  }
  hf_quartic_form f;
  REQUIRE_OK(hf_quartic_form_min(&m[2], (int[3]){2, 2, 2}, 6, 99, &f, NULL, &err), err);
  printf(
      "bounded_hold: %d pure strain terms, bounded moves them by up to %.3g (relative); held: "
      "%d of them moved, %d others; quartic form %.6g eV\n",
      strain, bound_move, held_moved, other_moved, f.kappa);
  CHECK(strain == 3 && bound_move > 1e-6 && other_moved > 0,
        "bounded_hold premise: %d strain terms, bounded moves them %g, held moves %d others",
        strain, bound_move, other_moved);
  CHECK(held_moved == 0 && f.kappa >= -1e-6, "bounded_hold: %d held terms moved, kappa %g",
        held_moved, f.kappa);
  /* Terms the 2x2x2 frames cannot see (the off-diagonal second- and
   * third-shell pairs, whose sign(d_a d_b) cancels along an axis of length
   * 2) have the coefficient 0 in the unbounded fit (up to the acoustic sum
   * rule's round-off), and the summary names them. */
  int unseen = 0;
  for (int t = 0; t < m[0].nterms; t++)
    if (fabs(m[0].terms[t].coef) < 1e-9) {
      unseen++;
      printf("unseen %-12s %-16s bounded %g\n", m[0].terms[t].name, m[0].terms[t].expr,
             m[1].terms[t].coef);
    }
  long n;
  char *sum = fittest_slurp(tmp, names[1], "summary.txt", &n);
  CHECK(unseen == 3, "unseen terms: %d (expected 3)", unseen);
  CHECK(sum &&
            strstr(sum,
                   "terms unseen by the training cells (posterior mean 0, variance the "
                   "prior's, free to the bound; ") &&
            strstr(sum,
                   ": 3: u1-u1.s2.2 (ux*uy[1,1,0]), u1-u1.s3.2 (ux*uy[1,1,1]), "
                   "v1-v1.s2.2 (vx*vy[1,1,0])\n"),
        "the summary names the unseen terms:\n%s", sum ? sum : "(none)");
  free(sum);
  for (int k = 0; k < 3; k++) hf_model_free(&m[k]);
  return 0;
}

int main(int argc, char **argv) {
  const char *models = argc > 1 ? argv[1] : "models";
  if (!mkdtemp(tmp)) return 1;
  if (check_run("bf", models, 0) || check_run("bw", models, 0.5) || hold_check(models)) return 1;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (!check_failures && system(cmd)) printf("could not remove %s\n", tmp);
  return check_done("test_bounded_fit");
}
