/* sweep.c - the temperature-sweep driver with checkpoint/resume (sweep.h). */
#include "sweep.h"

#include <errno.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "hmc.h"
#include "initial_state.h"
#include "local_strain.h"
#include "local_table.h"
#include "md_state.h"
#include "metropolis.h"
#include "occupation.h"
#include "output.h"
#include "strain_stability.h"
#include "timeseries.h"

#define ADAPT_EVERY 10 /* sweeps between step-size adaptations (HMC, MC) */
#define CKPT_VERSION 3

enum { STAGE_THERM = 0, STAGE_AVG = 1 };

/* Everything that changes during the run and must survive a restart. */
typedef struct {
  int it, stage;
  long step;
  long units_done;
  uint64_t acc_tried, acc_accepted;    /* this temperature's averaging phase */
  uint64_t last_tried[4], last_acc[4]; /* sampler counters at the last unit */
  uint64_t win_tried[4], win_acc[4];   /* since the last step-size adaptation */
  double step_size[4];                 /* HMC dt or MC steps (u, v, w, strain) */
  long table_bytes, terms_bytes, local_bytes, series_bytes;
} progress;

struct hf_sweep {
  char warning[640]; /* for the user, set at creation (empty: none) */
  hf_run_config c;
  const hf_model *m;
  /* ranks (docs/mpi.md): every rank runs the same control flow on its slab
   * lat of the supercell glat; rank 0 (lead) alone writes files.  The local
   * table, term energies and VTK take the whole configuration, gathered into
   * xg on rank 0 (several ranks only). */
  hf_comm self_comm, *comm;
  int lead;
  hf_lattice lat, glat;
  hf_fields xg;
  hf_engine *eng;
  hf_fields x;
  hf_dyn *dyn;
  hf_hmc *hmc;
  hf_mc *mc;
  hf_pin pin; /* pinned cells (run-file key 'pinned') */
  hf_rng rng;
  hf_obs obs;
  hf_obs_result last;
  double last_accept, last_step;
  progress p;
  FILE *table, *terms, *local;
  hf_timeseries *series; /* rank 0: MD time series (output: timeseries), or NULL */
  char table_path[1200], terms_path[1200], local_path[1200], ckpt_path[1200];
  hf_local_acc lacc; /* local structure of this temperature's samples */
  double *etaL[6];
  hf_strain_stencil stencil;
  hf_wraptab wrap;
  double term_e[64];
  long total_units;
};

static double pressure_at(const hf_run_config *c, double T) {
  return c->pressure + c->pressure_per_K * T;
}

static const char *method_name(int m) {
  return m == HF_METHOD_MD ? "md" : m == HF_METHOD_HMC ? "hmc" : "mc";
}

/* Every rank draws the whole supercell's sequence and keeps its slab. */
static int init_fields(hf_sweep *s, hf_err *err) {
  hf_rng r;
  hf_rng_split(&s->rng, 1, &r); /* a stream of its own: does not shift the sampler's */
  return hf_initial_state(&s->c, &s->lat, &s->x, &r, err);
}

/* 1 if cell (x, y, z) of this rank's slab lies in a vacuum layer (run-file
 * key 'vacuum'). */
static int vacuum_cell(const hf_run_config *c, const hf_lattice *lat, int x, int y, int z) {
  const int a = c->vacuum_axis;
  if (a < 0) return 0;
  const int q = a == 0 ? lat->x0 + x : a == 1 ? y : z;
  for (int k = 0; k < c->nvacuum; k++)
    if (q >= c->vacuum[k][0] && q < c->vacuum[k][1]) return 1;
  return 0;
}

/* Vacuum layers hold no modes: zero there, whatever the initial state says
 * (they are then pinned at zero). */
static void zero_vacuum(hf_sweep *s) {
  for (int x = 0; s->c.vacuum_axis >= 0 && x < s->lat.nx; x++)
    for (int y = 0; y < s->lat.L[1]; y++)
      for (int z = 0; z < s->lat.L[2]; z++) {
        if (!vacuum_cell(&s->c, &s->lat, x, y, z)) continue;
        for (int f = 0; f < 9; f++) {
          double *v = hf_fields_comp(&s->x, f);
          if (v) v[hf_index(&s->lat, x, y, z)] = 0;
        }
      }
}

/* The whole configuration for the diagnostics, on rank 0 (collective). */
static const hf_fields *whole_config(hf_sweep *s) {
  if (s->comm->size == 1) return &s->x;
  hf_comm_gather_fields(s->comm, &s->lat, &s->x, &s->xg);
  return &s->xg;
}

/* Vacuum cells carry sigma = 0 (no species): with modes pinned at zero
 * there, every monomial holding a vacuum cell's sigma or mode then vanishes.
 * Generated patterns are cleared there; a file must have them 0.  sg is the
 * whole supercell's occupation. */
static int clear_vacuum_sigma(hf_sweep *s, double *sg, const unsigned char *vac, hf_err *err) {
  for (size_t i = 0; i < s->glat.n; i++) {
    if (!vac[i] || sg[i] == 0) continue;
    if (s->c.occ.pattern == HF_OCC_FILE) {
      const size_t Lz = (size_t)s->glat.L[2], Ly = (size_t)s->glat.L[1];
      return hf_fail(err,
                     "%s: cell (%zu, %zu, %zu) lies in the vacuum but has sigma %g: expected 0 "
                     "there (vacuum cells hold no species)",
                     s->c.occ.file, i / (Ly * Lz), i / Lz % Ly, i % Lz, sg[i]);
    }
    sg[i] = 0;
  }
  return HF_OK;
}

