/* run_config.c - reading run files (format: docs/run-format.md). */
#include "run_config.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "yaml_read.h"

void hf_run_config_default(hf_run_config *c) {
  memset(c, 0, sizeof *c);
  c->L[0] = c->L[1] = c->L[2] = 12;
  c->seed = 1;
  c->method = HF_METHOD_HMC;
  c->thermalize = 100;
  c->average = 200;
  c->sample_every = 1;
  hf_dyn_opts_default(&c->md);
  hf_hmc_opts_default(&c->hmc);
  c->mc_step = 0.05;
  c->mc_strain = 1;
  c->vacuum_axis = -1;
  c->init = HF_INIT_RANDOM;
  c->init_amp = 0.05;
  snprintf(c->out_dir, sizeof c->out_dir, "heff-out");
  snprintf(c->prefix, sizeof c->prefix, "sweep");
  c->vtk = 1;
  c->checkpoint_every = 100;
  c->phase_threshold = 0.04;
  c->progress = 1;
  c->threads = 1;
}

static int read_temperatures(hf_yreader *r, yaml_node_t *n, hf_run_config *c) {
  if (n->type == YAML_SEQUENCE_NODE) {
    int k = hf_yaml_numbers(r, n, "", "temperatures", "a list of temperatures in K", c->temps,
                            -HF_MAX_TEMPS);
    if (k < 0) return HF_FAIL;
    c->ntemps = k;
  } else {
    hf_yslot s[3] = {{.key = "start"}, {.key = "stop"}, {.key = "step"}};
    if (hf_yaml_map(r, n, "", "temperatures",
                    "a list of temperatures or a mapping {start: K, stop: K, step: K}",
                    "temperatures: ", s, 3))
      return HF_FAIL;
    double v[3];
    const char *what[3] = {"start temperature in K", "stop temperature in K",
                           "temperature step in K (negative for cooling)"};
    for (int i = 0; i < 3; i++)
      if (hf_yaml_need(r, n, "temperatures: ", &s[i], what[i], "'temperatures'") ||
          hf_yaml_number(r, s[i].val, "temperatures: ", s[i].key, what[i], &v[i]))
        return HF_FAIL;
    if (v[2] == 0 || (v[1] - v[0]) * v[2] < 0)
      return hf_yaml_fail_at(r, s[2].val,
                             "temperatures: key 'step': expected a step that leads from start "
                             "(%g K) to stop (%g K), got %g",
                             v[0], v[1], v[2]);
    int k = 0;
    for (double T = v[0]; (v[2] > 0 ? T <= v[1] + 1e-9 : T >= v[1] - 1e-9) && k < HF_MAX_TEMPS;
         T = v[0] + v[2] * ++k)
      c->temps[k] = T;
    c->ntemps = k;
  }
  for (int i = 0; i < c->ntemps; i++)
    if (c->temps[i] < 0)
      return hf_yaml_fail_at(r, n, "key 'temperatures': expected temperatures >= 0 K, got %g",
                             c->temps[i]);
  if (!c->ntemps) return hf_yaml_expected(r, n, "", "temperatures", "at least one temperature");
  return HF_OK;
}

int hf_yaml_md_opts(hf_yreader *r, yaml_node_t *n, hf_dyn_opts *o) {
  enum { DT, THERMO, FRICTION, TAU_T, NHC, BARO, TAU_P, FREE, WMASS, NK };
  hf_yslot s[NK] = {{.key = "dt"},    {.key = "thermostat"},  {.key = "friction"},
                    {.key = "tau_t"}, {.key = "nhc_length"},  {.key = "barostat"},
                    {.key = "tau_p"}, {.key = "strain_free"}, {.key = "strain_mass"}};
  if (hf_yaml_map(r, n, "", "md", "a mapping of MD settings", "md: ", s, NK)) return HF_FAIL;
  static const char *thermo[] = {"none", "langevin", "nose-hoover"};
  if (s[DT].val &&
      hf_yaml_positive(r, s[DT].val, "md: ", "dt", "a positive time step in fs", &o->dt))
    return HF_FAIL;
  if (s[THERMO].val) {
    int k = hf_yaml_choice(r, s[THERMO].val, "md: ", "thermostat", thermo, 3,
                           "none, langevin or nose-hoover");
    if (k < 0) return HF_FAIL;
    o->thermostat = k;
  }
  if (s[FRICTION].val && hf_yaml_positive(r, s[FRICTION].val, "md: ", "friction",
                                          "a positive Langevin friction in 1/fs", &o->friction))
    return HF_FAIL;
  if (s[TAU_T].val && hf_yaml_positive(r, s[TAU_T].val, "md: ", "tau_t",
                                       "a positive thermostat period in fs", &o->tau_t))
    return HF_FAIL;
  long nl;
  if (s[NHC].val) {
    if (hf_yaml_integer(r, s[NHC].val, "md: ", "nhc_length", 1, HF_NHC_MAX, &nl)) return HF_FAIL;
    o->nhc_length = (int)nl;
  }
  if (s[BARO].val && hf_yaml_bool(r, s[BARO].val, "md: ", "barostat", &o->barostat)) return HF_FAIL;
  if (s[TAU_P].val && hf_yaml_positive(r, s[TAU_P].val, "md: ", "tau_p",
                                       "a positive barostat period in fs", &o->tau_p))
    return HF_FAIL;
  if (s[WMASS].val && hf_yaml_positive(r, s[WMASS].val, "md: ", "strain_mass",
                                       "a positive barostat mass in eV fs^2", &o->strain_mass))
    return HF_FAIL;
  if (s[FREE].val) {
    double f[6];
    if (hf_yaml_numbers(r, s[FREE].val, "md: ", "strain_free", "six 0/1 flags (eta1..eta6)", f, 6) <
        0)
      return HF_FAIL;
    for (int l = 0; l < 6; l++) o->strain_free[l] = f[l] != 0;
  }
  return HF_OK;
}

