/* test_output.c - the VTK writer puts every cell where VTK expects it (x
 * fastest, spacing a0, origin at the u site) and the phase labeller sorts
 * constructed averaged modes into C, T, O, R. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "output.h"
#include "testmodels.h"

int main(void) {
  hf_err err;
  hf_model m;
  REQUIRE_OK(testmodel_kitchen_sink(&m, 0, &err), err);
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){3, 4, 5}, &err), err);
  hf_fields x;
  REQUIRE_OK(hf_fields_alloc(&x, &lat, HF_FIELD_U | HF_FIELD_V, &err), err);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      for (int k = 0; k < 5; k++) {
        size_t c = hf_index(&lat, i, j, k);
        x.u[0][c] = i, x.u[1][c] = j, x.u[2][c] = k;
        x.v[0][c] = -i, x.v[1][c] = -j, x.v[2][c] = -k;
      }
  char path[] = "/tmp/test_output_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  REQUIRE_OK(hf_write_vtk(path, &m, &lat, &x, "test", &err), err);
  FILE *f = fopen(path, "r");
  char line[256];
  int dims[3] = {0}, npts = 0, ok_order = 1, nvec = 0;
  double sp[3] = {0}, org[3] = {0};
  while (fgets(line, sizeof line, f)) {
    sscanf(line, "DIMENSIONS %d %d %d", &dims[0], &dims[1], &dims[2]);
    sscanf(line, "SPACING %lf %lf %lf", &sp[0], &sp[1], &sp[2]);
    sscanf(line, "ORIGIN %lf %lf %lf", &org[0], &org[1], &org[2]);
    sscanf(line, "POINT_DATA %d", &npts);
    if (!strncmp(line, "VECTORS", 7)) {
      double sign = nvec++ ? -1 : 1;
      /* VTK point p = i + 3 (j + 4 k): x fastest */
      for (int p = 0; p < 60; p++) {
        double a, b, c;
        if (!fgets(line, sizeof line, f) || sscanf(line, "%lf %lf %lf", &a, &b, &c) != 3) {
          ok_order = 0;
          break;
        }
        int i = p % 3, j = (p / 3) % 4, k = p / 12;
        if (a != sign * i || b != sign * j || c != sign * k) ok_order = 0;
      }
    }
  }
  fclose(f);
  remove(path);
  CHECK(dims[0] == 3 && dims[1] == 4 && dims[2] == 5, "DIMENSIONS %d %d %d", dims[0], dims[1],
        dims[2]);
  CHECK_CLOSE(sp[0], m.a0, 1e-6, 1, "spacing = a0");
  CHECK_CLOSE(org[0], 0.5 * m.a0, 1e-6, 1, "origin at the B site (u)");
  CHECK(npts == 60 && nvec == 2 && ok_order, "points %d, vector arrays %d, order ok %d", npts, nvec,
        ok_order);
  struct {
    double s[3];
    char want;
  } cases[] = {{{0.01, 0.005, 0.0}, 'C'},
               {{0.12, 0.01, 0.005}, 'T'},
               {{0.10, 0.09, 0.01}, 'O'},
               {{0.09, 0.088, 0.085}, 'R'},
               {{0.05, 0.045, 0.03}, 'O'}};
  for (int c = 0; c < 5; c++) {
    char got = hf_phase_label(cases[c].s, 0.04);
    CHECK(got == cases[c].want, "phase of (%g %g %g): %c, expected %c", cases[c].s[0],
          cases[c].s[1], cases[c].s[2], got, cases[c].want);
  }
  hf_fields_free(&x);
  hf_model_free(&m);
  return check_done("test_output");
}
