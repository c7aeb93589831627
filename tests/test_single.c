/* test_single.c - the single-precision k-space option against double:
 *  - energy and gradients agree to float round-off (1e-5 relative);
 *  - 1 and 2 threads give the same numbers bit for bit;
 *  - NVE with the barostat: the energy drift over 2000 steps of the ZVR
 *    model at 16^3 is measured for both precisions and printed (the cost
 *    reported in bench/README.md) and must stay small against kT. */
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dynamics.h"
#include "engine.h"
#include "testconfig.h"
#include "testmodels.h"

static void compare(const hf_model *m, const hf_lattice *lat, const hf_fields *x,
                    const char *what) {
  hf_err err;
  hf_engine *ed, *es, *es2;
  hf_fields gd, gs, gs2;
  hf_engine_opts od = {.pressure = -4.8, .fftw_flags = FFTW_ESTIMATE};
  hf_engine_opts os = od, os2 = od;
  os.single_precision = 1;
  os2.single_precision = 1;
  os2.threads = 2;
  if (hf_engine_create(&ed, m, lat, &od, &err) || hf_engine_create(&es, m, lat, &os, &err) ||
      hf_engine_create(&es2, m, lat, &os2, &err) ||
      hf_fields_alloc(&gd, lat, hf_engine_field_mask(ed), &err) ||
      hf_fields_alloc(&gs, lat, hf_engine_field_mask(ed), &err) ||
      hf_fields_alloc(&gs2, lat, hf_engine_field_mask(ed), &err)) {
    CHECK(0, "%s: %s", what, err.msg);
    return;
  }
  hf_energy Ed, Es, Es2;
  double dd[6], ds[6], ds2[6];
  hf_engine_eval(ed, x, &gd, dd, &Ed);
  hf_engine_eval(es, x, &gs, ds, &Es);
  hf_engine_eval(es2, x, &gs2, ds2, &Es2);
  char label[512];
  snprintf(label, sizeof label, "%s: k-space energy, single vs double", what);
  CHECK_CLOSE(Es.kspace, Ed.kspace, 1e-5, 1e-3, label);
  double dmax = 0, gmax = 0, d2 = 0;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(&gs, c), *b = hf_fields_comp(&gd, c),
                 *a2 = hf_fields_comp(&gs2, c);
    if (!a) continue;
    for (size_t i = 0; i < lat->n; i++) {
      dmax = fmax(dmax, fabs(a[i] - b[i]));
      gmax = fmax(gmax, fabs(b[i]));
      d2 = fmax(d2, fabs(a[i] - a2[i]));
    }
  }
  CHECK(dmax <= 1e-5 * gmax, "%s: gradient single vs double (max diff %.3g of %.3g)", what, dmax,
        gmax);
  CHECK(d2 == 0 && Es2.total == Es.total, "%s: single on 2 threads vs 1 (max diff %.3g)", what, d2);
  printf("%s: single vs double: E_k rel %.2g, gradient max rel %.2g\n", what,
         fabs(Es.kspace - Ed.kspace) / fabs(Ed.kspace), dmax / gmax);
  hf_fields_free(&gd);
  hf_fields_free(&gs);
  hf_fields_free(&gs2);
  hf_engine_free(ed);
  hf_engine_free(es);
  hf_engine_free(es2);
}

/* max |H - H0| and |H_end - H0| over nsteps of NVE, per cell, in units of kT */
static void nve_drift(const hf_model *m, int single, int nsteps, double *dmax, double *dend) {
  hf_err err;
  int L[3] = {16, 16, 16};
  hf_lattice lat;
  hf_engine *e;
  hf_fields x;
  hf_dyn *d;
  hf_engine_opts o = {.pressure = -4.8, .fftw_flags = FFTW_ESTIMATE, .single_precision = single};
  hf_dyn_opts dopt;
  hf_dyn_opts_default(&dopt);
  dopt.temperature = 250;
  dopt.thermostat = HF_THERMO_NONE;
  dopt.barostat = 1;
  hf_rng r;
  hf_rng_seed(&r, 5);
  *dmax = *dend = NAN;
  if (hf_lattice_init(&lat, L, &err) || hf_engine_create(&e, m, &lat, &o, &err) ||
      hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err)) {
    CHECK(0, "drift: %s", err.msg);
    return;
  }
  testconfig_random(&x, &lat, &r, 0.1, 0.01, 0.0, 0.0);
  if (hf_dyn_create(&d, e, &x, &dopt, &err)) {
    CHECK(0, "drift: %s", err.msg);
    return;
  }
  hf_dyn_randomize_velocities(d, 250, &r);
  const double H0 = hf_dyn_conserved(d), unit = (double)lat.n * HF_KB * 250;
  double mx = 0;
  for (int s = 0; s < nsteps; s++) {
    hf_dyn_step(d, &r);
    mx = fmax(mx, fabs(hf_dyn_conserved(d) - H0));
  }
  *dmax = mx / unit;
  *dend = fabs(hf_dyn_conserved(d) - H0) / unit;
  hf_dyn_free(d);
  hf_fields_free(&x);
  hf_engine_free(e);
}

int main(int argc, char **argv) {
  hf_err err;
  const char *dir = argc > 1 ? argv[1] : "models";
  char path[1024];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", dir);
  hf_model zvr, sink;
  REQUIRE_OK(hf_model_load(&zvr, path, &err), err);
  REQUIRE_OK(testmodel_kitchen_sink(&sink, 1, &err), err);
  const int sizes[2][3] = {{12, 10, 8}, {17, 6, 5}};
  hf_rng r;
  hf_rng_seed(&r, 99);
  for (int s = 0; s < 2; s++) {
    hf_lattice lat;
    REQUIRE_OK(hf_lattice_init(&lat, sizes[s], &err), err);
    const hf_model *ms[2] = {&zvr, &sink};
    const char *names[2] = {"ZVR", "kitchen sink"};
    for (int k = 0; k < 2; k++) {
      hf_engine *e;
      hf_fields x;
      REQUIRE_OK(hf_engine_create(&e, ms[k], &lat, NULL, &err), err);
      REQUIRE_OK(hf_fields_alloc(&x, &lat, hf_engine_field_mask(e), &err), err);
      hf_engine_free(e);
      testconfig_random(&x, &lat, &r, 0.15, 0.05, 0.05, 0.01);
      char what[160];
      snprintf(what, sizeof what, "%s %dx%dx%d", names[k], lat.L[0], lat.L[1], lat.L[2]);
      compare(ms[k], &lat, &x, what);
      hf_fields_free(&x);
    }
  }
  double dmax[2], dend[2];
  for (int single = 0; single < 2; single++)
    nve_drift(&zvr, single, 2000, &dmax[single], &dend[single]);
  printf(
      "NVE drift, ZVR 16^3, 250 K, dt 1 fs, 2000 steps, per cell in kT: double max %.3g end "
      "%.3g; single max %.3g end %.3g\n",
      dmax[0], dend[0], dmax[1], dend[1]);
  CHECK(dmax[1] <= 1e-2, "single-precision NVE: max |H - H0| %.3g kT per cell", dmax[1]);
  hf_model_free(&zvr);
  hf_model_free(&sink);
  return check_done("single");
}
