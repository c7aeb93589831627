/* dynamics.c - integrators over all mode fields and the homogeneous strain
 * (see dynamics.h).  Allocates only in hf_dyn_create. */
#include "dynamics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "omega_gauge.h"

#define NHC_MAX HF_NHC_MAX
/* Cells per Langevin noise stream: the noise of block b of a component comes
 * from its own split stream, so blocks can run on any thread and the numbers
 * do not depend on the thread count.  Blocks count global cells, so the
 * numbers do not depend on the number of MPI ranks either: a rank whose slab
 * starts inside a block draws and drops the block's first values. */
#define NOISE_BLOCK 16384

struct hf_dyn {
  hf_engine *eng;
  const hf_lattice *lat;
  hf_fields *x;
  hf_fields vel, g;
  double dEdeta[6];
  double eta_v[6];
  hf_energy E;
  hf_dyn_opts o;
  double mass[3]; /* amu per field */
  int nfield;     /* vector fields present: bit 0 u, 1 v, 2 w */
  double W;       /* strain mass, eV fs^2 */
  double ndof;
  double xi[NHC_MAX], vxi[NHC_MAX], Q[NHC_MAX];
  /* The closing half kick of a Langevin or NVE step is left pending (kick_due
   * fs, with the forces in g) and done by the next step's first pass, which
   * reads v and g anyway: one pass over the velocities per step instead of
   * two.  Whatever reads or changes the velocities or forces outside
   * hf_dyn_step applies it first (apply_kick) or allows for it
   * (hf_dyn_kinetic), with the same arithmetic, so results do not change. */
  double kick_due;
  int nt;        /* threads (the engine's) */
  hf_comm *comm; /* ranks (the engine's): kinetic energies are reduced */
  /* pinned cells (hf_dyn_set_pinned): their forces are zeroed after each
   * evaluation, their velocities and values reset after each drift; the
   * hot loops stay as they are */
  const hf_pin *pin;
  double *pin_x; /* held values: per field, 3 per pinned cell */
  /* omega moves in the Eq. 2 gauge (omega_gauge.h): its forces are
   * projected after every evaluation, and values and velocities after the
   * Langevin noise; off when omega cells are pinned (the pins fix it) */
  int gauge;
  int gauge_enter; /* the values are yet to be projected (at the next start of motion) */
  double *gauge_work;
};

static void apply_kick(hf_dyn *d);

/* Projects the omega components of f (values, velocities or forces) onto
 * the gauge, when the dynamics keeps it. */
static void gauge_project(hf_dyn *d, hf_fields *f) {
  if (!d->gauge) return;
  double *w[3] = {f->w[0], f->w[1], f->w[2]};
  hf_omega_gauge_project(d->lat, d->comm, w, d->gauge_work);
}

/* Gauge on when omega moves and no omega cell is pinned. */
static void gauge_setup(hf_dyn *d) {
  d->gauge = (d->nfield & 4) && d->gauge_work && !(d->pin && d->pin->ncomp[2]);
  d->gauge_enter = d->gauge;
}

/* Before the first motion (a step or new velocities) values out of the
 * gauge by more than round-off enter it: a uniform omega, or one that varies along its own axis
 * alone, moves no atom, so the structure is the same; the forces follow.  Not at creation, so that
 * cells pinned afterwards keep the values they had. */
static void gauge_enter(hf_dyn *d) {
  if (!d->gauge_enter) return;
  d->gauge_enter = 0;
  /* a state already in the gauge (a resumed one) is left bit for bit */
  const double *w[3] = {d->x->w[0], d->x->w[1], d->x->w[2]};
  if (hf_omega_gauge_violation(d->lat, d->comm, w, d->gauge_work) < HF_OMEGA_GAUGE_TOL) return;
  gauge_project(d, d->x);
  gauge_project(d, &d->vel);
  hf_dyn_refresh(d);
}

