/* probe.c - training frames along the frozen patterns where the model turns
 * down (probe.h). */
#include "probe.h"

#include <math.h>
#include <string.h>

#include "relax.h"
#include "rng.h"

/* Symmetric twins of a pattern (M [100] and [010], the three R axes...) have
 * the same energy curve in a cubic model: one probe serves them all. */
static int same_curve(const double *a, const double *b) {
  for (int k = 0; k < HF_PATTERN_NAMP; k++)
    if (fabs(a[k] - b[k]) > 1e-9 * (fabs(a[k]) + fabs(b[k])) + 1e-12) return 0;
  return 1;
}

static void descent_plan(fit_run *r);

void fit_probe_plan(fit_run *r) {
  descent_plan(r);
  r->probe_q = -1;
  if (!(r->c.probe > 0) || !r->have_fit) return;
  hf_err e;
  if (hf_patterns_eval(&r->model, &r->pat, &e)) return; /* (a model without u: nothing to do) */
  int best = HF_PATTERN_NAMP;
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++) {
      if (!hf_pattern_commensurate(&r->lat, q)) continue;
      const int k = hf_pattern_beyond_barrier(&r->pat, q, d, r->c.probe, r->c.probe_depth);
      if (k >= 0 && k >= r->probed[q][d] && k < best) {
        best = k;
        r->probe_q = q, r->probe_d = d, r->probe_k = k;
      }
    }
}

static int strain_due(const fit_run *r) {
  return r->c.strain_frames > 0 && r->strained < FIT_STRAIN_NFRAME;
}

int fit_pattern_nframe(const fit_config *c) {
  return c->pattern_frames > 0 ? c->pat_based + 2 * c->npat : 0;
}

/* Harmonic frame k's pattern (an index into c->pat_q, pat_d; -1: the base
 * state alone) and amplitude: the base first when there is one, then every
 * pattern at A, then every pattern at A / 2. */
static int frame_pattern(const fit_config *c, int k, double *A) {
  const int j = k - c->pat_based;
  *A = j < 0 ? 0 : j < c->npat ? c->pattern_frames : 0.5 * c->pattern_frames;
  return j < 0 ? -1 : j % c->npat;
}

/* the next harmonic frame the supercell holds, or fit_pattern_nframe */
static int next_pattern(const fit_run *r) {
  const int n = fit_pattern_nframe(&r->c);
  int k = r->patterned;
  for (; k < n; k++) {
    double A;
    const int j = frame_pattern(&r->c, k, &A);
    if (j < 0 || hf_pattern_commensurate(&r->lat, r->c.pat_q[j])) break; /* the base always */
  }
  return k;
}

int fit_probe_due(const fit_run *r) {
  if ((strain_due(r) || next_pattern(r) < fit_pattern_nframe(&r->c)) && r->dyn) return 1;
  return (r->probe_q >= 0 || r->desc_due >= 0) && r->dyn &&
         r->st.step - r->thr.last_call >= (long)r->thr.o.min_interval &&
         r->st.step - r->thr.last_probe >= (long)r->thr.o.min_interval;
}

/* ---- threshold: descent ---- */

static const char *const start_names[FIT_DESCENT_NSTART] = {
    "u Gamma [001]",   "u Gamma [110]", "u Gamma [111]",       "omega R [001]",
    "omega R [111]",   "omega M [001]", "u [001] + noise",     "u [110] + noise",
    "u [111] + noise", "u X+M [010]",   "u X+M [010] + noise", "u T+M"};

/* The noisy starts' seeded displacements (u in A, omega in rad, per
 * component): a relaxation from a symmetric start keeps its symmetry, so a
 * minimum off it (PbTiO3's first models: u_z with an antipolar M-point u in
 * plane, 0.33 A, which heff's low-temperature runs fall into) is found only
 * from a start that breaks it. */
#define NOISE_U 0.01
#define NOISE_W 0.005

/* r->xdesc undistorted (at initial_strain), with the MD's occupation */
static void desc_reset(fit_run *r) {
  hf_fields_zero(&r->xdesc, &r->lat);
  memcpy(r->xdesc.eta, r->c.init_eta, sizeof r->xdesc.eta); /* the MD's cell */
  if (r->xdesc.sigma) memcpy(r->xdesc.sigma, r->x.sigma, r->lat.n * sizeof *r->xdesc.sigma);
}

/* Normal displacements of standard deviation NOISE_U, NOISE_W on every u and
 * omega component, from a stream of the fit's seed and the start alone (not
 * the MD's): the plan stays a function of the checkpointed state. */
