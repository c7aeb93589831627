/* child_engine.c - the first-principles engine that runs a child process
 * per call (child_engine.h). */
#include "child_engine.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "child_io.h"
#include "child_spawn.h"
#include "ipi_client.h"
#include "mode_map.h"
#include "occupation.h"
#include "wall_clock.h"

#define PATH_LEN 4096

typedef struct {
  hf_mode_map mm;
  char **argv; /* the command, then STRUCTURE, RESULT (or --ipi SOCKET), NULL */
  int argc;
  int persistent;    /* one client for all calls (ipi_client.h) */
  hf_ipi_client ipi; /* persistent: the client */
  char *run_dir;
  double timeout;
  int attempts, remove_mean, next_call;
  const volatile sig_atomic_t *stop;
  char symbol[4][8];    /* A, B, X, second species of the alloy site */
  int alloy_site;       /* atom type (HF_ATOM_A or _B) sigma decides; -1: no alloy */
  const char **species; /* per atom */
  double e_ref_given;   /* the configured e_ref (NAN: from the reference) */
  uint64_t ref_key;     /* alloys: hash of the occupation the reference belongs to */
  double e_ref;
  int pulay;          /* subtract p_ref from the normal stresses, smooth the energy */
  double p_ref;       /* mean normal stress of the reference, eV/A^3 (NAN: not yet known) */
  double vp_ref;      /* V p_ref of the reference, eV: the energy per relative basis excess */
  double excess_ref;  /* the reference's basis_excess (NAN: its engine gives none) */
  int have_reference; /* the reference call is done (or not needed) */
  double *r, *f, *x;
  hf_fields fs, zero;
  char last_dir[PATH_LEN];
} child_ctx;

/* Last non-empty line of a log, for error messages. */
static void log_tail(const char *path, char *out, size_t len) {
  out[0] = 0;
  FILE *f = fopen(path, "r");
  if (!f) return;
  char buf[4096];
  if (fseek(f, 0, SEEK_END) == 0) {
    long size = ftell(f);
    fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0, SEEK_SET);
  }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) buf[--n] = 0;
  const char *last = strrchr(buf, '\n');
  last = last ? last + 1 : buf;
  size_t m = strlen(last);
  if (m >= len) m = len - 1;
  memcpy(out, last, m);
  out[m] = 0;
}

static void log_call(const child_ctx *c, const char *dir, int ok, double sec, double energy,
                     const char *msg) {
  char path[PATH_LEN];
  snprintf(path, sizeof path, "%s/calls.tsv", c->run_dir);
  FILE *f = fopen(path, "a");
  if (!f) return; /* the log is a convenience; the call directory holds everything */
  if (ftell(f) == 0) fprintf(f, "# dir\tstatus\tseconds\tenergy_eV\tmessage\n");
  const char *base = strrchr(dir, '/');
  fprintf(f, "%s\t%s\t%.3f\t%.12g\t%s\n", base ? base + 1 : dir, ok ? "ok" : "failed", sec, energy,
          ok ? "" : msg);
  fclose(f);
}

/* The call's input, RUN/DIR/structure.xyz, from s; c->r and cell hold it. */
static int write_structure(child_ctx *c, const char *dir, const hf_fields *s, double cell[3][3],
                           hf_err *err) {
  char path[PATH_LEN];
  hf_mode_map_structure(&c->mm, s, c->r, cell);
  if (c->alloy_site >= 0) /* host or second species on the alloy sublattice */
    for (size_t i = 0; i < c->mm.lat.n; i++)
      c->species[HF_ATOMS_PER_CELL * i + (size_t)c->alloy_site] =
          c->symbol[s->sigma[i] == 1 ? 3 : c->alloy_site];
  snprintf(path, sizeof path, "%s/structure.xyz", dir);
  return hf_xyz_write(path, hf_mode_map_natoms(&c->mm), c->species, c->r, cell, dir, err);
}

