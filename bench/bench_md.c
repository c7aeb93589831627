/* bench_md.c - throughput, FFT floor, memory and scaling of u+v+eta molecular
 * dynamics (velocity Verlet with a Langevin BAOAB or no thermostat, strain
 * barostat on) on cubic L^3 supercells; see bench/README.md.
 *
 *   bench_md [--model PATH | --builtin] [--sizes 16,32,64,96,128] [--steps N]
 *            [--min-time S] [--thermostat langevin|nve] [--temperature K]
 *            [--pressure GPa] [--results FILE] [--seed N] [--threads 1,2]
 *
 * Every size runs in its own forked child so that its peak resident memory
 * (VmHWM) belongs to that size alone; the child sends its numbers back
 * through a pipe.  Per size:
 *   setup    hf_engine_create (Ewald kernel + FFTW_MEASURE planning) and
 *            hf_dyn_create (strain stiffness, first forces), excluded from
 *            the per-step time;
 *   step     one warm-up step, one step to estimate the cost, then --steps N
 *            steps (default: enough for --min-time seconds, at least 5),
 *            CLOCK_MONOTONIC around the whole loop;
 *   floor    the bare transforms one force evaluation needs (3 r2c + 3 c2r of
 *            L^3, out of place, new-array execute, plans made with
 *            FFTW_MEASURE on FFTW-aligned arrays exactly as engine.c does), in
 *            the k-space precision of the run (--single: fftwf);
 *   memory   VmRSS after the timed steps and VmHWM, minus VmHWM at the start
 *            of the child (what an empty child holds), per cell.
 * After the sizes, the memory bandwidth (a triad) on each thread count.
 * With --threads 1,2 every size runs once per thread count, one after the
 * other, and the run prints the speed-up over one thread.
 * Ranks (MPI builds, docs/mpi.md): under mpirun -np N > 1 every size runs in
 * this process on N x slabs (no fork: MPI forbids it), the step time is the
 * slowest rank's, the FFT floor is FFTW's MPI transforms (3 r2c + 3 c2r with
 * transposed output/input, as the engine does them), memory is summed over
 * ranks and the peak column is left out (VmHWM does not reset between
 * sizes); the bytes each rank sends per step are counted by kind (FFT
 * transposes, halos, reductions).  One rank runs the serial code as before.
 * Not a unit test: it checks only that the energy stays finite. */
#include <errno.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "comm.h"
#include "dynamics.h"
#include "engine.h"
#include "model.h"
#include "parallel.h"

#ifdef HF_MPI
#include <fftw3-mpi.h>
#endif

#define MAX_SIZES 32
#define MAX_THREADS 8 /* entries of --threads */
#define NBLOCK 5      /* timed steps are split in this many blocks to show the spread */
#define DEFAULT_MODEL "models/BaTiO3_ZVR1995.yaml"

typedef struct {
  const char *model_path; /* NULL: built-in ZVR BaTiO3 */
  int builtin;
  int sizes[MAX_SIZES], nsizes;
  long steps; /* 0: automatic */
  double min_time;
  int thermostat;
  double temperature, pressure;
  const char *results;
  unsigned long long seed;
  int threads[MAX_THREADS], nthreads;
  int single; /* k-space in single precision */
} bench_opts;

typedef struct {
  int ok;
  char msg[1200];
  int L, threads, ranks;
  double sent[HF_SENT_N]; /* bytes one rank sends per MD step (the most of any rank) */
  size_t cells;
  double setup_engine_s, setup_dyn_s;
  long steps;
  double step_s;                 /* seconds per MD step, mean over all timed steps */
  double step_min_s, step_max_s; /* per step, fastest and slowest of NBLOCK blocks */
  long fft_reps;
  double fft_s;                  /* seconds per 3 r2c + 3 c2r */
  double step_cpu_s, fft_cpu_s;  /* the same in CPU time of the process (all threads) */
  long rss_base, rss_after, hwm; /* bytes */
  size_t engine_bytes, field_bytes;
  double T_final, eta_final[3];
} size_result;

/* ------------------------------------------------------------------ utils */

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of the process: on one thread, what other jobs on a shared
 * machine change least (they take the core away, which wall time counts) */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

/* A "VmXXX:   123 kB" line of /proc/self/status in bytes, or -1. */
static long proc_status_bytes(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t kl = strlen(key);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, kl) && line[kl] == ':') {
      v = strtol(line + kl + 1, NULL, 10) * 1024L;
      break;
    }
  fclose(f);
  return v;
}

/* A comma-separated list of integers in [lo, hi], at most cap of them. */
static int parse_list(const char *s, int *out, int *n, int cap, long lo, long hi) {
  *n = 0;
  const char *p = s;
  while (*p) {
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v < lo || v > hi || *n >= cap) return -1;
    out[(*n)++] = (int)v;
    p = end;
    if (*p == ',')
      p++;
    else if (*p)
      return -1;
  }
  return *n > 0 ? 0 : -1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_md [--model PATH | --builtin] [--sizes 16,32,64,96,128] [--steps N]\n"
          "                [--min-time S] [--thermostat langevin|nve] [--temperature K]\n"
          "                [--pressure GPa] [--results FILE] [--seed N] [--threads 1,2]\n"
          "                [--single]\n"
          "  --model PATH    model file (default " DEFAULT_MODEL
          " if present, else --builtin)\n"
          "  --builtin       ZVR 1995 BaTiO3 built in code (u+v+eta, dipole)\n"
          "  --sizes LIST    cubic supercell edges (default 16,32,64,96,128)\n"
          "  --steps N       timed MD steps per size (default: >= --min-time s and >= 5)\n"
          "  --min-time S    seconds of timed steps per size when --steps is not given "
          "(default 2)\n"
          "  --thermostat T  langevin (BAOAB, default) or nve; the barostat is always on\n"
          "  --temperature K (default 250)   --pressure GPa (default -4.8)\n"
          "  --results FILE  TSV to append rows to (default bench/results.tsv)\n"
          "  --threads LIST  thread counts to run every size with (default 1)\n"
          "  --single        k-space part in single precision\n");
}