static int read_hmc(hf_yreader *r, yaml_node_t *n, hf_run_config *c) {
  enum { STEPS, DT, TARGET, STRAIN, TAU_P, NK };
  hf_yslot s[NK] = {{.key = "steps"},
                    {.key = "dt"},
                    {.key = "target_accept"},
                    {.key = "strain"},
                    {.key = "tau_p"}};
  if (hf_yaml_map(r, n, "", "hmc", "a mapping of HMC settings", "hmc: ", s, NK)) return HF_FAIL;
  hf_hmc_opts *o = &c->hmc;
  long k;
  if (s[STEPS].val) {
    if (hf_yaml_integer(r, s[STEPS].val, "hmc: ", "steps", 1, 100000, &k)) return HF_FAIL;
    o->n_steps = (int)k;
  }
  if (s[DT].val &&
      hf_yaml_positive(r, s[DT].val, "hmc: ", "dt", "a positive time step in fs", &o->dt))
    return HF_FAIL;
  if (s[TARGET].val) {
    if (hf_yaml_positive(r, s[TARGET].val, "hmc: ", "target_accept",
                         "an acceptance between 0 and 1", &o->target_accept))
      return HF_FAIL;
    if (o->target_accept >= 1)
      return hf_yaml_expected(r, s[TARGET].val, "hmc: ", "target_accept",
                              "an acceptance between 0 and 1");
  }
  if (s[STRAIN].val && hf_yaml_bool(r, s[STRAIN].val, "hmc: ", "strain", &o->strain_moves))
    return HF_FAIL;
  if (s[TAU_P].val && hf_yaml_positive(r, s[TAU_P].val, "hmc: ", "tau_p",
                                       "a positive strain period in fs", &o->tau_p))
    return HF_FAIL;
  return HF_OK;
}

static int read_occupation(hf_yreader *r, yaml_node_t *n, hf_run_config *c) {
  enum { PAT, X, LAYERS, AXIS, ALPHA, TOL, FILE_, NK };
  hf_yslot s[NK] = {{.key = "pattern"}, {.key = "composition"}, {.key = "layers"}, {.key = "axis"},
                    {.key = "alpha1"},  {.key = "tolerance"},   {.key = "file"}};
  const char *w = "occupation: ";
  if (hf_yaml_map(r, n, "", "occupation", "a mapping {pattern, composition, ...}", w, s, NK))
    return HF_FAIL;
  hf_occ_config *o = &c->occ;
  static const char *pats[] = {"random", "rocksalt", "layered", "core_shell", "sro", "file"};
  if (hf_yaml_need(r, n, w, &s[PAT], "the pattern", "'occupation'")) return HF_FAIL;
  int p = hf_yaml_choice(r, s[PAT].val, w, "pattern", pats, 6,
                         "random, rocksalt, layered, core_shell, sro or file");
  if (p < 0) return HF_FAIL;
  o->pattern = HF_OCC_RANDOM + p;
  const int needs_x =
      o->pattern == HF_OCC_RANDOM || o->pattern == HF_OCC_CORE_SHELL || o->pattern == HF_OCC_SRO;
  if (needs_x) {
    const char *what = "the fraction of sites with sigma = 1, between 0 and 1";
    if (hf_yaml_need(r, n, w, &s[X], what, "'occupation'") ||
        hf_yaml_number(r, s[X].val, w, "composition", what, &o->composition))
      return HF_FAIL;
    if (!(o->composition >= 0 && o->composition <= 1))
      return hf_yaml_expected(r, s[X].val, w, "composition", what);
  }
  o->layers[0] = o->layers[1] = 1;
  o->axis = 2;
  if (s[LAYERS].val) {
    double l[2];
    if (hf_yaml_numbers(r, s[LAYERS].val, w, "layers", "[n1, n0] layer counts", l, 2) < 0)
      return HF_FAIL;
    if (l[0] < 0 || l[1] < 0 || l[0] + l[1] < 1 || l[0] != floor(l[0]) || l[1] != floor(l[1]))
      return hf_yaml_expected(r, s[LAYERS].val, w, "layers", "two whole numbers >= 0, not both 0");
    o->layers[0] = (int)l[0];
    o->layers[1] = (int)l[1];
  }
  if (s[AXIS].val) {
    static const char *ax[] = {"x", "y", "z"};
    if ((o->axis = hf_yaml_choice(r, s[AXIS].val, w, "axis", ax, 3, "x, y or z")) < 0)
      return HF_FAIL;
  }
  o->tolerance = 0.005;
  if (o->pattern == HF_OCC_SRO) {
    const char *what = "a Warren-Cowley parameter between -1 and 1";
    if (hf_yaml_need(r, n, w, &s[ALPHA], what, "'occupation' with pattern sro") ||
        hf_yaml_number(r, s[ALPHA].val, w, "alpha1", what, &o->alpha1))
      return HF_FAIL;
    if (!(o->alpha1 >= -1 && o->alpha1 <= 1))
      return hf_yaml_expected(r, s[ALPHA].val, w, "alpha1", what);
    if (s[TOL].val && hf_yaml_positive(r, s[TOL].val, w, "tolerance",
                                       "a positive tolerance on alpha1", &o->tolerance))
      return HF_FAIL;
  }
  if (o->pattern == HF_OCC_FILE) {
    if (hf_yaml_need(r, n, w, &s[FILE_], "the occupation file", "'occupation' with pattern file") ||
        hf_yaml_path(r, s[FILE_].val, w, "file", "a file path", o->file, sizeof o->file))
      return HF_FAIL;
  }
  return HF_OK;
}