/* A child per call: it writes result.txt itself. */
static int attempt_spawn(child_ctx *c, const char *dir, const hf_fields *s, double *sec,
                         hf_err *err) {
  char path[PATH_LEN], tail[200], what[128];
  double cell[3][3];
  *sec = 0;
  if (write_structure(c, dir, s, cell, err)) return HF_FAIL;
  hf_spawn_status st;
  if (hf_spawn_run((const char *const *)c->argv, dir, c->timeout, c->stop, &st, err))
    return HF_FAIL;
  *sec = st.seconds;
  snprintf(path, sizeof path, "%s/stderr.log", dir);
  log_tail(path, tail, sizeof tail);
  if (st.stopped || st.timed_out || st.signal || st.code) {
    hf_spawn_describe(&st, c->timeout, what, sizeof what);
    return hf_fail(err, "%s%s%s", what, tail[0] ? ": " : "", tail);
  }
  return HF_OK;
}

/* The value of "key" in the client's extra string (JSON), NULL if absent. */
static const char *extra_value(const char *extra, const char *key) {
  const char *p = strstr(extra, key);
  return p ? p + strlen(key) + strspn(p + strlen(key), " \t:") : NULL;
}

/* "converged": false in the extra string marks an unconverged SCF; clients
 * that send no such key are taken as converged. */
static int extra_converged(const char *extra) {
  const char *p = extra_value(extra, "\"converged\"");
  return !p || strncmp(p, "false", 5) != 0;
}

/* "basis_excess": X in the extra string (NAN when absent). */
static double extra_excess(const char *extra) {
  const char *p = extra_value(extra, "\"basis_excess\"");
  if (!p) return NAN;
  char *end;
  const double x = strtod(p, &end);
  return end == p ? NAN : x;
}

/* The persistent client: the answer it sends becomes result.txt, written
 * here in the same format (the virial -V sigma turned into the stress). */
static int attempt_ipi(child_ctx *c, const char *dir, const hf_fields *s, double *sec,
                       hf_err *err) {
  char path[PATH_LEN], tail[200], what[sizeof err->msg];
  double cell[3][3];
  *sec = 0;
  if (write_structure(c, dir, s, cell, err)) return HF_FAIL;
  const size_t na = hf_mode_map_natoms(&c->mm);
  const char *name = strrchr(dir, '/') + 1; /* dir is RUN/name */
  hf_ipi_result ir = {.forces = c->f};
  hf_spawn_status st;
  const double t0 = hf_wall_seconds();
  const int rc = hf_ipi_client_call(&c->ipi, name, c->timeout, na, cell, c->r, &ir, &st, err);
  *sec = hf_wall_seconds() - t0;
  if (rc) {
    snprintf(path, sizeof path, "%s/%s", c->run_dir, c->ipi.err_log);
    log_tail(path, tail, sizeof tail);
    snprintf(what, sizeof what, "%s", err->msg);
    if (!st.timed_out && (st.exited || st.signal)) {
      char how[64];
      hf_spawn_describe(&st, c->timeout, how, sizeof how);
      return hf_fail(err, "%s; client %s%s%s", what, how, tail[0] ? ": " : "", tail);
    }
    return hf_fail(err, "%s%s%s", what, tail[0] ? "; client: " : "", tail);
  }
  hf_child_result res = {.converged = extra_converged(ir.extra),
                         .energy = ir.energy,
                         .basis_excess = extra_excess(ir.extra),
                         .forces = c->f};
  hf_voigt_symmetric(ir.virial, -1 / hf_mode_map_volume(&c->mm, s->eta), res.stress);
  snprintf(path, sizeof path, "%s/result.txt", dir);
  if (!res.converged) hf_ipi_client_stop(&c->ipi, 0, &st); /* restart from scratch */
  return hf_child_result_write(path, na, &res, ir.extra, err);
}

/* One attempt in directory dir: structure out, engine call, RUN/DIR/result.txt in. */
static int attempt(child_ctx *c, const char *dir, const hf_fields *s, hf_child_result *res,
                   double *sec, hf_err *err) {
  char path[PATH_LEN], tail[200];
  if (c->persistent ? attempt_ipi(c, dir, s, sec, err) : attempt_spawn(c, dir, s, sec, err))
    return HF_FAIL;
  snprintf(path, sizeof path, "%s/result.txt", dir);
  res->forces = c->f;
  if (hf_child_result_read(path, hf_mode_map_natoms(&c->mm), res, err)) return HF_FAIL;
  snprintf(path, sizeof path, "%s/%s", c->persistent ? c->run_dir : dir,
           c->persistent ? c->ipi.err_log : "stderr.log");
  log_tail(path, tail, sizeof tail);
  if (!res->converged) return hf_fail(err, "SCF not converged%s%s", tail[0] ? ": " : "", tail);
  return HF_OK;
}

