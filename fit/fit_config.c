/* fit_config.c - reading fit files (format: docs/fit-format.md). */
#include "fit_config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "frozen_patterns.h"
#include "model_yaml.h"
#include "run_config.h"
#include "yaml_read.h"

/* The runner and settings that come with this source tree (meson sets it). */
#ifndef HF_DFT_BRIDGE_DIR
#define HF_DFT_BRIDGE_DIR "dft_bridge"
#endif

int fit_clamped(const fit_config *c) {
  for (int l = 0; l < 6; l++)
    if (c->init_eta[l] != 0 || !c->md.strain_free[l]) return 1;
  return 0;
}

void fit_config_default(fit_config *c) {
  memset(c, 0, sizeof *c);
  c->L[0] = c->L[1] = c->L[2] = 2;
  c->seed = 1;
  c->ntemps = 1;
  c->temps[0] = 300;
  c->steps = 10000;
  hf_dyn_opts_default(&c->md);
  c->md.barostat = 1; /* NPT, as paper 003 fits */
  c->init_amp = 0.05;
  hf_thr_opts_default(&c->thr);
  hf_blr_opts_default(&c->blr);
  c->acoustic_sum_rule = 1;
  c->run_weight = 1;
  for (int k = 0; k < FIT_FRAME_NKIND; k++) c->kind_weight[k] = 1;
  c->log_every = 10;
  c->checkpoint_every = 1000;
  c->progress = 1;
  c->occ.every = 500; /* docs/fit-format.md, "Alloys": why */
  /* the harmonic frames' default patterns (fit/probe.h): Gamma [001], X [100]
   * and [010], M [110], [100] and [001], R [100] */
  static const int pq[FIT_PATTERN_NPAT] = {0, 1, 1, 2, 2, 2, 3};
  static const int pd[FIT_PATTERN_NPAT] = {2, 0, 1, 3, 0, 2, 0};
  c->npat = FIT_PATTERN_NPAT;
  memcpy(c->pat_q, pq, sizeof pq);
  memcpy(c->pat_d, pd, sizeof pd);
  fit_child_opts *o = &c->child;
  snprintf(o->runner, sizeof o->runner, "%s", HF_DFT_BRIDGE_DIR "/ase_runner.py");
  snprintf(o->python, sizeof o->python, "/usr/bin/python3");
  snprintf(o->mpirun, sizeof o->mpirun, "mpirun");
  o->ranks = 1;
  o->timeout = 3600;
  o->retries = 1;
  o->e_ref = NAN;
}

double fit_config_temperature(const fit_config *c, long s) {
  if (c->ntemps == 1 || c->steps <= 1) return c->temps[0];
  double f = (double)s / (double)(c->steps - 1) * (c->ntemps - 1);
  int k = (int)f;
  if (k >= c->ntemps - 1) return c->temps[c->ntemps - 1];
  return c->temps[k] + (f - k) * (c->temps[k + 1] - c->temps[k]);
}

/* A probe frames' amplitude (strain_frames, pattern_frames): a number in
 * [0, max], 0 for none. */
static int read_amplitude(hf_yreader *r, yaml_node_t *n, const char *key, const char *what,
                          double max, const char *example, double *out) {
  char expect[160];
  snprintf(expect, sizeof expect, "%s between 0 (none) and %g (%s)", what, max, example);
  if (hf_yaml_number(r, n, "", key, expect, out)) return HF_FAIL;
  if (!(*out >= 0 && *out <= max)) return hf_yaml_expected(r, n, "", key, expect);
  return HF_OK;
}

/* pattern_frames: an amplitude, or {amplitude, base, patterns} */
static int read_patterns(hf_yreader *r, yaml_node_t *n, fit_config *c) {
  const char *what = "a u amplitude in Angstrom";
  if (n->type != YAML_MAPPING_NODE)
    return read_amplitude(r, n, "pattern_frames", what, 0.5, "0.2: harmonic", &c->pattern_frames);
  enum { AMP, BASE, LIST, NS };
  hf_yslot s[NS] = {{.key = "amplitude"}, {.key = "base"}, {.key = "patterns"}};
  const char *w = "pattern_frames: ";
  if (hf_yaml_map(r, n, "", "pattern_frames",
                  "an amplitude or a mapping {amplitude, base, patterns}", w, s, NS) ||
      hf_yaml_need(r, n, "", &s[AMP], "the u amplitude of the frames in Angstrom",
                   "pattern_frames") ||
      read_amplitude(r, s[AMP].val, "pattern_frames: amplitude", what, 0.5, "0.2: harmonic",
                     &c->pattern_frames))
    return HF_FAIL;
  if (s[BASE].val) {
    const char *bw =
        "the uniform u [ux, uy, uz] in Angstrom the patterns are frozen on, each "
        "within +-1.5 (e.g. [0, 0, 0.75]: a tetragonal state)";
    if (hf_yaml_numbers(r, s[BASE].val, w, "base", bw, c->pat_base, 3) < 0) return HF_FAIL;
    for (int a = 0; a < 3; a++)
      if (!(fabs(c->pat_base[a]) <= 1.5)) /* name the component, not the list */
        return hf_yaml_expected(
            r, yaml_document_get_node(&r->doc, s[BASE].val->data.sequence.items.start[a]), w,
            "base", bw);
    c->pat_based = 1;
  }
  if (s[LIST].val) {
    const char *lw =
        "a list of patterns such as \"Gamma [001]\", \"M [110]\" (wave vector "
        "Gamma, X, M or R, then a direction [100] ... [111]), each once";
    yaml_node_t *l = s[LIST].val;
    if (l->type != YAML_SEQUENCE_NODE || l->data.sequence.items.top == l->data.sequence.items.start)
      return hf_yaml_expected(r, l, w, "patterns", lw);
    c->npat = 0;
    c->pat_listed = 1;
    for (yaml_node_item_t *it = l->data.sequence.items.start; it < l->data.sequence.items.top;
         it++) {
      yaml_node_t *e = yaml_document_get_node(&r->doc, *it);
      char name[64];
      if (hf_yaml_string(r, e, w, "patterns", lw, name, sizeof name)) return HF_FAIL;
      int q = -1, d = -1;
      for (int a = 0; a < HF_PATTERN_NQ && q < 0; a++)
        for (int b = 0; b < HF_PATTERN_NDIR; b++) {
          char full[64];
          snprintf(full, sizeof full, "%s %s", hf_pattern_q_names[a], hf_pattern_dir_names[b]);
          if (!strcmp(full, name)) q = a, d = b;
        }
      for (int j = 0; j < c->npat && q >= 0; j++)
        if (c->pat_q[j] == q && c->pat_d[j] == d) q = -1;
      if (q < 0) return hf_yaml_expected(r, e, w, "patterns", lw);
      c->pat_q[c->npat] = q, c->pat_d[c->npat] = d, c->npat++;
    }
  }
  return HF_OK;
}