/* field_loop: {direction, max, step, cycles}: 0 -> max -> -max -> max per
 * cycle in steps, at the one temperature given. */
static int read_field_loop(hf_yreader *r, yaml_node_t *n, hf_run_config *c) {
  hf_yslot s[4] = {{.key = "direction"}, {.key = "max"}, {.key = "step"}, {.key = "cycles"}};
  const char *w = "field_loop: ";
  if (hf_yaml_map(r, n, "", "field_loop", "a mapping {direction, max, step, cycles}", w, s, 4))
    return HF_FAIL;
  double d[3], max, step;
  long cycles = 1;
  if (hf_yaml_need(r, n, w, &s[0], "the field direction [x, y, z]", "'field_loop'") ||
      hf_yaml_numbers(r, s[0].val, w, "direction", "three components", d, 3) < 0 ||
      hf_yaml_need(r, n, w, &s[1], "the largest field in kV/cm", "'field_loop'") ||
      hf_yaml_positive(r, s[1].val, w, "max", "a positive field in kV/cm", &max) ||
      hf_yaml_need(r, n, w, &s[2], "the field step in kV/cm", "'field_loop'") ||
      hf_yaml_positive(r, s[2].val, w, "step", "a positive field step in kV/cm", &step) ||
      (s[3].val && hf_yaml_integer(r, s[3].val, w, "cycles", 1, 100, &cycles)))
    return HF_FAIL;
  const double nd = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  if (!(nd > 0)) return hf_yaml_expected(r, s[0].val, w, "direction", "a non-zero vector");
  const long half = lround(max / step);
  if (half < 1 || fabs(half * step - max) > 1e-9 * max)
    return hf_yaml_expected(r, s[2].val, w, "step", "a step that divides max");
  if (c->ntemps != 1)
    return hf_yaml_fail_at(r, n, "key 'field_loop': expected exactly one temperature, got %d",
                           c->ntemps);
  long npts = half + 4 * half * cycles + 1; /* 0 -> max, then (max -> -max -> max) x cycles */
  if (npts > HF_MAX_TEMPS)
    return hf_yaml_fail_at(r, n, "key 'field_loop': %ld field points, at most %d", npts,
                           HF_MAX_TEMPS);
  int k = 0;
  for (long i = 0; i <= half; i++) c->loop_field[k++] = (double)i * step;
  for (long cy = 0; cy < cycles; cy++) {
    for (long i = half - 1; i >= -half; i--) c->loop_field[k++] = (double)i * step;
    for (long i = -half + 1; i <= half; i++) c->loop_field[k++] = (double)i * step;
  }
  for (int a = 0; a < 3; a++) c->loop_dir[a] = d[a] / nd;
  const double T = c->temps[0];
  for (int i = 0; i < k; i++) c->temps[i] = T;
  c->ntemps = k;
  c->field_loop = 1;
  return HF_OK;
}

int hf_yaml_strains(hf_yreader *r, yaml_node_t *n, const char *where, const char *key,
                    double eta[6]) {
  if (hf_yaml_numbers(r, n, where, key, "six strains eta1..eta6 (Voigt, dimensionless)", eta, 6) <
      0)
    return HF_FAIL;
  for (int l = 0; l < 6; l++)
    if (!(fabs(eta[l]) < 0.2))
      return hf_yaml_fail_at(r, n,
                             "key '%s': expected six strains between -0.2 and 0.2, eta%d is %g",
                             key, l + 1, eta[l]);
  return HF_OK;
}