/* Runs s (up to `attempts` tries) in fresh call directories, or in `fixed`. */
static int run(child_ctx *c, const hf_fields *s, const char *fixed, hf_child_result *res,
               hf_err *err) {
  int rc = HF_FAIL;
  if (c->stop && *c->stop) return hf_fail(err, "child engine: stopped (signal) before the call");
  for (int k = 1; k <= c->attempts && rc; k++) {
    char *dir = c->last_dir;
    if (fixed) {
      snprintf(dir, PATH_LEN, "%s/%s", c->run_dir, fixed);
      if (mkdir(dir, 0755) && errno != EEXIST)
        return hf_fail(err, "child engine: cannot make %s: %s", dir, strerror(errno));
    } else {
      for (;;) { /* the next free call directory: earlier runs' are kept */
        snprintf(dir, PATH_LEN, "%s/call_%04d", c->run_dir, ++c->next_call);
        if (!mkdir(dir, 0755)) break;
        if (errno != EEXIST)
          return hf_fail(err, "child engine: cannot make %s: %s", dir, strerror(errno));
      }
    }
    double sec;
    rc = attempt(c, dir, s, res, &sec, err);
    log_call(c, dir, rc == HF_OK, sec, rc ? NAN : res->energy, err ? err->msg : "");
    if (rc) hf_wrap(err, "child engine: %s (attempt %d of %d)", dir, k, c->attempts);
    if (c->stop && *c->stop) break; /* told to stop: no retry */
  }
  return rc;
}

/* The undistorted cell (of s's occupation for an alloy: its energy differs
 * between arrangements, and the model has no sigma-only terms), computed
 * once in RUN/reference or RUN/reference_HASH and reused from there; HASH is
 * the occupation's class (hf_occ_class_key), so symmetry-equivalent
 * arrangements (2 Zr in a 2x2x2 cell: 28 arrangements, 3 classes) share it. */
static int reference(child_ctx *c, const hf_fields *s, uint64_t key, hf_err *err) {
  hf_child_result res = {.forces = c->f};
  char name[64] = "reference", path[PATH_LEN];
  if (c->alloy_site >= 0) {
    c->ref_key = key;
    snprintf(name, sizeof name, "reference_%016llx", (unsigned long long)c->ref_key);
    memcpy(c->zero.sigma, s->sigma, c->mm.lat.n * sizeof *s->sigma);
  }
  snprintf(path, sizeof path, "%s/%s/result.txt", c->run_dir, name);
  hf_err ignore;
  if (hf_child_result_read(path, hf_mode_map_natoms(&c->mm), &res, &ignore) || !res.converged) {
    if (run(c, &c->zero, name, &res, err)) return hf_wrap(err, "reference structure (energy zero)");
  }
  c->p_ref = (res.stress[0] + res.stress[1] + res.stress[2]) / 3;
  c->vp_ref = hf_mode_map_volume(&c->mm, c->zero.eta) * c->p_ref;
  c->excess_ref = res.basis_excess;
  const double smooth = c->pulay && isfinite(res.basis_excess) ? c->vp_ref * res.basis_excess : 0;
  c->e_ref = isnan(c->e_ref_given) ? res.energy + smooth : c->e_ref_given;
  c->have_reference = 1;
  return HF_OK;
}