void hf_dyn_opts_default(hf_dyn_opts *o) {
  memset(o, 0, sizeof *o);
  o->dt = 1.0;
  o->temperature = 300.0;
  o->thermostat = HF_THERMO_LANGEVIN;
  o->friction = 0.01;
  o->tau_t = 100.0;
  o->nhc_length = 3;
  o->barostat = 0;
  o->tau_p = 1000.0;
  for (int l = 0; l < 6; l++) o->strain_free[l] = 1;
}

static int strain_stiffness(hf_dyn *d, double *k, hf_err *err) {
  /* d2E/deta1^2 of the supercell at zero modes, by central differences of
   * the analytic dE/deta: sets the strain mass so the strain oscillates
   * with period tau_p. */
  hf_fields z;
  if (hf_fields_alloc(&z, d->lat, hf_engine_field_mask(d->eng), err)) return HF_FAIL;
  double dp[6], dm[6];
  hf_energy E;
  const double h = 1e-4;
  z.eta[0] = h;
  hf_engine_eval(d->eng, &z, NULL, dp, &E);
  z.eta[0] = -h;
  hf_engine_eval(d->eng, &z, NULL, dm, &E);
  hf_fields_free(&z);
  *k = (dp[0] - dm[0]) / (2 * h);
  return HF_OK;
}

static void setup_nhc(hf_dyn *d) {
  double kT = HF_KB * d->o.temperature;
  double tau = d->o.tau_t / (2 * M_PI);
  for (int j = 0; j < d->o.nhc_length; j++) d->Q[j] = (j == 0 ? d->ndof : 1.0) * kT * tau * tau;
}

/* Mode components that move, plus the free strain components with the
 * barostat. */
static double count_ndof(const hf_dyn *d) {
  double n = 0;
  for (int f = 0; f < 3; f++)
    if (d->nfield & (1 << f))
      n += 3.0 * (double)d->lat->n - (d->pin ? (double)d->pin->ncomp[f] : 0);
  /* uniform acoustic translation is a zero mode, unless pinned v cells hold it */
  if ((d->nfield & 2) && !(d->pin && d->pin->ncomp[1])) n -= 3.0;
  if (d->gauge) n -= (double)hf_omega_gauge_work(d->lat); /* one per layer and component */
  if (d->o.barostat)
    for (int l = 0; l < 6; l++) n += d->o.strain_free[l] ? 1 : 0;
  return n;
}

int hf_dyn_set_opts(hf_dyn *d, const hf_dyn_opts *o, hf_err *err) {
  if (!(o->dt > 0)) return hf_fail(err, "time step dt must be positive (fs)");
  if (o->thermostat == HF_THERMO_NHC && (o->nhc_length < 1 || o->nhc_length > NHC_MAX))
    return hf_fail(err, "Nose-Hoover chain length must be 1..%d", NHC_MAX);
  if (o->thermostat == HF_THERMO_LANGEVIN && !(o->friction > 0))
    return hf_fail(err, "Langevin friction must be positive (1/fs)");
  if (o->temperature < 0) return hf_fail(err, "temperature must be >= 0 K");
  apply_kick(d); /* with the old dt and thermostat */
  d->o = *o;
  d->ndof = count_ndof(d);
  setup_nhc(d);
  return HF_OK;
}