static int read_basis(hf_yreader *r, yaml_node_t *n, fit_config *c) {
  if (n->type == YAML_SCALAR_NODE && strcmp(hf_yaml_str(n), "default") == 0) return HF_OK;
  const char *what = "'default' or a list of SAT families such as \"u^2..4\", \"u u@1..3\"";
  if (n->type != YAML_SEQUENCE_NODE) return hf_yaml_expected(r, n, "", "basis", what);
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    if (c->nspecs == FIT_MAX_SPECS)
      return hf_yaml_fail_at(r, n, "key 'basis': more than %d families", FIT_MAX_SPECS);
    yaml_node_t *e = yaml_document_get_node(&r->doc, *it);
    if (hf_yaml_string(r, e, "", "basis", what, c->specs[c->nspecs], sizeof c->specs[0]))
      return HF_FAIL;
    hf_sat_request q;
    hf_sat_request_init(&q);
    hf_err e2;
    if (hf_sat_request_add(&q, c->specs[c->nspecs], &e2))
      return hf_yaml_fail_at(r, e, "key 'basis': %s", e2.msg);
    c->nspecs++;
  }
  if (!c->nspecs) return hf_yaml_expected(r, n, "", "basis", what);
  return HF_OK;
}

/* Extra terms are checked against the engine model (its degrees of freedom,
 * names) here, so errors point at the fit file's lines. */
static int read_extra(hf_yreader *r, yaml_node_t *n, fit_config *c) {
  const char *what = "a list of term mappings (name, coef, expr[, symmetrize])";
  if (n->type != YAML_SEQUENCE_NODE) return hf_yaml_expected(r, n, "engine: ", "extra_terms", what);
  hf_model m;
  hf_model_init(&m);
  if (hf_model_load(&m, c->engine_model, r->err))
    return hf_yaml_fail_at(r, n, "engine: key 'model': %s", r->err->msg);
  int k = 0, rc = HF_OK;
  for (yaml_node_item_t *it = n->data.sequence.items.start; !rc && it < n->data.sequence.items.top;
       it++, k++) {
    if (k == FIT_MAX_EXTRA) {
      rc = hf_yaml_fail_at(r, n, "engine: key 'extra_terms': more than %d terms", FIT_MAX_EXTRA);
      break;
    }
    rc = hf_model_read_term(r, &m, yaml_document_get_node(&r->doc, *it), "engine: extra_terms", k);
    if (rc) break;
    const hf_term *t = &m.terms[m.nterms - 1];
    fit_extra_term *e = &c->extra[k];
    snprintf(e->name, sizeof e->name, "%s", t->name);
    snprintf(e->expr, sizeof e->expr, "%s", t->expr);
    e->coef = t->coef;
    e->symmetrize = t->symmetrize;
  }
  c->nextra = k;
  hf_model_free(&m);
  return rc;
}

/* Keys only one engine type takes. */
enum {
  E_TYPE,
  E_MODEL,
  E_NOISE,
  E_EXTRA,
  E_FAIL,
  E_SETTINGS,
  E_RUNNER,
  E_PYTHON,
  E_MPIRUN,
  E_RANKS,
  E_SPECIES,
  E_XI,
  E_MASSES,
  E_TIMEOUT,
  E_RETRIES,
  E_RUNDIR,
  E_EREF,
  E_MEANF,
  E_PULAY,
  E_PERSIST,
  E_NK
};
#define E_FIRST_CHILD E_SETTINGS

