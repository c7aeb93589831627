/* otf.c - the on-the-fly fitting loop (see otf.h). */
#include "otf.h"

#include <fftw3.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "acoustic_sum_rule.h"
#include "bounded.h"
#include "checkpoint.h"
#include "occupation.h"
#include "otf_internal.h"
#include "probe.h"
#include "wall_clock.h"

static void random_start(fit_run *r, hf_rng *ir) {
  memcpy(r->x.eta, r->c.init_eta, sizeof r->x.eta);
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; r->x.u[a] && i < r->lat.n; i++)
      r->x.u[a][i] = r->c.init_amp * (2 * hf_rng_uniform(ir) - 1);
}

int fit_draw_occupation(fit_run *r, hf_err *err) {
  if (hf_occ_random(&r->lat, r->c.occ.composition, &r->occ_rng, r->x.sigma, err))
    return hf_wrap(err, "%s: training occupation", r->c.path);
  if (r->dyn) hf_dyn_refresh(r->dyn); /* forces of the new arrangement */
  return HF_OK;
}

/* Forces on omega are eV/rad; the force errors the threshold compares and
 * the tables report are eV/Angstrom: an omega row counts as the force on
 * an oxygen per Angstrom it moves, a rotation of 1 rad moving it by a0/2
 * (paper 003 Eq. 1), i.e. eV/rad times 2/a0. */
static double force_row_scale(const fit_run *r, int type) {
  return type == HF_BLR_FORCE_W ? 2.0 / r->model.a0 : 1.0;
}

/* Rows of x into phi/ylong/type and the Bayesian errors there into *out
 * (out->force: the largest force error, omega's scaled; -1 without a fit). */
static void eval_rows_at(const fit_run *r, const hf_fields *x, double *phi, double *ylong,
                         int *type, hf_blr_maxerr *out) {
  hf_features_eval(r->feat, x, phi, ylong, type);
  memset(out, 0, sizeof *out);
  out->force = -1; /* no prediction without a fit */
  if (r->have_fit) {
    hf_err e;
    hf_blr_predict_max(&r->fit, (int)r->rows, phi, type, out, &e);
    out->force = 0;
    for (int t = HF_BLR_FORCE_U; t <= HF_BLR_FORCE_W; t++)
      out->force = fmax(out->force, out->err[t] * force_row_scale(r, t));
  }
}

void fit_eval_rows(fit_run *r) { eval_rows_at(r, &r->x, r->phi, r->ylong, r->type, &r->cur); }

double fit_bayes_force_at(fit_run *r, const hf_fields *x) {
  hf_blr_maxerr m;
  eval_rows_at(r, x, r->phi_desc, r->ylong_desc, r->type_desc, &m);
  return m.force;
}

int fit_solve(fit_run *r, hf_err *err) { return fit_solve_as(r, NULL, err); }

void fit_unseen_terms(const fit_run *r, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = 0;
  for (int j = 0; j < r->M && r->fit.unseen && len < n; j++)
    if (r->fit.unseen[j])
      len += (size_t)snprintf(buf + len, n - len, "%s%s (%s)", len ? ", " : "",
                              r->model.terms[j].name, r->model.terms[j].expr);
}

/* Named in the log whenever their number changes (a new supercell's frames
 * see some): no frame holds such a term, the bounded solve may move it within
 * the prior, and the model's harmonic matrix away from the supercell's wave
 * vectors may hinge on it. */
static void log_unseen(fit_run *r) {
  if (r->fit.nunseen == r->unseen_logged) return;
  if (!r->log) { /* loading a resumed run's frames: its log said it before */
    r->unseen_logged = r->fit.nunseen;
    return;
  }
  char list[2048];
  fit_unseen_terms(r, list, sizeof list);
  fprintf(r->log,
          "# step %ld: %d terms unseen by the training cells (posterior mean 0, variance the "
          "prior's)%s%s\n",
          r->st.step, r->fit.nunseen, r->fit.nunseen ? ": " : "", list);
  r->unseen_logged = r->fit.nunseen;
}

int fit_solve_as(fit_run *r, const double *bounded_w, hf_err *err) {
  if (hf_blr_solve_held(&r->fit, &r->data, &r->blr, r->asr, r->nasr, r->hold.held, r->hold.w0, err))
    return HF_FAIL;
  log_unseen(r);
  if (!r->c.bounded) return HF_OK;
  if (bounded_w) { /* r->bound and r->cuts came with it */
    memcpy(r->fit.w, bounded_w, (size_t)r->M * sizeof *r->fit.w);
    return HF_OK;
  }
  /* the fit's supercell and 4x4x4: patterns the 2x2x2 frames cannot hold */
  const int L[2][3] = {{r->lat.L[0], r->lat.L[1], r->lat.L[2]}, {4, 4, 4}};
  const double *cov = r->fit.cov;
  double *held_cov = NULL; /* (once per refit, not per step) */
  if (r->c.bounded_hold) {
    int *held = calloc((size_t)r->M, sizeof *held);
    held_cov = malloc((size_t)r->M * r->M * sizeof *held_cov);
    if (!held || !held_cov) {
      free(held), free(held_cov);
      return hf_fail(err, "out of memory");
    }
    for (int j = 0; j < r->M; j++) held[j] = fit_term_is_pure_strain(&r->model.terms[j]);
    const int nh = fit_bound_hold_cov(r->fit.cov, r->M, held, held_cov, err);
    free(held);
    if (nh < 0) {
      free(held_cov);
      return hf_wrap(err, "regression: bounded_hold");
    }
    cov = held_cov;
  }
  const int rc =
      fit_bound(&r->model, r->fit.w, cov, r->M, L, 2, r->c.seed, fit_well_radius(r),
                r->c.well_radius_omega, r->c.pressure, &r->cuts, r->fit.w, &r->bound, err);
  free(held_cov);
  if (rc) return hf_wrap(err, "regression: bounded");
  if (r->bound.rows && r->log) /* (no log in a refit or while loading: the summary says it) */
    fprintf(r->log,
            "# step %ld: bounded: %d constraint rows (%d carried) in %d rounds (%s; %d rows by "
            "following the cut minima), lowest kappa "
            "%.4g -> %.4g eV, well form (radius %.3g) %.4g -> %.4g eV, the coefficients moved "
            "by %.3g posterior sd\n",
            r->st.step, r->bound.rows, r->bound.carried, r->bound.iterations,
            r->bound.converged ? "converged" : "NOT converged", r->bound.followed,
            r->bound.kappa_in, r->bound.kappa_out, r->bound.radius, r->bound.well_in,
            r->bound.well_out, r->bound.distance);
  return HF_OK;
}