static void add_noise(fit_run *r, int s) {
  hf_rng root, g;
  hf_rng_seed(&root, r->c.seed);
  hf_rng_split(&root, 0x6465736300ull + (uint64_t)s, &g); /* "desc" + start */
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < r->lat.n; i++) {
      if (r->xdesc.u[a]) r->xdesc.u[a][i] += NOISE_U * hf_rng_normal(&g);
      if (r->xdesc.w[a]) r->xdesc.w[a][i] += NOISE_W * hf_rng_normal(&g);
    }
}

static int is_u_start(int s) { return s < 3 || s >= 6; }

#define START_ANTIPOLAR 9 /* starts 9 and 10: zone_fill's antipolar X+M, then with noise */

#define START_TM 11 /* the tetragonal state with the antipolar in-plane M order */

static int is_noisy(int s) { return (s >= 6 && s < START_ANTIPOLAR) || s == START_ANTIPOLAR + 1; }

/* The zone-boundary starts, 0 when the supercell is odd along an axis.
 * Antipolar (START_ANTIPOLAR): u_y = A (cos pi x + cos pi (y + z)), X and M
 * at once, half the cells at 2A and half at 0.  Learned PbTiO3 models whose
 * 2x2x2 relaxations from every other start end polar order this way in 8^3
 * HMC (u up to 2 A; docs/dft-bridge.md, "Holding the elastic coefficients"):
 * a state the supercell holds but no other start reached.
 * T+M (START_TM): u_z = A plus u_x = A/2 cos pi (y + z) and u_y = A/2 cos pi
 * (x + z).  The learned PbTiO3 model's tetragonal state is unstable along
 * these in-plane M patterns (-0.017 eV/A^2 at -6 GPa, heff --soft-modes
 * --pressure), too weakly for the noisy [001] start's 0.01 A to grow them
 * before FIRE's force tolerance stops it, and heff's domain states order
 * them (docs/validation.md, "SrTiO3/PbTiO3 bilayer"). */
static int zone_fill(const hf_lattice *lat, int s, double A, double *const u[3]) {
  for (int a = 0; a < 3; a++)
    if (lat->L[a] % 2) return 0;
  for (int cz = 0; cz < lat->L[2]; cz++)
    for (int cy = 0; cy < lat->L[1]; cy++)
      for (int cx = 0; cx < lat->L[0]; cx++) {
        const size_t i = hf_index(lat, cx, cy, cz);
        const double sx = cx % 2 ? -1 : 1, syz = (cy + cz) % 2 ? -1 : 1,
                     sxz = (cx + cz) % 2 ? -1 : 1;
        if (s == START_TM)
          u[0][i] = 0.5 * A * syz, u[1][i] = 0.5 * A * sxz, u[2][i] = A;
        else
          u[1][i] = A * (sx + syz);
      }
  return 1;
}

/* Start s of the relaxations into r->xdesc: u uniform along [001], [110],
 * [111] (0.1 A); omega at R along [001], [111] and at M along [001] (a0a0c-,
 * a-a-a-, a0a0c+; 0.05 rad); the u starts again with seeded noise (add_noise);
 * the antipolar X+M u (zone_fill, 0.1 A), alone and with noise; T+M
 * (zone_fill, 0.1 A);
 * v = 0, eta = initial_strain, the MD's occupation.  0 when the model or the supercell
 * cannot hold it. */
static int start_fill(fit_run *r, int s) {
  hf_fields *x = &r->xdesc;
  const hf_lattice *lat = &r->lat;
  desc_reset(r);
  if (is_u_start(s)) {
    if (!x->u[0]) return 0;
    if (s >= START_ANTIPOLAR) {
      if (!zone_fill(lat, s, 0.1, x->u)) return 0;
    } else
      hf_pattern_fill(lat, 0, s % 3 == 0 ? 2 : s % 3 == 1 ? 3 : 6, 0.1, x->u);
    if (is_noisy(s)) add_noise(r, s);
    return 1;
  }
  if (!x->w[0] || !hf_pattern_commensurate(lat, s < 5 ? 3 : 2)) return 0;
  /* frozen patterns fill u-like arrays; omega takes the same cos(2 pi q.R) */
  hf_pattern_fill(lat, s < 5 ? 3 : 2, s == 4 ? 6 : 2, 0.05, x->w);
  return 1;
}

