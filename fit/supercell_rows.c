/* supercell_rows.c - regression scratch per supercell (supercell_rows.h). */
#include "supercell_rows.h"

#include <stdlib.h>
#include <string.h>

static void cell_free(fit_cell *c) {
  if (!c->owned) return;
  hf_features_free(c->feat);
  free(c->phi);
  free(c->ylong);
  free(c->target);
  free(c->mean);
  free(c->berr);
  free(c->type);
  hf_fields_free(&c->xbuf);
  memset(c, 0, sizeof *c);
}

static int cell_create(fit_cell *c, const hf_model *m, int M, const hf_lattice *lat, hf_err *err) {
  memset(c, 0, sizeof *c);
  c->owned = 1;
  c->lat = *lat;
  if (hf_features_create(&c->feat, m, lat, err)) return HF_FAIL;
  const size_t n = c->rows = hf_features_rows(c->feat);
  c->phi = malloc(n * (size_t)M * sizeof *c->phi);
  c->ylong = malloc(n * sizeof *c->ylong);
  c->target = malloc(n * sizeof *c->target);
  c->mean = malloc(n * sizeof *c->mean);
  c->berr = malloc(n * sizeof *c->berr);
  c->type = malloc(n * sizeof *c->type);
  if (!c->phi || !c->ylong || !c->target || !c->mean || !c->berr || !c->type)
    return hf_fail(err, "out of memory");
  c->x = &c->xbuf;
  return hf_fields_alloc(&c->xbuf, lat, hf_model_field_mask(m), err);
}

int fit_cells_get(fit_cells *cs, const hf_model *m, int M, const hf_lattice *lat, fit_cell **out,
                  hf_err *err) {
  if (!memcmp(lat->L, cs->own.lat.L, sizeof lat->L)) {
    *out = &cs->own;
    return HF_OK;
  }
  for (int k = 0; k < cs->nother; k++)
    if (!memcmp(lat->L, cs->other[k].lat.L, sizeof lat->L)) {
      *out = &cs->other[k];
      return HF_OK;
    }
  if (cs->nother == FIT_MAX_CELLS)
    return hf_fail(err, "frames of more than %d different supercells", FIT_MAX_CELLS + 1);
  fit_cell *c = &cs->other[cs->nother];
  if (cell_create(c, m, M, lat, err)) {
    cell_free(c);
    return hf_wrap(err, "the %dx%dx%d supercell's regression rows", lat->L[0], lat->L[1],
                   lat->L[2]);
  }
  cs->nother++;
  *out = c;
  return HF_OK;
}

void fit_cells_free(fit_cells *cs) {
  for (int k = 0; k < cs->nother; k++) cell_free(&cs->other[k]);
  cs->nother = 0;
}