int fit_compile_model(fit_run *r, hf_err *err) {
  for (int j = 0; j < r->M; j++) {
    r->model.terms[j].coef = r->fit.w[j];
    r->model.terms[j].stdev = r->fit.sd[j];
  }
  hf_engine_opts eo = {.pressure = r->c.pressure, .fftw_flags = FFTW_ESTIMATE};
  hf_engine *eng;
  if (hf_engine_create(&eng, &r->model, &r->lat, &eo, err)) return HF_FAIL;
  if (!r->dyn) {
    hf_dyn_opts o = r->c.md;
    o.temperature = fit_config_temperature(&r->c, r->st.step);
    /* The barostat mass cannot come from the model's stiffness, which is
     * unknown before the fit: a typical perovskite stiffness of 100 eV per
     * cell (C ~ 250 GPa at 64 A^3) with the period tau_p. */
    if (!(r->strain_mass > 0)) {
      double tp = o.tau_p / (2 * M_PI);
      r->strain_mass = o.strain_mass > 0 ? o.strain_mass : 100.0 * (double)r->lat.n * tp * tp;
    }
    o.strain_mass = r->strain_mass;
    if (hf_dyn_create(&r->dyn, eng, &r->x, &o, err)) {
      hf_engine_free(eng);
      return HF_FAIL;
    }
    hf_rng vr;
    hf_rng_split(&r->rng, 2, &vr); /* velocities: a stream apart from the thermostat's */
    hf_dyn_randomize_velocities(r->dyn, o.temperature, &vr);
  } else if (hf_dyn_set_engine(r->dyn, eng, err)) {
    hf_engine_free(eng);
    return HF_FAIL;
  }
  hf_engine_free(r->eng);
  r->eng = eng;
  return HF_OK;
}

void fit_track_extent(fit_run *r, const hf_fields *x, const hf_lattice *lat) {
  double s2 = 0;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(x, c);
    for (size_t i = 0; a && i < lat->n; i++) {
      r->train_max[c / 3] = fmax(r->train_max[c / 3], fabs(a[i]));
      if (c < 3 || c >= 6) s2 += a[i] * a[i];
    }
  }
  const double rms = sqrt(s2 / (double)lat->n);
  r->train_rms = fmax(r->train_rms, rms);
}

double fit_well_radius(const fit_run *r) {
  return r->c.well_radius < 0 ? r->train_rms : r->c.well_radius;
}

/* threshold: extrapolation: the field (0 u, 1 v, 2 omega) whose largest
 * component exceeds the factor times the training set's largest, or -1. */
static int extrapolating(const fit_run *r, double *now) {
  const long gap =
      r->c.extrapolation_interval > 0 ? r->c.extrapolation_interval : r->thr.o.min_interval;
  if (!(r->c.extrapolation > 0) || !r->have_fit || r->st.step - r->thr.last_call < gap) return -1;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(&r->x, c);
    const double lim = r->c.extrapolation * r->train_max[c / 3];
    for (size_t i = 0; a && lim > 0 && i < r->lat.n; i++)
      if (fabs(a[i]) > lim) {
        *now = fabs(a[i]);
        return c / 3;
      }
  }
  return -1;
}

int fit_frame_out(const fit_config *c, const hf_lattice *lat, const hf_fields *x, const double *y,
                  char *why, size_t len) {
  if (c->energy_max > 0 && y[0] > c->energy_max) {
    if (why)
      snprintf(why, len, "the engine's energy %.4g eV per cell is above energy_max (%g)", y[0],
               c->energy_max);
    return 1;
  }
  if (!(c->amplitude_max > 0)) return 0;
  const double big = hf_vector_field_max(x->u, lat->n);
  if (!(big > c->amplitude_max)) return 0;
  if (why)
    snprintf(why, len, "its largest local mode |u| %.4g A is above amplitude_max (%g)", big,
             c->amplitude_max);
  return 1;
}

double fit_frame_weight(const fit_config *c, int imported, int kind) {
  return (imported ? 1.0 : c->run_weight) * c->kind_weight[kind];
}

void fit_frame_limits(const fit_config *c, char *s, size_t len) {
  const int e = c->energy_max > 0, a = c->amplitude_max > 0;
  char es[64] = "", as[64] = "";
  if (e) snprintf(es, sizeof es, "energy_max (%g eV per cell)", c->energy_max);
  if (a) snprintf(as, sizeof as, "amplitude_max (%g A)", c->amplitude_max);
  snprintf(s, len, "%s%s%s", es, e && a ? " or " : "", as);
}