int hf_dyn_create(hf_dyn **out, hf_engine *eng, hf_fields *x, const hf_dyn_opts *o, hf_err *err) {
  *out = NULL;
  hf_dyn *d = calloc(1, sizeof *d);
  if (!d) return hf_fail(err, "out of memory");
  d->eng = eng;
  d->lat = hf_engine_lattice(eng);
  d->x = x;
  d->nt = hf_engine_threads(eng);
  d->comm = hf_engine_comm(eng);
  const hf_model *m = hf_engine_model(eng);
  unsigned mask = hf_engine_field_mask(eng);
  d->nfield =
      (mask & HF_FIELD_U ? 1 : 0) | (mask & HF_FIELD_V ? 2 : 0) | (mask & HF_FIELD_W ? 4 : 0);
  for (int f = 0; f < 3; f++) d->mass[f] = m->mass[f];
  unsigned vmask = mask & (HF_FIELD_U | HF_FIELD_V | HF_FIELD_W);
  if (hf_fields_alloc(&d->vel, d->lat, vmask, err) || hf_fields_alloc(&d->g, d->lat, vmask, err)) {
    hf_dyn_free(d);
    return HF_FAIL;
  }
  if ((d->nfield & 4) &&
      !(d->gauge_work = malloc(hf_omega_gauge_work(d->lat) * sizeof *d->gauge_work))) {
    hf_dyn_free(d);
    return hf_fail(err, "out of memory");
  }
  gauge_setup(d);
  if (hf_dyn_set_opts(d, o, err)) {
    hf_dyn_free(d);
    return HF_FAIL;
  }
  double k;
  if (o->strain_mass > 0) {
    d->W = o->strain_mass;
  } else {
    if (strain_stiffness(d, &k, err)) {
      hf_dyn_free(d);
      return HF_FAIL;
    }
    if (!(k > 0)) k = 100.0 * (double)hf_engine_material_cells(eng);
    double tp = o->tau_p / (2 * M_PI);
    d->W = k * tp * tp;
  }
  hf_dyn_refresh(d);
  *out = d;
  return HF_OK;
}

void hf_dyn_free(hf_dyn *d) {
  if (!d) return;
  free(d->pin_x);
  free(d->gauge_work);
  hf_fields_free(&d->vel);
  hf_fields_free(&d->g);
  free(d);
}

int hf_dyn_set_engine(hf_dyn *d, hf_engine *eng, hf_err *err) {
  if (hf_engine_lattice(eng)->n != d->lat->n ||
      hf_engine_field_mask(eng) != hf_engine_field_mask(d->eng))
    return hf_fail(err, "new engine has another supercell or other fields");
  apply_kick(d); /* the pending half kick belongs to the old forces */
  d->eng = eng;
  d->lat = hf_engine_lattice(eng);
  d->comm = hf_engine_comm(eng);
  hf_dyn_refresh(d);
  return HF_OK;
}

void hf_dyn_set_temperature(hf_dyn *d, double T) {
  d->o.temperature = T;
  setup_nhc(d);
}

const hf_dyn_opts *hf_dyn_get_opts(const hf_dyn *d) { return &d->o; }

/* The pinned components: force zero (so kicks leave their velocity zero). */
static void pin_forces(hf_dyn *d) {
  for (int f = 0; f < 3; f++)
    for (size_t k = 0; k < d->pin->n[f]; k++)
      for (int a = 0; a < 3; a++) hf_fields_comp(&d->g, 3 * f + a)[d->pin->cell[f][k]] = 0;
}

/* The pinned components: held value, velocity zero (after a drift, and
 * after the Langevin noise, which is drawn for every cell so that the
 * streams do not depend on the set). */
static void pin_hold(hf_dyn *d) {
  const double *held = d->pin_x;
  for (int f = 0; f < 3; f++)
    for (size_t k = 0; k < d->pin->n[f]; k++, held += 3)
      for (int a = 0; a < 3; a++) {
        const size_t i = d->pin->cell[f][k];
        hf_fields_comp(d->x, 3 * f + a)[i] = held[a];
        hf_fields_comp(&d->vel, 3 * f + a)[i] = 0;
      }
}

int hf_dyn_set_pinned(hf_dyn *d, const hf_pin *p, hf_err *err) {
  apply_kick(d);
  free(d->pin_x);
  d->pin_x = NULL;
  d->pin = NULL;
  if (p && hf_pin_components(p)) {
    size_t n = 0;
    for (int f = 0; f < 3; f++) {
      if (p->n[f] && !(d->nfield & (1 << f)))
        return hf_fail(err, "pinned cells name field %c, which the dynamics does not move",
                       "uvw"[f]);
      n += 3 * p->n[f];
    }
    if (n && !(d->pin_x = malloc(n * sizeof *d->pin_x))) return hf_fail(err, "out of memory");
    double *held = d->pin_x;
    for (int f = 0; f < 3; f++)
      for (size_t k = 0; k < p->n[f]; k++)
        for (int a = 0; a < 3; a++) *held++ = hf_fields_comp(d->x, 3 * f + a)[p->cell[f][k]];
    d->pin = p;
    pin_forces(d);
    pin_hold(d);
  }
  gauge_setup(d);
  d->ndof = count_ndof(d);
  setup_nhc(d);
  if (!(d->ndof > 0)) return hf_fail(err, "every degree of freedom is pinned: nothing moves");
  return HF_OK;
}