/* The whole supercell's occupation into sg (rank 0 alone on several
 * ranks: the same numbers whatever the rank count), written next to the
 * tables and summarised in note. */
static int make_occupation(hf_sweep *s, double *sg, char *note, size_t cap, hf_err *err) {
  const hf_occ_config *o = &s->c.occ;
  const hf_lattice *lat = &s->glat;
  const size_t nvac = hf_run_config_vacuum_cells(&s->c);
  unsigned char *vac = nvac ? malloc(lat->n) : NULL;
  if (nvac && !vac) return hf_fail(err, "out of memory");
  for (int x = 0; vac && x < lat->L[0]; x++)
    for (int y = 0; y < lat->L[1]; y++)
      for (int z = 0; z < lat->L[2]; z++)
        vac[hf_index(lat, x, y, z)] = (unsigned char)vacuum_cell(&s->c, lat, x, y, z);
  hf_rng r;
  hf_rng_split(&s->rng, 3, &r); /* its own stream */
  double reached = 0;
  int rc;
  switch (o->pattern) {
    case HF_OCC_RANDOM:
      rc = hf_occ_random_in(lat, o->composition, vac, &r, sg, err);
      break;
    case HF_OCC_ROCKSALT:
      rc = hf_occ_rocksalt(lat, sg, err);
      break;
    case HF_OCC_LAYERED:
      rc = hf_occ_layered(lat, o->axis, o->layers[0], o->layers[1], sg, err);
      break;
    case HF_OCC_CORE_SHELL:
      rc = hf_occ_core_shell(lat, o->composition, sg, err);
      break;
    case HF_OCC_SRO:
      rc = hf_occ_sro(lat, o->composition, o->alpha1, o->tolerance, 1000, &r, sg, &reached, err);
      if (!rc && fabs(reached - o->alpha1) > o->tolerance)
        rc = hf_fail(err, "%s: occupation: alpha1 = %g not reached (got %.4f)", s->c.path,
                     o->alpha1, reached);
      break;
    default:
      rc = hf_occ_read(o->file, lat, sg, err);
      break;
  }
  if (!rc && vac) rc = clear_vacuum_sigma(s, sg, vac, err);
  free(vac);
  if (rc) return hf_wrap(err, "%s: occupation", s->c.path);
  double x, a[3];
  hf_occ_measure(lat, sg, &x, a);
  if (nvac) /* (Warren-Cowley parameters would count the vacuum as host) */
    snprintf(note, cap, ", occupation x %.4f of the %zu material cells (vacuum sigma 0)",
             x * (double)lat->n / (double)(lat->n - nvac), lat->n - nvac);
  else
    snprintf(note, cap, ", occupation x %.4f, Warren-Cowley alpha1..3 %.3f %.3f %.3f", x, a[0],
             a[1], a[2]);
  char path[1300];
  snprintf(path, sizeof path, "%s/%s_occupation.txt", s->c.out_dir, s->c.prefix);
  return hf_occ_write(path, lat, sg, err);
}

/* sigma from the run file's 'occupation' (occupation.h), on the material
 * cells when there is vacuum.  On several ranks rank 0 makes the whole
 * supercell's occupation (the serial code and random numbers) and every
 * rank receives its slab, so it does not depend on the rank count
 * (collective). */
static int init_occupation(hf_sweep *s, char *note, size_t cap, hf_err *err) {
  const hf_occ_config *o = &s->c.occ;
  const int has = s->x.sigma != NULL;
  note[0] = 0;
  if (!has && o->pattern != HF_OCC_NONE)
    return hf_fail(err, "%s: key 'occupation': the model has no sigma in 'dof'", s->c.path);
  if (!has) return HF_OK;
  if (o->pattern == HF_OCC_NONE)
    return hf_fail(err,
                   "%s: the model has alloy occupations (sigma): expected an 'occupation' key "
                   "(random, rocksalt, layered, core_shell, sro or file)",
                   s->c.path);
  if (hf_run_config_vacuum_cells(&s->c) &&
      (o->pattern == HF_OCC_CORE_SHELL || o->pattern == HF_OCC_SRO))
    return hf_fail(err,
                   "%s: key 'occupation': pattern %s is not defined on a film with vacuum "
                   "(expected random, rocksalt, layered or file)",
                   s->c.path, o->pattern == HF_OCC_SRO ? "sro" : "core_shell");
  const int dist = s->comm->size > 1;
  double *sg = dist ? s->xg.sigma : s->x.sigma; /* (xg: rank 0 only) */
  int rc = s->lead ? make_occupation(s, sg, note, cap, err) : HF_OK;
  if (hf_comm_agree(s->comm, rc, err)) return HF_FAIL;
  if (dist) hf_comm_scatter(s->comm, &s->lat, sg, s->x.sigma);
  return HF_OK;
}

/* Current cumulative acceptance counters of the sampler, per move kind
 * (HMC uses kind 0; MC u, v, omega, strain). */
static void sampler_counts(const hf_sweep *s, uint64_t tried[4], uint64_t acc[4]) {
  memset(tried, 0, 4 * sizeof *tried);
  memset(acc, 0, 4 * sizeof *acc);
  if (s->hmc) {
    long t, a;
    hf_hmc_counts(s->hmc, &t, &a);
    tried[0] = (uint64_t)t;
    acc[0] = (uint64_t)a;
  } else if (s->mc) {
    hf_mc_stats st;
    hf_mc_get_stats(s->mc, &st);
    memcpy(tried, st.trials, 4 * sizeof *tried);
    memcpy(acc, st.accepted, 4 * sizeof *acc);
  }
}