static int child_compute(void *p, const hf_fields *s, double *y, hf_err *err) {
  child_ctx *c = p;
  for (size_t i = 0; c->alloy_site >= 0 && i < c->mm.lat.n; i++)
    if (s->sigma[i] != 0 && s->sigma[i] != 1)
      return hf_fail(err,
                     "child engine: sigma of cell %zu is %g (expected 0 for the host, 1 for "
                     "the second species)",
                     i, s->sigma[i]);
  /* arrangements related by a translation or a cubic operation share one energy zero */
  uint64_t key = 0;
  if (c->alloy_site >= 0 && hf_occ_class_key(&c->mm.lat, s->sigma, &key, err))
    return hf_wrap(err, "child engine");
  if (key != c->ref_key) c->have_reference = 0; /* another occupation: its own energy zero */
  if (!c->have_reference && reference(c, s, key, err)) return HF_FAIL;
  hf_child_result res = {.forces = c->f};
  if (run(c, s, NULL, &res, err)) return HF_FAIL;
  /* Pulay stress: at a0 (the engine's own equilibrium) the true stress is
   * zero, so the reference's isotropic stress is the basis-set error */
  for (int l = 0; c->pulay && l < 3; l++) res.stress[l] -= c->p_ref;
  /* The energy that stress belongs to: at a fixed cutoff the plane-wave
   * count jumps with the cell, by dE/dN = -V p_ref / Nbar per plane wave;
   * putting the continuum count in its place makes the energy smooth. */
  if (c->pulay && isfinite(res.basis_excess) != isfinite(c->excess_ref))
    return hf_fail(err,
                   "child engine: %s: basis_excess %s but %s in the reference (%s): "
                   "redo the reference with the same engine",
                   c->last_dir, isfinite(res.basis_excess) ? "given" : "missing",
                   isfinite(c->excess_ref) ? "given" : "missing", c->run_dir);
  if (c->pulay && isfinite(res.basis_excess)) res.energy += c->vp_ref * res.basis_excess;
  const size_t na = hf_mode_map_natoms(&c->mm), n = c->mm.lat.n;
  if (c->remove_mean) {
    double mean[3] = {0, 0, 0};
    for (size_t a = 0; a < na; a++)
      for (int g = 0; g < 3; g++) mean[g] += c->f[3 * a + g] / (double)na;
    for (size_t a = 0; a < na; a++)
      for (int g = 0; g < 3; g++) c->f[3 * a + g] -= mean[g];
  }
  size_t r = 0;
  y[r++] = (res.energy - c->e_ref) / (double)n;
  hf_mode_map_transpose(&c->mm, c->f, &c->fs); /* Eq. 5 */
  for (int comp = 0; comp < 9; comp++) {
    const double *g = hf_fields_comp(&c->fs, comp);
    if (g) memcpy(y + r, g, n * sizeof *y), r += n;
  }
  double dEdeta[6];
  hf_mode_map_apply(&c->mm, s, c->x);
  hf_mode_map_strain_derivative(&c->mm, s->eta, c->x, c->f, res.stress, dEdeta); /* Eq. 7 */
  for (int l = 0; l < 6; l++) y[r++] = -dEdeta[l] / (double)n;
  return HF_OK;
}

static void child_destroy(void *p) {
  child_ctx *c = p;
  if (!c) return;
  if (c->persistent) hf_ipi_client_free(&c->ipi);
  for (int k = 0; k < c->argc; k++) free(c->argv[k]);
  free(c->argv);
  free(c->run_dir);
  free(c->species);
  free(c->r), free(c->f), free(c->x);
  hf_fields_free(&c->fs);
  hf_fields_free(&c->zero);
  free(c);
}

