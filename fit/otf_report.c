/* otf_report.c - the final files of a fit: the model, its coefficients
 * (against the hidden truth when the engine is a model), parity tables for
 * the training and held-out sets, and the summary. */
#include <fftw3.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "otf_internal.h"
#include "probe.h"
#include "relax.h"
#include "strain_stability.h"

typedef struct {
  fit_run *r;
  FILE *f;
  long frame;
  int train;                /* the training set: frames above energy_max stay out of the RMSE */
  long excluded;            /* such frames */
  double se[HF_BLR_NTYPES]; /* squared errors and row counts per type */
  long n[HF_BLR_NTYPES];
} parity_ctx;

static int parity_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                        const fit_frame_meta *meta, hf_err *err) {
  parity_ctx *c = p;
  fit_run *r = c->r;
  fit_cell *cell;
  if (fit_cells_get(&r->cells, &r->model, r->M, lat, &cell, err)) return HF_FAIL;
  hf_features_eval(cell->feat, x, cell->phi, cell->ylong, cell->type);
  if (hf_blr_predict(&r->fit, (int)cell->rows, cell->phi, cell->mean, cell->berr, err))
    return HF_FAIL;
  const int out = c->train && fit_frame_out(&r->c, lat, x, y, NULL, 0);
  c->excluded += out;
  for (size_t i = 0; i < cell->rows; i++) {
    double pred = cell->mean[i] + cell->ylong[i], d = pred - y[i];
    int t = cell->type[i];
    c->se[t] += out ? 0 : d * d;
    c->n[t] += !out;
    fprintf(c->f, "%ld\t%ld\t%dx%dx%d\t%s\t%zu\t%.10e\t%.10e\t%.4e\n", c->frame, meta->step,
            lat->L[0], lat->L[1], lat->L[2], hf_blr_type_name(t), i, y[i], pred, cell->berr[i]);
  }
  c->frame++;
  return HF_OK;
}

static void say(fit_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(fit_run *r, const char *fmt, ...) {
  size_t n = strlen(r->summary);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->summary + n, sizeof r->summary - n, fmt, ap);
  va_end(ap);
}

static int parity(fit_run *r, const char *src, const char *name, const char *label, hf_err *err) {
  char path[1100];
  snprintf(path, sizeof path, "%s/%s", r->c.out_dir, name);
  parity_ctx c = {.r = r, .f = fopen(path, "w"), .train = !strcmp(label, "training")};
  if (!c.f) return hf_fail(err, "cannot write %s", path);
  fprintf(c.f,
          "# parity of the final model on the %s set: engine value vs prediction (E_long "
          "included)\n# units: energy eV/cell, force_* eV/Angstrom, stress eV/cell (-dE/deta "
          "per cell)\n# frame\tstep\tsupercell\ttype\trow\tengine\tpredicted\tbayes_err\n",
          label);
  long nf, valid;
  int rc = fit_xyz_read(src, &r->model, parity_frame, &c, &nf, &valid, err);
  fclose(c.f);
  if (rc) return HF_FAIL;
  say(r, "%-8s set: %ld frames", label, nf);
  if (c.excluded) say(r, " (%ld out of the regression, not in the RMSE)", c.excluded);
  say(r, "; RMSE");
  for (int t = 0; t < HF_BLR_NTYPES; t++)
    if (c.n[t]) say(r, "  %s %.3e", hf_blr_type_name(t), sqrt(c.se[t] / (double)c.n[t]));
  say(r, "\n");
  return HF_OK;
}