int fit_learn(fit_run *r, hf_err *err) {
  char why[160];
  const int skip = fit_frame_out(&r->c, &r->lat, &r->x, r->y, why, sizeof why);
  if (skip) {
    r->excluded++;
    fprintf(r->log, "# step %ld: %s: the frame stays in train.xyz, out of the regression\n",
            r->st.step, why);
  } else {
    r->cells.own.frames++;
    fit_track_extent(r, &r->x, &r->lat);
    for (size_t i = 0; i < r->rows; i++) r->target[i] = r->y[i] - r->ylong[i];
  }
  const int kind = r->call_kind ? r->call_kind : FIT_FRAME_MD;
  if (!skip) r->kind_frames[kind]++;
  if ((!skip && hf_blr_data_append_weighted(&r->data, (int)r->rows, r->phi, r->target, r->type,
                                            fit_frame_weight(&r->c, 0, kind), err)) ||
      fit_solve(r, err))
    return hf_wrap(err, "refit after engine call %ld", r->st.calls);
  r->have_fit = 1;
  if (r->restore) { /* a probe: the dynamics go on from the MD configuration */
    hf_fields_copy(&r->x, r->restore, &r->lat);
    memcpy(r->x.eta, r->restore->eta, sizeof r->x.eta);
    r->restore = NULL;
  }
  return fit_compile_model(r, err);
}

/* Largest and RMS |prediction - reference| over the force rows, and the
 * energy and largest stress differences, for the rows in r->phi. */
typedef struct {
  double fmax, frms, energy, smax;
} true_err;

static true_err true_errors(fit_run *r, const double *ref) {
  true_err t = {0};
  if (!r->have_fit) return (true_err){NAN, NAN, NAN, NAN};
  hf_err e;
  hf_blr_predict(&r->fit, (int)r->rows, r->phi, r->mean, r->berr, &e);
  long nf = 0;
  for (size_t i = 0; i < r->rows; i++) {
    int ty = r->type[i];
    double d = fabs(r->mean[i] + r->ylong[i] - ref[i]) * force_row_scale(r, ty);
    if (ty == HF_BLR_ENERGY) t.energy = d;
    if (ty == HF_BLR_STRESS) t.smax = fmax(t.smax, d);
    if (ty >= HF_BLR_FORCE_U && ty <= HF_BLR_FORCE_W) {
      t.fmax = fmax(t.fmax, d);
      t.frms += d * d;
      nf++;
    }
  }
  t.frms = sqrt(t.frms / (double)(nf ? nf : 1));
  return t;
}

/* The model's own error: against the noise-free engine when the engine adds
 * noise (the model engine's truth), else against the engine's result. */
static int model_error(fit_run *r, const true_err *vs_engine, true_err *out, hf_err *err) {
  if (!r->en.has_clean) {
    *out = *vs_engine;
    return HF_OK;
  }
  if (r->en.clean.compute(r->en.clean.ctx, &r->x, r->yclean, err)) return HF_FAIL;
  *out = true_errors(r, r->yclean);
  return HF_OK;
}

static void track_correlation(fit_run *r, double bayes, double truth) {
  if (!(bayes > 0) || !(truth > 0)) return;
  double a = log(bayes), b = log(truth);
  fit_stats *s = &r->st;
  s->nc++;
  s->sx += a, s->sy += b, s->sxx += a * a, s->syy += b * b, s->sxy += a * b;
}

/* Engine result for the current configuration into r->y: replayed from the
 * file or computed and appended.  *ok = 0 on an engine failure. */
static int engine_result(fit_run *r, int heldout, int *ok, hf_err *err) {
  if (fit_guard_outputs(r, err)) return HF_FAIL;
  fit_pending *p = heldout ? &r->pend_held : &r->pend_train;
  int rep = fit_replay(r, p, r->y, err);
  *ok = 1;
  if (rep < 0) return HF_FAIL;
  if (rep) return HF_OK;
  double t0 = hf_wall_seconds();
  hf_err e;
  int rc = r->en.fp.compute(r->en.fp.ctx, &r->x, r->y, &e);
  r->st.t_engine += hf_wall_seconds() - t0;
  if (rc && r->c.stop && *r->c.stop) /* told to stop: the call was killed, not failed */
    return hf_fail(err, "%s", e.msg);
  if (rc) { /* reported, not fatal: the loop goes on, unless the engine is broken */
    r->st.failed++;
    fprintf(r->calls, "# step %ld: engine call failed: %s\n", r->st.step, e.msg);
    if (++r->fail_streak >= FIT_MAX_FAIL_STREAK)
      return hf_fail(err,
                     "step %ld: %d engine calls failed in a row, the last with: %s; the MD "
                     "would go on with a model nobody checks: mend the engine and fit --resume",
                     r->st.step, r->fail_streak, e.msg);
    *ok = 0;
    return HF_OK;
  }
  r->fail_streak = 0;
  fit_frame_meta meta = {.step = r->st.step,
                         .T = fit_config_temperature(&r->c, r->st.step),
                         .pred_err = r->cur.force,
                         .kind = heldout || !r->call_kind ? FIT_FRAME_MD : r->call_kind};
  return fit_xyz_append(heldout ? r->held : r->train, heldout ? r->held_path : r->train_path,
                        &r->model, &r->lat, &r->x, r->y, &meta, err);
}