static int parse_args(int argc, char **argv, bench_opts *o) {
  memset(o, 0, sizeof *o);
  static const int def[] = {16, 32, 64, 96, 128};
  o->nsizes = 5;
  memcpy(o->sizes, def, sizeof def);
  o->min_time = 2.0;
  o->thermostat = HF_THERMO_LANGEVIN;
  o->temperature = 250.0;
  o->pressure = -4.8;
  o->results = "bench/results.tsv";
  o->seed = 20240601ULL;
  o->threads[0] = 1;
  o->nthreads = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    } else if (!strcmp(a, "--builtin")) {
      o->builtin = 1;
      continue;
    } else if (!strcmp(a, "--single")) {
      o->single = 1;
      continue;
    }
    if (!v) {
      fprintf(stderr, "bench_md: %s needs a value (or is unknown)\n", a);
      return -1;
    }
    i++;
    errno = 0;
    if (!strcmp(a, "--model")) {
      o->model_path = v;
    } else if (!strcmp(a, "--sizes")) {
      if (parse_list(v, o->sizes, &o->nsizes, MAX_SIZES, 3, 1024)) {
        fprintf(stderr, "bench_md: --sizes wants a comma-separated list of edges 3..1024\n");
        return -1;
      }
    } else if (!strcmp(a, "--steps")) {
      o->steps = strtol(v, &end, 10);
      if (*end || errno || o->steps < 1) {
        fprintf(stderr, "bench_md: --steps wants a positive integer\n");
        return -1;
      }
    } else if (!strcmp(a, "--min-time")) {
      o->min_time = strtod(v, &end);
      if (*end || errno || !(o->min_time > 0)) {
        fprintf(stderr, "bench_md: --min-time wants positive seconds\n");
        return -1;
      }
    } else if (!strcmp(a, "--thermostat")) {
      if (!strcmp(v, "langevin"))
        o->thermostat = HF_THERMO_LANGEVIN;
      else if (!strcmp(v, "nve"))
        o->thermostat = HF_THERMO_NONE;
      else {
        fprintf(stderr, "bench_md: --thermostat is langevin or nve\n");
        return -1;
      }
    } else if (!strcmp(a, "--temperature")) {
      o->temperature = strtod(v, &end);
      if (*end || errno || o->temperature < 0) {
        fprintf(stderr, "bench_md: --temperature wants kelvin >= 0\n");
        return -1;
      }
    } else if (!strcmp(a, "--pressure")) {
      o->pressure = strtod(v, &end);
      if (*end || errno) {
        fprintf(stderr, "bench_md: --pressure wants GPa\n");
        return -1;
      }
    } else if (!strcmp(a, "--threads")) {
      if (parse_list(v, o->threads, &o->nthreads, MAX_THREADS, 1, 256)) {
        fprintf(stderr, "bench_md: --threads wants a comma-separated list of counts 1..256\n");
        return -1;
      }
    } else if (!strcmp(a, "--results")) {
      o->results = v;
    } else if (!strcmp(a, "--seed")) {
      o->seed = strtoull(v, &end, 10);
      if (*end || errno) {
        fprintf(stderr, "bench_md: --seed wants an unsigned integer\n");
        return -1;
      }
    } else {
      fprintf(stderr, "bench_md: unknown option %s\n", a);
      usage(stderr);
      return -1;
    }
  }
  if (o->builtin && o->model_path) {
    fprintf(stderr, "bench_md: give --model or --builtin, not both\n");
    return -1;
  }
  if (!o->builtin && !o->model_path) {
    if (access(DEFAULT_MODEL, R_OK) == 0)
      o->model_path = DEFAULT_MODEL;
    else
      o->builtin = 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ model */

/* Zhong, Vanderbilt, Rabe, PRB 52, 6301 (1995), BaTiO3 (LDA), in the
 * conventions of models/BaTiO3_ZVR1995.yaml (which holds the derivations of
 * the coefficients): u on B, v on A, dipole by Ewald, B's halved where the
 * polynomial counts each pair once. */
static int zvr_builtin(hf_model *m, hf_err *err) {
  hf_model_init(m);
  snprintf(m->name, sizeof m->name, "BaTiO3-ZVR1995");
  snprintf(m->citation, sizeof m->citation,
           "W. Zhong, D. Vanderbilt, K. M. Rabe, Phys. Rev. B 52, 6301 (1995)");
  m->a0 = 3.9477;
  m->zstar = 9.956;
  m->eps_inf = 5.24;
  m->dipole = 1;
  m->mass[0] = 39.0;
  m->mass[1] = 233.191;
  m->site[0] = HF_SITE_B;
  m->site[1] = HF_SITE_A;
  m->dof = HF_DOF_U | HF_DOF_V | HF_DOF_ETA;
  const double a2 = m->a0 * m->a0;
  const struct {
    const char *name;
    double coef;
    const char *expr;
    int sym;
  } t[] = {
      {"kappa2", 5.502, "ux^2+uy^2+uz^2", HF_SYM_NONE},
      {"alpha", 110.4, "(ux^2+uy^2+uz^2)^2", HF_SYM_NONE},
      {"gamma", -163.1, "ux^2*uy^2+uy^2*uz^2+uz^2*ux^2", HF_SYM_NONE},
      {"j1", -2.648,
       "uy*uy[1,0,0]+uz*uz[1,0,0]+ux*ux[0,1,0]+uz*uz[0,1,0]+ux*ux[0,0,1]+uy*uy[0,0,1]",
       HF_SYM_NONE},
      {"j2", 3.894, "ux*ux[1,0,0]+uy*uy[0,1,0]+uz*uz[0,0,1]", HF_SYM_NONE},
      {"j3", 0.898, "ux*ux[1,1,0]", HF_SYM_ORBIT},
      {"j4", -0.789, "uz*uz[1,1,0]", HF_SYM_ORBIT},
      {"j5", 0.562, "ux*uy[1,1,0]", HF_SYM_ORBIT},
      {"j6", 0.358, "ux*ux[1,1,1]", HF_SYM_ORBIT},
      {"j7", 0.179, "ux*uy[1,1,1]", HF_SYM_ORBIT},
      {"B11", 126.0 / 2, "eta1^2+eta2^2+eta3^2", HF_SYM_NONE},
      {"B12", 44.9, "eta1*eta2+eta2*eta3+eta3*eta1", HF_SYM_NONE},
      {"B44", 50.3 / 2, "eta4^2+eta5^2+eta6^2", HF_SYM_NONE},
      {"B1xx", -211.0 / 2, "eta1*ux^2+eta2*uy^2+eta3*uz^2+etaL1*ux^2+etaL2*uy^2+etaL3*uz^2",
       HF_SYM_NONE},
      {"B1yy", -19.3 / 2,
       "eta1*(uy^2+uz^2)+eta2*(uz^2+ux^2)+eta3*(ux^2+uy^2)+etaL1*(uy^2+uz^2)+etaL2*(uz^2+ux^2)+"
       "etaL3*(ux^2+uy^2)",
       HF_SYM_NONE},
      {"B4yz", -7.75, "eta4*uy*uz+eta5*uz*ux+eta6*ux*uy+etaL4*uy*uz+etaL5*uz*ux+etaL6*ux*uy",
       HF_SYM_NONE},
      {"vB11", 126.0 / (2 * a2), "(vx[1,0,0]-vx)^2+(vy[0,1,0]-vy)^2+(vz[0,0,1]-vz)^2", HF_SYM_NONE},
      {"vB12", 44.9 / a2,
       "(vx[1,0,0]-vx)*(vy[0,1,0]-vy)+(vy[0,1,0]-vy)*(vz[0,0,1]-vz)+(vz[0,0,1]-vz)*(vx[1,0,0]-vx)",
       HF_SYM_AVERAGE},
      {"vB44", 50.3 / (2 * a2),
       "(vx[0,1,0]-vx+vy[1,0,0]-vy)^2+(vy[0,0,1]-vy+vz[0,1,0]-vz)^2+(vz[1,0,0]-vz+vx[0,0,1]-vx)^2",
       HF_SYM_AVERAGE},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (hf_model_add_term(m, t[i].name, t[i].coef, t[i].expr, t[i].sym, err)) {
      hf_model_free(m);
      return HF_FAIL;
    }
  if (hf_model_validate(m, err)) {
    hf_model_free(m);
    return HF_FAIL;
  }
  return HF_OK;
}

/* ------------------------------------------------------------- one size */

static void fill_random(double *a, size_t n, hf_rng *r, double s) {
  for (size_t i = 0; i < n; i++) a[i] = s * (hf_rng_uniform(r) - 0.5);
}

/* Memory bandwidth on nt threads: the best of 5 triads a = b + s c over
 * 3 x 256 MiB (far beyond the caches), in GB/s (bytes read and written, no
 * write-allocate counted); 0 when out of memory.  Context for the thread
 * speed-up: what streaming through memory gains from a second core. */
static double triad_gbs(int nt) {
  const size_t n = (size_t)1 << 25;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
  double best = INFINITY;
  if (a && b && c) {
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2; /* first touch, as used */
    for (int r = 0; r < 5; r++) {
      double t0 = now_s();
#pragma omp parallel for schedule(static) num_threads(nt)
      for (size_t i = 0; i < n; i++) a[i] = b[i] + 1.5 * c[i];
      double t = now_s() - t0;
      best = t < best ? t : best;
    }
  }
  double gbs = a && b && c && a[n - 1] == 4 ? 3e-9 * (double)(n * sizeof *a) / best : 0;
  free(a);
  free(b);
  free(c);
  return gbs;
}

/* The slowest rank's seconds: what a step of all ranks takes. */
static double slowest(hf_comm *c, double t) {
#ifdef HF_MPI
  if (c && c->size > 1) MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, c->mpi);
#else
  (void)c;
#endif
  return t;
}

static void barrier(hf_comm *c) {
#ifdef HF_MPI
  if (c && c->size > 1) MPI_Barrier(c->mpi);
#else
  (void)c;
#endif
}

#ifdef HF_MPI
/* The FFT floor on several ranks: FFTW's MPI r2c with transposed output and
 * c2r with transposed input, in place, 3 components, as kspace_mpi.c. */
static int fft_floor_mpi(const hf_lattice *lat, const bench_opts *o, size_result *res, hf_comm *c) {
  const int *L = lat->L;
  ptrdiff_t n0, s0, n1, s1;
  const ptrdiff_t alloc =
      fftw_mpi_local_size_3d_transposed(L[0], L[1], L[2] / 2 + 1, c->mpi, &n0, &s0, &n1, &s1);
  fftw_complex *ck[3];
  for (int a = 0; a < 3; a++) ck[a] = fftw_alloc_complex((size_t)alloc);
  if (res->threads > 1) fftw_plan_with_nthreads(res->threads);
  fftw_plan r2c = fftw_mpi_plan_dft_r2c_3d(L[0], L[1], L[2], (double *)ck[0], ck[0], c->mpi,
                                           FFTW_MEASURE | FFTW_MPI_TRANSPOSED_OUT);
  fftw_plan c2r = fftw_mpi_plan_dft_c2r_3d(L[0], L[1], L[2], ck[0], (double *)ck[0], c->mpi,
                                           FFTW_MEASURE | FFTW_MPI_TRANSPOSED_IN);
  fftw_plan_with_nthreads(1);
  for (int a = 0; a < 3; a++)
    for (ptrdiff_t i = 0; i < 2 * alloc; i++) ((double *)ck[a])[i] = 1e-3 * (double)(i % 7);
#define FFT_ROUND()                                                                    \
  do {                                                                                 \
    for (int a = 0; a < 3; a++) fftw_mpi_execute_dft_r2c(r2c, (double *)ck[a], ck[a]); \
    for (int a = 0; a < 3; a++) fftw_mpi_execute_dft_c2r(c2r, ck[a], (double *)ck[a]); \
  } while (0)
  FFT_ROUND();
  barrier(c);
  double t0 = now_s();
  FFT_ROUND();
  double t1 = slowest(c, now_s() - t0);
  long reps = (long)ceil(0.5 * o->min_time / (t1 > 1e-9 ? t1 : 1e-9));
  if (reps < 5) reps = 5;
  barrier(c);
  t0 = now_s();
  const double c0 = cpu_s();
  for (long r = 0; r < reps; r++) FFT_ROUND();
  double t = slowest(c, now_s() - t0);
  res->fft_cpu_s = slowest(c, (cpu_s() - c0) / (double)reps);
#undef FFT_ROUND
  fftw_destroy_plan(r2c);
  fftw_destroy_plan(c2r);
  for (int a = 0; a < 3; a++) fftw_free(ck[a]);
  res->fft_reps = reps;
  res->fft_s = t / (double)reps;
  return 0;
}
#endif

/* Time 3 r2c + 3 c2r of L^3 exactly as kspace_apply does them, in the
 * precision the k-space part runs in (P: fftw or fftwf, R: its real type;
 * INIT: nonzero once FFTW threads are initialised, in this forked child). */
#define DEFINE_FFT_FLOOR(NAME, P, R, INIT)                                                     \
  static int NAME(const hf_lattice *lat, const bench_opts *o, size_result *res, hf_rng *rng) { \
    const int thr = res->threads > 1 && (INIT);    /* once per forked child */                 \
    if (thr) P##_plan_with_nthreads(res->threads); /* as engine.c plans */                     \
    R *in[3] = {NULL, NULL, NULL}, *out[3] = {NULL, NULL, NULL}, *tmp = NULL;                  \
    P##_complex *ck[3] = {NULL, NULL, NULL};                                                   \
    P##_plan r2c = NULL, c2r = NULL;                                                           \
    int rc = -1;                                                                               \
    for (int a = 0; a < 3; a++) {                                                              \
      in[a] = P##_alloc_real(lat->n);                                                          \
      out[a] = P##_alloc_real(lat->n);                                                         \
      ck[a] = P##_alloc_complex(lat->nk);                                                      \
      if (!in[a] || !out[a] || !ck[a]) goto oom;                                               \
      for (size_t i = 0; i < lat->n; i++) in[a][i] = (R)(0.2 * (hf_rng_uniform(rng) - 0.5));   \
    }                                                                                          \
    if (!(tmp = P##_alloc_real(lat->n))) goto oom;                                             \
    const int *L = lat->L;                                                                     \
    r2c = P##_plan_dft_r2c_3d(L[0], L[1], L[2], tmp, ck[0], FFTW_MEASURE);                     \
    c2r = P##_plan_dft_c2r_3d(L[0], L[1], L[2], ck[0], tmp, FFTW_MEASURE);                     \
    if (thr) P##_plan_with_nthreads(1);                                                        \
    if (!r2c || !c2r) {                                                                        \
      snprintf(res->msg, sizeof res->msg, "FFT floor: FFTW could not plan");                   \
      goto done;                                                                               \
    }                                                                                          \
    for (int a = 0; a < 3; a++) P##_execute_dft_r2c(r2c, in[a], ck[a]); /* warm-up */          \
    for (int a = 0; a < 3; a++) P##_execute_dft_c2r(c2r, ck[a], out[a]);                       \
    long reps = 0;                                                                             \
    double t0 = now_s(), c0 = cpu_s(), t = 0;                                                  \
    do { /* for half of --min-time, at least 5 rounds */                                       \
      for (int a = 0; a < 3; a++) P##_execute_dft_r2c(r2c, in[a], ck[a]);                      \
      for (int a = 0; a < 3; a++) P##_execute_dft_c2r(c2r, ck[a], out[a]);                     \
      t = now_s() - t0;                                                                        \
    } while (++reps < 5 || t < 0.5 * o->min_time);                                             \
    res->fft_cpu_s = (cpu_s() - c0) / (double)reps;                                            \
    if (!isfinite((double)out[0][0])) { /* keep the result alive, and sane */                  \
      snprintf(res->msg, sizeof res->msg, "FFT floor: non-finite output");                     \
      goto done;                                                                               \
    }                                                                                          \
    res->fft_reps = reps;                                                                      \
    res->fft_s = t / (double)reps;                                                             \
    rc = 0;                                                                                    \
    goto done;                                                                                 \
  oom:                                                                                         \
    snprintf(res->msg, sizeof res->msg, "FFT floor: out of memory");                           \
  done:                                                                                        \
    if (r2c) P##_destroy_plan(r2c);                                                            \
    if (c2r) P##_destroy_plan(c2r);                                                            \
    P##_free(tmp);                                                                             \
    for (int a = 0; a < 3; a++) {                                                              \
      P##_free(in[a]);                                                                         \
      P##_free(out[a]);                                                                        \
      P##_free(ck[a]);                                                                         \
    }                                                                                          \
    return rc;                                                                                 \
  }
DEFINE_FFT_FLOOR(fft_floor_double, fftw, double, 1) /* the engine ran fftw_init_threads */
DEFINE_FFT_FLOOR(fft_floor_single, fftwf, float, fftwf_init_threads())
#undef DEFINE_FFT_FLOOR

/* One size on the ranks of comm (NULL: one, in a forked child). */
static int run_size(const hf_model *m, int L, int nt, const bench_opts *o, size_result *res,
                    hf_comm *comm) {
  hf_err err = {{0}};
  memset(res, 0, sizeof *res);
  hf_comm self, *c = hf_comm_or_self(comm, &self);
  const int dist = c->size > 1;
  res->L = L;
  res->threads = nt;
  res->ranks = c->size;
  if (hf_fftw_threads_init()) {
    snprintf(res->msg, sizeof res->msg, "FFTW threads could not start");
    return -1;
  }
  res->rss_base = proc_status_bytes(dist ? "VmRSS" : "VmHWM");

  hf_lattice lat;
  int Lv[3] = {L, L, L};
  if (hf_lattice_init(&lat, Lv, &err) || hf_lattice_distribute(&lat, c, &err)) {
    snprintf(res->msg, sizeof res->msg, "%s", err.msg);
    return -1;
  }
  res->cells = lat.n;

  double t0 = now_s();
  hf_engine *eng = NULL;
  hf_engine_opts eo = {.pressure = o->pressure,
                       .fftw_flags = FFTW_MEASURE,
                       .threads = nt,
                       .single_precision = o->single,
                       .comm = c};
  if (hf_engine_create(&eng, m, &lat, &eo, &err)) {
    snprintf(res->msg, sizeof res->msg, "engine: %s", err.msg);
    return -1;
  }
  res->setup_engine_s = now_s() - t0;

  hf_fields x;
  unsigned mask = hf_engine_field_mask(eng);
  if (hf_fields_alloc(&x, &lat, mask, &err)) {
    snprintf(res->msg, sizeof res->msg, "fields: %s", err.msg);
    hf_engine_free(eng);
    return -1;
  }
  hf_rng rng;
  hf_rng_seed(&rng, o->seed + (unsigned long long)L + 1000003ULL * (unsigned long long)c->rank);
  /* a small random start: every kernel sees non-trivial data */
  for (int a = 0; a < 3; a++) {
    if (x.u[a]) fill_random(x.u[a], lat.nloc, &rng, 0.02);
    if (x.v[a]) fill_random(x.v[a], lat.nloc, &rng, 0.002);
  }

  hf_dyn_opts dopt;
  hf_dyn_opts_default(&dopt);
  dopt.dt = 1.0;
  dopt.temperature = o->temperature;
  dopt.thermostat = o->thermostat;
  dopt.barostat = 1;
  t0 = now_s();
  hf_dyn *dyn = NULL;
  if (hf_dyn_create(&dyn, eng, &x, &dopt, &err)) {
    snprintf(res->msg, sizeof res->msg, "dynamics: %s", err.msg);
    hf_fields_free(&x);
    hf_engine_free(eng);
    return -1;
  }
  hf_dyn_randomize_velocities(dyn, o->temperature, &rng);
  res->setup_dyn_s = now_s() - t0;

  /* fields the engine and integrator hold: x, velocities, forces */
  int ncomp = 0;
  for (int c = 0; c < 9; c++)
    if (hf_fields_comp(&x, c)) ncomp++;
  res->field_bytes = 3 * (size_t)ncomp * lat.nloc * sizeof(double);
  res->engine_bytes = hf_engine_bytes(eng);
  if (dist) { /* all ranks together */
    double b[2] = {(double)res->field_bytes, (double)res->engine_bytes};
    hf_comm_sum(c, b, 2);
    res->field_bytes = (size_t)b[0];
    res->engine_bytes = (size_t)b[1];
  }

  hf_dyn_step(dyn, &rng); /* warm-up */
  barrier(c);
  t0 = now_s();
  hf_dyn_step(dyn, &rng);
  double t1 = slowest(c, now_s() - t0);
  long steps = o->steps;
  if (!steps) {
    steps = (long)ceil(o->min_time / (t1 > 1e-9 ? t1 : 1e-9));
    if (steps < 5) steps = 5;
  }
  /* NBLOCK blocks of nearly equal length; the mean is over all steps */
  double t = 0, sent0[HF_SENT_N];
  for (int k = 0; k < HF_SENT_N; k++) sent0[k] = (double)c->sent[k];
  res->step_min_s = INFINITY;
  res->step_max_s = 0;
  const double c0 = cpu_s();
  for (long b = 0, done = 0; b < NBLOCK && done < steps; b++) {
    long nb = (steps - done) / (NBLOCK - b);
    if (nb < 1) nb = 1;
    barrier(c);
    t0 = now_s();
    for (long s = 0; s < nb; s++) hf_dyn_step(dyn, &rng);
    double tb = slowest(c, now_s() - t0);
    t += tb;
    done += nb;
    if (tb / (double)nb < res->step_min_s) res->step_min_s = tb / (double)nb;
    if (tb / (double)nb > res->step_max_s) res->step_max_s = tb / (double)nb;
  }
  res->steps = steps;
  res->step_s = t / (double)steps;
  res->step_cpu_s = slowest(c, (cpu_s() - c0) / (double)steps);
  for (int k = 0; k < HF_SENT_N; k++)
    res->sent[k] = slowest(c, ((double)c->sent[k] - sent0[k]) / (double)steps);
  res->rss_after = proc_status_bytes("VmRSS");
  res->hwm = proc_status_bytes("VmHWM");
  if (dist) { /* summed over ranks; no peak (VmHWM spans the earlier sizes) */
    double r[2] = {(double)res->rss_base, (double)res->rss_after};
    hf_comm_sum(c, r, 2);
    res->rss_base = (long)r[0];
    res->rss_after = (long)r[1];
    res->hwm = -1;
  }

  double ndof = hf_dyn_ndof(dyn);
  res->T_final = 2.0 * (hf_dyn_kinetic(dyn) + hf_dyn_strain_kinetic(dyn)) / (ndof * HF_KB);
  for (int l = 0; l < 3; l++) res->eta_final[l] = x.eta[l];
  int finite = isfinite(hf_dyn_conserved(dyn)) && isfinite(res->T_final);
  hf_dyn_free(dyn);
  hf_fields_free(&x);
  hf_engine_free(eng);
  if (!finite) {
    snprintf(res->msg, sizeof res->msg, "MD blew up (non-finite energy)");
    return -1;
  }
#ifdef HF_MPI
  if (dist) {
    fft_floor_mpi(&lat, o, res, c);
    res->ok = 1;
    return 0;
  }
#endif
  if ((o->single ? fft_floor_single : fft_floor_double)(&lat, o, res, &rng)) return -1;
  fftw_cleanup();
  fftwf_cleanup();
  res->ok = 1;
  return 0;
}

/* Runs one size in a child process; returns 0 and fills res on success. */
static int run_size_forked(const hf_model *m, int L, int nt, const bench_opts *o,
                           size_result *res) {
  int fd[2];
  if (pipe(fd)) {
    perror("bench_md: pipe");
    return -1;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    perror("bench_md: fork");
    close(fd[0]);
    close(fd[1]);
    return -1;
  }
  if (pid == 0) {
    close(fd[0]);
    size_result r;
    run_size(m, L, nt, o, &r, NULL);
    const char *p = (const char *)&r;
    size_t left = sizeof r;
    while (left) {
      ssize_t w = write(fd[1], p, left);
      if (w <= 0) _exit(3);
      p += w;
      left -= (size_t)w;
    }
    close(fd[1]);
    _exit(r.ok ? 0 : 2);
  }
  close(fd[1]);
  char *p = (char *)res;
  size_t got = 0;
  while (got < sizeof *res) {
    ssize_t rd = read(fd[0], p + got, sizeof *res - got);
    if (rd <= 0) break;
    got += (size_t)rd;
  }
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != sizeof *res) {
    memset(res, 0, sizeof *res);
    res->L = L;
    res->threads = nt;
    snprintf(res->msg, sizeof res->msg, "child died (status %d%s)",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
             WIFSIGNALED(status) ? ", signal" : "");
    return -1;
  }
  return res->ok ? 0 : -1;
}

/* --------------------------------------------------------------- reports */

static double per_cell_ns(double s, size_t cells) { return 1e9 * s / (double)cells; }

static double rss_per_cell(long after, long base, size_t cells) {
  return after >= 0 && base >= 0 ? (double)(after - base) / (double)cells : NAN;
}

/* Least-squares slope of log(y) vs log(x) over the successful sizes run on
 * nt threads. */
static double loglog_slope(const size_result *r, int n, int nt, int fft) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (!r[i].ok || r[i].threads != nt) continue;
    double lx = log((double)r[i].cells), ly = log(fft ? r[i].fft_s : r[i].step_s);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
    k++;
  }
  if (k < 2) return NAN;
  double den = k * sxx - sx * sx;
  return den != 0 ? (k * sxy - sx * sy) / den : NAN;
}