/* The largest |u_i| (u starts) or |omega_i| (tilt starts) of x: a
 * relaxation that heads back towards the undistorted crystal stays below the
 * start's, and an uncertain model there is only uncertain about the arbitrary
 * start (SrTiO3's polar starts: 4 calls at 0.098 A). */
static double start_extent(const fit_run *r, const hf_fields *x, int s) {
  return hf_vector_field_max(is_u_start(s) ? x->u : x->w, r->lat.n);
}

enum { WATCH_UNCERTAIN = 1, WATCH_ATOMS = 2 };
typedef struct {
  fit_run *r;
  int start, why;
  double err;
} descent_watch;

const char *fit_descent_start_name(int s) { return start_names[s]; }

/* Relaxes r->xdesc from start s (fields and strain at the fit's pressure),
 * watch called every 5 steps; 0 when the start does not fit the model. */
static int relax_from(fit_run *r, int s, int (*watch)(void *, const hf_fields *), void *ctx,
                      hf_relax_result *res) {
  if (!start_fill(r, s)) return 0;
  r->desc_extent0 = start_extent(r, &r->xdesc, s);
  hf_relax_opts o;
  hf_relax_opts_default(&o);
  o.strain = 1;
  /* the strains the MD's barostat holds stay (an epitaxial clamp) */
  for (int l = 0; l < 6; l++) o.strain_fixed[l] = !r->c.md.strain_free[l];
  o.watch = watch;
  o.watch_ctx = ctx;
  o.watch_every = 5;
  hf_relax(r->eng, &r->xdesc, &r->gdesc, &r->vdesc, &o, res);
  return 1;
}

/* Mean u, largest |u_i| and largest |omega_i| of r->xdesc (0 for a field the
 * model lacks). */
static void desc_stats(const fit_run *r, double um[3], double *umax, double *wmax) {
  const hf_fields *x = &r->xdesc;
  um[0] = um[1] = um[2] = 0;
  for (size_t i = 0; i < r->lat.n; i++)
    for (int a = 0; a < 3; a++)
      if (x->u[a]) um[a] += x->u[a][i] / (double)r->lat.n;
  *umax = hf_vector_field_max(x->u, r->lat.n);
  *wmax = hf_vector_field_max(x->w, r->lat.n);
}

typedef struct {
  fit_run *r;
  fit_descent_state *d;
} track_ctx;

static int track(void *ctx, const hf_fields *x) {
  track_ctx *t = ctx;
  t->d->err_max = fmax(t->d->err_max, fit_bayes_force_at(t->r, x));
  return 0;
}

void fit_descent_states(fit_run *r, fit_descent_state st[FIT_DESCENT_NSTART]) {
  memset(st, 0, FIT_DESCENT_NSTART * sizeof *st);
  if (!r->have_fit || !r->eng) return;
  hf_energy E0;
  desc_reset(r);
  hf_engine_eval(r->eng, &r->xdesc, NULL, NULL, &E0);
  for (int s = 0; s < FIT_DESCENT_NSTART; s++) {
    fit_descent_state *d = &st[s];
    track_ctx t = {r, d};
    hf_relax_result res;
    if (!relax_from(r, s, track, &t, &res)) continue;
    d->valid = 1, d->status = res.status;
    desc_stats(r, d->um, &d->umax, &d->wmax);
    memcpy(d->eta, r->xdesc.eta, sizeof d->eta);
    d->dH = (res.H - E0.total) / (double)r->lat.n;
    d->err_end = fit_bayes_force_at(r, &r->xdesc);
    d->err_max = fmax(d->err_max, d->err_end);
  }
}

/* The error scale descent multiplies: the threshold, or before it is set (a
 * history that never settles: SrTiO3's grew tenfold over its first calls) the
 * mean Bayesian error at the calls recorded so far; 0 before any. */
static double descent_scale(const hf_thr *t) {
  if (t->threshold > 0) return t->threshold;
  double s = 0;
  for (int k = 0; k < t->nh; k++) s += t->hist[k] / t->nh;
  return s;
}

/* where a descent probe is due: an uncertain model (err above descent times
 * the scale) beyond the start */
static int due_at(const fit_run *r, const hf_fields *x, int s, double err) {
  return err > r->c.descent * descent_scale(&r->thr) &&
         start_extent(r, x, s) > 1.05 * r->desc_extent0;
}

/* Stops the relaxation where the model stops knowing (its Bayesian force
 * error above descent times the scale) beyond the start or, for an engine
 * with atoms, where an atom would leave the physical range first. */