static int heldout_point(fit_run *r, hf_err *err) {
  int ok;
  if (engine_result(r, 1, &ok, err)) return HF_FAIL;
  if (!ok) return HF_OK;
  r->st.heldout++;
  true_err t = true_errors(r, r->y), tm;
  /* predictive coverage: engine within 1 and 2 standard deviations of the
   * prediction (Bayesian error and fitted noise combined) */
  for (size_t i = 0; i < r->rows; i++) {
    double sd = hypot(r->berr[i], r->fit.noise[r->type[i]]);
    double z = fabs(r->mean[i] + r->ylong[i] - r->y[i]) / sd;
    r->st.ncov++;
    r->st.cov1 += z <= 1;
    r->st.cov2 += z <= 2;
  }
  if (model_error(r, &t, &tm, err)) return HF_FAIL;
  track_correlation(r, r->cur.force, tm.fmax);
  fprintf(r->heldlog, "%ld\t%.2f\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\n", r->st.step,
          fit_config_temperature(&r->c, r->st.step), r->cur.force, t.fmax, t.frms,
          r->cur.err[HF_BLR_ENERGY], t.energy, r->cur.err[HF_BLR_STRESS], t.smax, tm.fmax);
  return HF_OK;
}

int fit_training_call(fit_run *r, int probe, hf_err *err) {
  int ok;
  if (engine_result(r, 0, &ok, err)) return HF_FAIL;
  if (!ok) {
    if (!r->have_fit) { /* nothing to move MD with yet: try another start */
      if (r->st.failed >= 10)
        return hf_fail(err, "the first %ld engine calls failed: nothing to fit", r->st.failed);
      hf_rng ir;
      hf_rng_split(&r->rng, 100 + (uint64_t)r->st.failed, &ir);
      random_start(r, &ir);
      return HF_OK;
    }
    r->thr.last_call = r->st.step; /* wait min_interval before trying again */
    return HF_OK;
  }
  char why[160];
  if (!r->have_fit && fit_frame_out(&r->c, &r->lat, &r->x, r->y, why, sizeof why)) {
    /* kept in train.xyz, but nothing to fit and move MD with yet: another start */
    r->excluded++;
    fprintf(r->log, "# step %ld: %s before any fit: another start\n", r->st.step, why);
    if (r->excluded >= 10) {
      char lim[160];
      fit_frame_limits(&r->c, lim, sizeof lim);
      return hf_fail(err, "the first %ld frames lie beyond %s", r->excluded, lim);
    }
    hf_rng ir;
    hf_rng_split(&r->rng, 200 + (uint64_t)r->excluded, &ir);
    random_start(r, &ir);
    return HF_OK;
  }
  true_err t = true_errors(r, r->y), tm;
  if (model_error(r, &t, &tm, err)) return HF_FAIL;
  if (r->have_fit && !probe) /* the correlation of MD configurations only */
    track_correlation(r, r->cur.force, tm.fmax);
  double t0 = hf_wall_seconds();
  if (fit_learn(r, err)) return HF_FAIL;
  r->st.t_refit += hf_wall_seconds() - t0;
  r->st.calls++;
  if (r->st.settled_step >= 0) r->st.calls_settled++;
  if (probe) { /* the error at a probe says nothing about the MD's */
    r->thr.last_probe = r->st.step;
    r->thr.calls++;
  } else {
    hf_thr_record(&r->thr, r->st.step, r->cur.force);
  }
  if (r->thr.threshold > 0 && r->st.settled_step < 0) r->st.settled_step = r->st.step;
  /* the probes after the threshold took this call: a resume plans from the
   * checkpointed threshold, so planning before it would differ from one */
  fit_probe_plan(r);
  hf_blr_maxerr before = r->cur;
  fit_eval_rows(r); /* the log shows the error after the refit */
  const hf_blr_fit *f = &r->fit;
  fprintf(r->calls,
          "%ld\t%ld\t%.2f\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%.6e\t%."
          "6e\t%.6e\t%.4e\t%.4e\t%.3f\t%.6g\t%.6e\n",
          r->st.calls, r->st.step, fit_config_temperature(&r->c, r->st.step), before.force, t.fmax,
          t.frms, before.err[HF_BLR_ENERGY], t.energy, before.err[HF_BLR_STRESS], t.smax,
          r->thr.threshold, f->rmse[HF_BLR_ENERGY], f->rmse[HF_BLR_FORCE_U],
          f->rmse[HF_BLR_FORCE_V], f->rmse[HF_BLR_STRESS], f->noise[HF_BLR_FORCE_U], f->sigma_v,
          f->sigma_w, f->gamma, f->log_evidence, tm.fmax);
  return HF_OK;
}

static void log_row(fit_run *r) {
  const hf_energy *E = hf_dyn_energy(r->dyn);
  double um[3] = {0};
  for (int a = 0; a < 3; a++) {
    const double *u = r->x.u[a];
    for (size_t i = 0; u && i < r->lat.n; i++) um[a] += u[i] / (double)r->lat.n;
  }
  fprintf(
      r->log, "%ld\t%.2f\t%.8f\t%.6e\t%.6e\t%.6e\t%.6e\t%ld\t%.5f\t%.5f\t%.5f\t%.6f\t%.6f\t%.6f\n",
      r->st.step, fit_config_temperature(&r->c, r->st.step), (E->total - E->pv) / (double)r->lat.n,
      r->cur.force, r->cur.err[HF_BLR_ENERGY], r->cur.err[HF_BLR_STRESS], r->thr.threshold,
      r->st.calls, um[0], um[1], um[2], r->x.eta[0], r->x.eta[1], r->x.eta[2]);
}

