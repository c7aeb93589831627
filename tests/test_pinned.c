/* test_pinned.c - pinned cells (run-file key 'pinned', heff/pinned.h):
 *  1. on a model with u, v, omega, sigma, strain and the dipole sum, the
 *     pinned components (a box of every field, a file of cells with u and
 *     omega only) keep their values bit for bit through velocity-Verlet NVE,
 *     Langevin and Nose-Hoover MD (with and without the barostat), HMC and
 *     Metropolis with strain moves, while the free ones and the strain move;
 *     pinned velocities stay zero and ndof is a direct count;
 *  2. exact conditional sampling: on E = kappa sum |u_i|^2 + J sum_<ij> u_i.u_j
 *     with ~30% of the cells pinned at random u_p (|u_p| up to 1 Angstrom), the free cells are
 *     Gaussian with mean m_f = -K_ff^-1 K_fp u_p and covariance
 *     kT K_ff^-1 (K solved here by a dense Cholesky factorisation); the
 *     mean and variance of a cell next to the pinned ones, the sum of the
 *     free u and the mean squared deviation from m_f agree for Metropolis,
 *     Langevin MD and HMC within 4 block-averaged standard errors, and the
 *     Langevin kinetic temperature 2K / (ndof kB) equals the target;
 *  3. sweeps (MD, HMC, MC) with pinned cells state them in the table
 *     header, a run killed and resumed writes the uninterrupted table byte
 *     for byte and ends with the pinned cells at the initial state's u to
 *     the bit (configuration file), and a checkpoint is not resumed with
 *     another pinned set;
 *  4. malformed 'pinned' keys and pinned-cell files are rejected with the
 *     file, line and what was expected.
 * Usage: test_pinned [models-dir]; exit status 0 = pass. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checkpoint.h"
#include "dynamics.h"
#include "hmc.h"
#include "metropolis.h"
#include "sweep.h"
#include "testconfig.h"
#include "testfile.h"
#include "testmodels.h"

static const char *dir = "pinned_tmp";

/* Loads a run file (in dir) whose line 4 is 'pinned: <pinned>'. */
static int load(hf_run_config *c, const char *supercell, const char *pinned, hf_err *err) {
  char text[1024];
  snprintf(text, sizeof text, "supercell: %s\npinned: %s\n", supercell, pinned);
  return testfile_run(c, dir, text, err);
}

/* ------------------------------------------------- 1. bit-for-bit fixed */

enum { S_NVE, S_LANGEVIN, S_NHC, S_NHC_BARO, S_LANGEVIN_BARO, S_HMC, S_MC, S_N };
static const char *sampler_name[S_N] = {"NVE",
                                        "Langevin",
                                        "Nose-Hoover",
                                        "Nose-Hoover + barostat",
                                        "Langevin + barostat",
                                        "HMC (strain)",
                                        "Metropolis (strain)"};

/* Components of x that differ from ref, pinned (per p) and free. */
static void count_changed(const hf_fields *x, const hf_fields *ref, const hf_lattice *lat,
                          const hf_pin *p, long *pinned, long *free_) {
  unsigned char *mark = calloc(lat->n, 1);
  for (int f = 0; f < 3; f++)
    for (size_t k = 0; k < p->n[f]; k++) mark[p->cell[f][k]] |= 1u << f;
  *pinned = *free_ = 0;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(x, c), *b = hf_fields_comp(ref, c);
    if (!a) continue;
    for (size_t i = 0; i < lat->n; i++) {
      const int changed = memcmp(&a[i], &b[i], sizeof a[i]) != 0;
      if (mark[i] >> (c / 3) & 1)
        *pinned += changed;
      else
        *free_ += changed;
    }
  }
  free(mark);
}

