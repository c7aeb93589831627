/* test_descent.c - fit's descent probes (threshold: descent, fit/probe.h).
 * A fit of the ZVR BaTiO3 model (forces with 0.05 eV/A of noise, 2x2x2,
 * 100 -> 300 K at -4.8 GPa) with descent 0.5:
 *  - it makes descent probes (the test's premise) and no start more than
 *    FIT_DESCENT_MAX times;
 *  - every descent-probe frame in train.xyz is the logged relaxation end:
 *    u the same in every cell (to 1e-12) along the start's direction, its
 *    mean and eta as logged (to the log's digits), and beyond the start
 *    (|u| above 1.05 x its 0.1 A: a relaxation back towards the cubic state
 *    asks nothing);
 *  - a frame from a noisy start (the u starts with seeded noise) is the
 *    logged relaxation end too: mean u, largest |u| and eta as logged;
 *  - relaxing the final model and the hidden model from [001] at -4.8 GPa
 *    (heff/relax.h) gives the same tetragonal state to 3% in u and eta3, and
 *    the run's summary reports that state (relaxed states, from u Gamma [001]);
 *  - the noisy [001] start leaves the tetragonal saddle: the summary's state
 *    from it is the hidden model's rhombohedral ground state (relaxed from
 *    [111]; each |u_a| to 3%) with the [111] start's enthalpy;
 *  - the summary's state from the antipolar start (u X+M [010]) is the fitted
 *    model relaxed here from u_y = 0.1 A (cos pi x + cos pi (y + z)), built
 *    from that formula: mean u 0, largest |u| to 2e-3 A, H to 0.02 meV;
 *  - probes do not hold up the MD's calls: while the threshold is unset, MD
 *    calls stay initial_interval apart (+1 where a probe took the step), so
 *    the history that sets the threshold fills;
 *  - stopped right after its first descent probe and resumed, it ends with
 *    the files of the uninterrupted run byte for byte (the plan depends on
 *    the checkpointed threshold and counts);
 *  - under an epitaxial clamp (initial_strain, md.strain_free) the MD's
 *    frames and every descent end keep the held strains (clamped_run);
 *  - every probe's logged error is above the logged factor times the scale
 *    it was judged against (an invariant: MD calls between the plan and the
 *    call move the scale, and the log once printed the later one, which the
 *    GPAW PbTiO3 epi run showed below its error; in this run no MD call
 *    falls in between, so the old log passes here too);
 *  - descent: 0 is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "engine.h"
#include "fittest.h"
#include "otf_internal.h"
#include "relax.h"
#include "training_set.h"

static char tmp[] = "/tmp/test_descent_XXXXXX";

static void write_fit(const char *name, const char *models, const char *threshold) {
  fittest_write_zvr_noisy(tmp, name, models, "threshold", threshold);
}

static int run(const char *name, long first, int finish, int resume, hf_err *err) {
  return fittest_run_in(tmp, name, first, finish, resume, err);
}

typedef struct {
  long n, step[64];
  int start[64];
  double um[64][3], umax[64], eta[64][6];
  long checked, exact;
} probe_list;

/* the u starts, then the same with noise (FIT_DESCENT starts 0-2, 6-8), then
 * T+M (start 11; not uniform, so checked as the noisy ones: as logged) */
#define NSTARTS 7
static const char *const starts[NSTARTS] = {
    "u Gamma [001]",   "u Gamma [110]",   "u Gamma [111]", "u [001] + noise",
    "u [110] + noise", "u [111] + noise", "u T+M"};
static const double dirs[3][3] = {{0, 0, 1}, {1, 1, 0}, {1, 1, 1}};

