/* bench_kernels.c - where the time of one MD step goes, kernel by kernel.
 *
 *   bench_kernels [--model PATH] [--sizes 32,64,128] [--blocks N] [--min-time S] [--single]
 *                 [--patient]
 *
 * For each cubic supercell L^3 it times hf_engine_eval (energy + gradient +
 * dE/deta) for engines built from subsets of the model's terms, sorted by
 * the kernel each term compiles to (hf_engine_get_census of a one-term
 * engine):
 *   all       every term and the dipole (what hf_dyn_step evaluates)
 *   kspace    dipole and bilinear u-u terms: 3 r2c + 3 c2r FFTs and D(k)
 *   onsite    on-site u polynomial beyond quadratic
 *   vv        bilinear v-v stencil
 *   coupling  homogeneous and local strain x u u (local strain + adjoint)
 *   omega     omega terms compiled into the row pass (on-site w, u-w, eta w w, w-w)
 *   pair      terms with two-cell monomials of u, v, w (pair_kernel.h)
 *   none      no terms: the fixed cost of an evaluation (clearing g)
 * then one full MD step (velocity Verlet, and Langevin BAOAB; barostat on),
 * whose difference to "all" is the integrator.  Each figure is the fastest
 * of --blocks blocks of evaluations, in ns per cell: the minimum is the
 * figure least disturbed by other load on a shared machine.  --single: the
 * k-space part in single precision (every engine but kspace3d, which has no
 * single-precision path).  --patient: FFTW_PATIENT plans instead of
 * FFTW_MEASURE (longer planning).
 * Not a unit test and not registered as a benchmark; see bench/README.md. */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynamics.h"
#include "engine.h"
#include "model.h"
#include "wall_clock.h"

#define DEFAULT_MODEL "models/BaTiO3_ZVR1995.yaml"

enum { P_ALL, P_KSPACE, P_KSPACE3D, P_ONSITE, P_VV, P_COUPLING, P_OMEGA, P_PAIR, P_NONE, NPART };
static const char *part_name[NPART] = {"all",      "kspace", "kspace3d", "onsite", "vv",
                                       "coupling", "omega",  "pair",     "none"};

/* Does term t (alone) compile to part p? */
static int term_in_part(const hf_model *m, int t, int p, const hf_lattice *lat) {
  if (p == P_ALL) return 1;
  if (p == P_NONE) return 0;
  if (p == P_KSPACE3D) p = P_KSPACE;
  hf_model one = *m;
  one.dipole = 0;
  one.nterms = 1;
  one.terms = &m->terms[t];
  hf_engine *e;
  hf_err err;
  hf_engine_opts o = {.pressure = 0, .fftw_flags = FFTW_ESTIMATE};
  if (hf_engine_create(&e, &one, lat, &o, &err)) return 0;
  hf_engine_census c;
  hf_engine_get_census(e, &c);
  hf_engine_free(e);
  switch (p) {
    case P_KSPACE:
      return c.kspace > 0;
    case P_ONSITE:
      return c.onsite > 0;
    case P_VV:
      return c.vv > 0;
    case P_COUPLING:
      return c.hom_uu + c.loc_uu > 0;
    case P_OMEGA:
      return c.onsite_w + c.hom_ww + c.ww > 0;
    case P_PAIR:
      return c.pair > 0;
    default:
      return 0;
  }
}

/* Small random u and v, as bench_md starts from. */
static void fill(hf_fields *x, const hf_lattice *lat, hf_rng *r) {
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat->n; i++) {
      if (x->u[a]) x->u[a][i] = 0.02 * (hf_rng_uniform(r) - 0.5);
      if (x->v[a]) x->v[a][i] = 0.002 * (hf_rng_uniform(r) - 0.5);
      if (x->w[a]) x->w[a][i] = 0.02 * (hf_rng_uniform(r) - 0.5);
    }
}

/* Fastest of nb blocks of evaluations (or MD steps if d != NULL), ns/cell. */
static double time_min(hf_engine *e, hf_fields *x, hf_fields *g, hf_dyn *d, hf_rng *r, int nb,
                       double min_time, size_t cells) {
  double dE[6];
  hf_energy E;
  double t0 = hf_wall_seconds();
  if (d)
    hf_dyn_step(d, r);
  else
    hf_engine_eval(e, x, g, dE, &E);
  double one = hf_wall_seconds() - t0;
  long per = (long)(min_time / nb / (one > 1e-6 ? one : 1e-6));
  if (per < 1) per = 1;
  double best = 1e30;
  for (int b = 0; b < nb; b++) {
    t0 = hf_wall_seconds();
    for (long k = 0; k < per; k++) {
      if (d)
        hf_dyn_step(d, r);
      else
        hf_engine_eval(e, x, g, dE, &E);
    }
    double t = (hf_wall_seconds() - t0) / (double)per;
    if (t < best) best = t;
  }
  return best / (double)cells * 1e9;
}

