/* otf_state.c - checkpoint, resume and replay of the on-the-fly fitter (see
 * otf.h for the protocol). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "md_state.h"
#include "omega_gauge.h"
#include "otf_internal.h"
#include "probe.h"

#define FIT_CKPT_VERSION 3 /* 3: fit_stats counts imported frames */

void fit_pack_config(const fit_run *r, double *out) {
  size_t k = 0;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(&r->x, c);
    if (!a) continue;
    memcpy(out + k, a, r->lat.n * sizeof(double));
    k += r->lat.n;
  }
  if (r->x.sigma) {
    memcpy(out + k, r->x.sigma, r->lat.n * sizeof(double));
    k += r->lat.n;
  }
  memcpy(out + k, r->x.eta, sizeof r->x.eta);
}

static void fnv(uint64_t *h, const void *p, size_t n) { *h = hf_fnv1a(*h, p, n); }

/* Hash of every setting that shapes the trajectory or the fit (not the
 * number of steps, which may be extended, nor output settings). */
static uint64_t config_hash(const fit_config *c) {
  uint64_t h = HF_FNV_OFFSET;
  fnv(&h, c->reference, strlen(c->reference));
  for (int k = 0; k < c->nspecs; k++) fnv(&h, c->specs[k], strlen(c->specs[k]));
  fnv(&h, c->L, sizeof c->L);
  fnv(&h, &c->seed, sizeof c->seed);
  fnv(&h, &c->pressure, sizeof c->pressure);
  fnv(&h, c->temps, (size_t)c->ntemps * sizeof c->temps[0]);
  fnv(&h, &c->md, sizeof c->md);
  fnv(&h, &c->init_amp, sizeof c->init_amp);
  /* hashed only when set: runs started before the key existed had none */
  for (int l = 0; l < 6; l++)
    if (c->init_eta[l] != 0) {
      fnv(&h, c->init_eta, sizeof c->init_eta);
      break;
    }
  fnv(&h, c->engine_model, strlen(c->engine_model));
  fnv(&h, &c->noise, sizeof c->noise);
  fnv(&h, c->extra, (size_t)c->nextra * sizeof c->extra[0]);
  fnv(&h, &c->thr, sizeof c->thr);
  if (c->extrapolation > 0) fnv(&h, &c->extrapolation, sizeof c->extrapolation);
  if (c->probe > 0) fnv(&h, &c->probe, sizeof c->probe);
  if (c->probe_depth > 0) fnv(&h, &c->probe_depth, sizeof c->probe_depth);
  if (c->descent > 0) fnv(&h, &c->descent, sizeof c->descent);
  if (c->strain_frames > 0) fnv(&h, &c->strain_frames, sizeof c->strain_frames);
  if (c->pattern_frames > 0) fnv(&h, &c->pattern_frames, sizeof c->pattern_frames);
  if (c->pat_listed) {
    fnv(&h, c->pat_q, (size_t)c->npat * sizeof c->pat_q[0]);
    fnv(&h, c->pat_d, (size_t)c->npat * sizeof c->pat_d[0]);
  }
  if (c->pat_based) fnv(&h, c->pat_base, sizeof c->pat_base);
  if (c->extrapolation_interval > 0)
    fnv(&h, &c->extrapolation_interval, sizeof c->extrapolation_interval);
  fnv(&h, &c->blr, sizeof c->blr);
  /* hashed only when on: runs started before the option existed had it off */
  if (c->acoustic_sum_rule) fnv(&h, "asr", 3);
  if (c->energy_max > 0) fnv(&h, &c->energy_max, sizeof c->energy_max);
  if (c->amplitude_max > 0) fnv(&h, &c->amplitude_max, sizeof c->amplitude_max);
  if (c->run_weight != 1) fnv(&h, &c->run_weight, sizeof c->run_weight);
  for (int k = 0; k < FIT_FRAME_NKIND; k++)
    if (c->kind_weight[k] != 1) fnv(&h, &c->kind_weight[k], sizeof c->kind_weight[k]);
  if (c->bounded) fnv(&h, &c->bounded, sizeof c->bounded);
  if (c->well_radius != 0) fnv(&h, &c->well_radius, sizeof c->well_radius);
  if (c->well_radius_omega != 0) fnv(&h, &c->well_radius_omega, sizeof c->well_radius_omega);
  if (c->bounded_hold) fnv(&h, &c->bounded_hold, sizeof c->bounded_hold);
  if (c->hold_model[0]) fnv(&h, c->hold_model, strlen(c->hold_model));
  fnv(&h, &c->heldout_every, sizeof c->heldout_every);
  if (c->initial_training[0]) fnv(&h, c->initial_training, strlen(c->initial_training));
  if (c->occ.on) fnv(&h, &c->occ, sizeof c->occ);
  if (c->engine != FIT_ENGINE_MODEL) { /* what the engine computes; not how it is run */
    const fit_child_opts *o = &c->child;
    fnv(&h, &c->engine, sizeof c->engine);
    fnv(&h, o->settings, strlen(o->settings));
    /* A, B, X as before alloys existed (so older checkpoints still resume),
     * then the alloy's second species when there is one */
    fnv(&h, o->species, 3 * sizeof o->species[0]);
    if (o->species[3][0]) fnv(&h, o->species[3], sizeof o->species[3]);
    fnv(&h, o->xi, sizeof o->xi);
    fnv(&h, o->masses, sizeof o->masses);
    fnv(&h, &o->remove_mean_force, sizeof o->remove_mean_force);
    fnv(&h, &o->pulay_correction, sizeof o->pulay_correction);
  }
  return h;
}