static int probe_frame(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                       const fit_frame_meta *meta, hf_err *err) {
  (void)y, (void)err;
  probe_list *l = p;
  long k = 0;
  while (k < l->n && l->step[k] != meta->step) k++;
  if (k == l->n) return HF_OK;
  l->checked++;
  const int noisy = l->start[k] >= 3;
  const double *e = dirs[l->start[k] % 3];
  double spread = 0, off = 0, mean[3] = {0}, umax = 0;
  for (size_t i = 0; i < lat->n; i++) {
    double u2 = 0;
    for (int a = 0; a < 3; a++) {
      spread = fmax(spread, fabs(x->u[a][i] - x->u[a][0]));
      mean[a] += x->u[a][i] / (double)lat->n;
      u2 += x->u[a][i] * x->u[a][i];
    }
    umax = fmax(umax, sqrt(u2));
  }
  /* u along e: its components where e is 0 vanish, the others are equal */
  for (int a = 0; a < 3; a++) {
    if (e[a] == 0) off = fmax(off, fabs(mean[a]));
    for (int b = 0; b < 3; b++)
      if (e[a] != 0 && e[b] != 0) off = fmax(off, fabs(mean[a] - mean[b]));
  }
  double dm = 0, de = 0;
  for (int a = 0; a < 3; a++) dm = fmax(dm, fabs(mean[a] - l->um[k][a]));
  for (int c = 0; c < 6; c++) de = fmax(de, fabs(x->eta[c] - l->eta[k][c]));
  const double amp = sqrt(mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]);
  /* a noisy start is neither uniform nor along its direction; beyond it is
   * the largest |u| (its start's is at most 0.1 A + the noise) */
  const int sym = noisy || (spread < 1e-12 && off < 1e-12);
  const int ok = sym && dm <= 5.1e-5 && de <= 5.1e-6 && fabs(umax - l->umax[k]) <= 5.1e-5 &&
                 (noisy ? umax : amp) > 0.105 && meta->kind == FIT_FRAME_DESCENT;
  if (!ok)
    printf(
        "descent frame at step %ld: spread %.3g, off-axis %.3g, |mean - log| %.3g, "
        "|eta - log| %.3g, |u| %.4f, largest |u| %.4f (log %.4f), heff_kind %s\n",
        meta->step, spread, off, dm, de, amp, umax, l->umax[k], fit_frame_kind_names[meta->kind]);
  l->exact += ok;
  return HF_OK;
}

/* A 2x2x2 relaxation of model m at -4.8 GPa, strain free, from uniform u =
 * 0.1 A e (e normalised; symmetric, so it stays along e) or, e NULL, from the
 * antipolar start built here from its formula, u_y = 0.1 A (cos pi x +
 * cos pi (y + z)), with the fit's own options (the summary's "u X+M [010]"
 * state).  Out: u of cell 0, mean u, largest |u|, eta, and H per cell above
 * the undistorted crystal (meV). */
typedef struct {
  double u0[3], um[3], umax, eta[6], H;
} relaxed_state;

static int relax_from(const hf_model *m, const double *e, relaxed_state *st, hf_err *err) {
  hf_lattice lat;
  if (hf_lattice_init(&lat, (int[3]){2, 2, 2}, err)) return HF_FAIL;
  hf_engine *eng;
  hf_engine_opts eo = {.pressure = -4.8};
  if (hf_engine_create(&eng, m, &lat, &eo, err)) return HF_FAIL;
  hf_fields x, g, v;
  const unsigned mask = hf_engine_field_mask(eng);
  int rc = hf_fields_alloc(&x, &lat, mask, err) || hf_fields_alloc(&g, &lat, mask, err) ||
           hf_fields_alloc(&v, &lat, mask, err);
  if (!rc) {
    hf_energy E0;
    hf_engine_eval(eng, &x, NULL, NULL, &E0);
    for (int c = 0; c < 8; c++) { /* cell c = (cx, cy, cz) bits */
      const int cx = c & 1, cy = (c >> 1) & 1, cz = (c >> 2) & 1;
      const size_t i = hf_index(&lat, cx, cy, cz);
      if (e)
        for (int a = 0; a < 3; a++)
          x.u[a][i] = 0.1 * e[a] / sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
      else
        x.u[1][i] = 0.1 * ((cx ? -1 : 1) + ((cy + cz) % 2 ? -1 : 1));
    }
    hf_relax_opts o;
    hf_relax_opts_default(&o);
    o.strain = 1;
    if (e) o.ftol = 1e-7, o.max_steps = 20000;
    hf_relax_result res;
    hf_relax(eng, &x, &g, &v, &o, &res);
    if (e && res.status != HF_RELAX_CONVERGED)
      rc = hf_fail(err, "%s: relaxation did not converge (status %d)", m->name, res.status);
    *st = (relaxed_state){.H = 1000 * (res.H - E0.total) / (double)lat.n};
    for (size_t i = 0; i < lat.n; i++) {
      double u2 = 0;
      for (int a = 0; a < 3; a++)
        st->um[a] += x.u[a][i] / (double)lat.n, u2 += x.u[a][i] * x.u[a][i];
      st->umax = fmax(st->umax, sqrt(u2));
    }
    for (int a = 0; a < 3; a++) st->u0[a] = x.u[a][0];
    memcpy(st->eta, x.eta, sizeof x.eta);
  }
  hf_fields_free(&x), hf_fields_free(&g), hf_fields_free(&v);
  hf_engine_free(eng);
  return rc;
}