static int test_held(void) {
  hf_err err = {{0}};
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 1, &err), err);
  char pins[256];
  snprintf(pins, sizeof pins, "%s/pins.txt", dir);
  testfile_write(pins, "# cells with u and omega held\n2 2 2\n  3 1 0 \n\n");
  hf_run_config c;
  REQUIRE_OK(load(&c, "[4, 4, 4]",
                  "[{box: [[0, 1], [0, 4], [0, 4]]}, {file: pins.txt, fields: [u, w]}]", &err),
             err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, c.L, &err), err);
  hf_engine_opts eo = {.pressure = -2.0};
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, &eo, &err), err);
  const unsigned mask = hf_engine_field_mask(e);
  hf_pin p;
  REQUIRE_OK(hf_pin_build(&p, c.pin, c.npin, c.path, &lat, mask, &err), err);
  /* 16 cells of the box with u, v, w; 2 file cells with u, w */
  CHECK(p.ncells == 18 && hf_pin_components(&p) == 16 * 9 + 2 * 6,
        "pinned set: %zu cells, %zu components; expected 18, 156", p.ncells, hf_pin_components(&p));
  hf_fields x, ref;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, mask, &err), err);
  REQUIRE_OK(hf_fields_alloc(&ref, &lat, mask, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 21);
  testconfig_random(&ref, &lat, &r, 0.1, 0.02, 0.05, 0.003);
  for (int s = 0; s < S_N; s++) {
    hf_fields_copy(&x, &ref, &lat);
    memcpy(x.eta, ref.eta, sizeof x.eta);
    hf_dyn *d = NULL;
    hf_hmc *h = NULL;
    hf_mc *mc = NULL;
    const double T = 400;
    int accepted = 0;
    if (s <= S_LANGEVIN_BARO) {
      hf_dyn_opts o;
      hf_dyn_opts_default(&o);
      o.temperature = T;
      o.dt = 0.5;
      o.thermostat = s == S_NVE                      ? HF_THERMO_NONE
                     : s == S_NHC || s == S_NHC_BARO ? HF_THERMO_NHC
                                                     : HF_THERMO_LANGEVIN;
      o.barostat = s == S_NHC_BARO || s == S_LANGEVIN_BARO;
      REQUIRE_OK(hf_dyn_create(&d, e, &x, &o, &err), err);
      REQUIRE_OK(hf_dyn_set_pinned(d, &p, &err), err);
      hf_dyn_randomize_velocities(d, T, &r);
      for (int k = 0; k < 40; k++) hf_dyn_step(d, &r);
      /* every mode component but the pinned ones, plus the free strains */
      const double ndof = 9.0 * (double)lat.n - 156 + (o.barostat ? 6 : 0);
      CHECK(hf_dyn_ndof(d) == ndof, "%s: ndof %g, expected %g", sampler_name[s], hf_dyn_ndof(d),
            ndof);
      hf_fields *v = hf_dyn_velocities(d);
      long vbad = 0;
      for (int f = 0; f < 3; f++)
        for (size_t k = 0; k < p.n[f]; k++)
          for (int a = 0; a < 3; a++) vbad += hf_fields_comp(v, 3 * f + a)[p.cell[f][k]] != 0;
      CHECK(vbad == 0, "%s: %ld pinned velocities are not zero", sampler_name[s], vbad);
    } else if (s == S_HMC) {
      hf_hmc_opts o;
      hf_hmc_opts_default(&o);
      o.n_steps = 8;
      o.dt = 0.5;
      REQUIRE_OK(hf_hmc_create(&h, e, &x, &o, &err), err);
      REQUIRE_OK(hf_hmc_set_pinned(h, &p, &err), err);
      for (int k = 0; k < 6; k++) accepted += hf_hmc_sweep(h, T, &r);
      CHECK(accepted > 0, "HMC: no trajectory accepted");
    } else {
      hf_mc_opts o;
      hf_mc_opts_default(&o);
      o.strain_moves = 1;
      REQUIRE_OK(hf_mc_create(&mc, e, &x, &o, &err), err);
      REQUIRE_OK(hf_mc_set_pinned(mc, &p, &err), err);
      for (int k = 0; k < 6; k++) hf_mc_sweep(mc, T, &r);
      hf_mc_stats st;
      hf_mc_get_stats(mc, &st);
      /* one trial per free cell and field: 64 - 18 cells for u and w, 64 - 16 for v */
      CHECK(st.trials[HF_MC_U] == 6 * 46 && st.trials[HF_MC_V] == 6 * 48 &&
                st.trials[HF_MC_W] == 6 * 46,
            "Metropolis: trials u %llu, v %llu, w %llu; expected %d, %d, %d",
            (unsigned long long)st.trials[HF_MC_U], (unsigned long long)st.trials[HF_MC_V],
            (unsigned long long)st.trials[HF_MC_W], 6 * 46, 6 * 48, 6 * 46);
      hf_energy E;
      hf_engine_eval(e, &x, NULL, NULL, &E);
      CHECK_CLOSE(hf_mc_energy(mc), E.total, 1e-9, 1e-3, "Metropolis tracked vs evaluated energy");
    }
    long np, nf;
    count_changed(&x, &ref, &lat, &p, &np, &nf);
    const int strain_moves = s == S_NHC_BARO || s == S_LANGEVIN_BARO || s == S_HMC || s == S_MC;
    const int eta_moved = memcmp(x.eta, ref.eta, sizeof x.eta) != 0;
    printf("%-24s pinned components changed: %ld of 156; free changed: %ld of %zu; strain %s\n",
           sampler_name[s], np, nf, 9 * lat.n - 156, eta_moved ? "moved" : "fixed");
    CHECK(np == 0, "%s: %ld pinned components changed", sampler_name[s], np);
    CHECK(nf > (long)(9 * lat.n - 156) / 2, "%s: only %ld free components moved", sampler_name[s],
          nf);
    CHECK(eta_moved == strain_moves, "%s: strain %s", sampler_name[s],
          eta_moved ? "moved" : "did not move");
    hf_dyn_free(d);
    hf_hmc_free(h);
    hf_mc_free(mc);
  }
  hf_pin_free(&p);
  hf_fields_free(&x);
  hf_fields_free(&ref);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

/* ------------------------------------------- 2. exact conditional Gaussian */

#define GL 4 /* supercell GL^3 */
#define GN (GL * GL * GL)

/* A = L L^T in place (lower triangle), n x n row-major; 0 if positive definite. */
static int cholesky(double *A, int n) {
  for (int j = 0; j < n; j++) {
    double d = A[j * n + j];
    for (int k = 0; k < j; k++) d -= A[j * n + k] * A[j * n + k];
    if (!(d > 0)) return 1;
    A[j * n + j] = sqrt(d);
    for (int i = j + 1; i < n; i++) {
      double s = A[i * n + j];
      for (int k = 0; k < j; k++) s -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = s / A[j * n + j];
    }
  }
  return 0;
}

/* Solves L L^T x = b in place. */
static void cholesky_solve(const double *L, int n, double *b) {
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < i; k++) b[i] -= L[i * n + k] * b[k];
    b[i] /= L[i * n + i];
  }
  for (int i = n - 1; i >= 0; i--) {
    for (int k = i + 1; k < n; k++) b[i] -= L[k * n + i] * b[k];
    b[i] /= L[i * n + i];
  }
}