static int check_sane(const fit_run *r, hf_err *err) {
  double umax, emax;
  hf_fields_extent(&r->x, &r->lat, &umax, &emax);
  /* with a map to atoms (child engines) the atoms decide: a large alternating
   * u moves only the atoms no two cells share (fit_engines_atom_extent) */
  const double amax = fit_engines_atom_extent(&r->en, &r->x);
  const int ok = amax >= 0 ? amax < FIT_ATOM_RANGE * r->model.a0 && emax < 0.2
                           : hf_fields_in_range(umax, emax, r->model.a0);
  if (ok) return HF_OK;
  /* name the component that ran away and its uniform part (a uniform v is a
   * rigid shift, so a drifting centre of mass shows there) */
  int cmax = 0;
  size_t imax = 0;
  double big = -1, mean = 0;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(&r->x, c);
    for (size_t i = 0; a && i < r->lat.n; i++)
      if (!isnan(big) && !(fabs(a[i]) <= big)) big = fabs(a[i]), cmax = c, imax = i;
  }
  const double *a = hf_fields_comp(&r->x, cmax);
  for (size_t i = 0; a && i < r->lat.n; i++) mean += a[i] / (double)r->lat.n;
  static const char *field[3] = {"u", "v", "omega"};
  char atoms[96] = "";
  if (amax >= 0)
    snprintf(atoms, sizeof atoms, "an atom %.3g Angstrom from its site (limit %.3g), ", amax,
             FIT_ATOM_RANGE * r->model.a0);
  return hf_fail(err,
                 "step %ld: the MD left the physical range (%slargest mode %.3g: %s_%c = %.3g "
                 "at cell %zu, mean over cells %.3g; strain %.3g) with the current model; call "
                 "the engine more often early on (threshold: initial_interval) or start colder",
                 r->st.step, atoms, umax, field[cmax / 3], "xyz"[cmax % 3], a ? a[imax] : 0.0, imax,
                 mean, emax);
}

int fit_run_advance(fit_run *r, long nsteps, hf_err *err) {
  for (long k = 0; k < nsteps && r->st.step < r->c.steps; k++) {
    if (r->c.stop && *r->c.stop) { /* (no checkpoint before the first fit: nothing to keep) */
      if (r->dyn && fit_write_checkpoint(r, err)) return HF_FAIL;
      return hf_fail(err, "stopped by signal %d at step %ld%s", (int)*r->c.stop, r->st.step,
                     r->dyn ? " (checkpoint written: fit --resume continues from there)" : "");
    }
    const double T = fit_config_temperature(&r->c, r->st.step);
    const fit_occupation *occ = &r->c.occ;
    /* a new arrangement at the start of the step, so that a checkpoint
     * (between steps) holds the occupation the next step starts from */
    if (occ->on && occ->every > 0 && r->st.step > 0 && r->st.step % occ->every == 0 &&
        fit_draw_occupation(r, err))
      return HF_FAIL;
    double t0 = hf_wall_seconds();
    fit_eval_rows(r);
    double t1 = hf_wall_seconds();
    if (r->dyn) hf_dyn_set_temperature(r->dyn, T);
    if (r->c.heldout_every > 0 && r->st.step > 0 && r->st.step % r->c.heldout_every == 0 &&
        r->have_fit && heldout_point(r, err))
      return HF_FAIL;
    const int probing = fit_probe_due(r);
    int called = probing || hf_thr_decide(&r->thr, r->st.step, r->cur.force);
    double now;
    const int far = called ? -1 : extrapolating(r, &now);
    if (far >= 0) {
      static const char *field[3] = {"u", "v", "omega"};
      fprintf(r->log,
              "# step %ld: call for extrapolation: a %s component of %.4g beyond %g x the "
              "training set's largest (%.4g)\n",
              r->st.step, field[far], now, r->c.extrapolation, r->train_max[far]);
      called = 1;
    }
    if (probing ? fit_probe_call(r, err) : called && fit_training_call(r, 0, err)) return HF_FAIL;
    if (!r->dyn) continue; /* the first call failed: again from a new start */
    if (r->st.step % r->c.log_every == 0) log_row(r);
    double t2 = hf_wall_seconds();
    hf_dyn_step(r->dyn, &r->rng);
    double t3 = hf_wall_seconds();
    if (!called) { /* steps without engine work time the fitter's own cost */
      r->st.t_bayes += t1 - t0;
      r->st.t_md += t3 - t2;
      r->st.n_timed++;
    }
    r->st.step++;
    if (check_sane(r, err)) return HF_FAIL;
    /* checkpoints fall between steps: a resumed run starts a step afresh */
    if ((called || r->st.step % r->c.checkpoint_every == 0) && fit_write_checkpoint(r, err))
      return HF_FAIL;
  }
  if (r->st.step < r->c.steps) return 0;
  return fit_write_checkpoint(r, err) ? HF_FAIL : 1;
}

static int open_table(FILE **f, const char *path, const char *header, int resumed, hf_err *err) {
  *f = fopen(path, resumed ? "r+" : "w");
  if (!*f) return hf_fail(err, "cannot open %s for writing", path);
  if (!resumed) fputs(header, *f);
  return HF_OK;
}