/* train.xyz frames whose eta1, eta2, eta6 are the clamp's */
typedef struct {
  long n, clamped;
} clamp_count;

static int count_clamped(void *p, const hf_lattice *lat, const hf_fields *x, const double *y,
                         const fit_frame_meta *meta, hf_err *err) {
  (void)lat, (void)y, (void)meta, (void)err;
  clamp_count *c = p;
  c->n++;
  c->clamped +=
      fabs(x->eta[0] - 0.01) < 1e-9 && fabs(x->eta[1] - 0.01) < 1e-9 && fabs(x->eta[5]) < 1e-9;
  return HF_OK;
}

/* An epitaxial clamp: initial_strain eta1 = eta2 = 0.01 with md.strain_free
 * [0, 0, 1, 1, 1, 0].  The MD and every descent relaxation keep eta1, eta2,
 * eta6 (every frame in train.xyz and every logged descent end), the free
 * strains move (eta3 of some descent end differs from 0), the log names the
 * clamp, and a strain beyond 0.2 is refused. */
static int clamped_run(const char *absm) {
  hf_err err;
  char extra[300], path[1200];
  snprintf(extra, sizeof extra,
           "threshold: {descent: 0.5}\ninitial_strain: [0.01, 0.01, 0, 0, 0, 0]\n"
           "md: {strain_free: [0, 0, 1, 1, 1, 0]}\n");
  fittest_write_zvr(tmp, "desc_epi", absm, 300, 100, extra);
  REQUIRE_OK(run("desc_epi", 300, 1, 0, &err), err);
  long n, probes = 0, held = 0, moved = 0;
  char *log = fittest_slurp(tmp, "desc_epi", "learning.tsv", &n);
  CHECK(log && strstr(log, "# initial_strain (0.01 0.01 0 0 0 0)"), "the log names the clamp");
  char *sum = fittest_slurp(tmp, "desc_epi", "summary.txt", &n);
  CHECK(sum && strstr(sum, "above the undistorted crystal at initial_strain"),
        "the summary's relaxed states say where they start");
  free(sum);
  for (char *q = log; q && (q = strstr(q, "descent probe: relaxing from ")); q++) {
    double e[6];
    char *h = strstr(q, "eta (");
    if (!h ||
        sscanf(h, "eta (%lf %lf %lf %lf %lf %lf)", &e[0], &e[1], &e[2], &e[3], &e[4], &e[5]) != 6)
      continue;
    probes++;
    held += e[0] == 0.01 && e[1] == 0.01 && e[5] == 0;
    moved += e[2] != 0;
  }
  free(log);
  hf_model truth;
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
  REQUIRE_OK(hf_model_load(&truth, path, &err), err);
  clamp_count cc = {0, 0};
  long all, valid;
  snprintf(path, sizeof path, "%s/desc_epi/train.xyz", tmp);
  REQUIRE_OK(fit_xyz_read(path, &truth, count_clamped, &cc, &all, &valid, &err), err);
  hf_model_free(&truth);
  printf(
      "clamped fit: %ld descent probes, %ld with eta1 = eta2 = 0.01 and eta6 = 0, %ld with "
      "eta3 moved; %ld of %ld frames clamped\n",
      probes, held, moved, cc.clamped, cc.n);
  CHECK(probes > 0 && held == probes && moved > 0, "descent under the clamp: %ld of %ld held", held,
        probes);
  CHECK(cc.n > probes && cc.clamped == cc.n, "frames under the clamp: %ld of %ld", cc.clamped,
        cc.n);
  fittest_write_zvr(tmp, "desc_epi_bad", absm, 300, 100, "initial_strain: [0, 0, 0.3, 0, 0, 0]\n");
  CHECK(fittest_refuses(tmp, "desc_epi_bad", "initial_strain", "[0, 0, 0.3, 0, 0, 0]"),
        "initial_strain beyond 0.2 not refused");
  return 0;
}