typedef struct {
  int nf, free_[GN], fpos[GN]; /* free cells; fpos[i]: position among them or -1 */
  double m[3][GN];             /* exact conditional mean per component and cell */
  double var_a;                /* kT (K_ff^-1)_AA of the check cell A */
  double trace;                /* kT tr(K_ff^-1) / nf */
} exact_t;

/* The conditional Gaussian of the free cells, from the stiffness matrix
 * K = 2 kappa 1 + J (nearest-neighbour adjacency), the same for x, y, z. */
static int conditional(exact_t *ex, const unsigned char *pinned, const hf_fields *x0, double kappa,
                       double J, double kT, int cellA) {
  static double K[GN * GN], Kff[GN * GN];
  memset(K, 0, sizeof K);
  for (int i = 0; i < GN; i++) {
    const int c[3] = {i / (GL * GL), i / GL % GL, i % GL};
    K[i * GN + i] = 2 * kappa;
    for (int d = 0; d < 3; d++) {
      int n3[3] = {c[0], c[1], c[2]};
      n3[d] = (n3[d] + 1) % GL;
      const int j = (n3[0] * GL + n3[1]) * GL + n3[2];
      K[i * GN + j] += J;
      K[j * GN + i] += J;
    }
  }
  ex->nf = 0;
  for (int i = 0; i < GN; i++) {
    ex->fpos[i] = pinned[i] ? -1 : ex->nf;
    if (!pinned[i]) ex->free_[ex->nf++] = i;
  }
  const int nf = ex->nf;
  for (int a = 0; a < nf; a++)
    for (int b = 0; b < nf; b++) Kff[a * nf + b] = K[ex->free_[a] * GN + ex->free_[b]];
  if (cholesky(Kff, nf)) return 1;
  double b[GN];
  for (int comp = 0; comp < 3; comp++) {
    for (int a = 0; a < nf; a++) {
      b[a] = 0;
      for (int j = 0; j < GN; j++)
        if (pinned[j]) b[a] -= K[ex->free_[a] * GN + j] * x0->u[comp][j];
    }
    cholesky_solve(Kff, nf, b);
    for (int i = 0; i < GN; i++) ex->m[comp][i] = pinned[i] ? x0->u[comp][i] : b[ex->fpos[i]];
  }
  ex->trace = 0;
  for (int a = 0; a < nf; a++) {
    memset(b, 0, sizeof b);
    b[a] = 1;
    cholesky_solve(Kff, nf, b);
    ex->trace += kT * b[a] / nf;
    if (ex->free_[a] == cellA) ex->var_a = kT * b[a];
  }
  return 0;
}