static int build_model(fit_run *r, hf_err *err) {
  if (hf_model_load(&r->model, r->c.reference, err)) return HF_FAIL;
  hf_model_drop_terms(&r->model); /* the header alone: the reference's terms are not used */
  char base[sizeof r->model.name];
  memcpy(base, r->model.name, sizeof base);
  snprintf(r->model.name, sizeof r->model.name, "fit: %.100s", base);
  snprintf(r->model.citation, sizeof r->model.citation,
           "on-the-fly Bayesian fit by `fit` against the %s engine (%.250s); a0, Z*, eps_inf "
           "and masses from the reference model %.100s",
           r->c.engine == FIT_ENGINE_MODEL ? "model" : "child",
           r->c.engine == FIT_ENGINE_MODEL ? r->c.engine_model : r->c.child.settings, base);
  snprintf(r->model.notes, sizeof r->model.notes,
           "Fitted on the fly by `fit` (%.300s); reference header from %.300s. Coefficients are "
           "posterior means, stdev their posterior standard deviations.",
           r->c.path, r->c.reference);
  if (r->c.occ.on && !r->c.occ.in_reference) { /* the parent compound's reference */
    r->model.dof |= HF_DOF_SIGMA;
    r->model.sigma_site = r->c.occ.site;
  }
  if (fit_engines_mode_masses(&r->c, &r->model, &r->lat, err)) return HF_FAIL;
  if (r->c.occ.on) {
    /* the species a child engine puts on the alloy sublattice name sigma = 0, 1 */
    const fit_occupation *o = &r->c.occ;
    if (r->c.engine == FIT_ENGINE_CHILD) {
      snprintf(r->model.alloy_species[0], sizeof r->model.alloy_species[0], "%s",
               r->c.child.species[o->site]);
      snprintf(r->model.alloy_species[1], sizeof r->model.alloy_species[1], "%s",
               r->c.child.species[3]);
    }
    const size_t len = strlen(r->model.notes);
    char when[96] = "one arrangement for the whole run";
    if (o->every > 0) snprintf(when, sizeof when, "re-drawn every %ld MD steps", o->every);
    snprintf(r->model.notes + len, sizeof r->model.notes - len,
             " Trained on random occupations of the %s sublattice at x = %.6g, %s.",
             o->site == HF_SITE_A ? "A" : "B", o->composition, when);
    if (!o->in_reference && r->model.alloy_species[1][0]) { /* the parent's name alone misleads */
      const size_t nl = strlen(r->model.name);
      snprintf(r->model.name + nl, sizeof r->model.name - nl, ", %s/%s on %s",
               r->model.alloy_species[0], r->model.alloy_species[1],
               o->site == HF_SITE_A ? "A" : "B");
    }
  }
  hf_sites sites;
  hf_model_sites(&r->model, &sites);
  hf_sat_request q;
  hf_sat_request_init(&q);
  if (r->c.nspecs == 0 && hf_sat_request_default(&q, r->model.dof, &sites, err)) return HF_FAIL;
  for (int k = 0; k < r->c.nspecs; k++)
    if (hf_sat_request_add(&q, r->c.specs[k], err)) return HF_FAIL;
  if (hf_sat_generate(&r->sats, &q, &sites, err) || hf_sat_add_to_model(&r->model, &r->sats, err))
    return hf_wrap(err, "basis of %s", r->c.path);
  r->M = r->model.nterms;
  return HF_OK;
}

/* What every run needs: the model and its basis, the regression buffers, the
 * fields, the data set and the threshold schedule. */
static int run_setup(fit_run **out, const fit_config *c, hf_err *err) {
  *out = NULL;
  fit_run *r = calloc(1, sizeof *r);
  if (!r) return hf_fail(err, "out of memory");
  r->c = *c;
  hf_model_init(&r->model);
  hf_sat_set_init(&r->sats);
  hf_blr_fit_init(&r->fit);
  r->st.settled_step = -1;
  int rc = hf_lattice_init(&r->lat, c->L, err);
  if (!rc) rc = build_model(r, err);
  if (!rc) rc = hf_features_create(&r->feat, &r->model, &r->lat, err);
  if (!rc && c->acoustic_sum_rule) rc = fit_asr_constraints(&r->model, &r->asr, &r->nasr, err);
  if (!rc && c->hold_model[0] &&
      !(rc = fit_hold_load(&r->hold, c->hold_model, &r->model, r->asr, r->nasr, err))) {
    const size_t len = strlen(r->model.notes);
    snprintf(r->model.notes + len, sizeof r->model.notes - len,
             " The terms without sigma are held at the coefficients of %.300s (regression: "
             "hold_model), the sigma terms fitted to what they leave.",
             c->hold_model);
  }
  if (rc) {
    fit_run_free(r);
    return HF_FAIL;
  }
  r->rows = hf_features_rows(r->feat);
  unsigned mask = hf_model_field_mask(&r->model);
  int nf = !!(mask & HF_FIELD_U) + !!(mask & HF_FIELD_V) + !!(mask & HF_FIELD_W);
  r->nx = (3 * (size_t)nf + !!(mask & HF_FIELD_SIGMA)) * r->lat.n + 6;
  size_t M = (size_t)r->M;
  r->phi = malloc(r->rows * M * sizeof(double));
  r->ylong = malloc(r->rows * sizeof(double));
  r->y = malloc(r->rows * sizeof(double));
  r->target = malloc(r->rows * sizeof(double));
  r->mean = malloc(r->rows * sizeof(double));
  r->berr = malloc(r->rows * sizeof(double));
  r->xpack = malloc(r->nx * sizeof(double));
  r->yclean = malloc(r->rows * sizeof(double));
  r->type = malloc(r->rows * sizeof(int));
  r->blr = c->blr;
  if (!r->phi || !r->ylong || !r->y || !r->target || !r->mean || !r->berr || !r->xpack ||
      !r->type || !r->yclean)
    rc = hf_fail(err, "out of memory");
  if (!rc) rc = hf_fields_alloc(&r->x, &r->lat, mask, err);
  r->probe_q = -1;
  r->desc_due = -1;
  if (!rc && (c->probe > 0 || c->descent > 0 || c->strain_frames > 0 || c->pattern_frames > 0))
    rc = hf_fields_alloc(&r->xsave, &r->lat, mask, err);
  if (!rc) { /* (relaxed states are reported by every run, fit_descent_states) */
    rc = hf_fields_alloc(&r->xdesc, &r->lat, mask, err) ||
         hf_fields_alloc(&r->gdesc, &r->lat, mask, err) ||
         hf_fields_alloc(&r->vdesc, &r->lat, mask, err);
    r->phi_desc = malloc(r->rows * M * sizeof(double));
    r->ylong_desc = malloc(r->rows * sizeof(double));
    r->type_desc = malloc(r->rows * sizeof(int));
    if (!rc && (!r->phi_desc || !r->ylong_desc || !r->type_desc))
      rc = hf_fail(err, "out of memory");
  }
  r->cells.own = (fit_cell){.lat = r->lat,
                            .feat = r->feat,
                            .rows = r->rows,
                            .phi = r->phi,
                            .ylong = r->ylong,
                            .target = r->target,
                            .mean = r->mean,
                            .berr = r->berr,
                            .type = r->type,
                            .x = &r->x};
  if (!rc) rc = hf_blr_data_init(&r->data, r->M, err);
  if (!rc && hf_thr_init(&r->thr, &c->thr))
    rc = hf_fail(err, "%s: threshold settings out of range", c->path);
  if (!rc) rc = hf_mkdir_p(c->out_dir, err); /* before the engine: its call directories */
  if (rc) {
    fit_run_free(r);
    return HF_FAIL;
  }
  *out = r;
  return HF_OK;
}

