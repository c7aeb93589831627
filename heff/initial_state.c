/* initial_state.c - random, uniform, domain and file start configurations (initial_state.h). */
#include "initial_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell_file.h"

/* Which domain cell (x, y, z) is in: the first half of each period of
 * s = h x + k y + l z is the first domain. */
static int domain_of(const hf_run_config *c, int x, int y, int z) {
  long s = (long)c->init_normal[0] * x + (long)c->init_normal[1] * y + (long)c->init_normal[2] * z;
  long m = ((s % c->init_period) + c->init_period) % c->init_period;
  return m >= c->init_period / 2;
}

/* Columns a configuration file has for the fields of x: 6, 9 or 12. */
static int file_columns(const hf_fields *x) { return 3 + 3 * (1 + !!x->v[0] + !!x->w[0]); }

static int read_file(const char *path, const hf_lattice *lat, hf_fields *x, hf_err *err) {
  hf_cell_file cf;
  if (hf_cell_file_open(&cf, path, "configuration file", lat, err)) return HF_FAIL;
  const int want = file_columns(x);
  char expect[64];
  snprintf(expect, sizeof expect, "x y z, then u%s%s in Angstrom", x->v[0] ? ", v" : "",
           x->w[0] ? ", w" : "");
  const size_t i0 = (size_t)lat->x0 * (size_t)lat->L[1] * (size_t)lat->L[2];
  double v[HF_CELL_FILE_MAX];
  size_t i;
  int rc;
  while ((rc = hf_cell_file_next(&cf, want, expect, v, &i, err)) == 1)
    if (i - i0 < lat->nloc) /* this rank's slab (unsigned: i < i0 wraps) */
      for (int k = 3; k < want; k++) hf_fields_comp(x, k - 3)[i - i0] = v[k];
  if (!rc && cf.cells != lat->n)
    rc = hf_fail(err, "%s: %zu cells given, the supercell %dx%dx%d has %zu", path, cf.cells,
                 lat->L[0], lat->L[1], lat->L[2], lat->n);
  hf_cell_file_close(&cf);
  return rc;
}

int hf_initial_state(const hf_run_config *c, const hf_lattice *lat, hf_fields *x, hf_rng *r,
                     hf_err *err) {
  if (c->init_eta_set) memcpy(x->eta, c->init_eta, sizeof x->eta);
  if (c->init == HF_INIT_FILE) return read_file(c->init_file, lat, x, err);
  /* component by component in cell order (the random stream of earlier
   * versions), over the whole supercell: a rank keeps its own slab */
  const int Ly = lat->L[1], Lz = lat->L[2];
  const size_t i0 = (size_t)lat->x0 * (size_t)Ly * (size_t)Lz;
  for (int a = 0; a < 3; a++)
    for (size_t i = 0; i < lat->n; i++) {
      const int ix = (int)(i / ((size_t)Ly * Lz)), iy = (int)(i / Lz % Ly), iz = (int)(i % Lz);
      double base = 0;
      if (c->init == HF_INIT_UNIFORM) base = c->init_u[a];
      if (c->init == HF_INIT_DOMAINS)
        base = domain_of(c, ix, iy, iz) ? c->init_u2[a] : c->init_u[a];
      const int noisy = c->init != HF_INIT_UNIFORM && c->init_amp != 0;
      const double u = base + (noisy ? c->init_amp * (2 * hf_rng_uniform(r) - 1) : 0);
      if (i - i0 < lat->nloc) x->u[a][i - i0] = u; /* (unsigned: i < i0 wraps) */
    }
  if (c->init_w_set) {
    if (!x->w[0])
      return hf_fail(err, "initial: key 'w' gives omega, but the model has no omega (dof)");
    /* R: omega_a alternates along all three axes (anti-phase tilt about a, Glazer a-);
     * M: it alternates in the plane normal to a and repeats along a (in phase, a+) */
    for (size_t j = 0; j < lat->nloc; j++) {
      const size_t i = i0 + j;
      const int r3[3] = {(int)(i / ((size_t)Ly * Lz)), (int)(i / Lz % Ly), (int)(i % Lz)};
      for (int a = 0; a < 3; a++) {
        const int parity =
            c->init_w_point ? r3[(a + 1) % 3] + r3[(a + 2) % 3] : r3[0] + r3[1] + r3[2];
        x->w[a][j] = parity & 1 ? -c->init_w[a] : c->init_w[a];
      }
    }
  }
  return HF_OK;
}

int hf_config_write(const char *path, const hf_lattice *lat, const hf_fields *x, hf_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return hf_fail(err, "cannot write %s: %s", path, strerror(errno));
  const int nc = file_columns(x) - 3;
  fprintf(f, "# heff configuration, supercell %d %d %d: cell x y z, then u%s%s (Angstrom)\n",
          lat->L[0], lat->L[1], lat->L[2], x->v[0] ? ", v" : "", x->w[0] ? ", w" : "");
  for (int ix = 0; ix < lat->L[0]; ix++)
    for (int iy = 0; iy < lat->L[1]; iy++)
      for (int iz = 0; iz < lat->L[2]; iz++) {
        size_t i = hf_index(lat, ix, iy, iz);
        fprintf(f, "%d %d %d", ix, iy, iz);
        for (int k = 0; k < nc; k++) fprintf(f, " %.17g", hf_fields_comp(x, k)[i]);
        fputc('\n', f);
      }
  if (fclose(f)) return hf_fail(err, "cannot write %s: %s", path, strerror(errno));
  return HF_OK;
}