enum { M_MC, M_LANGEVIN, M_HMC };

static int test_conditional(int method) {
  hf_err err = {{0}};
  hf_model m;
  const double kappa = 1.0, J = 0.25, T = 300, kT = HF_KB * T, mass = 20.0;
  REQUIRE_OK(testmodel_harmonic(&m, kappa, mass, &err), err);
  REQUIRE_OK(hf_model_add_term(&m, "j", J,
                               "ux*ux[1,0,0] + ux*ux[0,1,0] + ux*ux[0,0,1] + uy*uy[1,0,0] + "
                               "uy*uy[0,1,0] + uy*uy[0,0,1] + uz*uz[1,0,0] + uz*uz[0,1,0] + "
                               "uz*uz[0,0,1]",
                               0, &err),
             err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){GL, GL, GL}, &err), err);
  hf_engine_opts eo = {0};
  hf_engine *e;
  REQUIRE_OK(hf_engine_create(&e, &m, &lat, &eo, &err), err);
  /* the x = 0 plane, two cells and one more: 19 of 64 cells (30%) */
  hf_pin_region reg[3] = {{.box = {{0, 1}, {0, GL}, {0, GL}}},
                          {.box = {{2, 3}, {1, 2}, {1, 3}}},
                          {.box = {{2, 3}, {3, 4}, {0, 1}}}};
  hf_pin p;
  REQUIRE_OK(hf_pin_build(&p, reg, 3, "(test)", &lat, hf_engine_field_mask(e), &err), err);
  unsigned char pinned[GN] = {0};
  for (size_t k = 0; k < p.n[0]; k++) pinned[p.cell[0][k]] = 1;
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 31 + method);
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat.n; i++) x.u[a][i] = 1.0 * (2 * hf_rng_uniform(&r) - 1);
  const int cellA = (int)hf_index(&lat, 1, 0, 0); /* next to the pinned plane */
  static exact_t ex;
  if (conditional(&ex, pinned, &x, kappa, J, kT, cellA)) {
    CHECK(0, "K_ff is not positive definite");
    return 1;
  }
  hf_mc *mc = NULL;
  hf_dyn *d = NULL;
  hf_hmc *h = NULL;
  int every = 1, nsamp = 20000;
  if (method == M_MC) {
    hf_mc_opts o;
    hf_mc_opts_default(&o);
    o.step[0] = 0.2;
    REQUIRE_OK(hf_mc_create(&mc, e, &x, &o, &err), err);
    REQUIRE_OK(hf_mc_set_pinned(mc, &p, &err), err);
    every = 2;
  } else if (method == M_LANGEVIN) {
    hf_dyn_opts o;
    hf_dyn_opts_default(&o);
    o.temperature = T;
    o.dt = 1.0;
    o.thermostat = HF_THERMO_LANGEVIN;
    o.friction = 0.03;
    REQUIRE_OK(hf_dyn_create(&d, e, &x, &o, &err), err);
    REQUIRE_OK(hf_dyn_set_pinned(d, &p, &err), err);
    hf_dyn_randomize_velocities(d, T, &r);
    every = 8;
    CHECK(hf_dyn_ndof(d) == 3.0 * (GN - 19), "ndof %g, expected 3 x %d free cells", hf_dyn_ndof(d),
          GN - 19);
  } else {
    hf_hmc_opts o;
    hf_hmc_opts_default(&o);
    o.n_steps = 16;
    o.dt = 4.0;
    o.strain_moves = 0;
    REQUIRE_OK(hf_hmc_create(&h, e, &x, &o, &err), err);
    REQUIRE_OK(hf_hmc_set_pinned(h, &p, &err), err);
    nsamp = 6000;
  }
  /* per component: u at A, (u_A - m_A)^2, sum of free u, mean squared deviation */
  enum { Q_UA, Q_VA, Q_SUM, Q_MSD, NQ };
  double *s[3][NQ], *tk = malloc((size_t)nsamp * sizeof *tk);
  for (int a = 0; a < 3; a++)
    for (int q = 0; q < NQ; q++) s[a][q] = malloc((size_t)nsamp * sizeof(double));
  long acc = 0;
  for (int n = -nsamp / 10; n < nsamp; n++) {
    for (int t = 0; t < every; t++) {
      if (mc) hf_mc_sweep(mc, T, &r);
      if (d) hf_dyn_step(d, &r);
      if (h) acc += hf_hmc_sweep(h, T, &r);
    }
    if (mc && n < 0 && n % 10 == 0) hf_mc_adapt(mc);
    if (n < 0) continue;
    for (int a = 0; a < 3; a++) {
      double sum = 0, msd = 0;
      for (int k = 0; k < ex.nf; k++) {
        const int i = ex.free_[k];
        sum += x.u[a][i];
        msd += pow(x.u[a][i] - ex.m[a][i], 2) / ex.nf;
      }
      s[a][Q_UA][n] = x.u[a][cellA];
      s[a][Q_VA][n] = pow(x.u[a][cellA] - ex.m[a][cellA], 2);
      s[a][Q_SUM][n] = sum;
      s[a][Q_MSD][n] = msd;
    }
    if (d) tk[n] = 2 * hf_dyn_kinetic(d) / (hf_dyn_ndof(d) * HF_KB);
  }
  static const char *mname[3] = {"Metropolis", "Langevin MD", "HMC"};
  static const char *qname[NQ] = {"<u_A>", "var u_A", "sum of free u", "mean (u - m)^2"};
  long held = 0;
  for (int k = 0; k < GN; k++)
    for (int a = 0; a < 3; a++) held += pinned[k] && x.u[a][k] != ex.m[a][k];
  CHECK(held == 0, "%s: %ld pinned components moved", mname[method], held);
  for (int a = 0; a < 3; a++) {
    double sum_m = 0;
    for (int k = 0; k < ex.nf; k++) sum_m += ex.m[a][ex.free_[k]];
    const double want[NQ] = {ex.m[a][cellA], ex.var_a, sum_m, ex.trace};
    for (int q = 0; q < NQ; q++) {
      double mu, se;
      check_block_average(s[a][q], nsamp, 50, &mu, &se);
      printf("%-11s %c: %-15s %+.5f +- %.5f, exact %+.5f (%+.1f se)\n", mname[method], "xyz"[a],
             qname[q], mu, se, want[q], (mu - want[q]) / se);
      CHECK(fabs(mu - want[q]) < 4 * se, "%s %c %s: %.6f vs exact %.6f (se %.6f)", mname[method],
            "xyz"[a], qname[q], mu, want[q], se);
    }
  }
  if (d) {
    double mu, se;
    check_block_average(tk, nsamp, 50, &mu, &se);
    printf(
        "Langevin MD, 19 of 64 cells pinned: kinetic temperature %.2f +- %.2f K, target %.0f K "
        "(%.0f K with the pinned components counted)\n",
        mu, se, T, mu * hf_dyn_ndof(d) / (3.0 * GN));
    CHECK(fabs(mu - T) < 4 * se, "kinetic temperature %.3f vs %.0f K (se %.3f)", mu, T, se);
  }
  if (h) printf("HMC: %ld of %d trajectories accepted\n", acc, nsamp + nsamp / 10);
  for (int a = 0; a < 3; a++)
    for (int q = 0; q < NQ; q++) free(s[a][q]);
  free(tk);
  hf_mc_free(mc);
  hf_dyn_free(d);
  hf_hmc_free(h);
  hf_pin_free(&p);
  hf_fields_free(&x);
  hf_engine_free(e);
  hf_model_free(&m);
  return 0;
}