static void save_step_sizes(hf_sweep *s) {
  if (s->hmc) s->p.step_size[0] = hf_hmc_dt(s->hmc);
  if (s->mc) {
    hf_mc_stats st;
    hf_mc_get_stats(s->mc, &st);
    for (int k = 0; k < 3; k++) s->p.step_size[k] = st.step[k];
    s->p.step_size[3] = st.strain_step;
  }
}

/* Step-size adaptation from the checkpointed window counters only, so a
 * resumed run adapts exactly as the uninterrupted one. */
static void adapt_steps(hf_sweep *s) {
  save_step_sizes(s);
  for (int k = 0; k < 4; k++) {
    if (s->p.win_tried[k] < 5) continue;
    double acc = (double)s->p.win_acc[k] / (double)s->p.win_tried[k];
    double target = s->hmc ? s->c.hmc.target_accept : 0.4;
    double f = s->hmc ? exp(0.5 * (acc - target)) : (acc + 0.05) / (target + 0.05);
    s->p.step_size[k] *= fmin(1.25, fmax(0.7, f));
    s->p.win_tried[k] = s->p.win_acc[k] = 0;
  }
  if (s->hmc) hf_hmc_set_dt(s->hmc, s->p.step_size[0]);
  if (s->mc) hf_mc_set_steps(s->mc, s->p.step_size, s->p.step_size[3]);
}

/* What a checkpoint must agree on besides supercell, seed and method: the
 * number of temperatures, a hash of their values (and of the boundary
 * conditions, pinned cells included), and the step counts. */
static void schedule_of(const hf_run_config *c, const hf_pin *pin, long sched[4]) {
  uint64_t h = 1469598103934665603ULL;
  for (int i = 0; i < c->ntemps; i++) {
    uint64_t b;
    memcpy(&b, &c->temps[i], sizeof b);
    h = (h ^ b) * 1099511628211ULL;
  }
  const double *fl[3] = {c->field, c->field_ac, c->loop_dir};
  for (int k = 0; k < 3; k++)
    for (int a = 0; a < 3; a++) {
      uint64_t b;
      memcpy(&b, &fl[k][a], sizeof b);
      h = (h ^ b) * 1099511628211ULL;
    }
  for (int i = 0; c->field_loop && i < c->ntemps; i++) {
    uint64_t b;
    memcpy(&b, &c->loop_field[i], sizeof b);
    h = (h ^ b) * 1099511628211ULL;
  }
  const double bc[4] = {c->depolarization[0], c->depolarization[1], c->depolarization[2],
                        c->has_epitaxial ? c->epitaxial : NAN};
  for (int k = 0; k < 4; k++) {
    uint64_t b;
    memcpy(&b, &bc[k], sizeof b);
    h = (h ^ b) * 1099511628211ULL;
  }
  if (pin->ncells) /* (no pinned cells: the hash of earlier versions) */
    h = (h ^ pin->hash ^ hf_pin_components(pin)) * 1099511628211ULL;
  sched[0] = c->ntemps;
  sched[1] = (long)(h >> 1);
  sched[2] = c->thermalize;
  sched[3] = c->average * 1000003L + c->sample_every;
}

/* Rank 0: the tables on disk and the checkpoint's first sections. */
static int begin_checkpoint(hf_sweep *s, hf_ckpt_writer *w, hf_err *err) {
  /* the tables must be on disk up to the lengths the checkpoint records, or a
   * resume after a kill would pad them with zeros */
  FILE *tabs[3] = {s->table, s->terms, s->local};
  for (int k = 0; k < 3; k++)
    if (fflush(tabs[k]) || fsync(fileno(tabs[k])))
      return hf_fail(err, "cannot write the tables in %s: %s", s->c.out_dir, strerror(errno));
  s->p.table_bytes = ftell(s->table);
  s->p.terms_bytes = ftell(s->terms);
  s->p.local_bytes = ftell(s->local);
  if (s->series && hf_timeseries_flush(s->series, &s->p.series_bytes, err)) return HF_FAIL;
  if (hf_ckpt_open_write(w, s->ckpt_path, err)) return HF_FAIL;
  int version = CKPT_VERSION;
  hf_ckpt_put(w, "version", &version, sizeof version);
  hf_ckpt_put(w, "L", s->c.L, sizeof s->c.L);
  hf_ckpt_put(w, "seed", &s->c.seed, sizeof s->c.seed);
  hf_ckpt_put(w, "method", &s->c.method, sizeof s->c.method);
  long sched[4];
  schedule_of(&s->c, &s->pin, sched);
  hf_ckpt_put(w, "schedule", sched, sizeof sched);
  hf_ckpt_put(w, "progress", &s->p, sizeof s->p);
  hf_ckpt_put(w, "rng", &s->rng, sizeof s->rng);
  return HF_OK;
}

/* Collective: rank 0 writes the file (the same for any rank count). */
static int write_checkpoint(hf_sweep *s, hf_err *err) {
  save_step_sizes(s);
  hf_ckpt_writer w, *wp = s->lead ? &w : NULL;
  int rc = s->lead ? begin_checkpoint(s, &w, err) : HF_OK;
  if (hf_comm_agree(s->comm, rc, err)) return HF_FAIL;
  rc = hf_md_state_put(wp, &s->x, s->dyn, &s->lat, s->comm, err);
  hf_ckpt_put_lead(wp, "observables", &s->obs, sizeof s->obs);
  hf_ckpt_put_lead(wp, "local", &s->lacc, sizeof s->lacc);
  if (wp) {
    w.failed |= rc != 0;
    const int rc2 = hf_ckpt_commit(&w, err);
    rc = rc ? rc : rc2;
  }
  return hf_comm_agree(s->comm, rc, err);
}