static int setup(child_ctx *c, const hf_model *m, const hf_lattice *lat, const hf_child_config *cfg,
                 hf_err *err) {
  if (!cfg->argv || !cfg->argv[0]) return hf_fail(err, "no command");
  if (!(cfg->timeout > 0)) return hf_fail(err, "timeout must be > 0 s");
  if (cfg->attempts < 1) return hf_fail(err, "attempts must be >= 1");
  if (!cfg->run_dir || !cfg->run_dir[0]) return hf_fail(err, "no run directory");
  if (hf_mode_map_from_model(&c->mm, m, lat, cfg->xi, err)) return HF_FAIL;
  c->alloy_site = -1;
  if (m->dof & HF_DOF_SIGMA) {
    c->alloy_site =
        (m->sigma_site >= 0 ? m->sigma_site : m->site[0]) == HF_SITE_A ? HF_ATOM_A : HF_ATOM_B;
    if (!isnan(cfg->e_ref))
      return hf_fail(err, "e_ref: not for an alloy (each occupation has its own energy zero)");
  }
  for (int k = 0; k < 3 + (c->alloy_site >= 0); k++) {
    if (!cfg->species[k] || !cfg->species[k][0] || strlen(cfg->species[k]) >= sizeof c->symbol[k] ||
        strpbrk(cfg->species[k], " \t\n\""))
      return hf_fail(err, "species %d: expected an element symbol%s", k,
                     k == 3 ? " (the second species of the alloy sublattice)" : "");
    snprintf(c->symbol[k], sizeof c->symbol[k], "%s", cfg->species[k]);
  }
  while (cfg->argv[c->argc]) c->argc++;
  c->argv = calloc((size_t)c->argc + 3, sizeof *c->argv);
  if (!c->argv) return hf_fail(err, "out of memory");
  for (int k = 0; k < c->argc; k++)
    if (!(c->argv[k] = strdup(cfg->argv[k]))) return hf_fail(err, "out of memory");
  /* literals: not freed (argc counts the owned ones) */
  c->argv[c->argc] = cfg->persistent ? "--ipi" : "structure.xyz";
  c->argv[c->argc + 1] = cfg->persistent ? "ipi.sock" : "result.txt";
  c->run_dir = strdup(cfg->run_dir);
  if (!c->run_dir) return hf_fail(err, "out of memory");
  if (mkdir(c->run_dir, 0755) && errno != EEXIST)
    return hf_fail(err, "cannot make %s: %s", c->run_dir, strerror(errno));
  if (cfg->persistent) {
    if (hf_ipi_client_init(&c->ipi, (const char *const *)c->argv, c->run_dir, err)) return HF_FAIL;
    c->persistent = 1; /* from here on destroy closes the socket */
  }
  c->timeout = cfg->timeout;
  c->attempts = cfg->attempts;
  c->stop = cfg->stop;
  c->remove_mean = cfg->remove_mean_force;
  c->e_ref = c->e_ref_given = cfg->e_ref;
  c->pulay = cfg->pulay_correction;
  c->p_ref = c->vp_ref = c->excess_ref = NAN;
  c->have_reference = !isnan(c->e_ref) && !c->pulay;
  const size_t na = hf_mode_map_natoms(&c->mm);
  c->species = malloc(na * sizeof *c->species);
  c->r = malloc(3 * na * sizeof *c->r);
  c->f = malloc(3 * na * sizeof *c->f);
  c->x = malloc(3 * na * sizeof *c->x);
  if (!c->species || !c->r || !c->f || !c->x) return hf_fail(err, "out of memory");
  for (size_t a = 0; a < na; a++) {
    const size_t k = a % HF_ATOMS_PER_CELL;
    c->species[a] = c->symbol[k < 2 ? k : 2];
  }
  if (hf_fields_alloc(&c->fs, lat, c->mm.fields, err) ||
      hf_fields_alloc(&c->zero, lat, c->mm.fields | (c->alloy_site >= 0 ? HF_FIELD_SIGMA : 0), err))
    return HF_FAIL;
  return HF_OK;
}

int hf_child_engine_create(hf_fp_engine *e, const hf_model *m, const hf_lattice *lat,
                           const hf_child_config *cfg, hf_err *err) {
  memset(e, 0, sizeof *e);
  child_ctx *c = calloc(1, sizeof *c);
  if (!c) return hf_fail(err, "out of memory");
  if (setup(c, m, lat, cfg, err)) {
    child_destroy(c);
    return hf_wrap(err, "child engine");
  }
  e->name = "child";
  e->ctx = c;
  e->compute = child_compute;
  e->destroy = child_destroy;
  return HF_OK;
}

double hf_child_engine_eref(const hf_fp_engine *e) { return ((const child_ctx *)e->ctx)->e_ref; }

double hf_child_engine_pref(const hf_fp_engine *e) { return ((const child_ctx *)e->ctx)->p_ref; }

const char *hf_child_engine_last_dir(const hf_fp_engine *e) {
  return ((const child_ctx *)e->ctx)->last_dir;
}