static int read_model_engine(hf_yreader *r, yaml_node_t *n, hf_yslot *s, fit_config *c) {
  const char *w = "engine: ";
  if (hf_yaml_need(r, n, w, &s[E_MODEL], "the hidden-truth model file", "'engine'") ||
      hf_yaml_path(r, s[E_MODEL].val, w, "model", "a model file path", c->engine_model,
                   sizeof c->engine_model))
    return HF_FAIL;
  if (s[E_EXTRA].val && read_extra(r, s[E_EXTRA].val, c)) return HF_FAIL;
  long fe;
  if (s[E_FAIL].val) {
    if (hf_yaml_integer(r, s[E_FAIL].val, w, "fail_every", 0, 1000000, &fe)) return HF_FAIL;
    c->noise.fail_every = (int)fe;
  }
  if (s[E_NOISE].val) {
    hf_yslot z[3] = {{.key = "energy"}, {.key = "force"}, {.key = "stress"}};
    const char *wz = "engine: noise: ";
    if (hf_yaml_map(r, s[E_NOISE].val, w, "noise", "a mapping {energy, force, stress}", wz, z, 3))
      return HF_FAIL;
    double *dst[3] = {&c->noise.energy, &c->noise.force, &c->noise.stress};
    const char *what[3] = {"a standard deviation >= 0 in eV per cell",
                           "a standard deviation >= 0 in eV/Angstrom",
                           "a standard deviation >= 0 in eV per cell"};
    for (int i = 0; i < 3; i++) {
      if (!z[i].val) continue;
      if (hf_yaml_number(r, z[i].val, wz, z[i].key, what[i], dst[i])) return HF_FAIL;
      if (*dst[i] < 0) return hf_yaml_expected(r, z[i].val, wz, z[i].key, what[i]);
    }
  }
  return HF_OK;
}

/* [A, B, X], and for an alloy reference [A, B, X, S]: S replaces the host
 * (A or B) where sigma = 1. */
static int read_species(hf_yreader *r, yaml_node_t *n, const fit_occupation *occ,
                        fit_child_opts *o) {
  const int want = occ->on ? 4 : 3;
  const char *what = occ->on ? "four element symbols [A, B, X, S] with S the second species of "
                               "the alloy sublattice (sigma = 1), e.g. [Pb, Ti, O, Zr]"
                             : "three element symbols [A, B, X], e.g. [Ba, Ti, O]";
  if (n->type != YAML_SEQUENCE_NODE ||
      n->data.sequence.items.top - n->data.sequence.items.start != want)
    return hf_yaml_expected(r, n, "engine: ", "species", what);
  for (int k = 0; k < want; k++) {
    yaml_node_t *e = yaml_document_get_node(&r->doc, n->data.sequence.items.start[k]);
    const char *v = e->type == YAML_SCALAR_NODE ? hf_yaml_str(e) : "";
    if (!hf_element_symbol_ok(v)) return hf_yaml_expected(r, e, "engine: ", "species", what);
    snprintf(o->species[k], sizeof o->species[k], "%s", v);
  }
  if (!occ->on) return HF_OK;
  const char *host = o->species[occ->site], *site = occ->site == HF_SITE_A ? "A" : "B";
  if (!strcmp(host, o->species[3]))
    return hf_yaml_fail_at(r, n, "engine: key 'species': the second species %s equals the host %s",
                           host, host);
  if (occ->species[0][0] &&
      (strcmp(occ->species[0], host) || strcmp(occ->species[1], o->species[3])))
    return hf_yaml_fail_at(r, n,
                           "engine: key 'species': host %s and second species %s on %s differ "
                           "from the reference's alloy_species [%s, %s]",
                           host, o->species[3], site, occ->species[0], occ->species[1]);
  return HF_OK;
}