/* An output file the running fit holds open was deleted or replaced (a `git
 * stash` or checkout of a committed run directory does that: git writes new
 * files): the fit would go on appending to the unlinked one and its results
 * would vanish with the process.  The open file's whole content (read back
 * through /proc/self/fd) goes back to its path, atomically, and the fit
 * appends there from now on.  *healed counts the files put back. */
static int guard_file(FILE **f, const char *path, const char *mode, int *healed, hf_err *err) {
  struct stat st;
  if (!*f || fstat(fileno(*f), &st) || st.st_nlink > 0) return HF_OK;
  if (fflush(*f)) return hf_fail(err, "%s: cannot flush", path);
  char fd_path[64], tmp[1200];
  snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fileno(*f));
  snprintf(tmp, sizeof tmp, "%s.restore", path);
  FILE *in = fopen(fd_path, "r"), *out = in ? fopen(tmp, "w") : NULL;
  int rc = in && out ? HF_OK
                     : hf_fail(err,
                               "%s was deleted under the fit and cannot be restored "
                               "from %s: %s",
                               path, fd_path, strerror(errno));
  char buf[65536];
  size_t n;
  while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n) rc = hf_fail(err, "%s: cannot write", tmp);
  if (in) fclose(in);
  if (out && (fflush(out) || fsync(fileno(out)) || fclose(out)) && !rc)
    rc = hf_fail(err, "%s: cannot write", tmp);
  if (!rc && rename(tmp, path)) rc = hf_fail(err, "cannot rename %s to %s", tmp, path);
  if (rc) return rc;
  FILE *nf = fopen(path, mode);
  if (!nf || fseek(nf, 0, SEEK_END)) return hf_fail(err, "%s: cannot reopen", path);
  fclose(*f);
  *f = nf;
  (*healed)++;
  return HF_OK;
}

int fit_guard_outputs(fit_run *r, hf_err *err) {
  int healed = 0;
  if (guard_file(&r->train, r->train_path, "a", &healed, err) ||
      guard_file(&r->held, r->held_path, "a", &healed, err) ||
      guard_file(&r->log, r->log_path, "r+", &healed, err) ||
      guard_file(&r->calls, r->calls_path, "r+", &healed, err) ||
      guard_file(&r->heldlog, r->heldlog_path, "r+", &healed, err))
    return HF_FAIL;
  r->st_restored += healed;
  return HF_OK;
}