static int watch(void *ctx, const hf_fields *x) {
  descent_watch *d = ctx;
  d->err = fit_bayes_force_at(d->r, x);
  if (due_at(d->r, x, d->start, d->err)) return d->why = WATCH_UNCERTAIN;
  const double amax = fit_engines_atom_extent(&d->r->en, x);
  if (amax >= 0 && !(amax < FIT_ATOM_RANGE * d->r->model.a0)) return d->why = WATCH_ATOMS;
  return 0;
}

/* The first start (in order) whose relaxation meets an uncertain model on
 * the way down is due; it depends on the model, the threshold state and the
 * counts (all checkpointed), so a resumed fit plans the same.  None before
 * the first MD call is recorded: there is no error scale yet. */
static void descent_plan(fit_run *r) {
  r->desc_due = -1;
  if (!(r->c.descent > 0) || !r->have_fit || !r->eng || !(descent_scale(&r->thr) > 0)) return;
  for (int s = 0; s < FIT_DESCENT_NSTART; s++) {
    descent_watch d = {r, s, 0, 0};
    hf_relax_result res;
    if (r->descended[s] >= FIT_DESCENT_MAX || !relax_from(r, s, watch, &d, &res)) continue;
    int due = res.status == HF_RELAX_WATCHED && d.why == WATCH_UNCERTAIN;
    if (!due && (res.status == HF_RELAX_CONVERGED || res.status == HF_RELAX_MAX_STEPS)) {
      /* a minimum between two checks: judged where the relaxation ended */
      d.err = fit_bayes_force_at(r, &r->xdesc);
      due = due_at(r, &r->xdesc, s, d.err);
    }
    if (due) {
      r->desc_due = s;
      r->desc_err = d.err;
      r->desc_scale = descent_scale(&r->thr);
      return;
    }
  }
}

/* u = A e cos(2 pi q . R) on every cell, v and omega 0; strain and
 * occupation stay the MD's. */
static void set_pattern(fit_run *r, int q, int d, double A) {
  for (int c = 3; c < 9; c++) {
    double *f = hf_fields_comp(&r->x, c);
    if (f) memset(f, 0, r->lat.n * sizeof *f);
  }
  hf_pattern_fill(&r->lat, q, d, A, r->x.u);
}

/* A probe call replaces the MD configuration for one call: save_md keeps it,
 * the caller puts the probe's configuration into r->x, call_and_restore makes
 * the training call, after which MD goes on from the kept configuration. */
static void save_md(fit_run *r) {
  hf_fields_copy(&r->xsave, &r->x, &r->lat);
  memcpy(r->xsave.eta, r->x.eta, sizeof r->xsave.eta);
}

static int call_and_restore(fit_run *r, int kind, hf_err *err) {
  fit_eval_rows(r);
  r->restore = &r->xsave; /* fit_learn puts the MD configuration back */
  r->call_kind = kind;    /* the frame's heff_kind and regression weight */
  const int rc = fit_training_call(r, 1, err);
  r->call_kind = 0;
  if (r->restore) { /* no refit (the call failed): put it back here */
    hf_fields_copy(&r->x, &r->xsave, &r->lat);
    memcpy(r->x.eta, r->xsave.eta, sizeof r->x.eta);
    r->restore = NULL;
    fit_probe_plan(r);
  }
  if (rc) return HF_FAIL;
  fit_eval_rows(r);
  return HF_OK;
}

static int descent_call(fit_run *r, hf_err *err) {
  const int s = r->desc_due;
  double um[3], umax, wm;
  desc_stats(r, um, &umax, &wm);
  const double *e = r->xdesc.eta;
  fprintf(r->log,
          "# step %ld: descent probe: relaxing from %s the model meets a Bayesian force error "
          "of %.4g eV/A (above %g x %.4g): mean u (%.4f %.4f %.4f) A, largest |u| %.4f A, largest "
          "|omega| %.4f rad, eta (%.5f %.5f %.5f %.5f %.5f %.5f)\n",
          r->st.step, start_names[s], r->desc_err, r->c.descent, r->desc_scale, um[0], um[1], um[2],
          umax, wm, e[0], e[1], e[2], e[3], e[4], e[5]);
  r->descended[s]++; /* before the refit plans the next one (a failed call counts too) */
  save_md(r);
  hf_fields_copy(&r->x, &r->xdesc, &r->lat);
  memcpy(r->x.eta, r->xdesc.eta, sizeof r->x.eta);
  return call_and_restore(r, FIT_FRAME_DESCENT, err);
}