int main(int argc, char **argv) {
  const char *models = argc > 1 ? argv[1] : "models";
  char absm[1024], path[1200];
  if (!realpath(models, absm) || !mkdtemp(tmp)) return 1;
  hf_err err;
  write_fit("desc", absm, "descent: 0.5");
  write_fit("desc_r", absm, "descent: 0.5");
  REQUIRE_OK(run("desc", 300, 1, 0, &err), err);

  long n;
  char *log = fittest_slurp(tmp, "desc", "learning.tsv", &n);
  static probe_list l;
  int per_start[NSTARTS] = {0};
  for (char *p = log; p && (p = strstr(p, "# step ")) && l.n < 64; p++) {
    long step;
    int end = 0; /* (sscanf's 1 alone does not say the literal after %ld matched) */
    char *from = strstr(p, "relaxing from "), *u = strstr(p, "mean u ("), *e = strstr(p, "eta ("),
         *um1 = strstr(p, "largest |u| ");
    if (sscanf(p, "# step %ld: descent probe:%n", &step, &end) != 1 || !end || !from || !u || !e ||
        !um1)
      continue;
    int s = 0;
    while (s < NSTARTS && strncmp(from + 14, starts[s], strlen(starts[s]))) s++;
    CHECK(s < NSTARTS, "descent probe at step %ld from an unknown start", step);
    if (s == NSTARTS) continue;
    per_start[s]++;
    double perr, fac, scale;
    char *of = strstr(p, "force error of ");
    CHECK(of && sscanf(of, "force error of %lf eV/A (above %lf x %lf)", &perr, &fac, &scale) == 3 &&
              perr > fac * scale,
          "step %ld: the logged error is above the logged factor x scale", step);
    double *um = l.um[l.n], *eta = l.eta[l.n];
    if (sscanf(u, "mean u (%lf %lf %lf)", &um[0], &um[1], &um[2]) != 3 ||
        sscanf(e, "eta (%lf %lf %lf %lf %lf %lf)", &eta[0], &eta[1], &eta[2], &eta[3], &eta[4],
               &eta[5]) != 6 ||
        sscanf(um1, "largest |u| %lf", &l.umax[l.n]) != 1)
      continue;
    l.step[l.n] = step, l.start[l.n++] = s;
  }
  free(log);
  printf("descent probes: %ld (per start %d %d %d, noisy %d %d %d, T+M %d)\n", l.n, per_start[0],
         per_start[1], per_start[2], per_start[3], per_start[4], per_start[5], per_start[6]);
  CHECK(l.n > 0, "no descent probe: the test's premise failed");
  for (int s = 0; s < NSTARTS; s++)
    CHECK(per_start[s] <= FIT_DESCENT_MAX, "start %s probed %d times", starts[s], per_start[s]);

  hf_model truth, fitted;
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", absm);
  REQUIRE_OK(hf_model_load(&truth, path, &err), err);
  long all, valid;
  snprintf(path, sizeof path, "%s/desc/train.xyz", tmp);
  REQUIRE_OK(fit_xyz_read(path, &truth, probe_frame, &l, &all, &valid, &err), err);
  printf("descent frames: %ld of %ld found, %ld as logged\n", l.checked, l.n, l.exact);
  CHECK(l.checked == l.n && l.exact == l.n, "%ld of %ld descent frames are as logged", l.exact,
        l.n);

  snprintf(path, sizeof path, "%s/desc/model.yaml", tmp);
  REQUIRE_OK(hf_model_load(&fitted, path, &err), err);
  relaxed_state st_t, st_f, st_r, st_a;
  REQUIRE_OK(relax_from(&truth, dirs[0], &st_t, &err), err);
  REQUIRE_OK(relax_from(&fitted, dirs[0], &st_f, &err), err);
  REQUIRE_OK(relax_from(&truth, dirs[2], &st_r, &err), err);
  REQUIRE_OK(relax_from(&fitted, NULL, &st_a, &err), err);
  const double *ut = st_t.u0, *et = st_t.eta, *uf = st_f.u0, *ef = st_f.eta, *ur = st_r.u0,
               *er = st_r.eta, *au = st_a.um, amax = st_a.umax, aH = st_a.H;
  const double uz_t = ut[2], e3_t = et[2], uz_f = uf[2], e3_f = ef[2];
  printf("tetragonal state at -4.8 GPa: hidden model uz %.5f A eta3 %.5f, fitted %.5f %.5f\n", uz_t,
         e3_t, uz_f, e3_f);
  printf("rhombohedral state of the hidden model: u %.5f A, eta1 %.5f\n", ur[0], er[0]);
  CHECK_CLOSE(uz_f, uz_t, 0.03, 0, "fitted tetragonal uz");
  CHECK_CLOSE(e3_f, e3_t, 0.03, 0, "fitted tetragonal eta3");
  hf_model_free(&truth), hf_model_free(&fitted);
  char *sum = fittest_slurp(tmp, "desc", "summary.txt", &n);
  char *line = sum ? strstr(sum, "from u Gamma [001] ") : NULL;
  if (line && strncmp(line + strspn(line + 18, " ") + 18, "converged: mean u (", 19)) line = NULL;
  double su[3] = {NAN, NAN, NAN};
  if (line) sscanf(strchr(line, '(') + 1, "%lf %lf %lf", &su[0], &su[1], &su[2]);
  printf("summary, relaxed from [001]: mean u (%g %g %g)\n", su[0], su[1], su[2]);
  CHECK(line && fabs(su[2] - uz_f) < 2e-3 && fabs(su[0]) < 1e-3 && fabs(su[1]) < 1e-3,
        "the summary's relaxed [001] state (%g) is the fitted model's (%g)", su[2], uz_f);
  /* the noisy [001] start: rhombohedral, as the hidden model, and as low as [111] */
  double nu[3] = {NAN, NAN, NAN}, H111 = NAN, Hn = NAN;
  char *l111 = sum ? strstr(sum, "from u Gamma [111] ") : NULL,
       *ln = sum ? strstr(sum, "from u [001] + noise converged: mean u (") : NULL;
  if (l111 && strstr(l111, "H ")) sscanf(strstr(l111, "H ") + 2, "%lf", &H111);
  if (ln) {
    sscanf(strchr(ln, '(') + 1, "%lf %lf %lf", &nu[0], &nu[1], &nu[2]);
    if (strstr(ln, "H ")) sscanf(strstr(ln, "H ") + 2, "%lf", &Hn);
  }
  printf("summary, relaxed from noisy [001]: mean u (%g %g %g), H %g meV ([111]: %g)\n", nu[0],
         nu[1], nu[2], Hn, H111);
  CHECK(ln != NULL, "the summary has no converged state from the noisy [001] start");
  for (int a = 0; a < 3; a++)
    CHECK_CLOSE(fabs(nu[a]), ur[a], 0.03, 0, "noisy [001] start: |u_a| of the R state");
  CHECK(fabs(Hn - H111) < 0.015, "noisy [001] start: H %g meV, [111] start %g", Hn, H111);
  /* the antipolar start: the summary's state is the fitted model's relaxed
   * from the start as built here */
  double su2[3] = {NAN, NAN, NAN}, smax = NAN, sH = NAN;
  char *la = sum ? strstr(sum, "from u X+M [010]   ") : NULL;
  if (la && strchr(la, '(')) {
    sscanf(strchr(la, '(') + 1, "%lf %lf %lf", &su2[0], &su2[1], &su2[2]);
    if (strstr(la, "largest |u| ")) sscanf(strstr(la, "largest |u| ") + 12, "%lf", &smax);
    if (strstr(la, "H ")) sscanf(strstr(la, "H ") + 2, "%lf", &sH);
  }
  printf(
      "antipolar X+M start: summary mean u (%g %g %g), largest |u| %g A, H %g meV; relaxed "
      "here: largest |u| %.4f A, H %.4f meV\n",
      su2[0], su2[1], su2[2], smax, sH, amax, aH);
  CHECK(la && fabs(su2[0]) < 1e-3 && fabs(su2[1]) < 1e-3 && fabs(su2[2]) < 1e-3 &&
            fabs(au[1]) < 1e-9 && fabs(smax - amax) < 2e-3 &&
            fabs(sH - aH) < 0.02 + 1e-3 * fabs(aH),
        "antipolar start: summary largest |u| %g H %g, relaxed here %g %g", smax, sH, amax, aH);
  free(sum);

  /* the MD's calls go on between probes while the threshold is unset */
  char *calls = fittest_slurp(tmp, "desc", "calls.tsv", &n);
  long prev = -1, gap = 0, probes_unset = 0;
  for (char *p = calls; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    long call, step;
    double col[9];
    if (*p == '#' ||
        sscanf(p, "%ld %ld %lf %lf %lf %lf %lf %lf %lf %lf %lf", &call, &step, &col[0], &col[1],
               &col[2], &col[3], &col[4], &col[5], &col[6], &col[7], &col[8]) != 11)
      continue;
    if (col[8] > 0) break; /* threshold set */
    int probe = 0;
    for (long k = 0; k < l.n; k++) probe |= l.step[k] == step;
    if (probe) {
      probes_unset++;
      continue;
    }
    if (prev >= 0) gap = step - prev > gap ? step - prev : gap;
    prev = step;
  }
  free(calls);
  printf("before the threshold: %ld descent probes, MD calls at most %ld steps apart\n",
         probes_unset, gap);
  CHECK(probes_unset > 0, "no probe before the threshold was set: the check's premise failed");
  CHECK(gap > 0 && gap <= 11, "MD calls %ld steps apart while probing (initial_interval 10)", gap);

  /* stopped after the first descent probe (checkpoint after every call), resumed */
  REQUIRE_OK(run("desc_r", l.step[0] + 1, 0, 0, &err), err);
  REQUIRE_OK(run("desc_r", 300, 1, 1, &err), err);
  const char *files[] = {"train.xyz", "learning.tsv", "calls.tsv"};
  for (int k = 0; k < 3; k++)
    CHECK(fittest_same_file(tmp, "desc", "desc_r", files[k]),
          "%s after a stop at step %ld and --resume differs from the uninterrupted run", files[k],
          l.step[0] + 1);

  if (clamped_run(absm)) return 1;

  write_fit("desc_bad", absm, "descent: 0");
  fit_config c;
  snprintf(path, sizeof path, "%s/desc_bad.yaml", tmp);
  const int rc = fit_config_load(&c, path, &err);
  printf("descent: 0: %s\n", rc ? err.msg : "accepted");
  CHECK(rc && strstr(err.msg, "'descent'") && strstr(err.msg, "factor"),
        "descent: 0 not refused as expected");

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (!check_failures && system(cmd)) printf("could not remove %s\n", tmp);
  return check_done("descent");
}