int fit_refit_create(fit_run **out, const fit_config *c, const char *data_dir, hf_err *err) {
  char a[PATH_MAX], b[PATH_MAX];
  if (realpath(data_dir, a) && realpath(c->out_dir, b) && !strcmp(a, b))
    return hf_fail(err,
                   "%s: a refit writes into output.dir, which must not be the directory the data "
                   "come from (%s)",
                   c->path, data_dir);
  fit_run *r;
  if (run_setup(&r, c, err)) return HF_FAIL;
  snprintf(r->refit_from, sizeof r->refit_from, "%s", data_dir);
  /* a model engine (no side effects) for its hidden model in the report; a
   * child engine is not started */
  int rc = HF_OK;
  if (c->engine == FIT_ENGINE_MODEL)
    rc = fit_engines_create(&r->en, c, &r->model, &r->lat, err);
  else
    snprintf(r->en.name, sizeof r->en.name, "child");
  if (!rc) rc = fit_load_all(r, data_dir, err);
  if (!rc) rc = fit_solve(r, err);
  r->have_fit = !rc;
  if (!rc) rc = fit_compile_model(r, err);
  if (rc) {
    fit_run_free(r);
    return hf_wrap(err, "refit from %s", data_dir);
  }
  *out = r;
  return HF_OK;
}