/* (hf_dyn_step calls it right after its first pass, where no kick is due) */
void hf_dyn_refresh(hf_dyn *d) {
  apply_kick(d);
  hf_engine_eval(d->eng, d->x, &d->g, d->dEdeta, &d->E);
  gauge_project(d, &d->g);
  if (d->pin) pin_forces(d);
}

/* Every rank draws the whole supercell's sequence (the serial one, so that
 * any rank count gives the same velocities) and keeps its slab. */
void hf_dyn_randomize_velocities(hf_dyn *d, double T, hf_rng *r) {
  gauge_enter(d);
  double kT = HF_KB * T;
  d->kick_due = 0; /* every velocity is replaced */
  const size_t n = d->lat->n, nl = d->lat->nloc;
  const size_t i0 = (size_t)d->lat->x0 * (size_t)d->lat->L[1] * (size_t)d->lat->L[2];
  for (int f = 0; f < 3; f++) {
    if (!(d->nfield & (1 << f))) continue;
    double s = sqrt(kT / (d->mass[f] * HF_MVV2E));
    for (int a = 0; a < 3; a++) {
      double *v = hf_fields_comp(&d->vel, 3 * f + a);
      double mean = 0;
      for (size_t i = 0; i < n; i++) {
        const double vi = s * hf_rng_normal(r);
        if (i - i0 < nl) v[i - i0] = vi; /* (unsigned: i < i0 wraps past nl) */
        mean += vi;
      }
      if (f == 1) /* no drift of the whole crystal */
        for (size_t i = 0; i < nl; i++) v[i] -= mean / (double)n;
    }
  }
  gauge_project(d, &d->vel);
  for (int l = 0; l < 6; l++)
    d->eta_v[l] = d->o.barostat && d->o.strain_free[l] ? sqrt(kT / d->W) * hf_rng_normal(r) : 0.0;
  for (int j = 0; j < NHC_MAX; j++) d->xi[j] = d->vxi[j] = 0;
  if (d->pin) pin_hold(d);
}

/* v -= h g / m for every field, now. */
static void kick(hf_dyn *d, double h) {
  size_t n = d->lat->nloc;
  for (int f = 0; f < 3; f++) {
    if (!(d->nfield & (1 << f))) continue;
    double s = h / (d->mass[f] * HF_MVV2E);
    for (int a = 0; a < 3; a++) {
      double *restrict v = hf_fields_comp(&d->vel, 3 * f + a);
      const double *restrict g = hf_fields_comp(&d->g, 3 * f + a);
#pragma omp parallel for schedule(static) num_threads(d->nt) if (d->nt > 1)
      for (size_t i = 0; i < n; i++) v[i] -= s * g[i];
    }
  }
}

static void kick_strain(hf_dyn *d, double h) {
  if (d->o.barostat)
    for (int l = 0; l < 6; l++)
      if (d->o.strain_free[l]) d->eta_v[l] -= h * d->dEdeta[l] / d->W;
}

static void apply_kick(hf_dyn *d) {
  if (d->kick_due != 0) kick(d, d->kick_due);
  d->kick_due = 0;
}

static void scale_velocities(hf_dyn *d, double s) {
  size_t n = d->lat->nloc;
  apply_kick(d);
  for (int c = 0; c < 9; c++) {
    double *v = hf_fields_comp(&d->vel, c);
    if (v)
#pragma omp parallel for schedule(static) num_threads(d->nt) if (d->nt > 1)
      for (size_t i = 0; i < n; i++) v[i] *= s;
  }
  for (int l = 0; l < 6; l++) d->eta_v[l] *= s;
}