/* The 'initial' mapping: random, uniform, domains or file (docs/run-format.md). */
static int read_initial(hf_yreader *r, yaml_node_t *n, hf_run_config *c) {
  enum { STATE, AMP, U, U2, NORMAL, PERIOD, FILE_, W, TILT, STRAIN, NS };
  hf_yslot s[NS] = {{.key = "state"},  {.key = "amplitude"}, {.key = "u"},    {.key = "u2"},
                    {.key = "normal"}, {.key = "period"},    {.key = "file"}, {.key = "w"},
                    {.key = "tilt"},   {.key = "strain"}};
  const char *w = "initial: ";
  if (hf_yaml_map(r, n, "", "initial", "a mapping {state: random|uniform|domains|file, ...}", w, s,
                  NS))
    return HF_FAIL;
  static const char *st[] = {"random", "uniform", "domains", "file"};
  if (s[STATE].val) {
    int m = hf_yaml_choice(r, s[STATE].val, w, "state", st, 4, "random, uniform, domains or file");
    if (m < 0) return HF_FAIL;
    c->init = m;
  }
  if (c->init == HF_INIT_DOMAINS) c->init_amp = 0; /* noise only when asked for */
  if (s[AMP].val &&
      hf_yaml_number(r, s[AMP].val, w, "amplitude", "a random amplitude in Angstrom", &c->init_amp))
    return HF_FAIL;
  if (s[U].val &&
      hf_yaml_numbers(r, s[U].val, w, "u", "three components in Angstrom", c->init_u, 3) < 0)
    return HF_FAIL;
  if ((c->init == HF_INIT_UNIFORM || c->init == HF_INIT_DOMAINS) && !s[U].val)
    return hf_yaml_need(r, n, w, &s[U], "u in Angstrom (the first domain's for domains)",
                        "'initial'");
  for (int a = 0; a < 3; a++) c->init_u2[a] = -c->init_u[a];
  if (s[U2].val &&
      hf_yaml_numbers(r, s[U2].val, w, "u2", "three components in Angstrom", c->init_u2, 3) < 0)
    return HF_FAIL;
  double nv[3] = {1, 0, 0};
  if (s[NORMAL].val &&
      hf_yaml_numbers(r, s[NORMAL].val, w, "normal", "three whole numbers [h, k, l]", nv, 3) < 0)
    return HF_FAIL;
  long span = 0; /* the range of h x + k y + l z over the supercell */
  for (int a = 0; a < 3; a++) {
    if (nv[a] != (int)nv[a] || fabs(nv[a]) > 64)
      return hf_yaml_fail_at(r, s[NORMAL].val,
                             "key 'normal': expected three whole numbers [h, k, l] in -64..64");
    c->init_normal[a] = (int)nv[a];
    span += labs((long)c->init_normal[a]) * c->L[a];
  }
  if (!span)
    return hf_yaml_fail_at(r, s[NORMAL].val, "key 'normal': expected a non-zero [h, k, l]");
  if (c->init != HF_INIT_DOMAINS && (s[NORMAL].val || s[PERIOD].val))
    return hf_yaml_fail_at(r, s[NORMAL].val ? s[NORMAL].val : s[PERIOD].val,
                           "key '%s': only with state: domains (it shapes the domains)",
                           s[NORMAL].val ? "normal" : "period");
  if (c->init == HF_INIT_DOMAINS) { /* other states have no period */
    long period = 0;
    for (int a = 0; a < 3 && !period; a++)
      if (c->init_normal[a]) period = labs((long)c->init_normal[a]) * c->L[a];
    if (s[PERIOD].val && hf_yaml_integer(r, s[PERIOD].val, w, "period", 2, 1000000, &period))
      return HF_FAIL;
    /* a domain pattern that repeats with the supercell: period divides every h L_x, k L_y, l L_z */
    for (int a = 0; a < 3; a++)
      if (period % 2 || ((long)c->init_normal[a] * c->L[a]) % period)
        return hf_yaml_fail_at(
            r, s[PERIOD].val ? s[PERIOD].val : n,
            "key 'period': expected an even number of cells that divides "
            "h*Lx, k*Ly and l*Lz (normal [%d, %d, %d], supercell %dx%dx%d), got %ld",
            c->init_normal[0], c->init_normal[1], c->init_normal[2], c->L[0], c->L[1], c->L[2],
            period);
    c->init_period = (int)period;
  }
  if (s[FILE_].val && hf_yaml_path(r, s[FILE_].val, w, "file", "a configuration file", c->init_file,
                                   sizeof c->init_file))
    return HF_FAIL;
  if (c->init == HF_INIT_FILE && !s[FILE_].val)
    return hf_yaml_need(r, n, w, &s[FILE_], "file: the configuration file", "'initial'");
  /* an octahedral tilt pattern on top of any state but a file */
  if (s[W].val) {
    if (c->init == HF_INIT_FILE)
      return hf_yaml_fail_at(r, s[W].val, "key 'w': not with state: file (the file gives omega)");
    if (hf_yaml_numbers(r, s[W].val, w, "w", "three tilt amplitudes in radians", c->init_w, 3) < 0)
      return HF_FAIL;
    c->init_w_set = 1;
  }
  if (s[TILT].val) {
    static const char *pt[] = {"R", "M"};
    int m = hf_yaml_choice(r, s[TILT].val, w, "tilt", pt, 2,
                           "R (anti-phase tilts) or M (in-phase tilts)");
    if (m < 0) return HF_FAIL;
    if (!s[W].val)
      return hf_yaml_need(r, n, w, &s[W], "w: the tilt amplitudes in radians", "'initial'");
    c->init_w_point = m;
  }
  /* a homogeneous strain to start from (e.g. a tetragonal cell under a domain structure) */
  if (s[STRAIN].val) {
    if (hf_yaml_strains(r, s[STRAIN].val, w, "strain", c->init_eta)) return HF_FAIL;
    c->init_eta_set = 1;
  }
  return HF_OK;
}