/* The k-th elastic frame: eta1 = +h, eta1 = -h (with +h: a cubic eta^3 term
 * cancels in the pair), eta4 = +h (engineering shear; -h is its mirror image
 * in a cubic crystal). */
static int strain_call(fit_run *r, hf_err *err) {
  static const int comp[FIT_STRAIN_NFRAME] = {0, 0, 3};
  static const double sign[FIT_STRAIN_NFRAME] = {1, -1, 1};
  const int k = r->strained;
  const double h = sign[k] * r->c.strain_frames;
  fprintf(r->log, "# step %ld: elastic frame %d of %d: the undistorted supercell at eta%d = %g\n",
          r->st.step, k + 1, FIT_STRAIN_NFRAME, comp[k] + 1, h);
  r->strained++; /* before the refit (a failed call counts too) */
  save_md(r);
  for (int c = 0; c < 9; c++) {
    double *f = hf_fields_comp(&r->x, c);
    if (f) memset(f, 0, r->lat.n * sizeof *f);
  }
  memset(r->x.eta, 0, sizeof r->x.eta);
  r->x.eta[comp[k]] = h;
  return call_and_restore(r, FIT_FRAME_ELASTIC, err);
}

/* The next harmonic frame (pattern_frames): on the cubic cell, or with a
 * base the base state (uniform u, the initial strain) plus the pattern. */
static int pattern_call(fit_run *r, hf_err *err) {
  const fit_config *c = &r->c;
  const int k = next_pattern(r), n = fit_pattern_nframe(c);
  double A;
  const int j = frame_pattern(c, k, &A);
  char on[160] = "(v, omega and strain 0)";
  if (c->pat_based)
    snprintf(on, sizeof on,
             "on u (%.4f %.4f %.4f) A (v, omega 0; eta %.5f %.5f %.5f %.5f %.5f %.5f)",
             c->pat_base[0], c->pat_base[1], c->pat_base[2], c->init_eta[0], c->init_eta[1],
             c->init_eta[2], c->init_eta[3], c->init_eta[4], c->init_eta[5]);
  if (j < 0)
    fprintf(r->log, "# step %ld: harmonic frame %d of %d: the base state %s\n", r->st.step, k + 1,
            n, on);
  else
    fprintf(r->log, "# step %ld: harmonic frame %d of %d: u along %s %s at %.3f Angstrom %s\n",
            r->st.step, k + 1, n, hf_pattern_q_names[c->pat_q[j]],
            hf_pattern_dir_names[c->pat_d[j]], A, on);
  r->patterned = k + 1; /* before the refit (a failed call counts too) */
  save_md(r);
  set_pattern(r, j < 0 ? 0 : c->pat_q[j], j < 0 ? 0 : c->pat_d[j], A);
  if (c->pat_based) {
    memcpy(r->x.eta, c->init_eta, sizeof r->x.eta);
    for (int a = 0; a < 3; a++)
      for (size_t i = 0; i < r->lat.n; i++) r->x.u[a][i] += c->pat_base[a];
  } else {
    memset(r->x.eta, 0, sizeof r->x.eta);
  }
  return call_and_restore(r, FIT_FRAME_HARMONIC, err);
}

int fit_probe_call(fit_run *r, hf_err *err) {
  if (strain_due(r)) return strain_call(r, err);
  if (next_pattern(r) < fit_pattern_nframe(&r->c)) return pattern_call(r, err);
  if (r->probe_q < 0) return descent_call(r, err);
  const int q = r->probe_q, d = r->probe_d, k = r->probe_k;
  const double A = hf_pattern_amplitude(k);
  fprintf(r->log,
          "# step %ld: probe: u along %s %s at %.2f Angstrom, where the model's energy turns "
          "down (%.4g eV/cell, %.4g at %.2f)\n",
          r->st.step, hf_pattern_q_names[q], hf_pattern_dir_names[d], A, r->pat.e[q][d][k],
          r->pat.e[q][d][k + 1], hf_pattern_amplitude(k + 1));
  /* recorded before the refit plans the next probe (a failed call counts too) */
  for (int q2 = 0; q2 < HF_PATTERN_NQ; q2++)
    for (int d2 = 0; d2 < HF_PATTERN_NDIR; d2++)
      if (hf_pattern_commensurate(&r->lat, q2) && same_curve(r->pat.e[q][d], r->pat.e[q2][d2]))
        r->probed[q2][d2] = k + 1;
  save_md(r);
  set_pattern(r, q, d, A);
  return call_and_restore(r, FIT_FRAME_PROBE, err);
}