/* -------------------------------------------------- 3. sweep and resume */

static const double u_start[3] = {0.1, -0.2, 0.3}; /* the uniform initial state */

static void write_run(const char *path, const char *method, const char *out, const char *pinned) {
  char text[1024];
  snprintf(text, sizeof text,
           "model: m.yaml\nsupercell: [4, 4, 4]\nseed: 5\nmethod: %s\n"
           "temperatures: [300, 200]\nthermalize: 10\naverage: 20\n"
           "md: {dt: 1.0, thermostat: langevin}\nhmc: {steps: 5, dt: 3.0}\n"
           "initial: {state: uniform, u: [%g, %g, %g]}\npinned: %s\n"
           "output: {dir: %s, prefix: run, vtk: false, config: true, checkpoint_every: 7}\n",
           method, u_start[0], u_start[1], u_start[2], pinned, out);
  testfile_write(path, text);
}

/* Runs path's sweep with model m for at most units units (from the
 * checkpoint when resume). */
static int run_sweep(const char *path, const hf_model *m, int resume, long units, hf_err *err) {
  hf_run_config c;
  if (hf_run_config_load(&c, path, err)) return HF_FAIL;
  hf_sweep *s;
  int resumed, st = HF_SWEEP_RUNNING;
  if (hf_sweep_create(&s, &c, m, resume, &resumed, err)) return HF_FAIL;
  CHECK(resumed == resume, "%s: resumed %d, expected %d", path, resumed, resume);
  for (long k = 0; k < units && st != HF_SWEEP_FINISHED && st != HF_FAIL; k++)
    st = hf_sweep_advance(s, 1, err);
  hf_sweep_free(s);
  return st == HF_FAIL ? HF_FAIL : HF_OK;
}