/* One region of 'pinned': {box: [[x0, x1], [y0, y1], [z0, z1]]} or
 * {file: PATH}, optionally with fields: [u, v, w]. */
static int read_pin_region(hf_yreader *r, yaml_node_t *n, hf_run_config *c, hf_pin_region *g) {
  enum { BOX, FILE_, FIELDS, NS };
  hf_yslot s[NS] = {{.key = "box"}, {.key = "file"}, {.key = "fields"}};
  const char *w = "pinned: ";
  if (hf_yaml_map(r, n, "", "pinned",
                  "a list of regions {box: [[x0, x1], [y0, y1], [z0, z1]]} or {file: PATH}", w, s,
                  NS))
    return HF_FAIL;
  if (!s[BOX].val == !s[FILE_].val)
    return hf_yaml_fail_at(r, n, "key 'pinned': expected a region with either 'box' or 'file'");
  if (s[FILE_].val &&
      hf_yaml_path(r, s[FILE_].val, w, "file", "a file of cells 'x y z'", g->file, sizeof g->file))
    return HF_FAIL;
  if (s[BOX].val) {
    yaml_node_t *b = s[BOX].val;
    const char *what =
        "three half-open cell ranges [[x0, x1], [y0, y1], [z0, z1]] with "
        "0 <= start < end <= L";
    if (b->type != YAML_SEQUENCE_NODE ||
        b->data.sequence.items.top - b->data.sequence.items.start != 3)
      return hf_yaml_expected(r, b, w, "box", what);
    for (int a = 0; a < 3; a++) {
      yaml_node_t *it = yaml_document_get_node(&r->doc, b->data.sequence.items.start[a]);
      double v[2];
      if (hf_yaml_numbers(r, it, w, "box", what, v, 2) < 0) return HF_FAIL;
      const int L = c->L[a];
      if (v[0] != floor(v[0]) || v[1] != floor(v[1]) || !(v[0] >= 0 && v[0] < v[1]) || !(v[1] <= L))
        return hf_yaml_fail_at(r, it,
                               "key 'pinned': box: expected %s; got [%g, %g] along %c, where "
                               "the supercell has L = %d",
                               what, v[0], v[1], "xyz"[a], L);
      g->box[a][0] = (int)v[0];
      g->box[a][1] = (int)v[1];
    }
  }
  if (s[FIELDS].val) {
    yaml_node_t *f = s[FIELDS].val;
    static const char *names[] = {"u", "v", "w"};
    const char *what = "a list of fields among u, v, w";
    if (f->type != YAML_SEQUENCE_NODE || f->data.sequence.items.top == f->data.sequence.items.start)
      return hf_yaml_expected(r, f, w, "fields", what);
    for (yaml_node_item_t *i = f->data.sequence.items.start; i < f->data.sequence.items.top; i++) {
      int k = hf_yaml_choice(r, yaml_document_get_node(&r->doc, *i), w, "fields", names, 3, what);
      if (k < 0) return HF_FAIL;
      g->fields |= 1u << k; /* HF_FIELD_U, _V, _W */
    }
  }
  return HF_OK;
}

static int read_pinned(hf_yreader *r, yaml_node_t *n, hf_run_config *c) {
  const char *what = "a list of regions {box: [[x0, x1], [y0, y1], [z0, z1]]} or {file: PATH}";
  if (n->type != YAML_SEQUENCE_NODE) return hf_yaml_expected(r, n, "", "pinned", what);
  for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
    if (c->npin == HF_MAX_PIN_REGIONS)
      return hf_yaml_fail_at(r, n, "key 'pinned': at most %d regions", HF_MAX_PIN_REGIONS);
    if (read_pin_region(r, yaml_document_get_node(&r->doc, *i), c, &c->pin[c->npin++]))
      return HF_FAIL;
  }
  return HF_OK;
}

/* 'vacuum': {axis: x|y|z, layers: [k0, k1] or [[k0, k1], ...]}, half-open
 * ranges of cell layers along the axis, disjoint, leaving some material. */