/* Collective: rank 0 reads, every rank gets the state. */
static int read_checkpoint(hf_sweep *s, int *resumed, hf_err *err) {
  hf_ckpt_reader r = {0};
  int exists = 0;
  *resumed = 0;
  int rc = s->lead ? hf_ckpt_open_read(&r, s->ckpt_path, &exists, err) : HF_OK;
  if (hf_comm_agree(s->comm, rc, err)) return HF_FAIL;
  hf_comm_bcast(s->comm, &exists, sizeof exists);
  if (!exists) return HF_OK;
  hf_comm *c = s->comm;
  int version, L[3], method;
  unsigned long long seed;
  rc = hf_ckpt_get_bcast(&r, "version", &version, sizeof version, c, err);
  if (!rc && version != CKPT_VERSION)
    rc = hf_fail(err, "checkpoint %s has version %d, expected %d", s->ckpt_path, version,
                 CKPT_VERSION);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "L", L, sizeof L, c, err);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "seed", &seed, sizeof seed, c, err);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "method", &method, sizeof method, c, err);
  long sched[4], want[4];
  schedule_of(&s->c, &s->pin, want);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "schedule", sched, sizeof sched, c, err);
  if (!rc && (memcmp(L, s->c.L, sizeof L) || seed != s->c.seed || method != s->c.method ||
              memcmp(sched, want, sizeof want)))
    rc = hf_fail(err,
                 "checkpoint %s belongs to a different run (supercell, seed, method, "
                 "temperatures, steps or pinned cells differ); remove it or use another output "
                 "directory",
                 s->ckpt_path);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "progress", &s->p, sizeof s->p, c, err);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "rng", &s->rng, sizeof s->rng, c, err);
  if (!rc) rc = hf_md_state_get(s->lead ? &r : NULL, &s->x, s->dyn, &s->lat, c, err);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "observables", &s->obs, sizeof s->obs, c, err);
  if (!rc) rc = hf_ckpt_get_bcast_grown(&r, "local", &s->lacc, sizeof s->lacc, c, err);
  if (!rc) rc = hf_ckpt_get_bcast(&r, "end", NULL, 0, c, err);
  hf_ckpt_close(&r);
  if (rc) return HF_FAIL;
  *resumed = 1;
  return HF_OK;
}

/* Static field component a at schedule point it (field + P-E loop part). */
static double static_field(const hf_run_config *c, int it, int a) {
  return c->field[a] + (c->field_loop ? c->loop_dir[a] * c->loop_field[it] : 0);
}

/* The applied field at MD time t (fs): static part plus the AC part. */
static void set_field(hf_sweep *s, double t) {
  const hf_run_config *c = &s->c;
  double E[3];
  const double ph = c->field_period > 0 ? sin(2 * M_PI * t / c->field_period) : 0;
  const int it = s->p.it < c->ntemps ? s->p.it : c->ntemps - 1;
  for (int a = 0; a < 3; a++) E[a] = static_field(c, it, a) + c->field_ac[a] * ph;
  hf_engine_set_field(s->eng, E);
}

/* Applies temperature-dependent settings and refreshes sampler caches. */
static void enter_temperature(hf_sweep *s) {
  double T = s->c.temps[s->p.it];
  hf_engine_set_pressure(s->eng, pressure_at(&s->c, T));
  set_field(s, (double)s->p.units_done * s->c.md.dt);
  if (s->dyn) {
    hf_dyn_set_temperature(s->dyn, T);
    hf_dyn_refresh(s->dyn);
  }
  if (s->hmc) hf_hmc_refresh(s->hmc);
  if (s->mc) hf_mc_refresh(s->mc);
}

int hf_sweep_create(hf_sweep **out, const hf_run_config *c, const hf_model *m, int resume,
                    int *resumed, hf_err *err) {
  return hf_sweep_create_comm(out, c, m, resume, resumed, NULL, err);
}

/* Rank 0: the time series file, when asked for (output: timeseries). */
static int open_series(hf_sweep *s, int resumed, hf_err *err) {
  const hf_run_config *c = &s->c;
  if (c->timeseries <= 0) return HF_OK;
  char path[1300];
  snprintf(path, sizeof path, "%s/%s_timeseries.tsv", c->out_dir, c->prefix);
  /* rows between two flushes: at most one temperature's averaging phase */
  return hf_timeseries_open(&s->series, path, resumed, s->p.series_bytes,
                            c->average / c->timeseries + 2, (long)s->glat.n, s->x.w[0] != NULL,
                            err);
}

/* Vector fields (u, v, w) of x. */
static int mode_fields(const hf_fields *x) { return !!x->u[0] + !!x->v[0] + !!x->w[0]; }