/* Nose-Hoover chain half step (Martyna, Tuckerman, Klein 1996). */
static void nhc_half(hf_dyn *d, double dt) {
  int M = d->o.nhc_length;
  double kT = HF_KB * d->o.temperature;
  double twoK = 2.0 * (hf_dyn_kinetic(d) + hf_dyn_strain_kinetic(d));
  double h2 = dt / 2, h4 = dt / 4, h8 = dt / 8;
#define G(j)                                  \
  ((j) == 0 ? (twoK - d->ndof * kT) / d->Q[0] \
            : (d->Q[(j)-1] * d->vxi[(j)-1] * d->vxi[(j)-1] - kT) / d->Q[j])
  d->vxi[M - 1] += G(M - 1) * h4;
  for (int j = M - 2; j >= 0; j--) {
    double e = exp(-d->vxi[j + 1] * h8);
    d->vxi[j] = (d->vxi[j] * e + G(j) * h4) * e;
  }
  double s = exp(-d->vxi[0] * h2);
  scale_velocities(d, s);
  twoK *= s * s;
  for (int j = 0; j < M; j++) d->xi[j] += d->vxi[j] * h2;
  for (int j = 0; j < M - 1; j++) {
    double e = exp(-d->vxi[j + 1] * h8);
    d->vxi[j] = (d->vxi[j] * e + G(j) * h4) * e;
  }
  d->vxi[M - 1] += G(M - 1) * h4;
#undef G
}

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* The rest of one round of hf_rng_normal256's ziggurat after its layer
 * test failed (tail or wedge), then further rounds by hf_rng_normal256. */
static double zig_edge(hf_rng *r, int32_t hz, uint32_t iz, double x) {
  double out;
  return hf_zig256_edge(r, hz, iz, x, &out) ? out : hf_rng_normal256(r);
}

/* The Langevin part of pre_force_pass for n cells (one noise block): kick
 * by s (after the pending kick sp), drift by hd, Ornstein-Uhlenbeck step
 * with noise sig * N(0,1), drift by hd.  The normal deviates are the next n
 * values of hf_rng_normal256(r), bit for bit (same ziggurat), but drawn inline
 * with the generator state in registers; only the ~1% of draws that miss
 * the ziggurat's layer test go to zig_edge.  Drawing the noise is most of
 * the cost: the memory traffic hides behind it. */
static void ou_pass(hf_rng *r, double *restrict v, double *restrict x, const double *restrict g,
                    size_t n, double sp, double s, double hd, double c1, double sig) {
  uint64_t s0 = r->s[0], s1 = r->s[1], s2 = r->s[2], s3 = r->s[3];
  for (size_t i = 0; i < n; i++) {
    const uint64_t bits = rotl64(s1 * 5, 7) * 9, t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl64(s3, 45);
    const int32_t hz = (int32_t)(uint32_t)(bits >> 32);
    const uint32_t iz = (uint32_t)bits & 255u;
    const uint32_t ahz = hz < 0 ? (uint32_t)(-(int64_t)hz) : (uint32_t)hz;
    double xi = hz * hf_zig256_w[iz];
    if (!(ahz < hf_zig256_k[iz])) {
      r->s[0] = s0, r->s[1] = s1, r->s[2] = s2, r->s[3] = s3;
      xi = zig_edge(r, hz, iz, xi);
      s0 = r->s[0], s1 = r->s[1], s2 = r->s[2], s3 = r->s[3];
    }
    double vi = v[i] - sp * g[i]; /* sp = 0 leaves v exactly */
    vi = vi - s * g[i];
    const double xm = x[i] + hd * vi;
    vi = c1 * vi + sig * xi;
    x[i] = xm + hd * vi;
    v[i] = vi;
  }
  r->s[0] = s0, r->s[1] = s1, r->s[2] = s2, r->s[3] = s3;
}