/* Coefficients against the hidden model decomposed in the basis. */
static int coefficients(fit_run *r, hf_err *err) {
  if (!r->en.has_truth) {
    say(r,
        "coefficients: posterior means and stdev in model.yaml (a %s engine has no hidden "
        "model to compare with)\n",
        r->en.name);
    return HF_OK;
  }
  const int M = r->M;
  double *truth = calloc((size_t)M, sizeof *truth), *tmp = malloc((size_t)M * sizeof *tmp);
  if (!truth || !tmp) {
    free(truth);
    free(tmp);
    return hf_fail(err, "out of memory");
  }
  int outside = 0;
  for (int t = 0; t < r->en.truth.nterms; t++) {
    double res;
    if (hf_sat_decompose(&r->sats, &r->en.truth.terms[t].poly, tmp, &res, err)) {
      free(truth);
      free(tmp);
      return HF_FAIL;
    }
    if (res > 1e-12 && r->en.truth.terms[t].coef != 0) outside++;
    for (int k = 0; k < M; k++) truth[k] += r->en.truth.terms[t].coef * tmp[k];
  }
  free(tmp);
  char path[1100];
  snprintf(path, sizeof path, "%s/coefficients.tsv", r->c.out_dir);
  FILE *f = fopen(path, "w");
  if (!f) {
    free(truth);
    return hf_fail(err, "cannot write %s", path);
  }
  fprintf(f,
          "# fitted coefficients (eV per unit of the term's polynomial, Angstrom and strain) with\n"
          "# posterior standard deviations, against the engine model %s decomposed in the basis\n"
          "# rel_err = (fit - truth)/|truth| (nan for truth 0); z = (fit - truth)/stdev\n"
          "# name\tseed\tfit\tstdev\ttruth\trel_err\tz\tverdict\n",
          r->c.engine_model);
  int within2 = 0, within3s = 0, bad = 0, z1 = 0, z2 = 0;
  double worst_rel = 0, worst_z = 0;
  for (int k = 0; k < M; k++) {
    double w = r->fit.w[k], sd = r->fit.sd[k], tr = truth[k];
    double rel = tr != 0 ? (w - tr) / fabs(tr) : NAN, z = sd > 0 ? (w - tr) / sd : INFINITY;
    const char *v;
    if (tr != 0 && fabs(rel) <= 0.02) {
      v = "within 2%";
      within2++;
    } else if (fabs(z) <= 3) {
      v = "within 3 sigma";
      within3s++;
    } else {
      v = "OFF";
      bad++;
    }
    if (tr != 0) worst_rel = fmax(worst_rel, fabs(rel));
    if (isfinite(z)) worst_z = fmax(worst_z, fabs(z));
    z1 += fabs(z) <= 1;
    z2 += fabs(z) <= 2;
    fprintf(f, "%s\t%s\t%.10e\t%.4e\t%.10e\t%.3e\t%.3f\t%s\n", r->sats.t[k].name, r->sats.t[k].seed,
            w, sd, tr, rel, z, v);
  }
  fclose(f);
  free(truth);
  say(r,
      "coefficients vs engine model: %d of %d within 2%%, %d more within 3 posterior sigma, %d "
      "off; largest relative error (non-zero truth) %.3g%%, largest |z| %.2f, |z| <= 1 for %d "
      "and <= 2 for %d; %d engine-model terms lie partly outside the basis\n",
      within2, M, within3s, bad, 100 * worst_rel, worst_z, z1, z2, outside);
  return HF_OK;
}

/* The learned energy under a uniform shift of v (heff's engine on 4x4x4
 * cells): it moves no atom, so the engine's energy does not change.  (A
 * uniform omega moves no atom either, but heff and fit sample omega in the
 * Eq. 2 gauge, which excludes it: heff/omega_gauge.h.)  And the model's
 * elastic constants, to set beside the engine's (the elastic frames,
 * docs/fit-format.md). */