/* Rank 0 opens (and on resume cuts back) the output tables. */
static int open_tables(hf_sweep *s, int resumed, const char *occ_note, hf_err *err) {
  const hf_run_config *c = &s->c;
  if (resumed) {
    s->table = fopen(s->table_path, "r+");
    s->terms = fopen(s->terms_path, "r+");
    s->local = fopen(s->local_path, "r+");
    if (!s->table || !s->terms || !s->local)
      return hf_fail(err, "cannot reopen the output tables in %s", c->out_dir);
    if (hf_file_truncate(s->table, s->p.table_bytes, s->table_path, err) ||
        hf_file_truncate(s->terms, s->p.terms_bytes, s->terms_path, err) ||
        hf_file_truncate(s->local, s->p.local_bytes, s->local_path, err))
      return HF_FAIL;
    return open_series(s, 1, err);
  }
  s->table = fopen(s->table_path, "w");
  s->terms = fopen(s->terms_path, "w");
  s->local = fopen(s->local_path, "w");
  if (!s->table || !s->terms || !s->local)
    return hf_fail(err, "cannot write the output tables in %s", c->out_dir);
  char extra[1024], bc[512] = "";
  if (c->depolarization[0] > 0 || c->depolarization[1] > 0 || c->depolarization[2] > 0)
    snprintf(bc, sizeof bc, ", depolarization beta (%g, %g, %g)", c->depolarization[0],
             c->depolarization[1], c->depolarization[2]);
  if (c->has_epitaxial)
    snprintf(bc + strlen(bc), sizeof bc - strlen(bc),
             ", epitaxial eta1 = eta2 = %g, eta6 = 0 fixed", c->epitaxial);
  if (c->init_eta_set)
    snprintf(bc + strlen(bc), sizeof bc - strlen(bc), ", initial strain (%g, %g, %g, %g, %g, %g)",
             c->init_eta[0], c->init_eta[1], c->init_eta[2], c->init_eta[3], c->init_eta[4],
             c->init_eta[5]);
  if (s->pin.ncells)
    snprintf(bc + strlen(bc), sizeof bc - strlen(bc),
             ", pinned %zu cells (%zu of %zu mode components)", s->pin.ncells,
             hf_pin_components(&s->pin), (size_t)s->glat.n * 3 * (size_t)mode_fields(&s->x));
  if (c->vacuum_axis >= 0)
    snprintf(bc + strlen(bc), sizeof bc - strlen(bc),
             ", vacuum along %c: %zu of %zu cells (P, energies and c_p per material cell)",
             "xyz"[c->vacuum_axis], hf_run_config_vacuum_cells(c), (size_t)s -> glat.n);
  const int len = snprintf(extra, sizeof extra,
                           "supercell %dx%dx%d, seed %llu, pressure %.4g GPa%+.4g GPa/K*T%s%s%s%s",
                           c->L[0], c->L[1], c->L[2], c->seed, c->pressure, c->pressure_per_K, bc,
                           occ_note, s->warning[0] ? "; WARNING: " : "", s->warning);
  if (len >= (int)sizeof extra) memcpy(extra + sizeof extra - 4, "...", 4); /* say it was cut */
  hf_table_header(s->table, s->m, method_name(c->method), extra);
  hf_terms_header(s->terms, s->m);
  hf_local_header(s->local, s->m, s->x.sigma != NULL, s->x.w[0] != NULL);
  return open_series(s, 0, err);
}