/* In the configuration file path (x y z ux uy uz): cells of the plane x = 1
 * whose u is not u_start exactly, and cells elsewhere whose u is. */
static void count_config(const char *path, int *moved, int *still) {
  FILE *f = fopen(path, "r");
  char line[512];
  *moved = *still = -1;
  if (!f) return;
  *moved = *still = 0;
  while (fgets(line, sizeof line, f)) {
    int c[3];
    double u[3];
    if (sscanf(line, "%d %d %d %lf %lf %lf", &c[0], &c[1], &c[2], &u[0], &u[1], &u[2]) != 6)
      continue;
    const int same = u[0] == u_start[0] && u[1] == u_start[1] && u[2] == u_start[2];
    if (c[0] == 1)
      *moved += !same;
    else
      *still += same;
  }
  fclose(f);
}

static int test_sweep_resume(const char *method) {
  hf_err err = {{0}};
  hf_model m;
  REQUIRE_OK(testmodel_harmonic(&m, 1.0, 20.0, &err), err);
  const char *box = "[{box: [[1, 2], [0, 4], [0, 4]]}]";
  char ref[256], cut[256], out[2][64], cmd[300], path[300];
  snprintf(out[0], sizeof out[0], "ref_%s", method);
  snprintf(out[1], sizeof out[1], "cut_%s", method);
  snprintf(ref, sizeof ref, "%s/%s.yaml", dir, out[0]);
  snprintf(cut, sizeof cut, "%s/%s.yaml", dir, out[1]);
  write_run(ref, method, out[0], box);
  write_run(cut, method, out[1], box);
  snprintf(cmd, sizeof cmd, "rm -rf %s/%s %s/%s", dir, out[0], dir, out[1]);
  REQUIRE_OK(system(cmd), err);
  REQUIRE_OK(run_sweep(ref, &m, 0, 1L << 30, &err), err);
  REQUIRE_OK(run_sweep(cut, &m, 0, 25, &err), err); /* killed after 25 units */
  REQUIRE_OK(run_sweep(cut, &m, 1, 1L << 30, &err), err);
  snprintf(path, sizeof path, "%s/%s/run.tsv", dir, out[0]);
  char *a = testfile_read(path);
  snprintf(path, sizeof path, "%s/%s/run.tsv", dir, out[1]);
  char *b = testfile_read(path);
  CHECK(a && b && !strcmp(a, b), "%s: resumed table differs from the uninterrupted one", method);
  const char *hdr = "pinned 16 cells (48 of 192 mode components)";
  CHECK(a && strstr(a, hdr), "%s: table header without '%s'", method, hdr);
  int moved, still;
  snprintf(path, sizeof path, "%s/%s/run_T0200.00.config", dir, out[1]);
  count_config(path, &moved, &still);
  CHECK(moved == 0 && still == 0,
        "%s: after the resumed run %d of 16 pinned cells moved, %d of 48 free cells did not",
        method, moved, still);
  printf(
      "%s sweep, 16 of 64 cells pinned: header '%s'; killed at 25 and resumed: %s; at the "
      "end %d pinned cells moved, %d free cells did not\n",
      method, hdr, a && b && !strcmp(a, b) ? "identical table" : "DIFFERENT", moved, still);
  free(a);
  free(b);
  /* the checkpoint of the cut run must not be resumed with another set */
  write_run(cut, method, out[1], "[{box: [[1, 3], [0, 4], [0, 4]]}]");
  REQUIRE_OK(run_sweep(cut, &m, 0, 25, &err), err);
  write_run(cut, method, out[1], box);
  const int rc = run_sweep(cut, &m, 1, 1, &err);
  CHECK(rc == HF_FAIL && strstr(err.msg, "pinned cells differ"),
        "resume with another pinned set: expected refusal, got '%s'", rc ? err.msg : "success");
  if (!strcmp(method, "md")) printf("resume with another pinned set refused: %s\n", err.msg);
  hf_model_free(&m);
  return 0;
}