int fit_write_checkpoint(fit_run *r, hf_err *err) {
  if (fit_guard_outputs(r, err)) return HF_FAIL;
  if (fflush(r->log) || fflush(r->calls) || fflush(r->heldlog))
    return hf_fail(err, "cannot write the tables in %s", r->c.out_dir);
  r->st.log_bytes = ftell(r->log);
  r->st.calls_bytes = ftell(r->calls);
  r->st.held_bytes = ftell(r->heldlog);
  hf_ckpt_writer w;
  if (hf_ckpt_open_write(&w, r->ckpt_path, err)) return HF_FAIL;
  int version = FIT_CKPT_VERSION;
  uint64_t h = config_hash(&r->c);
  hf_ckpt_put(&w, "version", &version, sizeof version);
  hf_ckpt_put(&w, "config", &h, sizeof h);
  hf_ckpt_put(&w, "stats", &r->st, sizeof r->st);
  hf_ckpt_put(&w, "threshold", &r->thr, sizeof r->thr);
  hf_ckpt_put(&w, "rng", &r->rng, sizeof r->rng);
  hf_ckpt_put(&w, "strain_mass", &r->strain_mass, sizeof r->strain_mass);
  if (r->c.occ.on) hf_ckpt_put(&w, "occ_rng", &r->occ_rng, sizeof r->occ_rng);
  if (r->c.probe > 0) hf_ckpt_put(&w, "probed", r->probed, sizeof r->probed);
  if (r->c.descent > 0) hf_ckpt_put(&w, "descended", r->descended, sizeof r->descended);
  if (r->c.strain_frames > 0) hf_ckpt_put(&w, "strained", &r->strained, sizeof r->strained);
  if (r->c.pattern_frames > 0) hf_ckpt_put(&w, "patterned", &r->patterned, sizeof r->patterned);
  if (r->c.bounded && r->have_fit) { /* the solve is not a function of the data alone */
    hf_ckpt_put(&w, "bound_w", r->fit.w, (size_t)r->M * sizeof *r->fit.w);
    hf_ckpt_put(&w, "bound_report", &r->bound, sizeof r->bound);
    hf_ckpt_put(&w, "bound_cuts_k", &r->cuts.k, sizeof r->cuts.k);
    hf_ckpt_put(&w, "bound_cuts", r->cuts.A, (size_t)r->cuts.k * r->M * sizeof *r->cuts.A);
    hf_ckpt_put(&w, "bound_cuts_c", r->cuts.c, (size_t)r->cuts.k * sizeof *r->cuts.c);
    hf_ckpt_put(&w, "bound_cuts_r", r->cuts.radius, (size_t)r->cuts.k * sizeof *r->cuts.radius);
  }
  hf_md_state_put(&w, &r->x, r->dyn, &r->lat, NULL, err); /* serial: cannot fail */
  return hf_ckpt_commit(&w, err);
}

static int pending_push(fit_run *r, fit_pending *p, long step, const double *y) {
  long n = p->n + 1;
  long *s = realloc(p->step, (size_t)n * sizeof *s);
  if (s) p->step = s;
  double *x = realloc(p->x, (size_t)n * r->nx * sizeof *x);
  if (x) p->x = x;
  double *yy = realloc(p->y, (size_t)n * r->rows * sizeof *yy);
  if (yy) p->y = yy;
  if (!s || !x || !yy) return HF_FAIL;
  p->step[p->n] = step;
  fit_pack_config(r, p->x + (size_t)p->n * r->nx);
  memcpy(p->y + (size_t)p->n * r->rows, y, r->rows * sizeof *y);
  p->n = n;
  return HF_OK;
}

void fit_pending_free(fit_pending *p) {
  free(p->step);
  free(p->x);
  free(p->y);
  memset(p, 0, sizeof *p);
}

int fit_replay(fit_run *r, fit_pending *p, double *y, hf_err *err) {
  if (p->next >= p->n) return 0;
  long s = p->step[p->next];
  fit_pack_config(r, r->xpack);
  const double *rec = p->x + (size_t)p->next * r->nx;
  double dmax = 0;
  for (size_t k = 0; k < r->nx; k++) dmax = fmax(dmax, fabs(r->xpack[k] - rec[k]));
  if (s != r->st.step || dmax > 0)
    return hf_fail(err,
                   "resume: the engine result recorded for step %ld does not match the replayed "
                   "run (now at step %ld, configuration %s by up to %.3g); was the fit file or "
                   "the program changed?",
                   s, r->st.step, s == r->st.step ? "differs" : "elsewhere", dmax);
  memcpy(y, p->y + (size_t)p->next * r->rows, r->rows * sizeof *y);
  p->next++;
  return 1;
}

typedef struct {
  fit_run *r;
  long keep; /* this run's frames already in the checkpointed state */
  long seen; /* this run's frames read */
  long imported;
  fit_pending *pend;
  int learn;  /* 1: training frames (appended to the data), 0: held-out */
  FILE *copy; /* initial_training: each frame is also appended here, as imported */
  const char *copy_path;
  const char *path; /* the file read */
} load_ctx;