int hf_sweep_create_comm(hf_sweep **out, const hf_run_config *c, const hf_model *m, int resume,
                         int *resumed, hf_comm *comm, hf_err *err) {
  *out = NULL;
  *resumed = 0;
  hf_sweep *s = calloc(1, sizeof *s);
  if (!s) return hf_fail(err, "out of memory");
  s->c = *c;
  s->m = m;
  s->comm = hf_comm_or_self(comm, &s->self_comm);
  s->lead = s->comm->rank == 0;
  const int dist = s->comm->size > 1;
  int rc = hf_lattice_init(&s->glat, c->L, err);
  s->lat = s->glat;
  if (!rc) rc = hf_lattice_distribute(&s->lat, s->comm, err);
  hf_engine_opts eo = {.pressure = pressure_at(c, c->temps[0]),
                       .fftw_flags = c->fft_measure ? FFTW_MEASURE : FFTW_ESTIMATE,
                       .threads = c->threads,
                       .single_precision = c->kspace_single,
                       .material_cells = s->glat.n - hf_run_config_vacuum_cells(c),
                       .comm = s->comm};
  /* Measured plans depend on timing: keep them as wisdom next to the
   * checkpoint so a resumed run uses the same plans (same numbers). */
  char wisdom[1200];
  snprintf(wisdom, sizeof wisdom, "%s/%s.fftw-wisdom", c->out_dir, c->prefix);
  if (!rc && c->fft_measure) hf_comm_wisdom_import(s->comm, wisdom);
  if (!rc) rc = hf_engine_create(&s->eng, m, &s->lat, &eo, err);
  if (!rc) rc = hf_fields_alloc(&s->x, &s->lat, hf_engine_field_mask(s->eng), err);
  if (!rc && dist && s->lead)
    rc = hf_fields_alloc(&s->xg, &s->glat, hf_engine_field_mask(s->eng), err);
  rc = hf_comm_agree(s->comm, rc, err);
  if (rc) {
    hf_sweep_free(s);
    return HF_FAIL;
  }
  hf_rng_seed(&s->rng, c->seed);
  hf_pin_region reg[HF_MAX_PIN_REGIONS + HF_MAX_VACUUM];
  memcpy(reg, c->pin, (size_t)c->npin * sizeof *reg);
  const int nreg = hf_run_config_vacuum_regions(c, reg, c->npin);
  rc = hf_pin_build(&s->pin, reg, nreg, c->path, &s->lat, hf_engine_field_mask(s->eng), err);
  if (!rc) rc = init_fields(s, err);
  if (!rc) zero_vacuum(s);
  double beta[3];
  hf_run_config_engine_depolarization(c, m->dipole, beta);
  if (!rc && (beta[0] != 0 || beta[1] != 0 || beta[2] != 0) && !(m->eps_inf > 0))
    rc = hf_fail(err,
                 "%s: key 'depolarization' (or 'vacuum'): the model %s has no eps_inf > 0 to "
                 "screen the depolarization field with",
                 c->path, m->name);
  if (hf_comm_agree(s->comm, rc, err)) {
    hf_sweep_free(s);
    return HF_FAIL;
  }
  hf_engine_set_depolarization(s->eng, beta);
  /* epitaxial: the in-plane strains are held at the misfit, the rest moves */
  static const int in_plane[6] = {1, 1, 0, 0, 0, 1};
  if (c->has_epitaxial) {
    s->x.eta[0] = s->x.eta[1] = c->epitaxial;
    s->x.eta[5] = 0;
  }
  int moving[6] = {0, 0, 0, 0, 0, 0}; /* strain components the sampler moves */
  if (c->method == HF_METHOD_MD) {
    hf_dyn_opts d = c->md;
    d.temperature = c->temps[0];
    for (int l = 0; l < 6 && c->has_epitaxial; l++) d.strain_free[l] &= !in_plane[l];
    for (int l = 0; l < 6; l++) moving[l] = d.barostat && d.strain_free[l];
    rc = hf_dyn_create(&s->dyn, s->eng, &s->x, &d, err);
  } else if (c->method == HF_METHOD_HMC) {
    hf_hmc_opts h = c->hmc;
    for (int l = 0; l < 6 && c->has_epitaxial; l++) h.strain_free[l] &= !in_plane[l];
    for (int l = 0; l < 6; l++) moving[l] = h.strain_moves && h.strain_free[l];
    rc = hf_hmc_create(&s->hmc, s->eng, &s->x, &h, err);
  } else {
    hf_mc_opts o;
    hf_mc_opts_default(&o);
    for (int l = 0; l < 6 && c->has_epitaxial; l++) o.strain_free[l] &= !in_plane[l];
    for (int k = 0; k < 3; k++) o.step[k] = c->mc_step;
    o.strain_moves = c->mc_strain && (m->dof & HF_DOF_ETA);
    for (int l = 0; l < 6; l++) moving[l] = o.strain_moves && o.strain_free[l];
    rc = hf_mc_create(&s->mc, s->eng, &s->x, &o, err);
  }
  double lowest;
  if (!rc && !(rc = hf_strain_stability(s->eng, moving, &lowest, err)) && lowest < 0)
    snprintf(s->warning, sizeof s->warning,
             "the model's homogeneous elastic energy is unstable: d2E/deta2 at eta = 0 (modes "
             "zero, over the strain components that move) has the eigenvalue %.4g eV per cell; "
             "the strain will run away (check the model's eta-only terms)",
             lowest);
  double vshift;
  if (!rc && !(rc = hf_uniform_shift_change(s->eng, HF_FIELD_V, &vshift, err)) && vshift > 1e-9) {
    const size_t n = strlen(s->warning);
    snprintf(s->warning + n, sizeof s->warning - n,
             "%sthe model's energy changes by %.3g meV per cell under a uniform v of 0.01 A (a "
             "rigid translation: it should not; refit with the acoustic sum rule)",
             n ? "; " : "", 1e3 * vshift);
  }
  if (!rc && (m->dof & HF_DOF_V) && s->lead) { /* the diagnostics' local strain */
    hf_sites sites;
    hf_model_sites(m, &sites);
    rc = hf_strain_stencil_init(&s->stencil, &sites, m->a0, err);
    if (!rc) rc = hf_wraptab_init(&s->wrap, &s->glat, err);
    for (int l = 0; l < 6 && !rc; l++)
      if (!(s->etaL[l] = fftw_alloc_real(s->glat.n))) rc = hf_fail(err, "out of memory");
  }
  if (!rc && s->lead) rc = hf_mkdir_p(c->out_dir, err);
  rc = hf_comm_agree(s->comm, rc, err);
  char occ_note[160] = "";
  if (!rc) rc = init_occupation(s, occ_note, sizeof occ_note, err);
  if (!rc && c->fft_measure && hf_comm_wisdom_export(s->comm, wisdom))
    rc = hf_fail(err, "cannot write FFTW wisdom to %s", wisdom);
  if (rc) {
    hf_sweep_free(s);
    return HF_FAIL;
  }
  snprintf(s->table_path, sizeof s->table_path, "%s/%s.tsv", c->out_dir, c->prefix);
  snprintf(s->terms_path, sizeof s->terms_path, "%s/%s_terms.tsv", c->out_dir, c->prefix);
  snprintf(s->local_path, sizeof s->local_path, "%s/%s_local.tsv", c->out_dir, c->prefix);
  snprintf(s->ckpt_path, sizeof s->ckpt_path, "%s/%s.ckpt", c->out_dir, c->prefix);
  s->total_units = (long)c->ntemps * (c->thermalize + c->average);
  if (s->dyn) {
    hf_rng vr;
    hf_rng_split(&s->rng, 2, &vr);
    hf_dyn_randomize_velocities(s->dyn, c->temps[0], &vr);
  }
  hf_obs_begin(&s->obs, c->average / c->sample_every, m->nterms);
  if (resume && read_checkpoint(s, resumed, err)) {
    hf_sweep_free(s);
    return HF_FAIL;
  }
  /* held at the values the run starts from: the initial state's, or on
   * resume the checkpoint's (the same values: pinned cells never move) */
  if ((s->dyn && hf_dyn_set_pinned(s->dyn, &s->pin, err)) ||
      (s->hmc && hf_hmc_set_pinned(s->hmc, &s->pin, err)) ||
      (s->mc && hf_mc_set_pinned(s->mc, &s->pin, err)))
    rc = hf_wrap(err, "%s: key 'pinned'", c->path);
  if (hf_comm_agree(s->comm, rc, err)) {
    hf_sweep_free(s);
    return HF_FAIL;
  }
  if (*resumed) {
    if (s->hmc) hf_hmc_set_dt(s->hmc, s->p.step_size[0]);
    if (s->mc) hf_mc_set_steps(s->mc, s->p.step_size, s->p.step_size[3]);
    sampler_counts(s, s->p.last_tried, s->p.last_acc);
  }
  rc = s->lead ? open_tables(s, *resumed, occ_note, err) : HF_OK;
  if (hf_comm_agree(s->comm, rc, err)) {
    hf_sweep_free(s);
    return HF_FAIL;
  }
  set_field(s, (double)s->p.units_done * c->md.dt); /* before the forces are refreshed */
  if (s->p.it < c->ntemps) enter_temperature(s);
  *out = s;
  return HF_OK;
}