int fit_run_create(fit_run **out, const fit_config *c, int resume, int *resumed, hf_err *err) {
  *resumed = 0;
  fit_run *r;
  if (run_setup(&r, c, err)) return HF_FAIL;
  *out = NULL;
  int rc = fit_engines_create(&r->en, c, &r->model, &r->lat, err);
  if (rc) {
    fit_run_free(r);
    return HF_FAIL;
  }
  hf_rng_seed(&r->rng, c->seed);
  hf_rng ir;
  hf_rng_split(&r->rng, 1, &ir); /* initial configuration: its own stream */
  random_start(r, &ir);
  if (c->occ.on) { /* the occupations: a stream of their own */
    hf_rng_split(&r->rng, 4, &r->occ_rng);
    rc = fit_draw_occupation(r, err);
  }
  const char *d = c->out_dir;
  snprintf(r->train_path, sizeof r->train_path, "%s/train.xyz", d);
  snprintf(r->held_path, sizeof r->held_path, "%s/heldout.xyz", d);
  snprintf(r->log_path, sizeof r->log_path, "%s/learning.tsv", d);
  snprintf(r->calls_path, sizeof r->calls_path, "%s/calls.tsv", d);
  snprintf(r->heldlog_path, sizeof r->heldlog_path, "%s/heldout.tsv", d);
  snprintf(r->ckpt_path, sizeof r->ckpt_path, "%s/fit.ckpt", d);
  struct stat sb;
  if (!rc && !resume && stat(r->train_path, &sb) == 0) {
    rc = hf_fail(err,
                 "%s exists: a training set is never overwritten; resume with --resume or "
                 "choose another output directory",
                 r->train_path);
  } else if (!rc) {
    rc = fit_resume(r, resume, resumed, err); /* a fresh start resumes from nothing */
  }
  static const char *log_h =
      "# fit learning log, one row every log_every MD steps. Bayesian errors are standard\n"
      "# deviations of the prediction (largest over rows of the type); -1: no fit yet.\n"
      "# Force errors in eV/A; omega's (eV/rad) count times 2/a0 (the oxygen's lever arm).\n"
      "# step\tT_K\tE_model_eV_per_cell\tbayes_force_max_eV_A\tbayes_energy_eV_per_cell\t"
      "bayes_stress_max_eV_per_cell\tthreshold_eV_A\tcalls\tu_mean_x_A\tu_mean_y_A\tu_mean_z_A\t"
      "eta1\teta2\teta3\n";
  static const char *calls_h =
      "# fit engine calls. bayes_*: Bayesian error before the call; true_*: |prediction before\n"
      "# the call - engine|; rmse_*: training residuals after the refit; noise_force_u: fitted\n"
      "# noise level of u forces; sigma_v, sigma_w: hyperparameters (normalised units);\n"
      "# model_*: against the noise-free engine (= true_* when the engine has no noise).\n"
      "# Force errors in eV/A; omega's (eV/rad) count times 2/a0 (the oxygen's lever arm).\n"
      "# call\tstep\tT_K\tbayes_force_max_eV_A\ttrue_force_max_eV_A\ttrue_force_rms_eV_A\t"
      "bayes_energy_eV_per_cell\ttrue_energy_eV_per_cell\tbayes_stress_max_eV_per_cell\t"
      "true_stress_max_eV_per_cell\tthreshold_eV_A\trmse_energy_eV_per_cell\trmse_force_u_eV_A\t"
      "rmse_force_v_eV_A\trmse_stress_eV_per_cell\tnoise_force_u_eV_A\tsigma_v\tsigma_w\t"
      "gamma\tlog_evidence\tmodel_force_max_eV_A\n";
  static const char *held_h =
      "# fit held-out points: Bayesian vs true errors of the model at that moment;\n"
      "# model_*: against the noise-free engine (= true_* when the engine has no noise)\n"
      "# Force errors in eV/A; omega's (eV/rad) count times 2/a0 (the oxygen's lever arm).\n"
      "# step\tT_K\tbayes_force_max_eV_A\ttrue_force_max_eV_A\ttrue_force_rms_eV_A\t"
      "bayes_energy_eV_per_cell\ttrue_energy_eV_per_cell\tbayes_stress_max_eV_per_cell\t"
      "true_stress_max_eV_per_cell\tmodel_force_max_eV_A\n";
  if (!rc) rc = open_table(&r->log, r->log_path, log_h, *resumed, err);
  if (!rc) rc = open_table(&r->calls, r->calls_path, calls_h, *resumed, err);
  if (!rc) rc = open_table(&r->heldlog, r->heldlog_path, held_h, *resumed, err);
  if (!rc && *resumed)
    rc = hf_file_truncate(r->log, r->st.log_bytes, r->log_path, err) ||
         hf_file_truncate(r->calls, r->st.calls_bytes, r->calls_path, err) ||
         hf_file_truncate(r->heldlog, r->st.held_bytes, r->heldlog_path, err);
  if (!rc && !*resumed && r->hold.held) {
    char line[2048];
    fit_hold_line(r, line, sizeof line);
    fprintf(r->log, "# %s", line);
  }
  const double *e0 = c->init_eta;
  const int *fr = c->md.strain_free;
  if (!rc && !*resumed && fit_clamped(c))
    fprintf(r->log,
            "# initial_strain (%g %g %g %g %g %g): the MD and the descent start there; "
            "strain_free (%d %d %d %d %d %d): the others stay\n",
            e0[0], e0[1], e0[2], e0[3], e0[4], e0[5], fr[0], fr[1], fr[2], fr[3], fr[4], fr[5]);
  if (!rc) {
    r->train = fopen(r->train_path, "a");
    r->held = fopen(r->held_path, "a");
    if (!r->train || !r->held) rc = hf_fail(err, "cannot open %s for appending", r->train_path);
  }
  if (rc) {
    fit_run_free(r);
    return HF_FAIL;
  }
  *out = r;
  return HF_OK;
}

void fit_run_free(fit_run *r) {
  if (!r) return;
  FILE *fs[5] = {r->train, r->held, r->log, r->calls, r->heldlog};
  for (int k = 0; k < 5; k++)
    if (fs[k]) fclose(fs[k]);
  hf_dyn_free(r->dyn);
  hf_engine_free(r->eng);
  fit_engines_free(&r->en);
  hf_fields_free(&r->x);
  if (r->c.probe > 0 || r->c.descent > 0 || r->c.strain_frames > 0 || r->c.pattern_frames > 0)
    hf_fields_free(&r->xsave);
  hf_fields_free(&r->xdesc), hf_fields_free(&r->gdesc), hf_fields_free(&r->vdesc);
  free(r->phi_desc), free(r->ylong_desc), free(r->type_desc);
  hf_blr_fit_free(&r->fit);
  fit_bound_cuts_free(&r->cuts);
  free(r->asr);
  fit_hold_free(&r->hold);
  hf_blr_data_free(&r->data);
  hf_features_free(r->feat);
  fit_cells_free(&r->cells);
  hf_sat_set_free(&r->sats);
  hf_model_free(&r->model);
  fit_pending_free(&r->pend_train);
  fit_pending_free(&r->pend_held);
  free(r->phi);
  free(r->ylong);
  free(r->y);
  free(r->target);
  free(r->mean);
  free(r->berr);
  free(r->xpack);
  free(r->yclean);
  free(r->type);
  free(r);
}

const fit_stats *fit_run_get_stats(const fit_run *r) { return &r->st; }
double fit_run_threshold(const fit_run *r) { return r->thr.threshold; }
int fit_run_nterms(const fit_run *r) { return r->M; }
const char *fit_run_summary(const fit_run *r) { return r->summary; }