static int load_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                      const fit_frame_meta *meta, hf_err *err) {
  load_ctx *c = p;
  fit_run *r = c->r;
  fit_cell *cell;
  if (fit_cells_get(&r->cells, &r->model, r->M, lat, &cell, err)) return HF_FAIL;
  /* an earlier fit's frames precede this run's; they are data, never replayed */
  const int earlier = meta->imported || c->copy;
  if (!earlier && cell != &r->cells.own && c->pend) /* would be replayed */
    return hf_fail(err,
                   "%s: frame %ld of this fit is on a %dx%dx%d supercell, the fit runs on "
                   "%dx%dx%d (only frames of an earlier fit, initial_training, may differ)",
                   c->path, c->seen + 1, lat->L[0], lat->L[1], lat->L[2], r->lat.L[0], r->lat.L[1],
                   r->lat.L[2]);
  long k = earlier ? (c->imported++, -1) : c->seen++;
  hf_fields_copy(cell->x, x, lat);
  memcpy(cell->x->eta, x->eta, sizeof x->eta);
  if (c->copy) {
    /* an earlier fit's MD may have left the omega gauge; the projection is
     * the same structure (the same engine result) in the gauge this fit's
     * MD keeps (omega_gauge.h) */
    if (cell->x->w[0]) {
      if (lat->L[0] + lat->L[1] + lat->L[2] > 3 * FIT_MAX_L)
        return hf_fail(err,
                       "%s: an omega frame on a %dx%dx%d supercell (at most %d cells along "
                       "an axis)",
                       c->path, lat->L[0], lat->L[1], lat->L[2], FIT_MAX_L);
      double work[3 * FIT_MAX_L], *w[3] = {cell->x->w[0], cell->x->w[1], cell->x->w[2]};
      hf_comm self;
      hf_comm_init_serial(&self);
      hf_omega_gauge_project(lat, &self, w, work);
    }
    fit_frame_meta m = *meta;
    m.imported = 1;
    if (fit_xyz_append(c->copy, c->copy_path, &r->model, lat, cell->x, y, &m, err)) return HF_FAIL;
  }
  if (k >= c->keep) {
    if (pending_push(r, c->pend, meta->step, y)) return hf_fail(err, "out of memory");
    return HF_OK;
  }
  if (!c->learn) return HF_OK;
  if (fit_frame_out(&r->c, lat, cell->x, y, NULL, 0)) {
    r->excluded++;
    return HF_OK;
  }
  cell->frames++;
  fit_track_extent(r, cell->x, lat);
  hf_features_eval(cell->feat, cell->x, cell->phi, cell->ylong, cell->type);
  for (size_t i = 0; i < cell->rows; i++) cell->target[i] = y[i] - cell->ylong[i];
  r->kind_frames[meta->kind]++; /* fit_xyz_read gives a valid kind */
  return hf_blr_data_append_weighted(&r->data, (int)cell->rows, cell->phi, cell->target, cell->type,
                                     fit_frame_weight(&r->c, earlier, meta->kind), err);
}

/* keep < 0: every frame into the data set, and the file is someone else's
 * (read only); *n the complete frames of this run, *imported those of an
 * earlier one (NULL: not counted). */
static int load_frames(fit_run *r, const char *path, long keep, fit_pending *pend, int learn,
                       long *n, long *imported, hf_err *err) {
  load_ctx c = {
      .r = r, .keep = keep < 0 ? LONG_MAX : keep, .pend = pend, .learn = learn, .path = path};
  long valid, all;
  if (fit_xyz_read(path, &r->model, load_frame, &c, &all, &valid, err)) return HF_FAIL;
  *n = c.seen;
  if (imported) *imported = c.imported;
  if (keep < 0) return HF_OK;
  if (*n < keep)
    return hf_fail(err, "%s holds %ld frames but the checkpoint counts %ld: the file was cut", path,
                   *n, keep);
  /* a frame cut short by a kill while writing was never used: drop it */
  if (access(path, F_OK) == 0 && truncate(path, valid))
    return hf_fail(err, "%s: cannot drop an incomplete last frame: %s", path, strerror(errno));
  return HF_OK;
}

int fit_load_all(fit_run *r, const char *dir, hf_err *err) {
  snprintf(r->train_path, sizeof r->train_path, "%s/train.xyz", dir);
  snprintf(r->held_path, sizeof r->held_path, "%s/heldout.xyz", dir);
  if (access(r->train_path, R_OK))
    return hf_fail(err, "%s: cannot read the training set: %s", r->train_path, strerror(errno));
  if (load_frames(r, r->train_path, -1, NULL, 1, &r->st.calls, &r->st.imported, err))
    return HF_FAIL;
  if (access(r->held_path, R_OK) == 0 &&
      load_frames(r, r->held_path, -1, NULL, 0, &r->st.heldout, NULL, err))
    return HF_FAIL;
  return r->st.calls + r->st.imported ? HF_OK
                                      : hf_fail(err, "%s holds no complete frame", r->train_path);
}