/* def: the type's default settings file (NULL: the key is required) */
static int read_child_engine(hf_yreader *r, yaml_node_t *n, hf_yslot *s, fit_config *c,
                             const char *def) {
  const char *w = "engine: ";
  fit_child_opts *o = &c->child;
  if (s[E_SETTINGS].val) {
    if (hf_yaml_path(r, s[E_SETTINGS].val, "engine: ", "settings", "a runner settings file (JSON)",
                     o->settings, sizeof o->settings))
      return HF_FAIL;
  } else if (def) {
    snprintf(o->settings, sizeof o->settings, "%s", def);
  } else {
    return hf_yaml_need(r, n, w, &s[E_SETTINGS], "the runner settings file (JSON)", "'engine'");
  }
  if (s[E_RUNNER].val && hf_yaml_path(r, s[E_RUNNER].val, "engine: ", "runner", "the child program",
                                      o->runner, sizeof o->runner))
    return HF_FAIL;
  if (s[E_PYTHON].val &&
      hf_yaml_string(r, s[E_PYTHON].val, w, "python", "the runner's interpreter (\"\": none)",
                     o->python, sizeof o->python))
    return HF_FAIL;
  if (s[E_MPIRUN].val && hf_yaml_string(r, s[E_MPIRUN].val, w, "mpirun", "the MPI launcher",
                                        o->mpirun, sizeof o->mpirun))
    return HF_FAIL;
  long v;
  if (s[E_RANKS].val) {
    if (hf_yaml_integer(r, s[E_RANKS].val, w, "ranks", 1, 4096, &v)) return HF_FAIL;
    o->ranks = (int)v;
  }
  if (s[E_RETRIES].val) {
    if (hf_yaml_integer(r, s[E_RETRIES].val, w, "retries", 0, 100, &v)) return HF_FAIL;
    o->retries = (int)v;
  }
  if (hf_yaml_need(r, n, w, &s[E_SPECIES], "the element symbols [A, B, X]", "'engine'") ||
      read_species(r, s[E_SPECIES].val, &c->occ, o))
    return HF_FAIL;
  const char *xw = "five numbers: the local mode's A, B, X_par, X_perp, X_perp displacements";
  if (hf_yaml_need(r, n, w, &s[E_XI], "the local-mode eigenvector xi", "'engine'") ||
      hf_yaml_numbers(r, s[E_XI].val, w, "xi", xw, o->xi, 5) < 0)
    return HF_FAIL;
  double nrm = 0;
  for (int k = 0; k < 5; k++) nrm += o->xi[k] * o->xi[k];
  if (!(nrm > 0) || o->xi[3] != o->xi[4])
    return hf_yaml_expected(r, s[E_XI].val, w, "xi", "a non-zero eigenvector with equal X_perp");
  if (s[E_MASSES].val) {
    const char *mw = "three atomic masses [A, B, X] in amu";
    if (hf_yaml_numbers(r, s[E_MASSES].val, w, "masses", mw, o->masses, 3) < 0) return HF_FAIL;
    for (int k = 0; k < 3; k++)
      if (!(o->masses[k] > 0)) return hf_yaml_expected(r, s[E_MASSES].val, w, "masses", mw);
  }
  if (s[E_TIMEOUT].val &&
      hf_yaml_positive(r, s[E_TIMEOUT].val, w, "timeout", "seconds per attempt", &o->timeout))
    return HF_FAIL;
  if (s[E_RUNDIR].val && hf_yaml_path(r, s[E_RUNDIR].val, "engine: ", "run_dir", "a directory",
                                      o->run_dir, sizeof o->run_dir))
    return HF_FAIL;
  if (s[E_EREF].val && c->occ.on)
    return hf_yaml_fail_at(r, s[E_EREF].keynode,
                           "engine: key 'e_ref': not for an alloy (the energy zero is the "
                           "undistorted cell of each occupation, computed per occupation)");
  if (s[E_EREF].val && hf_yaml_number(r, s[E_EREF].val, w, "e_ref",
                                      "the undistorted supercell's energy in eV", &o->e_ref))
    return HF_FAIL;
  if (s[E_MEANF].val &&
      hf_yaml_bool(r, s[E_MEANF].val, w, "remove_mean_force", &o->remove_mean_force))
    return HF_FAIL;
  if (s[E_PULAY].val &&
      hf_yaml_bool(r, s[E_PULAY].val, w, "pulay_correction", &o->pulay_correction))
    return HF_FAIL;
  if (s[E_PERSIST].val && hf_yaml_bool(r, s[E_PERSIST].val, w, "persistent", &o->persistent))
    return HF_FAIL;
  return HF_OK;
}

static int read_engine(hf_yreader *r, yaml_node_t *n, fit_config *c) {
  static const char *keys[E_NK] = {"type",
                                   "model",
                                   "noise",
                                   "extra_terms",
                                   "fail_every",
                                   "settings",
                                   "runner",
                                   "python",
                                   "mpirun",
                                   "ranks",
                                   "species",
                                   "xi",
                                   "masses",
                                   "timeout",
                                   "retries",
                                   "run_dir",
                                   "e_ref",
                                   "remove_mean_force",
                                   "pulay_correction",
                                   "persistent"};
  hf_yslot s[E_NK];
  for (int k = 0; k < E_NK; k++) s[k] = (hf_yslot){.key = keys[k]};
  const char *w = "engine: ";
  if (hf_yaml_map(r, n, "", "engine",
                  "a mapping {type: model, model: FILE, ...} or {type: "
                  "child|gpaw|cp2k|espresso|vasp, settings: "
                  "FILE, species: [A, B, X], xi: [...], ...}",
                  w, s, E_NK))
    return HF_FAIL;
  /* every type but model is a child engine; they differ in the default settings */
  static const char *types[] = {"model", "child", "gpaw", "cp2k", "espresso", "vasp"};
  static const char *settings[] = {
      NULL, NULL, HF_DFT_BRIDGE_DIR "/gpaw_pbesol.json", HF_DFT_BRIDGE_DIR "/cp2k_pbesol.json",
      NULL, NULL};
  if (hf_yaml_need(r, n, w, &s[E_TYPE], "the engine type (model, child, gpaw, cp2k, ...)",
                   "'engine'"))
    return HF_FAIL;
  int t = hf_yaml_choice(r, s[E_TYPE].val, w, "type", types, 6,
                         "model (a hidden model), child (a program per call, dft_bridge), gpaw "
                         "or cp2k (child with PBEsol defaults), espresso or vasp (child; "
                         "settings required)");
  if (t < 0) return HF_FAIL;
  c->engine = t == 0 ? FIT_ENGINE_MODEL : FIT_ENGINE_CHILD;
  /* a key of the other engine type is a mistake worth naming */
  for (int k = E_MODEL; k < E_NK; k++)
    if (s[k].val && (k >= E_FIRST_CHILD) != (t != 0))
      return hf_yaml_fail_at(r, s[k].keynode, "engine: key '%s' is not used by type %s", s[k].key,
                             types[t]);
  return t == 0 ? read_model_engine(r, n, s, c) : read_child_engine(r, n, s, c, settings[t]);
}