/* One pass over every field for everything before the force evaluation:
 * kick by h_kick, drift by h_drift and, for Langevin, the Ornstein-Uhlenbeck
 * step and a second drift (the B A O A of BAOAB).  One pass instead of four
 * keeps the step memory-bound only once. */
static void pre_force_pass(hf_dyn *d, double hk, double hd, int langevin, hf_rng *r) {
  /* this rank's cells [g0, g0 + n) of the supercell, in noise blocks b0.. */
  const size_t n = d->lat->nloc;
  const size_t g0 = (size_t)d->lat->x0 * (size_t)d->lat->L[1] * (size_t)d->lat->L[2];
  const size_t b0 = g0 / NOISE_BLOCK;
  const double hp = d->kick_due; /* the previous step's closing kick, first */
  d->kick_due = 0;
  const double c1 = langevin ? exp(-d->o.friction * d->o.dt) : 1.0;
  const double c2 = sqrt(1 - c1 * c1), kT = HF_KB * d->o.temperature;
  /* every (field component, block) in one parallel loop: one fork per
   * step, and small lattices still give every thread work */
  int comp[9], nc = 0;
  for (int c = 0; c < 9; c++)
    if (d->nfield & (1 << (c / 3))) comp[nc++] = c;
  const size_t nb = n ? (g0 + n - 1) / NOISE_BLOCK + 1 - b0 : 0, nwork = (size_t)nc * nb;
#pragma omp parallel for schedule(static) num_threads(d->nt) if (d->nt > 1)
  for (size_t w = 0; w < nwork; w++) {
    const int c = comp[w / nb], f = c / 3;
    /* global block b covers [b NB, (b + 1) NB); its part on this rank: local [i0, i0 + m) */
    const size_t b = b0 + w % nb, lo = b * NOISE_BLOCK > g0 ? b * NOISE_BLOCK : g0;
    const size_t hi = (b + 1) * NOISE_BLOCK < g0 + n ? (b + 1) * NOISE_BLOCK : g0 + n;
    const size_t i0 = lo - g0, m = hi - lo;
    const double s = hk / (d->mass[f] * HF_MVV2E), sp = hp / (d->mass[f] * HF_MVV2E);
    double *restrict v = hf_fields_comp(&d->vel, c) + i0;
    double *restrict x = hf_fields_comp(d->x, c) + i0;
    const double *restrict g = hf_fields_comp(&d->g, c) + i0;
    if (langevin) {
      const double sig = c2 * sqrt(kT / (d->mass[f] * HF_MVV2E));
      hf_rng rb;
      hf_rng_split(r, ((uint64_t)c << 32) | (uint64_t)b, &rb);
      for (size_t k = b * NOISE_BLOCK; k < lo; k++) hf_rng_normal256(&rb); /* another rank's */
      ou_pass(&rb, v, x, g, m, sp, s, hd, c1, sig);
    } else {
      for (size_t i = 0; i < m; i++) {
        double vi = v[i] - sp * g[i];
        vi = vi - s * g[i];
        x[i] += hd * vi;
        v[i] = vi;
      }
    }
  }
  if (langevin) hf_rng_u64(r); /* the next step's blocks get new streams */
  if (langevin && d->gauge) {
    /* the noise has components across the gauge: the values, in the gauge
     * before the pass, moved by hd times the new velocities' layer means */
    double *v[3] = {d->vel.w[0], d->vel.w[1], d->vel.w[2]},
           *x[3] = {d->x->w[0], d->x->w[1], d->x->w[2]};
    hf_omega_gauge_project_with(d->lat, d->comm, v, x, hd, d->gauge_work);
  }
  if (d->pin) pin_hold(d);
  if (d->o.barostat)
    for (int l = 0; l < 6; l++) {
      if (!d->o.strain_free[l]) continue;
      double vi = d->eta_v[l] - hk * d->dEdeta[l] / d->W;
      d->x->eta[l] += hd * vi;
      if (langevin) {
        vi = c1 * vi + c2 * sqrt(kT / d->W) * hf_rng_normal(r);
        d->x->eta[l] += hd * vi;
      }
      d->eta_v[l] = vi;
    }
}

