/* poly_eval.c - generic monomial-by-monomial evaluation over all cells. */
#include "poly_eval.h"

#include <stddef.h>

static double *var_array(const hf_fields *f, double *const *etaL, const hf_var *v) {
  switch (v->kind) {
    case HF_VAR_U:
      return f ? f->u[v->comp] : NULL;
    case HF_VAR_V:
      return f ? f->v[v->comp] : NULL;
    case HF_VAR_W:
      return f ? f->w[v->comp] : NULL;
    case HF_VAR_SIGMA:
      return f ? f->sigma : NULL;
    case HF_VAR_ETAL:
      return etaL ? etaL[v->comp] : NULL;
    default:
      return NULL;
  }
}

/* z + d wrapped into [0, L) for |d| < L: no division in the inner loop. */
static inline int wrap_small(int z, int d, int L) {
  int r = z + d;
  return r >= L ? r - L : r < 0 ? r + L : r;
}

/* Bilinear monomial c a[i+oa] b[i+ob] of two lattice fields: the common case
 * (pair terms), with its own loop; returns the sum of a b over cells. */
static double bilinear(const hf_lattice *lat, const hf_mono *m, const double *a, const double *b,
                       double *ga, double *gb, double c) {
  const int *L = lat->L;
  const int8_t *oa = m->f[0].off, *ob = m->f[1].off;
  double sum = 0;
  for (int x = 0; x < L[0]; x++)
    for (int y = 0; y < L[1]; y++) {
      const size_t ra = hf_index(lat, hf_pbc(x, oa[0], L[0]), hf_pbc(y, oa[1], L[1]), 0);
      const size_t rb = hf_index(lat, hf_pbc(x, ob[0], L[0]), hf_pbc(y, ob[1], L[1]), 0);
      const int da = hf_pbc(0, oa[2], L[2]), db = hf_pbc(0, ob[2], L[2]);
      for (int z = 0; z < L[2]; z++) {
        const size_t ia = ra + (size_t)wrap_small(z, da, L[2]);
        const size_t ib = rb + (size_t)wrap_small(z, db, L[2]);
        const double va = a[ia], vb = b[ib];
        sum += va * vb;
        if (ga) ga[ia] += c * vb;
        if (gb) gb[ib] += c * va;
      }
    }
  return sum;
}

double hf_poly_eval(const hf_poly *p, double coef, const hf_poly_input *in,
                    const hf_poly_output *out) {
  const hf_lattice *lat = in->lat;
  const int *L = lat->L;
  double total = 0.0;
  for (int mi = 0; mi < p->n; mi++) {
    const hf_mono *m = &p->m[mi];
    const int deg = m->deg;
    const double c = coef * m->c;
    const double *src[HF_MAX_DEG];
    double *dst[HF_MAX_DEG];
    double hom[HF_MAX_DEG];
    int is_hom[HF_MAX_DEG];
    for (int f = 0; f < deg; f++) {
      const hf_var *v = &m->f[f];
      is_hom[f] = v->kind == HF_VAR_ETA;
      hom[f] = is_hom[f] ? in->x->eta[v->comp] : 0.0;
      src[f] = var_array(in->x, in->etaL, v);
      dst[f] = NULL;
      if (out && !is_hom[f] && v->kind != HF_VAR_SIGMA)
        dst[f] = v->kind == HF_VAR_ETAL ? (out->gEtaL ? out->gEtaL[v->comp] : NULL)
                                        : var_array(out->g, NULL, v);
    }
    int nhom = 0;
    for (int f = 0; f < deg; f++) nhom += is_hom[f];
    if (nhom == deg) { /* strain only: the same value in every cell */
      const double n = (double)(in->strain_cells ? in->strain_cells : lat->n);
      double p = 1.0;
      for (int f = 0; f < deg; f++) p *= hom[f];
      total += c * n * p;
      if (out && out->dEdeta)
        for (int f = 0; f < deg; f++) {
          double q = 1.0;
          for (int k = 0; k < deg; k++) q *= k == f ? 1.0 : hom[k];
          out->dEdeta[m->f[f].comp] += c * n * q;
        }
      continue;
    }
    if (deg == 2 && !is_hom[0] && !is_hom[1]) {
      total += c * bilinear(lat, m, src[0], src[1], dst[0], dst[1], c);
      continue;
    }
    double sum = 0.0;
    double dhom[HF_MAX_DEG] = {0};
    size_t row[HF_MAX_DEG]; /* start of each factor's (x, y) row: wrapped once per row */
    for (int x = 0; x < L[0]; x++)
      for (int y = 0; y < L[1]; y++) {
        for (int f = 0; f < deg; f++) {
          const int8_t *o = m->f[f].off;
          row[f] = is_hom[f] ? 0 : hf_index(lat, hf_pbc(x, o[0], L[0]), hf_pbc(y, o[1], L[1]), 0);
        }
        for (int z = 0; z < L[2]; z++) {
          double val[HF_MAX_DEG], pre[HF_MAX_DEG + 1], suf[HF_MAX_DEG + 1];
          size_t idx[HF_MAX_DEG];
          for (int f = 0; f < deg; f++) {
            if (is_hom[f]) {
              val[f] = hom[f];
              idx[f] = 0;
            } else {
              idx[f] = row[f] + (size_t)hf_pbc(z, m->f[f].off[2], L[2]);
              val[f] = src[f][idx[f]];
            }
          }
          pre[0] = 1.0;
          for (int f = 0; f < deg; f++) pre[f + 1] = pre[f] * val[f];
          sum += pre[deg];
          if (!out) continue;
          suf[deg] = 1.0;
          for (int f = deg - 1; f >= 0; f--) suf[f] = suf[f + 1] * val[f];
          for (int f = 0; f < deg; f++) {
            double d = c * pre[f] * suf[f + 1];
            if (is_hom[f])
              dhom[f] += d;
            else if (dst[f])
              dst[f][idx[f]] += d;
          }
        }
      }
    total += c * sum;
    if (out && out->dEdeta)
      for (int f = 0; f < deg; f++)
        if (is_hom[f]) out->dEdeta[m->f[f].comp] += dhom[f];
  }
  return total;
}