static int write_results(const char *path, const bench_opts *o, const char *model_name,
                         const size_result *r, int n) {
  struct stat st;
  int fresh = stat(path, &st) != 0 || st.st_size == 0;
  FILE *f = fopen(path, "a");
  if (!f) {
    fprintf(stderr, "bench_md: cannot append to %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (fresh)
    fprintf(f,
            "timestamp[UTC]\thost\tmodel\tthermostat\tL[cells]\tcells\tatoms\tsteps\t"
            "step[ns/cell/step]\tstep_min_block[ns/cell/step]\tfft_floor[ns/cell/step]\tratio[step/"
            "floor]\trss[B/cell]\t"
            "peak_rss[B/cell]\tallocated[B/cell]\tsetup[s]\tthreads\tranks\texponent[-]\t"
            "sent_fft[B/rank/step]\tsent_halo[B/rank/step]\tsent_reduce[B/rank/step]\n");
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  char stamp[64];
  time_t tt = time(NULL);
  struct tm tmv;
  gmtime_r(&tt, &tmv);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  for (int i = 0; i < n; i++) {
    if (!r[i].ok) continue;
    double ns = per_cell_ns(r[i].step_s, r[i].cells), fl = per_cell_ns(r[i].fft_s, r[i].cells);
    fprintf(f,
            "%s\t%s\t%s\t%s\t%d\t%zu\t%zu\t%ld\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%.1f\t%.1f\t%."
            "3f\t%d\t%d\t%.4f\t%.0f\t%.0f\t%.0f\n",
            stamp, host, model_name, o->thermostat == HF_THERMO_LANGEVIN ? "langevin" : "nve",
            r[i].L, r[i].cells, 5 * r[i].cells, r[i].steps, ns,
            per_cell_ns(r[i].step_min_s, r[i].cells), fl, ns / fl,
            rss_per_cell(r[i].rss_after, r[i].rss_base, r[i].cells),
            rss_per_cell(r[i].hwm, r[i].rss_base, r[i].cells),
            (double)(r[i].engine_bytes + r[i].field_bytes) / (double)r[i].cells,
            r[i].setup_engine_s + r[i].setup_dyn_s, r[i].threads, r[i].ranks,
            loglog_slope(r, n, r[i].threads, 0), r[i].sent[HF_SENT_FFT], r[i].sent[HF_SENT_HALO],
            r[i].sent[HF_SENT_REDUCE]);
  }
  int rc = fclose(f) ? -1 : 0;
  if (rc) fprintf(stderr, "bench_md: error writing %s\n", path);
  return rc;
}

static int bench(int argc, char **argv, hf_comm *world);

int main(int argc, char **argv) {
  /* Idle OpenMP threads sleep instead of spinning (unless the user chose):
   * on a machine shared with other jobs a spinning thread keeps its partner
   * off the core and a step gets many times slower.  The runtime reads the
   * variable when it loads, hence the re-exec. */
  if (!getenv("OMP_WAIT_POLICY") && !setenv("OMP_WAIT_POLICY", "passive", 1))
    execv("/proc/self/exe", argv); /* on failure: go on as we are */
  hf_comm world;
#ifdef HF_MPI
  MPI_Init(&argc, &argv);
  hf_comm_init_mpi(&world, MPI_COMM_WORLD);
#else
  hf_comm_init_serial(&world);
#endif
  const int rc = bench(argc, argv, &world);
#ifdef HF_MPI
  fftw_mpi_cleanup();
  MPI_Finalize();
#endif
  return rc;
}

/* The benchmark on the ranks of world; rank 0 prints and writes. */
static int bench(int argc, char **argv, hf_comm *world) {
  const int lead = world->rank == 0, dist = world->size > 1;
  if (!lead) { /* quiet followers: rank 0 reports */
    if (!freopen("/dev/null", "w", stdout)) return 1;
  }
  bench_opts o;
  if (parse_args(argc, argv, &o)) return 1;

  hf_model m;
  hf_err err = {{0}};
  if (o.builtin) {
    if (zvr_builtin(&m, &err)) {
      fprintf(stderr, "bench_md: built-in model: %s\n", err.msg);
      return 1;
    }
  } else if (hf_model_load(&m, o.model_path, &err)) {
    fprintf(stderr, "bench_md: %s\n", err.msg);
    return 1;
  }
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  printf(
      "bench_md: model %s (%s), u+v+eta MD, dt 1 fs, %s thermostat, T %.0f K, barostat on, "
      "p %.2f GPa\n",
      m.name, o.builtin ? "built in" : o.model_path,
      o.thermostat == HF_THERMO_LANGEVIN ? "Langevin (BAOAB)" : "no (NVE)", o.temperature,
      o.pressure);
  printf("host %s, threads", host);
  for (int t = 0; t < o.nthreads; t++) printf("%s%d", t ? "," : " ", o.threads[t]);
  printf(
      " (OpenMP loops + FFTW threads), %d rank%s%s, FFTW %s, FFTW_MEASURE plans, k-space in %s\n\n",
      world->size, dist ? "s" : "", dist ? " (x slabs, FFTW MPI transforms)" : "", fftw_version,
      o.single ? "single precision" : "double precision");

  printf("%5s %9s %9s %6s %12s %12s %7s %10s %10s %10s %8s %8s %7s %5s %10s %10s %8s\n", "L",
         "cells", "atoms", "steps", "step", "FFT floor", "ratio", "RSS", "peak RSS", "allocated",
         "setup", "step", "threads", "ranks", "sent FFT", "sent halo", "reduce");
  printf("%5s %9s %9s %6s %12s %12s %7s %10s %10s %10s %8s %8s %7s %5s %10s %10s %8s\n", "", "", "",
         "", "ns/cell", "ns/cell", "", "B/cell", "B/cell", "B/cell", "s", "ms", "", "", "MB/rank",
         "MB/rank", "B/rank");
  /* row i = size i / nthreads run on thread count i % nthreads */
  static size_result res[MAX_SIZES * MAX_THREADS];
  const int nrun = o.nsizes * o.nthreads;
  int nfail = 0;
  for (int i = 0; i < nrun; i++) {
    size_result *r = &res[i];
    const int L = o.sizes[i / o.nthreads], nt = o.threads[i % o.nthreads];
    if (dist ? run_size(&m, L, nt, &o, r, world) : run_size_forked(&m, L, nt, &o, r)) {
      printf("%5d  failed on %d threads: %s\n", L, nt, r->msg);
      nfail++;
      continue;
    }
    double ns = per_cell_ns(r->step_s, r->cells), fl = per_cell_ns(r->fft_s, r->cells);
    printf(
        "%5d %9zu %9zu %6ld %12.2f %12.2f %7.2f %10.1f %10.1f %10.1f %8.2f %8.2f %7d %5d %10.3f "
        "%10.3f %8.0f\n",
        r->L, r->cells, 5 * r->cells, r->steps, ns, fl, ns / fl,
        rss_per_cell(r->rss_after, r->rss_base, r->cells),
        rss_per_cell(r->hwm, r->rss_base, r->cells),
        (double)(r->engine_bytes + r->field_bytes) / (double)r->cells,
        r->setup_engine_s + r->setup_dyn_s, 1e3 * r->step_s, r->threads, r->ranks,
        1e-6 * r->sent[HF_SENT_FFT], 1e-6 * r->sent[HF_SENT_HALO], r->sent[HF_SENT_REDUCE]);
    fflush(stdout);
  }
  /* after the sizes: a parent that has run OpenMP threads must not fork (libgomp) */
  printf("\n");
  if (!dist) {
    printf("memory bandwidth (triad, 3 x 256 MiB):");
    for (int t = 0; t < o.nthreads; t++)
      printf("%s %d thread%s %.1f GB/s", t ? "," : "", o.threads[t], o.threads[t] > 1 ? "s" : "",
             triad_gbs(o.threads[t]));
    printf("\n");
  }
  printf("scaling exponent (least squares, log time/step vs log cells):\n");
  for (int t = 0; t < o.nthreads; t++)
    printf("  %d thread%s: %.4f  (FFT floor: %.4f)\n", o.threads[t], o.threads[t] > 1 ? "s" : "",
           loglog_slope(res, nrun, o.threads[t], 0), loglog_slope(res, nrun, o.threads[t], 1));
  if (o.nthreads > 1) {
    printf(
        "speed-up over the first thread count (%d): step (mean; fastest blocks) and FFT floor:\n",
        o.threads[0]);
    for (int i = 0; i < nrun; i++) {
      const size_result *r = &res[i], *r0 = &res[i - i % o.nthreads];
      if (i % o.nthreads == 0 || !r->ok || !r0->ok) continue;
      printf("  L %4d, %d threads: step %.2fx; %.2fx, FFT floor %.2fx\n", r->L, r->threads,
             r0->step_s / r->step_s, r0->step_min_s / r->step_min_s, r0->fft_s / r->fft_s);
    }
  }
  printf(
      "per run (setup is excluded above: engine = Ewald kernel + FFTW planning, dynamics = "
      "strain stiffness + first forces; step blocks = fastest..slowest of %d blocks):\n",
      NBLOCK);
  for (int i = 0; i < nrun; i++)
    if (res[i].ok)
      printf(
          "  L %4d, %d thr: setup engine %.2f s + dynamics %.2f s; step blocks %.1f..%.1f "
          "ns/cell; CPU time step %.1f, FFT floor %.1f ns/cell; %ld FFT rounds; end T %.0f K, "
          "eta1..3 %+.4f %+.4f %+.4f\n",
          res[i].L, res[i].threads, res[i].setup_engine_s, res[i].setup_dyn_s,
          per_cell_ns(res[i].step_min_s, res[i].cells),
          per_cell_ns(res[i].step_max_s, res[i].cells),
          per_cell_ns(res[i].step_cpu_s, res[i].cells), per_cell_ns(res[i].fft_cpu_s, res[i].cells),
          res[i].fft_reps, res[i].T_final, res[i].eta_final[0], res[i].eta_final[1],
          res[i].eta_final[2]);

  /* targets, checked at the largest size that ran, per thread count */
  for (int t = 0; t < o.nthreads; t++) {
    int big = -1;
    for (int i = t; i < nrun; i += o.nthreads)
      if (res[i].ok && (big < 0 || res[i].cells > res[big].cells)) big = i;
    if (big < 0) continue;
    const size_result *r = &res[big];
    double ns = per_cell_ns(r->step_s, r->cells), fl = per_cell_ns(r->fft_s, r->cells);
    double b = rss_per_cell(r->rss_after, r->rss_base, r->cells);
    double expo = loglog_slope(res, nrun, r->threads, 0);
    printf("\ntargets at %d^3, %d thread%s (README):\n", r->L, r->threads,
           r->threads > 1 ? "s" : "");
    printf("  step       %8.2f ns/cell  <= 60     %s\n", ns, ns <= 60 ? "met" : "MISSED");
    printf("  step/floor %8.2f          <= 2      %s\n", ns / fl, ns / fl <= 2 ? "met" : "MISSED");
    printf("  memory     %8.1f B/cell   <= 400    %s\n", b, b <= 400 ? "met" : "MISSED");
    printf("  exponent   %8.4f          <= 1.04   %s\n", expo,
           expo <= 1.04  ? "met"
           : isnan(expo) ? "n/a"
                         : "MISSED");
    const size_result *r1 = &res[big - t];
    if (t > 0 && r->threads == 2 && r1->ok && r1->threads == 1) {
      double su = r1->step_s / r->step_s;
      printf("  speed-up   %8.2f          >= 1.7    %s  (fastest blocks: %.2f)\n", su,
             su >= 1.7 ? "met" : "MISSED", r1->step_min_s / r->step_min_s);
    }
  }

  int rc = nfail ? 2 : 0;
  if (!lead) {
    hf_model_free(&m);
    return rc;
  }
  if (write_results(o.results, &o, m.name, res, nrun))
    rc = rc ? rc : 3;
  else
    printf("\nrows appended to %s\n", o.results);
  hf_model_free(&m);
  return rc;
}