static int read_threshold(hf_yreader *r, yaml_node_t *n, fit_config *c) {
  enum { INIT, MIN, HIST, FACTOR, STAB, EXTRA, PROBE, DEPTH, EXTRA_INT, DESCENT, NK };
  hf_yslot s[NK] = {{.key = "initial_interval"},
                    {.key = "min_interval"},
                    {.key = "history"},
                    {.key = "factor"},
                    {.key = "stability"},
                    {.key = "extrapolation"},
                    {.key = "probe"},
                    {.key = "probe_depth"},
                    {.key = "extrapolation_interval"},
                    {.key = "descent"}};
  const char *w = "threshold: ";
  if (hf_yaml_map(r, n, "", "threshold", "a mapping of threshold settings", w, s, NK))
    return HF_FAIL;
  hf_thr_opts *o = &c->thr;
  long v;
  int *ints[3] = {&o->initial_interval, &o->min_interval, &o->history};
  long hi[3] = {1000000, 1000000, HF_THR_MAX_HISTORY};
  for (int i = 0; i < 3; i++) {
    if (!s[i].val) continue;
    if (hf_yaml_integer(r, s[i].val, w, s[i].key, 1, hi[i], &v)) return HF_FAIL;
    *ints[i] = (int)v;
  }
  if (s[FACTOR].val && hf_yaml_positive(r, s[FACTOR].val, w, "factor",
                                        "a positive factor on the mean error", &o->factor))
    return HF_FAIL;
  if (s[STAB].val &&
      hf_yaml_positive(r, s[STAB].val, w, "stability",
                       "a positive bound on std/mean of the error history", &o->stability))
    return HF_FAIL;
  if (s[EXTRA].val) {
    if (hf_yaml_positive(r, s[EXTRA].val, w, "extrapolation",
                         "a factor above 1 on the training set's largest mode component",
                         &c->extrapolation))
      return HF_FAIL;
    if (c->extrapolation <= 1)
      return hf_yaml_fail_at(r, s[EXTRA].val,
                             "threshold: key 'extrapolation': expected a factor above 1 on the "
                             "training set's largest mode component, got %g",
                             c->extrapolation);
  }
  if (s[EXTRA_INT].val) {
    if (!s[EXTRA].val)
      return hf_yaml_fail_at(r, s[EXTRA_INT].val,
                             "threshold: key 'extrapolation_interval': needs 'extrapolation'");
    if (hf_yaml_integer(r, s[EXTRA_INT].val, w, "extrapolation_interval", 1, 1000000, &v))
      return HF_FAIL;
    c->extrapolation_interval = (int)v;
  }
  if (s[PROBE].val) {
    const char *want =
        "an amplitude in Angstrom, above 0 and at most 1 (the frozen patterns' range)";
    if (hf_yaml_positive(r, s[PROBE].val, w, "probe", want, &c->probe)) return HF_FAIL;
    if (c->probe > 1)
      return hf_yaml_fail_at(r, s[PROBE].val, "threshold: key 'probe': expected %s, got %g", want,
                             c->probe);
  }
  if (s[DEPTH].val) {
    if (!s[PROBE].val)
      return hf_yaml_fail_at(r, s[DEPTH].val, "threshold: key 'probe_depth': needs 'probe'");
    if (hf_yaml_positive(r, s[DEPTH].val, w, "probe_depth",
                         "a positive energy in eV per cell (how far a pattern must fall "
                         "beyond its barrier to be probed)",
                         &c->probe_depth))
      return HF_FAIL;
  }
  if (s[DESCENT].val &&
      hf_yaml_positive(r, s[DESCENT].val, w, "descent",
                       "a positive factor on the threshold (the Bayesian force error where "
                       "a relaxation of the model stops to be probed)",
                       &c->descent))
    return HF_FAIL;
  return HF_OK;
}

