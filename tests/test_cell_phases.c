/* test_cell_phases.c - per-cell phase fractions and per-species averages on
 * constructed configurations: a supercell split into R, O, T and C quarters
 * along x gives 1/4 of each; species on alternating layers with different
 * modes give each species its own mean, |u| and sorted components. */
#include <math.h>
#include <string.h>

#include "cell_phases.h"
#include "check.h"

int main(void) {
  hf_err err;
  hf_lattice lat;
  REQUIRE_OK(hf_lattice_init(&lat, (int[3]){8, 2, 3}, &err), err);
  hf_fields f;
  REQUIRE_OK(hf_fields_alloc(&f, &lat, HF_FIELD_U | HF_FIELD_SIGMA, &err), err);
  const double quarter[4][3] = {
      {0.1, 0.1, 0.1}, {0.1, -0.1, 0}, {0, 0, -0.12}, {0.01, 0, 0}}; /* R O T C */
  for (int x = 0; x < 8; x++)
    for (int y = 0; y < 2; y++)
      for (int z = 0; z < 3; z++) {
        size_t i = hf_index(&lat, x, y, z);
        for (int a = 0; a < 3; a++) f.u[a][i] = quarter[x / 2][a];
        f.sigma[i] = z == 1; /* species 1 on the middle layer */
      }
  hf_cell_stats st;
  hf_cell_stats_compute(&lat, f.u, NULL, 0.04, &st);
  for (int k = 0; k < 4; k++)
    CHECK(fabs(st.frac[k] - 0.25) < 1e-15, "fraction of %c: %.3f", "CTOR"[k], st.frac[k]);
  CHECK(st.count[0] == 48 && st.count[1] == 0, "without sigma all cells are species 0");

  /* species: sigma = 1 cells get u = (0, 0.2, 0), others (-0.05, 0, 0.1) */
  for (size_t i = 0; i < lat.n; i++) {
    const int sp = f.sigma[i] != 0;
    f.u[0][i] = sp ? 0 : -0.05;
    f.u[1][i] = sp ? 0.2 : 0;
    f.u[2][i] = sp ? 0 : 0.1;
  }
  hf_cell_stats_compute(&lat, f.u, f.sigma, 0.04, &st);
  CHECK(st.count[0] == 32 && st.count[1] == 16, "counts %ld %ld", st.count[0], st.count[1]);
  CHECK(fabs(st.mean[1][1] - 0.2) < 1e-15 && fabs(st.mean[0][0] + 0.05) < 1e-15 &&
            fabs(st.mean[0][2] - 0.1) < 1e-15,
        "species means");
  CHECK(fabs(st.abs[0] - sqrt(0.0125)) < 1e-15 && fabs(st.abs[1] - 0.2) < 1e-15, "mean |u|");
  CHECK(
      fabs(st.comp[0][0] - 0.1) < 1e-15 && fabs(st.comp[0][1] - 0.05) < 1e-15 && st.comp[0][2] == 0,
      "sorted components of species 0: %g %g %g", st.comp[0][0], st.comp[0][1], st.comp[0][2]);
  /* species 0: (0.05, 0, 0.1) has 0.05 > threshold but not > half of 0.1: T */
  CHECK(st.frac_species[0][1] == 1 && st.frac_species[1][1] == 1,
        "per species: both tetragonal cells");
  hf_fields_free(&f);
  return check_done("test_cell_phases");
}