/* Copies the frames of initial_training into a new train.xyz (through a
 * temporary file renamed at the end: a kill leaves either no train.xyz or a
 * complete import) and adds them to the data set.  this_run: frames of this
 * run already in train.xyz. */
static int import_training(fit_run *r, long this_run, hf_err *err) {
  const char *src = r->c.initial_training;
  if (this_run > 0)
    return hf_fail(err,
                   "%s holds %ld frames of this fit but none of initial_training %s: the key "
                   "cannot be added to a fit that has started",
                   r->train_path, this_run, src);
  char tmp[sizeof r->train_path + 8];
  snprintf(tmp, sizeof tmp, "%s.import", r->train_path);
  FILE *f = fopen(tmp, "w");
  if (!f) return hf_fail(err, "%s: cannot create: %s", tmp, strerror(errno));
  load_ctx c = {.r = r, .keep = LONG_MAX, .learn = 1, .copy = f, .copy_path = tmp, .path = src};
  long all, valid;
  int rc = fit_xyz_read(src, &r->model, load_frame, &c, &all, &valid, err);
  if (fclose(f) && !rc) rc = hf_fail(err, "%s: cannot write: %s", tmp, strerror(errno));
  if (!rc && all == 0)
    rc = hf_fail(err, "initial_training %s holds no complete frame (or does not exist)", src);
  if (!rc && rename(tmp, r->train_path))
    rc = hf_fail(err, "cannot rename %s to %s: %s", tmp, r->train_path, strerror(errno));
  if (rc) {
    remove(tmp);
    return hf_wrap(err, "initial_training");
  }
  r->st.imported = all;
  return HF_OK;
}

/* A bounded solve's coefficients, report and active rows (fit_bound_cuts)
 * from the checkpoint: the resumed model is the one the run had, whatever
 * rows the run had carried into it (fit/bounded.h). */
static int get_bound(fit_run *r, hf_ckpt_reader *rd, double **wb, hf_err *err) {
  int k = 0;
  if (!(*wb = malloc((size_t)r->M * sizeof **wb))) return hf_fail(err, "out of memory");
  /* (checkpoints from before the well form: a shorter report, rows without
   * constants, all of the quartic form) */
  if (hf_ckpt_get(rd, "bound_w", *wb, (size_t)r->M * sizeof **wb, err) ||
      hf_ckpt_get_grown(rd, "bound_report", &r->bound, sizeof r->bound, err) ||
      hf_ckpt_get(rd, "bound_cuts_k", &k, sizeof k, err))
    return HF_FAIL;
  if (!(r->bound.radius > 0)) r->bound.well_in = r->bound.well_out = INFINITY;
  if (k < 0 || k > FIT_BOUND_ROWS)
    return hf_fail(err, "checkpoint %s: %d bounded rows (at most %d)", rd->path, k, FIT_BOUND_ROWS);
  fit_bound_cuts_free(&r->cuts);
  if (fit_bound_cuts_alloc(&r->cuts, r->M, k)) return hf_fail(err, "out of memory");
  if (hf_ckpt_get(rd, "bound_cuts", r->cuts.A, (size_t)k * r->M * sizeof(double), err))
    return HF_FAIL;
  if (hf_ckpt_next_is(rd, "bound_cuts_c") &&
      (hf_ckpt_get(rd, "bound_cuts_c", r->cuts.c, (size_t)k * sizeof(double), err) ||
       hf_ckpt_get(rd, "bound_cuts_r", r->cuts.radius, (size_t)k * sizeof(double), err)))
    return HF_FAIL;
  return HF_OK;
}

