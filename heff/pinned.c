/* pinned.c - the pinned-cell set of a run (pinned.h). */
#include "pinned.h"

#include <stdlib.h>
#include <string.h>

#include "cell_file.h"

static const unsigned field_bit[3] = {HF_FIELD_U, HF_FIELD_V, HF_FIELD_W};

/* Marks the cells of region g in mark[] (global cells, bit f: field f). */
static int mark_region(const hf_pin_region *g, const hf_lattice *lat, unsigned fields,
                       unsigned char *mark, hf_err *err) {
  if (!g->file[0]) {
    for (int x = g->box[0][0]; x < g->box[0][1]; x++)
      for (int y = g->box[1][0]; y < g->box[1][1]; y++)
        for (int z = g->box[2][0]; z < g->box[2][1]; z++) mark[hf_index(lat, x, y, z)] |= fields;
    return HF_OK;
  }
  hf_cell_file cf;
  if (hf_cell_file_open(&cf, g->file, "pinned-cell file", lat, err)) return HF_FAIL;
  double v[HF_CELL_FILE_MAX];
  size_t i;
  int rc;
  while ((rc = hf_cell_file_next(&cf, 3, "the cell indices x y z", v, &i, err)) == 1)
    mark[i] |= fields;
  hf_cell_file_close(&cf);
  return rc;
}

int hf_pin_build(hf_pin *p, const hf_pin_region *reg, int nreg, const char *run_path,
                 const hf_lattice *lat, unsigned field_mask, hf_err *err) {
  memset(p, 0, sizeof *p);
  if (!nreg) return HF_OK;
  const unsigned all = field_mask & (HF_FIELD_U | HF_FIELD_V | HF_FIELD_W);
  static const char *names = "uvw";
  for (int k = 0; k < nreg; k++)
    for (int f = 0; f < 3; f++)
      if ((reg[k].fields & field_bit[f]) && !(all & field_bit[f]))
        return hf_fail(err, "%s: key 'pinned': region %d pins field %c, which the model lacks",
                       run_path, k + 1, names[f]);
  unsigned char *mark = calloc(lat->n, 1);
  if (!mark) return hf_fail(err, "out of memory");
  int rc = HF_OK;
  for (int k = 0; k < nreg && !rc; k++)
    if (mark_region(&reg[k], lat, reg[k].fields ? reg[k].fields : all, mark, err))
      rc = hf_wrap(err, "%s: key 'pinned'", run_path);
  const size_t i0 = (size_t)lat->x0 * (size_t)lat->L[1] * (size_t)lat->L[2];
  for (int f = 0; f < 3 && !rc; f++) {
    size_t nl = 0;
    for (size_t i = i0; i < i0 + lat->nloc; i++) nl += (mark[i] & field_bit[f]) != 0;
    if (nl && !(p->cell[f] = malloc(nl * sizeof *p->cell[f]))) rc = hf_fail(err, "out of memory");
  }
  /* FNV-1a over (cell, fields) of every pinned cell, in cell order */
  p->hash = 1469598103934665603ULL;
  for (size_t i = 0; i < lat->n && !rc; i++) {
    if (!mark[i]) continue;
    p->ncells++;
    p->hash = (p->hash ^ (i * 8 + mark[i])) * 1099511628211ULL;
    for (int f = 0; f < 3; f++) {
      if (!(mark[i] & field_bit[f])) continue;
      p->ncomp[f] += 3;
      if (i - i0 < lat->nloc) p->cell[f][p->n[f]++] = i - i0; /* (unsigned: i < i0 wraps) */
    }
  }
  free(mark);
  if (rc) hf_pin_free(p);
  return rc;
}

void hf_pin_free(hf_pin *p) {
  for (int f = 0; f < 3; f++) free(p->cell[f]);
  memset(p, 0, sizeof *p);
}

size_t hf_pin_components(const hf_pin *p) { return p->ncomp[0] + p->ncomp[1] + p->ncomp[2]; }