static int read_vacuum(hf_yreader *r, yaml_node_t *n, hf_run_config *c) {
  enum { AXIS, LAYERS, NS };
  hf_yslot s[NS] = {{.key = "axis"}, {.key = "layers"}};
  const char *w = "vacuum: ";
  const char *what = "a mapping {axis: x|y|z, layers: [k0, k1] or [[k0, k1], ...]}";
  if (hf_yaml_map(r, n, "", "vacuum", what, w, s, NS) ||
      hf_yaml_need(r, n, w, &s[AXIS], "axis: x, y or z (the film normal)", "'vacuum'") ||
      hf_yaml_need(r, n, w, &s[LAYERS], "layers: [k0, k1], half-open range of cell layers",
                   "'vacuum'"))
    return HF_FAIL;
  static const char *axes[] = {"x", "y", "z"};
  const int a = hf_yaml_choice(r, s[AXIS].val, w, "axis", axes, 3, "x, y or z (the film normal)");
  if (a < 0) return HF_FAIL;
  const char *rwhat = "half-open ranges of cell layers [k0, k1] with 0 <= k0 < k1 <= L";
  yaml_node_t *l = s[LAYERS].val;
  if (l->type != YAML_SEQUENCE_NODE || l->data.sequence.items.top == l->data.sequence.items.start)
    return hf_yaml_expected(r, l, w, "layers", rwhat);
  yaml_node_t *first = yaml_document_get_node(&r->doc, *l->data.sequence.items.start);
  const int nested = first->type == YAML_SEQUENCE_NODE;
  const int nr = nested ? (int)(l->data.sequence.items.top - l->data.sequence.items.start) : 1;
  if (nr > HF_MAX_VACUUM)
    return hf_yaml_fail_at(r, l, "key 'vacuum': layers: at most %d ranges, got %d", HF_MAX_VACUUM,
                           nr);
  long nvac = 0;
  for (int k = 0; k < nr; k++) {
    yaml_node_t *it = nested ? yaml_document_get_node(&r->doc, l->data.sequence.items.start[k]) : l;
    double v[2];
    if (hf_yaml_numbers(r, it, w, "layers", rwhat, v, 2) < 0) return HF_FAIL;
    if (v[0] != floor(v[0]) || v[1] != floor(v[1]) || !(v[0] >= 0 && v[0] < v[1]) ||
        !(v[1] <= c->L[a]))
      return hf_yaml_fail_at(r, it,
                             "key 'vacuum': layers: expected %s; got [%g, %g] along %s, where "
                             "the supercell has L = %d",
                             rwhat, v[0], v[1], axes[a], c->L[a]);
    for (int j = 0; j < k; j++)
      if (v[0] < c->vacuum[j][1] && c->vacuum[j][0] < v[1])
        return hf_yaml_fail_at(r, it, "key 'vacuum': layers: [%g, %g] overlaps [%d, %d]", v[0],
                               v[1], c->vacuum[j][0], c->vacuum[j][1]);
    nvac += (long)(v[1] - v[0]);
    c->vacuum[k][0] = (int)v[0];
    c->vacuum[k][1] = (int)v[1];
  }
  if (nvac == c->L[a])
    return hf_yaml_fail_at(r, l,
                           "key 'vacuum': layers: expected some layers of material; all %d "
                           "layers along %s are vacuum",
                           c->L[a], axes[a]);
  c->vacuum_axis = a;
  c->nvacuum = nr;
  return HF_OK;
}

size_t hf_run_config_vacuum_cells(const hf_run_config *c) {
  if (c->vacuum_axis < 0) return 0;
  const int a = c->vacuum_axis;
  size_t layers = 0;
  for (int k = 0; k < c->nvacuum; k++) layers += (size_t)(c->vacuum[k][1] - c->vacuum[k][0]);
  return layers * (size_t)c->L[(a + 1) % 3] * (size_t)c->L[(a + 2) % 3];
}

int hf_run_config_vacuum_regions(const hf_run_config *c, hf_pin_region *reg, int n) {
  for (int k = 0; c->vacuum_axis >= 0 && k < c->nvacuum; k++, n++) {
    memset(&reg[n], 0, sizeof reg[n]); /* fields 0: every field of the model */
    for (int b = 0; b < 3; b++) {
      reg[n].box[b][0] = b == c->vacuum_axis ? c->vacuum[k][0] : 0;
      reg[n].box[b][1] = b == c->vacuum_axis ? c->vacuum[k][1] : c->L[b];
    }
  }
  return n;
}

/* Depolarization factors for the engine.  With vacuum, the factor along
 * the film normal is the film's: 0 electrodes on its surfaces, 1 open
 * circuit.  The k-space sum without k = 0 already puts the fraction 1 - f
 * of the open-circuit field on a uniformly polarized film filling the
 * fraction f of the supercell (electrodes at the supercell faces), so the
 * k = 0 term adds (b - (1 - f)) / f of the open-circuit one
 * (docs/run-format.md). */
void hf_run_config_engine_depolarization(const hf_run_config *c, int dipole, double beta[3]) {
  for (int a = 0; a < 3; a++) beta[a] = c->depolarization[a];
  const int a = c->vacuum_axis;
  if (a < 0 || !dipole) return; /* (no dipole sum: no field from the k-space part) */
  const double f = 1.0 - (double)hf_run_config_vacuum_cells(c) /
                             ((double)c->L[0] * (double)c->L[1] * (double)c->L[2]);
  beta[a] = (c->depolarization[a] - (1.0 - f)) / f;
}