int fit_resume(fit_run *r, int use_checkpoint, int *resumed, hf_err *err) {
  *resumed = 0;
  double *wb = NULL; /* a bounded solve's coefficients from the checkpoint */
  hf_ckpt_reader rd;
  int exists = 0, rc = HF_OK;
  if (use_checkpoint && hf_ckpt_open_read(&rd, r->ckpt_path, &exists, err)) return HF_FAIL;
  if (exists) {
    int version;
    uint64_t h, want = config_hash(&r->c);
    rc = hf_ckpt_get(&rd, "version", &version, sizeof version, err);
    if (!rc && version != FIT_CKPT_VERSION)
      rc = hf_fail(err, "%s has version %d, expected %d", r->ckpt_path, version, FIT_CKPT_VERSION);
    if (!rc) rc = hf_ckpt_get(&rd, "config", &h, sizeof h, err);
    if (!rc && h != want)
      rc = hf_fail(err,
                   "%s belongs to a fit with other settings (only steps and output settings may "
                   "change on resume)",
                   r->ckpt_path);
    if (!rc) rc = hf_ckpt_get(&rd, "stats", &r->st, sizeof r->st, err);
    /* (checkpoints from before last_probe hold the threshold state without it) */
    if (!rc) rc = hf_ckpt_get_grown(&rd, "threshold", &r->thr, sizeof r->thr, err);
    if (!rc) rc = hf_ckpt_get(&rd, "rng", &r->rng, sizeof r->rng, err);
    if (!rc) rc = hf_ckpt_get(&rd, "strain_mass", &r->strain_mass, sizeof r->strain_mass, err);
    if (!rc && r->c.occ.on) rc = hf_ckpt_get(&rd, "occ_rng", &r->occ_rng, sizeof r->occ_rng, err);
    if (!rc && r->c.probe > 0) rc = hf_ckpt_get(&rd, "probed", r->probed, sizeof r->probed, err);
    if (!rc && r->c.descent > 0) /* (checkpoints from before the noisy starts hold 6) */
      rc = hf_ckpt_get_grown(&rd, "descended", r->descended, sizeof r->descended, err);
    if (!rc && r->c.strain_frames > 0)
      rc = hf_ckpt_get(&rd, "strained", &r->strained, sizeof r->strained, err);
    if (!rc && r->c.pattern_frames > 0)
      rc = hf_ckpt_get(&rd, "patterned", &r->patterned, sizeof r->patterned, err);
    if (!rc && r->c.bounded && hf_ckpt_next_is(&rd, "bound_w")) rc = get_bound(r, &rd, &wb, err);
  }
  /* Training frames up to the checkpoint rebuild the data set; the rest
   * (and every frame when there is no checkpoint) are replayed. */
  hf_fields keep;
  if (!rc)
    rc = hf_fields_alloc(&keep, &r->lat,
                         HF_FIELD_U | HF_FIELD_V | HF_FIELD_W | (r->x.sigma ? HF_FIELD_SIGMA : 0),
                         err);
  if (rc) {
    if (exists) hf_ckpt_close(&rd);
    free(wb);
    return HF_FAIL;
  }
  hf_fields_copy(&keep, &r->x, &r->lat); /* the initial configuration, for a start afresh */
  memcpy(keep.eta, r->x.eta, sizeof keep.eta);
  long n;
  rc = load_frames(r, r->train_path, exists ? r->st.calls : 0, &r->pend_train, 1, &n,
                   &r->st.imported, err);
  if (!rc && r->c.initial_training[0] && r->st.imported == 0) rc = import_training(r, n, err);
  if (!rc)
    rc = load_frames(r, r->held_path, exists ? r->st.heldout : 0, &r->pend_held, 0, &n, NULL, err);
  hf_fields_copy(&r->x, &keep, &r->lat);
  memcpy(r->x.eta, keep.eta, sizeof keep.eta);
  hf_fields_free(&keep);
  if (!rc && (exists || r->st.imported) && r->st.calls + r->st.imported > 0) {
    double t0 = r->st.t_refit;
    rc = fit_solve_as(r, wb, err);
    r->have_fit = !rc;
    r->st.t_refit = t0;
    if (!rc) rc = fit_compile_model(r, err); /* the dynamics, for the MD state below */
    if (!rc) fit_probe_plan(r);
  }
  free(wb);
  /* A fit that starts on an earlier fit's frames has a model at step 0: its
   * first call waits initial_interval steps like any other (the random start
   * at step 0 is often the earlier fit's first frame: same seed, same start) */
  if (!rc && !exists && r->st.imported > 0) r->thr.last_call = 0;
  if (exists) {
    if (!rc) rc = hf_md_state_get(&rd, &r->x, r->dyn, &r->lat, NULL, err);
    if (!rc) rc = hf_ckpt_get(&rd, "end", NULL, 0, err);
    hf_ckpt_close(&rd);
    if (rc) return hf_wrap(err, "resume from %s", r->ckpt_path);
    if (r->dyn) hf_dyn_refresh(r->dyn);
    *resumed = 1;
  }
  return rc;
}
