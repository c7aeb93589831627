/* test_large_planes.c - the engine on a lattice whose layouts differ from the
 * small ones of the other tests: kx planes of the spectra large enough to be
 * padded (hf_kspace_plane_stride, both precisions) and dE/dv large enough to
 * be written with streaming stores (realspace.c, over 4 MiB).  ZVR model on
 * 4 x 200 x 220 cells (176000; 22200 k-points per plane, not a multiple of
 * the column block):
 *  - the fused k-space path against FFTW's 3D plans (unpadded), energy and
 *    gradient to 1e-12 relative;
 *  - the gradient (u and the streamed v) against central differences;
 *  - 2 threads against 1, bit for bit;
 *  - single precision against double to float round-off (1e-5). */
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "testconfig.h"

typedef struct {
  hf_engine *e;
  hf_fields g;
  hf_energy E;
  double dEdeta[6];
} run;

/* Builds an engine with o, evaluates x; keeps the engine for more. */
static int eval(run *r, const hf_model *m, const hf_lattice *lat, const hf_engine_opts *o,
                const hf_fields *x) {
  hf_err err;
  if (hf_engine_create(&r->e, m, lat, o, &err) ||
      hf_fields_alloc(&r->g, lat, hf_engine_field_mask(r->e), &err)) {
    CHECK(0, "engine: %s", err.msg);
    return -1;
  }
  hf_engine_eval(r->e, x, &r->g, r->dEdeta, &r->E);
  return 0;
}

static void drop(run *r) {
  hf_fields_free(&r->g);
  hf_engine_free(r->e);
}

/* max |a - b| over the field gradient, and max |b|; dE/deta to tol relative */
static void diff(const run *a, const run *b, const hf_lattice *lat, double tol, const char *what,
                 double *dmax, double *bmax) {
  *dmax = *bmax = 0;
  for (int l = 0; l < 6; l++) {
    char label[160];
    snprintf(label, sizeof label, "%s: dE/deta%d", what, l + 1);
    CHECK_CLOSE(a->dEdeta[l], b->dEdeta[l], tol, 1.0, label);
  }
  for (int c = 0; c < 9; c++) {
    const double *p = hf_fields_comp((hf_fields *)&a->g, c),
                 *q = hf_fields_comp((hf_fields *)&b->g, c);
    if (!p || !q) continue;
    for (size_t i = 0; i < lat->n; i++) {
      *dmax = fmax(*dmax, fabs(p[i] - q[i]));
      *bmax = fmax(*bmax, fabs(q[i]));
    }
  }
}

static double energy(hf_engine *e, const hf_fields *x) {
  hf_energy E;
  hf_engine_eval(e, x, NULL, NULL, &E);
  return E.total;
}

/* Central differences on random u and v entries.  The energy is ~3e5 eV
 * here, so a difference carries ~eps |E| / h = 3e-7 eV/A of round-off: the
 * check is to 1e-5 eV/A (gradients are 0.01-2 eV/A). */
static void fd_check(run *r, hf_fields *x, const hf_lattice *lat, hf_rng *rng) {
  const double h = 1e-4;
  for (int s = 0; s < 16; s++) {
    const int c = s % 2 ? 3 + (int)(hf_rng_u64(rng) % 3) : (int)(hf_rng_u64(rng) % 3);
    double *a = hf_fields_comp(x, c);
    /* two thirds of them at the ends of a z row, where the halos fold back */
    const size_t Lz = (size_t)lat->L[2], k = hf_rng_u64(rng) % lat->n;
    const size_t i = k - k % Lz + (s / 2 % 3 == 0 ? 0 : s / 2 % 3 == 1 ? Lz - 1 : k % Lz);
    const double keep = a[i];
    a[i] = keep + h;
    const double ep = energy(r->e, x);
    a[i] = keep - h;
    const double em = energy(r->e, x);
    a[i] = keep;
    char label[160];
    snprintf(label, sizeof label, "dE/dx comp %d cell %zu vs central difference", c, i);
    CHECK_CLOSE(hf_fields_comp(&r->g, c)[i], (ep - em) / (2 * h), 1e-5, 1.0, label);
  }
}

int main(int argc, char **argv) {
  hf_err err;
  const char *dir = argc > 1 ? argv[1] : "models";
  char path[1024];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", dir);
  hf_model m;
  REQUIRE_OK(hf_model_load(&m, path, &err), err);
  const int L[3] = {4, 200, 220};
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, L, &err), err);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U | HF_FIELD_V, &err), err);
  hf_rng rng;
  hf_rng_seed(&rng, 4242);
  testconfig_random(&x, &lat, &rng, 0.15, 0.05, 0.0, 0.01);

  const hf_engine_opts o1 = {.pressure = -4.8, .fftw_flags = FFTW_ESTIMATE};
  hf_engine_opts o3d = o1, o2 = o1, os = o1;
  o3d.fftw_3d = 1;
  o2.threads = 2;
  os.single_precision = 1;
  run ref, fused, other;
  if (eval(&ref, &m, &lat, &o3d, &x) || eval(&fused, &m, &lat, &o1, &x))
    return check_done("large_planes");
  double dmax, gmax;
  diff(&fused, &ref, &lat, 1e-12, "fused vs FFTW 3D plans", &dmax, &gmax);
  CHECK_CLOSE(fused.E.total, ref.E.total, 1e-12, 0, "fused vs FFTW 3D plans: energy");
  CHECK(dmax <= 1e-12 * gmax, "fused vs FFTW 3D plans: gradient (max diff %.3g of %.3g)", dmax,
        gmax);
  printf("fused vs FFTW 3D: energy rel %.2g, gradient max rel %.2g\n",
         fabs(fused.E.total - ref.E.total) / fabs(ref.E.total), dmax / gmax);
  drop(&ref);
  fd_check(&fused, &x, &lat, &rng);

  if (!eval(&other, &m, &lat, &o2, &x)) {
    diff(&other, &fused, &lat, 0, "2 threads vs 1", &dmax, &gmax);
    CHECK(dmax == 0 && other.E.total == fused.E.total, "2 threads vs 1 (max diff %.3g)", dmax);
    drop(&other);
  }
  if (!eval(&other, &m, &lat, &os, &x)) {
    diff(&other, &fused, &lat, 1e-5, "single vs double", &dmax, &gmax);
    CHECK_CLOSE(other.E.kspace, fused.E.kspace, 1e-5, 0, "single vs double: k-space energy");
    CHECK(dmax <= 1e-5 * gmax, "single vs double: gradient (max diff %.3g of %.3g)", dmax, gmax);
    printf("single vs double: E_k rel %.2g, gradient max rel %.2g\n",
           fabs(other.E.kspace - fused.E.kspace) / fabs(fused.E.kspace), dmax / gmax);
    drop(&other);
  }
  drop(&fused);
  hf_fields_free(&x);
  hf_model_free(&m);
  return check_done("large_planes");
}