static int read_body(hf_yreader *r, yaml_node_t *root, hf_run_config *c) {
  enum {
    MODEL,
    SUPER,
    SEED,
    METHOD,
    PRESS,
    PRESS_K,
    TEMPS,
    THERM,
    AVG,
    SAMPLE,
    MD,
    HMC,
    MC,
    INIT,
    OUT,
    PHASE,
    OCC,
    FIELD,
    FIELD_AC,
    FIELD_LOOP,
    THREADS,
    KPREC,
    DEPOL,
    EPITAX,
    PINNED,
    VACUUM,
    NK
  };
  hf_yslot k[NK] = {{.key = "model"},
                    {.key = "supercell"},
                    {.key = "seed"},
                    {.key = "method"},
                    {.key = "pressure"},
                    {.key = "pressure_per_K"},
                    {.key = "temperatures"},
                    {.key = "thermalize"},
                    {.key = "average"},
                    {.key = "sample_every"},
                    {.key = "md"},
                    {.key = "hmc"},
                    {.key = "mc"},
                    {.key = "initial"},
                    {.key = "output"},
                    {.key = "phase_threshold"},
                    {.key = "occupation"},
                    {.key = "field"},
                    {.key = "field_ac"},
                    {.key = "field_loop"},
                    {.key = "threads"},
                    {.key = "kspace_precision"},
                    {.key = "depolarization"},
                    {.key = "epitaxial"},
                    {.key = "pinned"},
                    {.key = "vacuum"}};
  if (hf_yaml_map(r, root, "", NULL, "a mapping of run settings at the top level", "", k, NK))
    return HF_FAIL;
  const char *top = "the run file";
  if (hf_yaml_need(r, root, "", &k[MODEL], "path of the model file", top) ||
      hf_yaml_path(r, k[MODEL].val, "", "model", "a model file path", c->model_path,
                   sizeof c->model_path))
    return HF_FAIL;
  if (hf_yaml_need(r, root, "", &k[TEMPS], "temperatures in K", top) ||
      read_temperatures(r, k[TEMPS].val, c))
    return HF_FAIL;
  if (k[SUPER].val &&
      hf_yaml_supercell(r, k[SUPER].val, 1, 4096, "three whole numbers between 1 and 4096", c->L))
    return HF_FAIL;
  if (k[SEED].val && hf_yaml_seed(r, k[SEED].val, &c->seed)) return HF_FAIL;
  if (k[METHOD].val) {
    static const char *names[] = {"md", "hmc", "mc"};
    int m = hf_yaml_choice(r, k[METHOD].val, "", "method", names, 3, "md, hmc or mc");
    if (m < 0) return HF_FAIL;
    c->method = m;
  }
  if (k[PRESS].val &&
      hf_yaml_number(r, k[PRESS].val, "", "pressure", "a pressure in GPa", &c->pressure))
    return HF_FAIL;
  if (k[PRESS_K].val && hf_yaml_number(r, k[PRESS_K].val, "", "pressure_per_K",
                                       "a pressure slope in GPa/K", &c->pressure_per_K))
    return HF_FAIL;
  struct {
    int key;
    long *dst, lo;
  } ints[] = {{THERM, &c->thermalize, 0}, {AVG, &c->average, 1}, {SAMPLE, &c->sample_every, 1}};
  for (int i = 0; i < 3; i++)
    if (k[ints[i].key].val && hf_yaml_integer(r, k[ints[i].key].val, "", k[ints[i].key].key,
                                              ints[i].lo, 1000000000L, ints[i].dst))
      return HF_FAIL;
  long v;
  if (k[THREADS].val) {
    if (hf_yaml_integer(r, k[THREADS].val, "", "threads", 1, 256, &v)) return HF_FAIL;
    c->threads = (int)v;
  }
  if (k[KPREC].val) {
    static const char *prec[] = {"double", "single"};
    int p = hf_yaml_choice(r, k[KPREC].val, "", "kspace_precision", prec, 2, "double or single");
    if (p < 0) return HF_FAIL;
    c->kspace_single = p;
  }
  if (k[MD].val && hf_yaml_md_opts(r, k[MD].val, &c->md)) return HF_FAIL;
  if (k[HMC].val && read_hmc(r, k[HMC].val, c)) return HF_FAIL;
  if (k[MC].val) {
    hf_yslot s[2] = {{.key = "step"}, {.key = "strain"}};
    if (hf_yaml_map(r, k[MC].val, "", "mc", "a mapping of MC settings", "mc: ", s, 2) ||
        (s[0].val && hf_yaml_positive(r, s[0].val, "mc: ", "step",
                                      "a positive initial step in Angstrom", &c->mc_step)) ||
        (s[1].val && hf_yaml_bool(r, s[1].val, "mc: ", "strain", &c->mc_strain)))
      return HF_FAIL;
  }
  if (k[INIT].val && read_initial(r, k[INIT].val, c)) return HF_FAIL;
  if (k[PINNED].val && read_pinned(r, k[PINNED].val, c)) return HF_FAIL;
  if (k[VACUUM].val && read_vacuum(r, k[VACUUM].val, c)) return HF_FAIL;
  if (k[OUT].val) {
    hf_yslot s[7] = {
        {.key = "dir"},      {.key = "prefix"},     {.key = "vtk"},   {.key = "checkpoint_every"},
        {.key = "fft_plan"}, {.key = "timeseries"}, {.key = "config"}};
    if (hf_yaml_map(r, k[OUT].val, "", "output", "a mapping of output settings", "output: ", s, 7))
      return HF_FAIL;
    if (s[6].val && hf_yaml_bool(r, s[6].val, "output: ", "config", &c->config)) return HF_FAIL;
    if (s[5].val) {
      if (hf_yaml_integer(r, s[5].val, "output: ", "timeseries", 0, 1000000000L, &c->timeseries))
        return HF_FAIL;
      if (c->timeseries > 0 && c->method != HF_METHOD_MD)
        return hf_yaml_fail_at(r, s[5].val,
                               "key 'timeseries': expected method md (a time series needs "
                               "dynamics), or 0");
    }
    if (s[4].val) {
      static const char *plans[] = {"estimate", "measure"};
      int pl = hf_yaml_choice(r, s[4].val, "output: ", "fft_plan", plans, 2,
                              "estimate (reproducible in any directory) or measure (faster)");
      if (pl < 0) return HF_FAIL;
      c->fft_measure = pl;
    }
    if (s[0].val &&
        hf_yaml_path(r, s[0].val, "output: ", "dir", "a directory", c->out_dir, sizeof c->out_dir))
      return HF_FAIL;
    if (s[1].val && hf_yaml_string(r, s[1].val, "output: ", "prefix", "a file name prefix",
                                   c->prefix, sizeof c->prefix))
      return HF_FAIL;
    if (s[2].val && hf_yaml_bool(r, s[2].val, "output: ", "vtk", &c->vtk)) return HF_FAIL;
    if (s[3].val && hf_yaml_integer(r, s[3].val, "output: ", "checkpoint_every", 0, 1000000000L,
                                    &c->checkpoint_every))
      return HF_FAIL;
  } else {
    hf_path_resolve(c->out_dir, sizeof c->out_dir, c->path, "heff-out");
  }
  if (k[OCC].val && read_occupation(r, k[OCC].val, c)) return HF_FAIL;
  if (k[DEPOL].val) {
    if (hf_yaml_numbers(r, k[DEPOL].val, "", "depolarization",
                        "three factors [bx, by, bz] in 0..1 (0 short circuit, 1 open circuit)",
                        c->depolarization, 3) < 0)
      return HF_FAIL;
    for (int a = 0; a < 3; a++)
      if (!(c->depolarization[a] >= 0 && c->depolarization[a] <= 1))
        return hf_yaml_fail_at(r, k[DEPOL].val,
                               "key 'depolarization': expected three factors in 0..1 (0 short "
                               "circuit, 1 open circuit), got %g",
                               c->depolarization[a]);
  }
  if (k[EPITAX].val) {
    if (hf_yaml_number(r, k[EPITAX].val, "", "epitaxial",
                       "the in-plane misfit strain (eta1 = eta2, dimensionless)", &c->epitaxial))
      return HF_FAIL;
    if (!(fabs(c->epitaxial) < 0.2))
      return hf_yaml_fail_at(
          r, k[EPITAX].val,
          "key 'epitaxial': expected a misfit strain between -0.2 and 0.2, got %g", c->epitaxial);
    c->has_epitaxial = 1;
    /* the substrate holds eta1 = eta2 = misfit, eta6 = 0: a different initial value would be
     * overridden */
    if (c->init_eta_set &&
        (c->init_eta[0] != c->epitaxial || c->init_eta[1] != c->epitaxial || c->init_eta[5] != 0))
      return hf_yaml_fail_at(r, k[INIT].val,
                             "initial: key 'strain': with 'epitaxial: %g' expected eta1 = eta2 = "
                             "%g and eta6 = 0 (the substrate holds them), got %g, %g, %g",
                             c->epitaxial, c->epitaxial, c->init_eta[0], c->init_eta[1],
                             c->init_eta[5]);
  }
  if (k[FIELD].val && hf_yaml_numbers(r, k[FIELD].val, "", "field",
                                      "three components [Ex, Ey, Ez] in kV/cm", c->field, 3) < 0)
    return HF_FAIL;
  if (k[FIELD_LOOP].val && read_field_loop(r, k[FIELD_LOOP].val, c)) return HF_FAIL;
  if (k[FIELD_AC].val) {
    hf_yslot s[2] = {{.key = "amplitude"}, {.key = "period"}};
    const char *w = "field_ac: ";
    if (hf_yaml_map(r, k[FIELD_AC].val, "", "field_ac", "a mapping {amplitude, period}", w, s, 2) ||
        hf_yaml_need(r, k[FIELD_AC].val, w, &s[0], "[Ex, Ey, Ez] in kV/cm", "'field_ac'") ||
        hf_yaml_numbers(r, s[0].val, w, "amplitude", "three components in kV/cm", c->field_ac, 3) <
            0 ||
        hf_yaml_need(r, k[FIELD_AC].val, w, &s[1], "the period in fs", "'field_ac'") ||
        hf_yaml_positive(r, s[1].val, w, "period", "a positive period in fs", &c->field_period))
      return HF_FAIL;
    if (c->method != HF_METHOD_MD)
      return hf_yaml_fail_at(r, k[FIELD_AC].val,
                             "key 'field_ac': expected method md (an AC field needs time)");
  }
  if (k[PHASE].val &&
      hf_yaml_positive(r, k[PHASE].val, "", "phase_threshold",
                       "a positive mode amplitude in Angstrom", &c->phase_threshold))
    return HF_FAIL;
  if (c->average < c->sample_every)
    return hf_yaml_fail_at(r, k[AVG].val ? k[AVG].val : root,
                           "key 'average': expected at least sample_every (%ld) units, got %ld",
                           c->sample_every, c->average);
  return HF_OK;
}

int hf_run_config_load(hf_run_config *c, const char *path, hf_err *err) {
  hf_run_config_default(c);
  snprintf(c->path, sizeof c->path, "%s", path);
  hf_yreader r;
  yaml_node_t *root;
  if (hf_yaml_open(&r, path, &root, err)) return HF_FAIL;
  int rc = read_body(&r, root, c);
  hf_yaml_close(&r);
  return rc;
}