static int read_regression(hf_yreader *r, yaml_node_t *n, fit_config *c) {
  enum {
    METHOD,
    WEIGHTS,
    SV,
    SW,
    ASR,
    EMAX,
    AMAX,
    BOUND,
    WELL,
    WELLW,
    HOLD,
    HMODEL,
    RUNW,
    KINDW,
    NK
  };
  hf_yslot s[NK] = {{.key = "method"},
                    {.key = "weights"},
                    {.key = "sigma_v"},
                    {.key = "sigma_w"},
                    {.key = "acoustic_sum_rule"},
                    {.key = "energy_max"},
                    {.key = "amplitude_max"},
                    {.key = "bounded"},
                    {.key = "well_radius"},
                    {.key = "well_radius_omega"},
                    {.key = "bounded_hold"},
                    {.key = "hold_model"},
                    {.key = "run_weight"},
                    {.key = "kind_weights"}};
  const char *w = "regression: ";
  if (hf_yaml_map(r, n, "", "regression", "a mapping of regression settings", w, s, NK))
    return HF_FAIL;
  hf_blr_opts *o = &c->blr;
  if (s[METHOD].val) {
    static const char *names[] = {"bayes", "lsq"};
    int k = hf_yaml_choice(r, s[METHOD].val, w, "method", names, 2,
                           "bayes (evidence approximation) or lsq (least squares by SVD)");
    if (k < 0) return HF_FAIL;
    o->method = k;
  }
  if (s[WEIGHTS].val) {
    hf_yslot q[3] = {{.key = "energy"}, {.key = "force"}, {.key = "stress"}};
    const char *wq = "regression: weights: ";
    if (hf_yaml_map(r, s[WEIGHTS].val, w, "weights", "a mapping {energy, force, stress}", wq, q, 3))
      return HF_FAIL;
    for (int i = 0; i < 3; i++) {
      double h;
      if (!q[i].val) continue;
      if (hf_yaml_number(r, q[i].val, wq, q[i].key, "a weight >= 0", &h)) return HF_FAIL;
      if (!(h >= 0)) return hf_yaml_expected(r, q[i].val, wq, q[i].key, "a weight >= 0");
      if (i == 0) o->weight[HF_BLR_ENERGY] = h;
      if (i == 1)
        o->weight[HF_BLR_FORCE_U] = o->weight[HF_BLR_FORCE_V] = o->weight[HF_BLR_FORCE_W] = h;
      if (i == 2) o->weight[HF_BLR_STRESS] = h;
    }
  }
  if (s[SV].val &&
      hf_yaml_positive(r, s[SV].val, w, "sigma_v",
                       "a positive noise level (units of each type's std)", &o->sigma_v))
    return HF_FAIL;
  if (s[SW].val && hf_yaml_positive(r, s[SW].val, w, "sigma_w",
                                    "a positive prior width (normalised units)", &o->sigma_w))
    return HF_FAIL;
  if (s[ASR].val && hf_yaml_bool(r, s[ASR].val, w, "acoustic_sum_rule", &c->acoustic_sum_rule))
    return HF_FAIL;
  if (s[BOUND].val && hf_yaml_bool(r, s[BOUND].val, w, "bounded", &c->bounded)) return HF_FAIL;
  if (s[WELL].val) {
    const char *want =
        "a radius > 0 in A (rms of u and omega per cell) or 'data' (the "
        "training frames' largest)";
    const char *v = hf_yaml_str(s[WELL].val);
    if (v && !strcmp(v, "data"))
      c->well_radius = -1;
    else if (hf_yaml_number(r, s[WELL].val, w, "well_radius", want, &c->well_radius) ||
             !(c->well_radius > 0))
      return hf_yaml_expected(r, s[WELL].val, w, "well_radius", want);
    if (!c->bounded)
      return hf_yaml_expected(r, s[WELL].val, w, "well_radius", "it only with bounded: true");
  }
  if (s[WELLW].val) {
    const char *want = "a radius > 0 in rad (rms of omega per cell)";
    if (hf_yaml_number(r, s[WELLW].val, w, "well_radius_omega", want, &c->well_radius_omega) ||
        !(c->well_radius_omega > 0))
      return hf_yaml_expected(r, s[WELLW].val, w, "well_radius_omega", want);
    if (!c->well_radius)
      return hf_yaml_expected(r, s[WELLW].val, w, "well_radius_omega",
                              "it only with well_radius (and bounded: true)");
  }
  if (s[HOLD].val) {
    static const char *names[] = {"none", "elastic"};
    int k = hf_yaml_choice(r, s[HOLD].val, w, "bounded_hold", names, 2,
                           "none or elastic (the pure strain coefficients held through the "
                           "bounded solve)");
    if (k < 0) return HF_FAIL;
    if (k && !c->bounded)
      return hf_yaml_expected(r, s[HOLD].val, w, "bounded_hold", "it only with bounded: true");
    c->bounded_hold = k;
  }
  if (s[HMODEL].val &&
      hf_yaml_path(r, s[HMODEL].val, w, "hold_model",
                   "the host compound's model file (its terms without sigma are held)",
                   c->hold_model, sizeof c->hold_model))
    return HF_FAIL;
  if (s[HMODEL].val && !c->occ.on)
    return hf_yaml_expected(r, s[HMODEL].val, w, "hold_model",
                            "it only in a solid-solution fit (occupation, or sigma in the "
                            "reference): the terms without sigma are held, those with it fitted");
  if (s[EMAX].val &&
      hf_yaml_positive(r, s[EMAX].val, w, "energy_max",
                       "a positive energy in eV per cell above the undistorted reference",
                       &c->energy_max))
    return HF_FAIL;
  if (s[AMAX].val &&
      hf_yaml_positive(r, s[AMAX].val, w, "amplitude_max",
                       "a positive local-mode amplitude |u| in Angstrom", &c->amplitude_max))
    return HF_FAIL;
  if (s[RUNW].val &&
      hf_yaml_positive(r, s[RUNW].val, w, "run_weight",
                       "a positive weight of the run's own frames (imported frames: 1)",
                       &c->run_weight))
    return HF_FAIL;
  if (s[KINDW].val) {
    hf_yslot q[FIT_FRAME_NKIND];
    for (int k = 0; k < FIT_FRAME_NKIND; k++) q[k] = (hf_yslot){.key = fit_frame_kind_names[k]};
    const char *wq = "regression: kind_weights: ";
    if (hf_yaml_map(r, s[KINDW].val, w, "kind_weights",
                    "a mapping {md, harmonic, elastic, descent, probe, untagged} of weights", wq, q,
                    FIT_FRAME_NKIND))
      return HF_FAIL;
    for (int k = 0; k < FIT_FRAME_NKIND; k++)
      if (q[k].val &&
          hf_yaml_positive(r, q[k].val, wq, q[k].key,
                           "a positive weight of the frames of that kind", &c->kind_weight[k]))
        return HF_FAIL;
  }
  return HF_OK;
}