void hf_dyn_step(hf_dyn *d, hf_rng *r) {
  gauge_enter(d);
  double dt = d->o.dt;
  switch (d->o.thermostat) {
    case HF_THERMO_LANGEVIN:
      pre_force_pass(d, dt / 2, dt / 2, 1, r);
      hf_dyn_refresh(d);
      kick_strain(d, dt / 2);
      d->kick_due = dt / 2;
      break;
    case HF_THERMO_NHC:
      nhc_half(d, dt);
      pre_force_pass(d, dt / 2, dt, 0, r);
      hf_dyn_refresh(d);
      kick(d, dt / 2);
      kick_strain(d, dt / 2);
      nhc_half(d, dt);
      break;
    default:
      pre_force_pass(d, dt / 2, dt, 0, r);
      hf_dyn_refresh(d);
      kick_strain(d, dt / 2);
      d->kick_due = dt / 2;
      break;
  }
}

const hf_energy *hf_dyn_energy(const hf_dyn *d) { return &d->E; }

double hf_dyn_kinetic(const hf_dyn *d) {
  size_t n = d->lat->nloc;
  double sf[3] = {0, 0, 0}; /* sum of v^2 per field on this rank */
  for (int f = 0; f < 3; f++) {
    if (!(d->nfield & (1 << f))) continue;
    const double sp = d->kick_due / (d->mass[f] * HF_MVV2E); /* as kick() would apply it */
    double s = 0;
    for (int a = 0; a < 3; a++) {
      const double *v = hf_fields_comp(&d->vel, 3 * f + a);
      const double *g = hf_fields_comp(&d->g, 3 * f + a);
      if (sp != 0)
        for (size_t i = 0; i < n; i++) {
          const double vi = v[i] - sp * g[i];
          s += vi * vi;
        }
      else
        for (size_t i = 0; i < n; i++) s += v[i] * v[i];
    }
    sf[f] = s;
  }
  hf_comm_sum(d->comm, sf, 3);
  double k = 0;
  for (int f = 0; f < 3; f++)
    if (d->nfield & (1 << f)) k += 0.5 * d->mass[f] * HF_MVV2E * sf[f];
  return k;
}

double hf_dyn_strain_kinetic(const hf_dyn *d) {
  double s = 0;
  for (int l = 0; l < 6; l++) s += d->eta_v[l] * d->eta_v[l];
  return 0.5 * d->W * s;
}

double hf_dyn_thermostat_energy(const hf_dyn *d) {
  if (d->o.thermostat != HF_THERMO_NHC) return 0;
  double kT = HF_KB * d->o.temperature, e = 0;
  for (int j = 0; j < d->o.nhc_length; j++)
    e += 0.5 * d->Q[j] * d->vxi[j] * d->vxi[j] + (j == 0 ? d->ndof : 1.0) * kT * d->xi[j];
  return e;
}

double hf_dyn_conserved(const hf_dyn *d) {
  return d->E.total + hf_dyn_kinetic(d) + hf_dyn_strain_kinetic(d) + hf_dyn_thermostat_energy(d);
}

double hf_dyn_ndof(const hf_dyn *d) { return d->ndof; }
const double *hf_dyn_dEdeta(const hf_dyn *d) { return d->dEdeta; }
double hf_dyn_strain_mass(const hf_dyn *d) { return d->W; }
hf_fields *hf_dyn_velocities(hf_dyn *d) {
  apply_kick(d); /* the caller may read or overwrite them */
  return &d->vel;
}
double *hf_dyn_eta_velocity(hf_dyn *d) { return d->eta_v; }
double *hf_dyn_nhc_xi(hf_dyn *d) { return d->xi; }
double *hf_dyn_nhc_vxi(hf_dyn *d) { return d->vxi; }