/* ------------------------------------------------------ 4. bad input */

static int test_bad_input(void) {
  struct {
    const char *pinned, *expect;
  } keys[] = {
      {"{box: [[0, 1], [0, 4], [0, 4]]}", "key 'pinned': expected a list of regions"},
      {"[{box: [[0, 1], [0, 4]]}]", "key 'box': expected three half-open cell ranges"},
      {"[{box: [[0, 5], [0, 4], [0, 4]]}]", "got [0, 5] along x, where the supercell has L = 4"},
      {"[{box: [[0, 4], [2, 2], [0, 4]]}]", "got [2, 2] along y"},
      {"[{box: [[0, 4], [0, 4], [-1, 1]]}]", "got [-1, 1] along z"},
      {"[{box: [[0, 4], [0, 4], [0, 1.5]]}]", "got [0, 1.5] along z"},
      {"[{fields: [u]}]", "expected a region with either 'box' or 'file'"},
      {"[{box: [[0, 1], [0, 4], [0, 4]], file: a.txt}]", "either 'box' or 'file'"},
      {"[{box: [[0, 1], [0, 4], [0, 4]], fields: [p]}]",
       "key 'fields': expected a list of fields among u, v, w"},
      {"[{box: [[0, 1], [0, 4], [0, 4]], fields: []}]", "key 'fields': expected a list"},
      {"[{box: [[0, 1], [0, 4], [0, 4]], color: red}]", "unknown key 'color'"},
  };
  const int nk = (int)(sizeof keys / sizeof keys[0]);
  for (int t = 0; t < nk; t++) {
    hf_err err = {{0}};
    char text[1024];
    snprintf(text, sizeof text, "supercell: [4, 4, 4]\npinned: %s\n", keys[t].pinned);
    CHECK(testfile_rejects(dir, text, "run.yaml:4", keys[t].expect, &err),
          "key case %d: expected '%s' at run.yaml:4, got '%s'", t, keys[t].expect, err.msg);
    if (t == 2) printf("rejected: %s\n", err.msg);
  }
  struct {
    const char *text, *expect;
  } files[] = {
      {"0 0\n", "pins.txt:1: expected 3 numbers (the cell indices x y z)"},
      {"1 1 x\n", "pins.txt:1: expected 3 numbers"},
      {"# cells\n0 0 4\n", "pins.txt:2: cell index 4 outside 0..3"},
      {"1 1 1\n2 2 2\n1 1 1\n", "pins.txt:3: cell (1, 1, 1) given twice"},
      {"1.5 1 1\n", "pins.txt:1: cell index 1.5 outside"},
  };
  const int nf = (int)(sizeof files / sizeof files[0]);
  hf_lattice lat;
  hf_err err = {{0}};
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){4, 4, 4}, &err), err);
  char pins[256];
  snprintf(pins, sizeof pins, "%s/pins.txt", dir);
  for (int t = 0; t <= nf + 1; t++) {
    hf_run_config c;
    if (t < nf) testfile_write(pins, files[t].text);
    if (t < nf) REQUIRE_OK(load(&c, "[4, 4, 4]", "[{file: pins.txt}]", &err), err);
    if (t == nf) REQUIRE_OK(load(&c, "[4, 4, 4]", "[{file: none.txt}]", &err), err);
    if (t == nf + 1) /* the harmonic test model has u only */
      REQUIRE_OK(load(&c, "[4, 4, 4]", "[{file: pins.txt, fields: [u, v]}]", &err), err);
    const char *expect = t < nf    ? files[t].expect
                         : t == nf ? "none.txt: cannot open the pinned-cell file"
                                   : "region 1 pins field v, which the model lacks";
    hf_pin p;
    const int rc = hf_pin_build(&p, c.pin, c.npin, c.path, &lat, HF_FIELD_U, &err);
    CHECK(rc == HF_FAIL && strstr(err.msg, "run.yaml: key 'pinned'") && strstr(err.msg, expect),
          "file case %d: expected '%s', got '%s'", t, expect, rc ? err.msg : "success");
    if (t == 3) printf("rejected: %s\n", err.msg);
    if (!rc) hf_pin_free(&p);
  }
  printf("malformed pinned inputs: %d keys, %d files rejected as expected\n", nk, nf + 2);
  return 0;
}

int main(void) {
  hf_err err;
  if (hf_mkdir_p(dir, &err)) {
    printf("FAIL %s\n", err.msg);
    return 1;
  }
  int rc = test_bad_input() | test_held() | test_sweep_resume("md") | test_sweep_resume("hmc") |
           test_sweep_resume("mc");
  for (int method = M_MC; method <= M_HMC; method++) rc |= test_conditional(method);
  return rc ? 1 : check_done("test_pinned");
}