/* The reference's alloy layout (sigma, its sublattice and species), which the
 * engine and occupation keys are checked against. */
static int reference_alloy(hf_yreader *r, yaml_node_t *at, fit_config *c) {
  hf_model m;
  if (hf_model_load(&m, c->reference, r->err))
    return hf_yaml_fail_at(r, at, "key 'reference': %s", r->err->msg);
  fit_occupation *o = &c->occ;
  o->on = o->in_reference = !!(m.dof & HF_DOF_SIGMA);
  o->site = m.sigma_site >= 0 ? m.sigma_site : m.site[0];
  memcpy(o->species, m.alloy_species, sizeof o->species);
  hf_model_free(&m);
  return HF_OK;
}

/* occupation: {composition, every} (docs/fit-format.md, "Alloys"). */
static int read_occupation(hf_yreader *r, yaml_node_t *n, fit_config *c) {
  fit_occupation *o = &c->occ;
  enum { SITE, X, EVERY, NK };
  hf_yslot s[NK] = {{.key = "site"}, {.key = "composition"}, {.key = "every"}};
  const char *w = "occupation: ";
  if (hf_yaml_map(r, n, "", "occupation", "a mapping {site: A|B, composition: x, every: steps}", w,
                  s, NK))
    return HF_FAIL;
  /* a reference without sigma (the parent compound's) becomes an alloy on `site` */
  static const char *const ab[2] = {"A", "B"};
  if (!o->on && hf_yaml_need(r, n, w, &s[SITE],
                             "the alloy sublattice A or B (the reference has no sigma in 'dof')",
                             "'occupation'"))
    return HF_FAIL;
  if (s[SITE].val) {
    int site = hf_yaml_choice(r, s[SITE].val, w, "site", ab, 2, "A or B");
    if (site < 0) return HF_FAIL;
    if (o->on && site != o->site)
      return hf_yaml_fail_at(r, s[SITE].val,
                             "occupation: key 'site': %s, but the reference %s puts sigma on %s",
                             ab[site], c->reference, ab[o->site]);
    o->site = site;
    o->on = 1;
  }
  const char *xw = "the fraction x of alloy sites with the second species (sigma = 1), 0 < x < 1";
  if (hf_yaml_need(r, n, w, &s[X], xw, "'occupation'") ||
      hf_yaml_number(r, s[X].val, w, "composition", xw, &o->composition))
    return HF_FAIL;
  if (!(o->composition > 0 && o->composition < 1))
    return hf_yaml_expected(r, s[X].val, w, "composition", xw);
  const long N = (long)c->L[0] * c->L[1] * c->L[2], k = lround(o->composition * (double)N);
  if (k < 1 || k > N - 1)
    return hf_yaml_fail_at(r, s[X].val,
                           "occupation: key 'composition': x = %g puts round(x N) = %ld of the "
                           "N = %ld sites of the %dx%dx%d cell on the second species (expected "
                           "1 to N - 1: an alloy)",
                           o->composition, k, N, c->L[0], c->L[1], c->L[2]);
  if (s[EVERY].val && hf_yaml_integer(r, s[EVERY].val, w, "every", 0, 1000000000L, &o->every))
    return HF_FAIL;
  return HF_OK;
}