static int lattice_checks(fit_run *r, hf_err *err) {
  hf_lattice lat;
  hf_engine *e;
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  double dv, C[3];
  if (hf_lattice_init(&lat, (int[3]){4, 4, 4}, err) ||
      hf_engine_create(&e, &r->model, &lat, &o, err))
    return hf_wrap(err, "invariance check of the fitted model");
  int rc = hf_uniform_shift_change(e, HF_FIELD_V, &dv, err) ||
           hf_elastic_constants(e, r->model.a0, C, err);
  hf_engine_free(e);
  if (rc) return HF_FAIL;
  if (r->model.dof & HF_DOF_V)
    say(r,
        "energy change per cell under a uniform shift of v by 0.01 A, 0 for the engine: %.3g eV\n",
        dv);
  if (r->model.dof & HF_DOF_ETA)
    say(r,
        "elastic constants of the model at a0 (modes 0): C11 %.1f, C12 %.1f, C44 %.1f GPa, bulk "
        "modulus %.1f GPa\n",
        C[0], C[1], C[2], (C[0] + 2 * C[1]) / 3);
  return HF_OK;
}

/* Where the model's enthalpy leads at zero temperature (fit_descent_states) and
 * how far that is from the training data: a large Bayesian error there means
 * heff's low-temperature states are the model's guess. */
static void relaxed_states(fit_run *r) {
  static const char *how[5] = {"converged", "not converged in 5000 steps", "stopped",
                               "RUNS AWAY (unbounded)", "out of memory"};
  fit_descent_state st[FIT_DESCENT_NSTART];
  fit_descent_states(r, st);
  int any = 0;
  for (int s = 0; s < FIT_DESCENT_NSTART; s++) {
    const fit_descent_state *d = &st[s];
    if (!d->valid) continue;
    if (!any++)
      say(r,
          "relaxed states of the model at %g GPa on %dx%dx%d (fields and strain; H per cell "
          "above the undistorted crystal%s; Bayesian force error on the way and at the "
          "end):\n",
          r->c.pressure, r->lat.L[0], r->lat.L[1], r->lat.L[2],
          fit_clamped(&r->c) ? " at initial_strain, the strains md.strain_free holds kept" : "");
    say(r,
        "  from %-15s %s: mean u (%.3f %.3f %.3f) A, largest |u| %.3f A, |omega| %.3f rad, eta "
        "(%.4f %.4f %.4f %.4f %.4f %.4f), H %.4g meV, error up to %.3g eV/A (end %.3g)\n",
        fit_descent_start_name(s), how[d->status], d->um[0], d->um[1], d->um[2], d->umax, d->wmax,
        d->eta[0], d->eta[1], d->eta[2], d->eta[3], d->eta[4], d->eta[5], 1e3 * d->dH, d->err_max,
        d->err_end);
  }
}

void fit_hold_line(const fit_run *r, char *buf, size_t n) {
  const fit_hold *h = &r->hold;
  int len = snprintf(buf, n,
                     "hold_model %s: %d terms without sigma held at its coefficients, the %d "
                     "sigma terms fitted to what they leave",
                     r->c.hold_model, h->nheld, r->M - h->nheld);
  if (len >= 0 && (size_t)len < n && h->nunused)
    len += snprintf(buf + len, n - (size_t)len, "; not held (outside the basis; %d): %s",
                    h->nunused, h->unused);
  if (len >= 0 && (size_t)len < n) snprintf(buf + len, n - (size_t)len, "\n");
}