static int run_size(const hf_model *m, int L, int nb, double min_time, int single, unsigned flags) {
  hf_err err;
  int LL[3] = {L, L, L};
  hf_lattice lat;
  if (hf_lattice_init(&lat, LL, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  hf_rng r;
  hf_rng_seed(&r, 20240601ULL + (unsigned long long)L);
  hf_term *sel = malloc((size_t)(m->nterms > 0 ? m->nterms : 1) * sizeof *sel);
  if (!sel) return 1;
  double t[NPART + 2];
  for (int p = 0; p < NPART; p++) {
    hf_model sub = *m;
    sub.nterms = 0;
    sub.terms = sel;
    for (int k = 0; k < m->nterms; k++)
      if (term_in_part(m, k, p, &lat)) sel[sub.nterms++] = m->terms[k];
    sub.dipole = (p == P_ALL || p == P_KSPACE || p == P_KSPACE3D) ? m->dipole : 0;
    hf_engine *e;
    hf_engine_opts o = {.pressure = -4.8,
                        .fftw_flags = flags,
                        .fftw_3d = p == P_KSPACE3D,
                        .single_precision = single && p != P_KSPACE3D};
    if (hf_engine_create(&e, &sub, &lat, &o, &err)) {
      fprintf(stderr, "bench_kernels: %s\n", err.msg);
      free(sel);
      return 1;
    }
    hf_fields x, g;
    if (hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err) ||
        hf_fields_alloc(&g, &lat, hf_engine_field_mask(e), &err)) {
      fprintf(stderr, "bench_kernels: %s\n", err.msg);
      free(sel);
      return 1;
    }
    fill(&x, &lat, &r);
    t[p] = time_min(e, &x, &g, NULL, &r, nb, min_time, lat.n);
    if (p == P_ALL) /* full MD steps on the same engine */
      for (int th = 0; th < 2; th++) {
        hf_dyn_opts d;
        hf_dyn_opts_default(&d);
        d.temperature = 250;
        d.barostat = 1;
        d.tau_p = 1000;
        d.thermostat = th ? HF_THERMO_LANGEVIN : HF_THERMO_NONE;
        hf_dyn *dy;
        if (hf_dyn_create(&dy, e, &x, &d, &err)) {
          fprintf(stderr, "bench_kernels: %s\n", err.msg);
          free(sel);
          return 1;
        }
        hf_dyn_randomize_velocities(dy, 250, &r);
        t[NPART + th] = time_min(e, &x, NULL, dy, &r, nb, min_time, lat.n);
        hf_dyn_free(dy);
      }
    hf_fields_free(&x);
    hf_fields_free(&g);
    hf_engine_free(e);
  }
  free(sel);
  printf("%5d", L);
  for (int p = 0; p < NPART; p++) printf(" %9.1f", t[p]);
  printf(" %9.1f %9.1f %9.1f %9.1f\n", t[NPART], t[NPART + 1], t[NPART] - t[P_ALL],
         t[NPART + 1] - t[P_ALL]);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  const char *model = DEFAULT_MODEL;
  int sizes[32], ns = 0, nb = 5, single = 0;
  unsigned flags = FFTW_MEASURE;
  double min_time = 1.0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--model") && v) {
      model = v;
      i++;
    } else if (!strcmp(a, "--sizes") && v) {
      for (char *p = (char *)v; *p && ns < 32;) {
        sizes[ns++] = (int)strtol(p, &p, 10);
        if (*p == ',')
          p++;
        else if (*p)
          break;
      }
      i++;
    } else if (!strcmp(a, "--blocks") && v) {
      nb = atoi(v);
      i++;
    } else if (!strcmp(a, "--min-time") && v) {
      min_time = atof(v);
      i++;
    } else if (!strcmp(a, "--single")) {
      single = 1;
    } else if (!strcmp(a, "--patient")) {
      flags = FFTW_PATIENT;
    } else {
      fprintf(stderr,
              "usage: bench_kernels [--model PATH] [--sizes 32,64,128] [--blocks N] "
              "[--min-time S] [--single] [--patient]\n");
      return 2;
    }
  }
  if (!ns) {
    sizes[0] = 32, sizes[1] = 64, sizes[2] = 128;
    ns = 3;
  }
  if (nb < 1) nb = 1;
  hf_err err;
  hf_model m;
  if (hf_model_load(&m, model, &err)) {
    fprintf(stderr, "bench_kernels: %s\n", err.msg);
    return 1;
  }
  printf(
      "bench_kernels: model %s; k space in %s precision; fastest of %d blocks, ns/cell per "
      "evaluation or step\n",
      model, single ? "single" : "double", nb);
  printf("%5s", "L");
  for (int p = 0; p < NPART; p++) printf(" %9s", part_name[p]);
  printf(" %9s %9s %9s %9s\n", "step NVE", "step Lgv", "integ NVE", "integ Lgv");
  int rc = 0;
  for (int s = 0; s < ns && !rc; s++) rc = run_size(&m, sizes[s], nb, min_time, single, flags);
  hf_model_free(&m);
  return rc;
}