void hf_sweep_free(hf_sweep *s) {
  if (!s) return;
  if (s->table) fclose(s->table);
  if (s->terms) fclose(s->terms);
  if (s->local) fclose(s->local);
  hf_timeseries_close(s->series);
  hf_dyn_free(s->dyn);
  hf_hmc_free(s->hmc);
  hf_mc_free(s->mc);
  hf_pin_free(&s->pin);
  hf_fields_free(&s->x);
  hf_fields_free(&s->xg);
  for (int l = 0; l < 6; l++) fftw_free(s->etaL[l]);
  hf_wraptab_free(&s->wrap);
  hf_engine_free(s->eng);
  free(s);
}

/* One MD step, HMC trajectory or MC sweep. */
static void one_unit(hf_sweep *s, double T) {
  /* the forces a step ends with act at its end time */
  if (s->c.field_period > 0) set_field(s, (double)(s->p.units_done + 1) * s->c.md.dt);
  if (s->dyn)
    hf_dyn_step(s->dyn, &s->rng);
  else if (s->hmc)
    hf_hmc_sweep(s->hmc, T, &s->rng);
  else
    hf_mc_sweep(s->mc, T, &s->rng);
}

static void take_sample(hf_sweep *s) {
  hf_energy E;
  double tkin = 0;
  if (s->dyn) {
    E = *hf_dyn_energy(s->dyn);
    tkin = 2 * hf_dyn_kinetic(s->dyn) / (hf_dyn_ndof(s->dyn) * HF_KB);
  } else if (s->hmc) {
    E = *hf_hmc_energy(s->hmc);
  } else {
    hf_engine_eval(s->eng, &s->x, NULL, NULL, &E);
  }
  hf_obs_sample(&s->obs, s->eng, &s->x, &E, tkin);
  /* per-term energies and the local structure cost passes over the cells
   * comparable to a step: take them on every 10th sample */
  if ((s->obs.samples - 1) % 10 == 0) {
    const hf_fields *x = whole_config(s);
    if (s->lead) {
      hf_local_acc_sample(&s->lacc, &s->glat, x, s->c.phase_threshold);
      if (s->etaL[0]) hf_local_strain(&s->glat, &s->wrap, &s->stencil, x->v, s->etaL);
      hf_term_energies(s->m, &s->glat, hf_engine_material_cells(s->eng), x,
                       s->etaL[0] ? s->etaL : NULL, s->term_e);
    }
    hf_comm_bcast(s->comm, s->term_e, sizeof s->term_e);
    hf_obs_sample_terms(&s->obs, s->term_e, (long)hf_engine_material_cells(s->eng));
  }
}

/* A time-series row (collective: the projections need the whole supercell). */
static void series_row(hf_sweep *s, double T) {
  const hf_fields *x = whole_config(s);
  if (s->series)
    hf_timeseries_sample(s->series, &s->glat, x,
                         hf_engine_volume(s->eng, s->x.eta) / (double)s->glat.n, s->m->zstar, T,
                         (double)s->p.step * s->c.md.dt);
}

/* A runaway (an unbounded model, too long a step) stops the sweep before its
 * numbers reach the tables, every rank together.  The configuration it ran
 * into is written (<prefix>_runaway_T<T>.config, the format of `config: true`)
 * so the direction the model is unbounded along can be seen, or computed. */
static int check_range(hf_sweep *s, double T, hf_err *err) {
  double umax, emax;
  hf_fields_extent(&s->x, hf_engine_lattice(s->eng), &umax, &emax);
  const int bad = !hf_fields_in_range(umax, emax, s->m->a0);
  if (!hf_comm_any(s->comm, bad)) return HF_OK;
  char path[1300], saved[1400];
  snprintf(path, sizeof path, "%s/%s_runaway_T%07.2f.config", s->c.out_dir, s->c.prefix, T);
  const hf_fields *x = whole_config(s); /* collective */
  hf_err werr;
  if (!s->lead || hf_config_write(path, &s->glat, x, &werr) == HF_OK)
    snprintf(saved, sizeof saved, "; the configuration is in %s", path);
  else
    snprintf(saved, sizeof saved, "; writing the configuration failed: %s", werr.msg);
  if (!bad) return hf_fail(err, "T = %.2f K: another rank left the physical range%s", T, saved);
  /* which field ran away (u, v or omega): where to look in the model */
  const hf_lattice *lat = hf_engine_lattice(s->eng);
  int cmax = 0;
  double big = -1;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(&s->x, c);
    for (size_t i = 0; a && i < lat->nloc; i++)
      if (!isnan(big) && !(fabs(a[i]) <= big)) big = fabs(a[i]), cmax = c; /* first NaN stays */
  }
  static const char *field[3] = {"u", "v", "omega"};
  return hf_fail(err,
                 "T = %.2f K: the run left the physical range of model %s (largest mode "
                 "component %.3g Angstrom, %s_%c, limit a0 = %.3g; largest homogeneous strain "
                 "%.3g, limit 0.2): the model is unbounded there or the time step is too long; "
                 "the tables end at the previous temperature%s",
                 T, s->m->name, umax, field[cmax / 3], "xyz"[cmax % 3], s -> m -> a0, emax, saved);
}