static int read_body(hf_yreader *r, yaml_node_t *root, fit_config *c) {
  enum {
    REF,
    BASIS,
    SUPER,
    SEED,
    PRESS,
    TEMPS,
    STEPS,
    MD,
    INIT,
    ENGINE,
    THR,
    REGR,
    HELD,
    OUT,
    OCC,
    INITTRAIN,
    STRAINF,
    PATF,
    INITSTRAIN,
    NK
  };
  hf_yslot k[NK] = {{.key = "reference"},
                    {.key = "basis"},
                    {.key = "supercell"},
                    {.key = "seed"},
                    {.key = "pressure"},
                    {.key = "temperatures"},
                    {.key = "steps"},
                    {.key = "md"},
                    {.key = "initial_amplitude"},
                    {.key = "engine"},
                    {.key = "threshold"},
                    {.key = "regression"},
                    {.key = "heldout_every"},
                    {.key = "output"},
                    {.key = "occupation"},
                    {.key = "initial_training"},
                    {.key = "strain_frames"},
                    {.key = "pattern_frames"},
                    {.key = "initial_strain"}};
  if (hf_yaml_map(r, root, "", NULL, "a mapping of fit settings at the top level", "", k, NK))
    return HF_FAIL;
  const char *top = "the fit file";
  if (hf_yaml_need(r, root, "", &k[REF], "the reference model file (a0, Z*, masses, sites)", top) ||
      hf_yaml_path(r, k[REF].val, "", "reference", "a model file path", c->reference,
                   sizeof c->reference) ||
      reference_alloy(r, k[REF].val, c))
    return HF_FAIL;
  if (k[SUPER].val &&
      hf_yaml_supercell(r, k[SUPER].val, 1, FIT_MAX_L,
                        "three whole numbers between 1 and 16 (a small fitting cell)", c->L))
    return HF_FAIL;
  /* the occupation before the engine: it decides the engine's species list */
  if (c->occ.on && hf_yaml_need(r, root, "", &k[OCC],
                                "the training occupation {composition: x} (the reference has "
                                "sigma in 'dof')",
                                top))
    return HF_FAIL;
  if (k[OCC].val && read_occupation(r, k[OCC].val, c)) return HF_FAIL;
  if (hf_yaml_need(r, root, "", &k[ENGINE], "the first-principles engine", top) ||
      read_engine(r, k[ENGINE].val, c))
    return HF_FAIL;
  if (k[BASIS].val && read_basis(r, k[BASIS].val, c)) return HF_FAIL;
  if (k[SEED].val && hf_yaml_seed(r, k[SEED].val, &c->seed)) return HF_FAIL;
  if (k[PRESS].val &&
      hf_yaml_number(r, k[PRESS].val, "", "pressure", "a pressure in GPa", &c->pressure))
    return HF_FAIL;
  if (k[TEMPS].val) {
    int nt = hf_yaml_numbers(r, k[TEMPS].val, "", "temperatures",
                             "a list of temperatures in K (a piecewise-linear ramp)", c->temps,
                             -FIT_MAX_TEMPS);
    if (nt < 0) return HF_FAIL;
    c->ntemps = nt;
    for (int i = 0; i < nt; i++)
      if (!(c->temps[i] > 0))
        return hf_yaml_expected(r, k[TEMPS].val, "", "temperatures", "temperatures > 0 K");
  }
  if (k[STEPS].val) {
    if (hf_yaml_integer(r, k[STEPS].val, "", "steps", 1, 1000000000L, &c->steps)) return HF_FAIL;
  }
  if (k[MD].val && hf_yaml_md_opts(r, k[MD].val, &c->md)) return HF_FAIL;
  if (k[INIT].val && hf_yaml_number(r, k[INIT].val, "", "initial_amplitude",
                                    "a random initial u amplitude in Angstrom", &c->init_amp))
    return HF_FAIL;
  if (k[INITSTRAIN].val && hf_yaml_strains(r, k[INITSTRAIN].val, "", "initial_strain", c->init_eta))
    return HF_FAIL;
  if (k[STRAINF].val && read_amplitude(r, k[STRAINF].val, "strain_frames", "a strain amplitude",
                                       0.05, "0.01: 1%", &c->strain_frames))
    return HF_FAIL;
  if (k[PATF].val && read_patterns(r, k[PATF].val, c)) return HF_FAIL;
  if (k[THR].val && read_threshold(r, k[THR].val, c)) return HF_FAIL;
  if (k[REGR].val && read_regression(r, k[REGR].val, c)) return HF_FAIL;
  if (k[HELD].val &&
      hf_yaml_integer(r, k[HELD].val, "", "heldout_every", 0, 1000000000L, &c->heldout_every))
    return HF_FAIL;
  if (k[INITTRAIN].val &&
      hf_yaml_path(r, k[INITTRAIN].val, "", "initial_training",
                   "the train.xyz of an earlier fit (same reference and engine, any supercell)",
                   c->initial_training, sizeof c->initial_training))
    return HF_FAIL;
  if (k[OUT].val) {
    hf_yslot s[4] = {
        {.key = "dir"}, {.key = "log_every"}, {.key = "checkpoint_every"}, {.key = "progress"}};
    const char *w = "output: ";
    if (hf_yaml_map(r, k[OUT].val, "", "output", "a mapping of output settings", w, s, 4))
      return HF_FAIL;
    if (s[0].val &&
        hf_yaml_path(r, s[0].val, w, "dir", "a directory", c->out_dir, sizeof c->out_dir))
      return HF_FAIL;
    if ((s[1].val && hf_yaml_integer(r, s[1].val, w, "log_every", 1, 1000000000L, &c->log_every)) ||
        (s[2].val && hf_yaml_integer(r, s[2].val, w, "checkpoint_every", 1, 1000000000L,
                                     &c->checkpoint_every)) ||
        (s[3].val && hf_yaml_bool(r, s[3].val, w, "progress", &c->progress)))
      return HF_FAIL;
  }
  if (!c->out_dir[0]) hf_path_resolve(c->out_dir, sizeof c->out_dir, c->path, "fit-out");
  if (c->engine == FIT_ENGINE_CHILD && !c->child.run_dir[0] &&
      snprintf(c->child.run_dir, sizeof c->child.run_dir, "%s/calls", c->out_dir) >=
          (int)sizeof c->child.run_dir)
    return hf_yaml_fail_at(r, root, "output: key 'dir': path too long");
  c->noise.seed = c->seed ^ 0x6e6f697365ull; /* "noise": a stream apart from the MD's */
  return HF_OK;
}

int fit_config_load(fit_config *c, const char *path, hf_err *err) {
  fit_config_default(c);
  snprintf(c->path, sizeof c->path, "%s", path);
  hf_yreader r;
  yaml_node_t *root;
  if (hf_yaml_open(&r, path, &root, err)) return HF_FAIL;
  int rc = read_body(&r, root, c);
  hf_yaml_close(&r);
  return rc;
}
