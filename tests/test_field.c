/* test_field.c - the applied electric field (kV/cm): on a harmonic model
 * E = kappa |u|^2 - Z* e E.u per cell the engine's energy and forces equal
 * the closed form; Langevin MD samples <u_a> = Z* e E_a / (2 kappa) (the
 * shifted Gaussian), within block-averaged error bars; and a run file with
 * `field` and `field_ac` is read. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dynamics.h"
#include "run_config.h"
#include "sweep.h"
#include "testmodels.h"

int main(void) {
  hf_err err;
  hf_model m;
  const double kappa = 2.0, zstar = 10.0, Ekv[3] = {1000, -500, 3000};
  REQUIRE_OK(testmodel_harmonic(&m, kappa, 40.0, &err), err);
  m.zstar = zstar;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){6, 6, 6}, &err), err);
  hf_engine_opts eo = {0};
  hf_engine *eng;
  REQUIRE_OK(hf_engine_create(&eng, &m, &lat, &eo, &err), err);
  hf_engine_set_field(eng, Ekv);
  hf_fields x, g;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U, &err), err);
  REQUIRE_OK(hf_fields_alloc(&g, &lat, HF_FIELD_U, &err), err);
  hf_rng r;
  hf_rng_seed(&r, 12);
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat.n; i++) x.u[a][i] = 0.1 * (2 * hf_rng_uniform(&r) - 1);
  hf_energy E;
  hf_engine_eval(eng, &x, &g, NULL, &E);
  double want = 0, fa[3], worst = 0;
  for (int a = 0; a < 3; a++) {
    fa[a] = zstar * Ekv[a] * 1e-5; /* eV/Angstrom */
    for (size_t i = 0; i < lat.n; i++) {
      const double u = x.u[a][i];
      want += kappa * u * u - fa[a] * u;
      worst = fmax(worst, fabs(g.u[a][i] - (2 * kappa * u - fa[a])));
    }
  }
  CHECK_CLOSE(E.total, want, 1e-13, 1.0, "energy with field");
  CHECK(worst < 1e-14, "gradient with field off by %.3g", worst);
  printf("field energy %.6f eV, closed form total %.6f eV\n", E.field, want);

  /* Langevin MD: <u_a> = f_a / (2 kappa) */
  hf_dyn_opts o;
  hf_dyn_opts_default(&o);
  o.temperature = 50;
  o.dt = 2.0;
  o.friction = 0.02;
  hf_dyn *d;
  REQUIRE_OK(hf_dyn_create(&d, eng, &x, &o, &err), err);
  hf_dyn_randomize_velocities(d, o.temperature, &r);
  for (int k = 0; k < 2000; k++) hf_dyn_step(d, &r);
  enum { NB = 20, PER = 300 };
  double blk[NB][3] = {{0}};
  for (int b = 0; b < NB; b++)
    for (int k = 0; k < PER; k++) {
      hf_dyn_step(d, &r);
      for (int a = 0; a < 3; a++) {
        double s = 0;
        for (size_t i = 0; i < lat.n; i++) s += x.u[a][i];
        blk[b][a] += s / (double)lat.n / PER;
      }
    }
  for (int a = 0; a < 3; a++) {
    double mean = 0, var = 0;
    for (int b = 0; b < NB; b++) mean += blk[b][a] / NB;
    for (int b = 0; b < NB; b++) var += (blk[b][a] - mean) * (blk[b][a] - mean) / (NB - 1);
    const double se = sqrt(var / NB), exact = fa[a] / (2 * kappa);
    printf("<u_%c> = %.5f +- %.5f Angstrom, exact %.5f\n", "xyz"[a], mean, se, exact);
    CHECK(fabs(mean - exact) < 5 * se, "<u_%c> %.5f vs %.5f (se %.5f)", "xyz"[a], mean, exact, se);
  }
  hf_dyn_free(d);

  /* run-file keys */
  char path[] = "/tmp/test_field_XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fprintf(f,
          "model: m.yaml\ntemperatures: [10]\nmethod: md\nfield: [0, 0, 50]\n"
          "field_ac: {amplitude: [0, 0, 20], period: 1000}\n");
  fclose(f);
  hf_run_config c;
  REQUIRE_OK(hf_run_config_load(&c, path, &err), err);
  CHECK(c.field[2] == 50 && c.field_ac[2] == 20 && c.field_period == 1000, "field keys");
  f = fopen(path, "w");
  fprintf(f,
          "model: m.yaml\ntemperatures: [10]\nmethod: hmc\n"
          "field_ac: {amplitude: [0, 0, 20], period: 1000}\n");
  fclose(f);
  CHECK(hf_run_config_load(&c, path, &err) != 0 && strstr(err.msg, ":4:") &&
            strstr(err.msg, "expected method md"),
        "AC field with HMC: '%s'", err.msg);
  /* field_loop schedule */
  f = fopen(path, "w");
  fprintf(f,
          "model: m.yaml\ntemperatures: [20]\n"
          "field_loop: {direction: [0, 0, 2], max: 300, step: 100, cycles: 1}\n");
  fclose(f);
  REQUIRE_OK(hf_run_config_load(&c, path, &err), err);
  const double want_loop[] = {0,    100,  200,  300,  200, 100, 0,   -100,
                              -200, -300, -200, -100, 0,   100, 200, 300};
  int same = c.ntemps == 16 && c.field_loop && c.loop_dir[2] == 1 && c.loop_dir[0] == 0;
  for (int k = 0; same && k < 16; k++) same = c.loop_field[k] == want_loop[k] && c.temps[k] == 20;
  CHECK(same, "field_loop schedule (%d points)", c.ntemps);
  remove(path);

  /* a P-E loop of the harmonic model through the sweep: linear response */
  char mpath[] = "/tmp/test_field_model_XXXXXX";
  fd = mkstemp(mpath);
  close(fd);
  REQUIRE_OK(hf_model_save(&m, mpath, &err), err);
  char rpath[] = "/tmp/test_field_run_XXXXXX", odir[] = "/tmp/test_field_out_XXXXXX";
  fd = mkstemp(rpath);
  if (!mkdtemp(odir)) return 1;
  f = fdopen(fd, "w");
  fprintf(f,
          "model: %s\nsupercell: [4, 4, 4]\nmethod: md\ntemperatures: [20]\nthermalize: 600\n"
          "average: 1000\nmd: {dt: 2.0, friction: 0.05}\nfield_loop: {direction: [0, 0, 1], max: "
          "2000, step: 1000}\n"
          "output: {dir: %s, prefix: pe, vtk: false}\n",
          mpath, odir);
  fclose(f);
  REQUIRE_OK(hf_run_config_load(&c, rpath, &err), err);
  hf_sweep *sw;
  int resumed;
  REQUIRE_OK(hf_sweep_create(&sw, &c, &m, 0, &resumed, &err), err);
  int st;
  while ((st = hf_sweep_advance(sw, 1000, &err)) == HF_SWEEP_RUNNING ||
         st == HF_SWEEP_TEMPERATURE_DONE) {
  }
  CHECK(st == HF_SWEEP_FINISHED, "P-E sweep: %s", err.msg);
  hf_sweep_free(sw);
  char tpath[200], line[4096];
  snprintf(tpath, sizeof tpath, "%s/pe.tsv", odir);
  f = fopen(tpath, "r");
  int rows = 0, cols_ok = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    if (!strncmp(line, "T_K", 3)) {
      cols_ok = strstr(line, "E_z_kV/cm") != NULL;
      continue;
    }
    /* columns: uz_A is the 7th (index 6), uz_err the 8th, E_z the last */
    char *tok[80];
    int nt = 0;
    for (char *p = strtok(line, "\t\n"); p && nt < 80; p = strtok(NULL, "\t\n")) tok[nt++] = p;
    const double uz = atof(tok[6]), uerr = atof(tok[7]), Ez = atof(tok[nt - 1]);
    const double exact = zstar * Ez * 1e-5 / (2 * kappa);
    CHECK(fabs(uz - exact) < 5 * uerr, "E_z %g kV/cm: <u_z> %.5f +- %.5f vs %.5f", Ez, uz, uerr,
          exact);
    rows++;
  }
  if (f) fclose(f);
  CHECK(cols_ok && rows == 11, "P-E table: %d rows (want 11), E columns %d", rows, cols_ok);
  printf("P-E loop of the harmonic model: %d field points checked\n", rows);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s %s %s", odir, rpath, mpath);
  if (!check_failures && system(cmd)) printf("could not remove %s\n", odir);
  hf_fields_free(&x);
  hf_fields_free(&g);
  hf_engine_free(eng);
  hf_model_free(&m);
  return check_done("test_field");
}