int fit_run_finish(fit_run *r, hf_err *err) {
  r->summary[0] = 0;
  if (!r->have_fit) return hf_fail(err, "no engine call succeeded: nothing was fitted");
  char path[1100];
  snprintf(path, sizeof path, "%s/model.yaml", r->c.out_dir);
  if (hf_model_save(&r->model, path, err)) return HF_FAIL;
  const fit_stats *s = &r->st;
  say(r, "fit: %s\n", r->c.path);
  say(r, "model: %s (%d terms; heff runs it as is)\n", path, r->M);
  if (lattice_checks(r, err)) return HF_FAIL;
  if (r->refit_from[0])
    say(r, "refit of the training set of %s: %ld frames, %ld held-out (no MD, no engine)\n",
        r->refit_from, s->calls + s->imported, s->heldout);
  else
    say(r, "MD steps %ld; engine calls %ld (%.3f%% of steps), failed %ld, held-out %ld\n", s->step,
        s->calls, 100.0 * (double)s->calls / (double)(s->step ? s->step : 1), s->failed,
        s->heldout);
  if (s->imported > 0 && r->refit_from[0])
    say(r, "training set: %ld frames imported from an earlier fit and %ld of the run itself\n",
        s->imported, s->calls);
  else if (s->imported > 0)
    say(r,
        "training set: %ld frames of an earlier fit (initial_training%s%s) and %ld of this one\n",
        s->imported, r->c.initial_training[0] ? " " : "", r->c.initial_training, s->calls);
  int weighted = r->c.run_weight != 1;
  for (int k = 0; k < FIT_FRAME_NKIND; k++) weighted |= r->c.kind_weight[k] != 1;
  if (weighted) {
    say(r, "regression weights: run_weight %g (the run's own frames; imported ones 1); by kind:",
        r->c.run_weight);
    for (int k = 0; k < FIT_FRAME_NKIND; k++)
      if (r->kind_frames[k] > 0 || r->c.kind_weight[k] != 1)
        say(r, " %s %g (%ld frames)", fit_frame_kind_names[k], r->c.kind_weight[k],
            r->kind_frames[k]);
    say(r, "\n");
  }
  if (r->cells.nother > 0) {
    const fit_cell *own = &r->cells.own;
    say(r, "supercells of the training frames: %dx%dx%d %ld", own->lat.L[0], own->lat.L[1],
        own->lat.L[2], own->frames);
    for (int k = 0; k < r->cells.nother; k++) {
      const fit_cell *c = &r->cells.other[k];
      say(r, ", %dx%dx%d %ld", c->lat.L[0], c->lat.L[1], c->lat.L[2], c->frames);
    }
    say(r, "\n");
  }
  if (r->st_restored > 0)
    say(r,
        "output files deleted or replaced under the running fit and put back: %d (this "
        "session)\n",
        r->st_restored);
  if (r->refit_from[0]) {
    /* no threshold history: the data set is another run's */
  } else if (s->settled_step >= 0) {
    long after = s->step - s->settled_step;
    say(r,
        "threshold set at step %ld (%.4g eV/A now); after that %ld calls in %ld steps = %.3f%%\n",
        s->settled_step, r->thr.threshold, s->calls_settled, after,
        100.0 * (double)s->calls_settled / (double)(after ? after : 1));
  } else {
    say(r, "threshold never settled (the error history stayed unstable)\n");
  }
  if (s->nc > 2) {
    double n = (double)s->nc, cov = s->sxy / n - s->sx * s->sy / (n * n);
    double vx = s->sxx / n - s->sx * s->sx / (n * n), vy = s->syy / n - s->sy * s->sy / (n * n);
    say(r,
        "Bayesian vs true largest force error (log-log Pearson over %ld calls and held-out "
        "points): %.3f\n",
        s->nc, cov / sqrt(vx * vy));
  }
  if (s->ncov > 0)
    say(r,
        "held-out predictive coverage (engine within k sigma of the prediction, Bayesian error "
        "and fitted noise combined): k=1 %.1f%%, k=2 %.1f%% (Gaussian: 68.3%%, 95.4%%)\n",
        100.0 * (double)s->cov1 / (double)s->ncov, 100.0 * (double)s->cov2 / (double)s->ncov);
  if (s->n_timed > 0)
    say(r,
        "time per MD step %.3g us, fitter (rows + Bayesian errors) %.3g us: ratio %.2f; refits "
        "%.3g s in all, engine %.3g s\n",
        1e6 * s->t_md / (double)s->n_timed, 1e6 * s->t_bayes / (double)s->n_timed,
        s->t_bayes / s->t_md, s->t_refit, s->t_engine);
  if (s->n_timed > 0 && !r->refit_from[0]) {
    /* steps with a call are timed like the others; time lost to a killed
     * call before a resume is not in t_engine */
    double steps = (double)s->step * (s->t_md + s->t_bayes) / (double)s->n_timed;
    double total = s->t_engine + s->t_refit + steps;
    say(r,
        "run time %.4g s (%.3g h) over all sessions: engine %.4g s (%.1f%%), refits %.3g s "
        "(%.2f%%), MD and Bayesian errors %.3g s (%.2f%%)\n",
        total, total / 3600, s->t_engine, 100 * s->t_engine / total, s->t_refit,
        100 * s->t_refit / total, steps, 100 * steps / total);
  }
  if (r->excluded > 0) {
    char lim[160];
    fit_frame_limits(&r->c, lim, sizeof lim);
    say(r, "frames beyond regression: %s: %ld, kept in train.xyz, not regressed\n", lim,
        r->excluded);
  }
  const hf_blr_fit *f = &r->fit;
  say(r, "final fit: %ld rows, gamma %.2f of %d, sigma_v %.3g, sigma_w %.3g, log evidence %.6g\n",
      f->nrows, f->gamma, r->M, f->sigma_v, f->sigma_w, f->log_evidence);
  if (f->nunseen) {
    char list[2048];
    fit_unseen_terms(r, list, sizeof list);
    say(r,
        "terms unseen by the training cells (posterior mean 0, variance the prior's%s; frames "
        "on a supercell with more cells along two axes, 2x4x4, see them): %d: %s\n",
        r->c.bounded ? ", free to the bound" : "", f->nunseen, list);
  }
  if (r->nasr)
    say(r, "acoustic sum rule (energy invariant under a uniform v): %d of %d coefficients free\n",
        f->nfree, r->M);
  else if (r->model.dof & HF_DOF_V)
    say(r, "acoustic sum rule not imposed (regression: acoustic_sum_rule: false)\n");
  if (r->hold.held) {
    char line[2048];
    fit_hold_line(r, line, sizeof line);
    say(r, "%s", line);
  }
  if (r->c.bounded)
    say(r,
        "bounded (degree-%d form of u and omega%s, on %dx%dx%d and 4x4x4): lowest "
        "kappa %.4g eV before, %.4g after; %d constraint rows (%d carried from the last solve) in "
        "%d rounds%s, %d rows added by following the cut minima; the coefficients moved by %.3g "
        "posterior sd\n",
        r->bound.degree > 4 ? r->bound.degree : 4,
        r->bound.degree > 4 ? ", strain at 0" : ", strain relaxed", r->lat.L[0], r->lat.L[1],
        r->lat.L[2], r->bound.kappa_in, r->bound.kappa_out, r->bound.rows, r->bound.carried,
        r->bound.iterations, r->bound.converged ? "" : " (NOT converged)", r->bound.followed,
        r->bound.distance);
  if (r->c.bounded && r->bound.radius > 0) {
    char omega[96] = "";
    if (r->c.well_radius_omega > 0)
      snprintf(omega, sizeof omega, "; along omega %.4g rad, regression: well_radius_omega",
               r->c.well_radius_omega);
    say(r,
        "bounded well form (no well beyond an rms amplitude of %.4g, %s%s): lowest %.4g eV before, "
        "%.4g after\n",
        r->bound.radius,
        r->c.well_radius > 0 ? "regression: well_radius" : "the training frames' largest", omega,
        r->bound.well_in, r->bound.well_out);
  }
  relaxed_states(r);
  if (parity(r, r->train_path, "parity_train.tsv", "training", err) ||
      (s->heldout > 0 && parity(r, r->held_path, "parity_heldout.tsv", "held-out", err)) ||
      coefficients(r, err))
    return HF_FAIL;
  snprintf(path, sizeof path, "%s/summary.txt", r->c.out_dir);
  FILE *o = fopen(path, "w");
  if (!o) return hf_fail(err, "cannot write %s", path);
  fputs(r->summary, o);
  fclose(o);
  return HF_OK;
}