static int finish_temperature(hf_sweep *s, hf_err *err) {
  const hf_run_config *c = &s->c;
  double T = c->temps[s->p.it];
  if (check_range(s, T, err)) return HF_FAIL;
  hf_obs_result_compute(&s->obs, s->m, hf_engine_material_cells(s->eng), T, c->phase_threshold,
                        &s->last);
  s->last_accept = s->p.acc_tried ? (double)s->p.acc_accepted / (double)s->p.acc_tried : 1.0;
  save_step_sizes(s);
  s->last_step = s->dyn ? c->md.dt : s->p.step_size[0];
  double Ef[3];
  for (int a = 0; a < 3; a++) Ef[a] = static_field(c, s->p.it, a);
  if (s->lead) {
    hf_table_row(s->table, &s->last, s->last_accept, s->last_step, pressure_at(c, T), Ef);
    hf_terms_row(s->terms, &s->last, s->m);
    hf_local_row(s->local, T, &s->lacc, s->x.sigma != NULL, s->x.w[0] != NULL);
  }
  memset(&s->lacc, 0, sizeof s->lacc);
  if (c->vtk) {
    char path[1300], title[128];
    snprintf(path, sizeof path, "%s/%s_T%07.2f.vtk", c->out_dir, c->prefix, T);
    snprintf(title, sizeof title, "heff fields at T = %.2f K", T);
    const hf_fields *x = whole_config(s);
    const int rc = s->lead ? hf_write_vtk(path, s->m, &s->glat, x, title, err) : HF_OK;
    if (hf_comm_agree(s->comm, rc, err)) return HF_FAIL;
  }
  if (c->config) {
    char path[1300];
    snprintf(path, sizeof path, "%s/%s_T%07.2f.config", c->out_dir, c->prefix, T);
    const hf_fields *x = whole_config(s);
    const int rc = s->lead ? hf_config_write(path, &s->glat, x, err) : HF_OK;
    if (hf_comm_agree(s->comm, rc, err)) return HF_FAIL;
  }
  s->p.it++;
  s->p.stage = STAGE_THERM;
  s->p.step = 0;
  s->p.acc_tried = s->p.acc_accepted = 0;
  hf_obs_begin(&s->obs, c->average / c->sample_every, s->m->nterms);
  if (s->p.it < c->ntemps) enter_temperature(s);
  return write_checkpoint(s, err);
}

int hf_sweep_advance(hf_sweep *s, long max_units, hf_err *err) {
  const hf_run_config *c = &s->c;
  for (long u = 0; u < max_units; u++) {
    if (s->p.it >= c->ntemps) return HF_SWEEP_FINISHED;
    double T = c->temps[s->p.it];
    one_unit(s, T);
    s->p.step++;
    s->p.units_done++;
    uint64_t tried[4], acc[4];
    sampler_counts(s, tried, acc);
    for (int k = 0; k < 4; k++) {
      uint64_t dt = tried[k] - s->p.last_tried[k], da = acc[k] - s->p.last_acc[k];
      if (s->p.stage == STAGE_AVG) {
        s->p.acc_tried += dt;
        s->p.acc_accepted += da;
      } else {
        s->p.win_tried[k] += dt;
        s->p.win_acc[k] += da;
      }
      s->p.last_tried[k] = tried[k];
      s->p.last_acc[k] = acc[k];
    }
    if (s->p.stage == STAGE_THERM) {
      if (s->p.step % ADAPT_EVERY == 0 && !s->dyn) adapt_steps(s);
      if (s->p.step >= c->thermalize) {
        s->p.stage = STAGE_AVG;
        s->p.step = 0;
      }
    } else {
      if ((s->p.step - 1) % c->sample_every == 0) take_sample(s);
      if (c->timeseries > 0 && s->p.step % c->timeseries == 0) series_row(s, T);
      if (s->p.step >= c->average) {
        if (finish_temperature(s, err)) return HF_FAIL;
        return s->p.it >= c->ntemps ? HF_SWEEP_FINISHED : HF_SWEEP_TEMPERATURE_DONE;
      }
    }
    if (c->checkpoint_every > 0 && s->p.units_done % c->checkpoint_every == 0 &&
        write_checkpoint(s, err))
      return HF_FAIL;
  }
  return s->p.it >= c->ntemps ? HF_SWEEP_FINISHED : HF_SWEEP_RUNNING;
}

const hf_obs_result *hf_sweep_last_result(const hf_sweep *s) { return &s->last; }

double hf_sweep_fraction(const hf_sweep *s) {
  return s->total_units ? (double)s->p.units_done / (double)s->total_units : 1.0;
}

void hf_sweep_progress(const hf_sweep *s, char *buf, size_t n, double elapsed) {
  const hf_run_config *c = &s->c;
  int it = s->p.it < c->ntemps ? s->p.it : c->ntemps - 1;
  hf_progress_format(buf, n, c->temps[it], it, c->ntemps,
                     s->p.stage == STAGE_THERM ? "thermalize" : "average", s->p.step,
                     s->p.stage == STAGE_THERM ? c->thermalize : c->average, elapsed,
                     hf_sweep_fraction(s));
}

void hf_sweep_last_accept(const hf_sweep *s, double *accept, double *step) {
  *accept = s->last_accept;
  *step = s->last_step;
}

const char *hf_sweep_table_path(const hf_sweep *s) { return s->table_path; }
const char *hf_sweep_warning(const hf_sweep *s) { return s->warning; }
