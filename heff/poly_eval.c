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

int hf_poly_halo_slot(const hf_var *v) {
  switch (v->kind) {
    case HF_VAR_U:
      return v->comp;
    case HF_VAR_V:
      return 3 + v->comp;
    case HF_VAR_W:
      return 6 + v->comp;
    case HF_VAR_SIGMA:
      return 9;
    default:
      return -1;
  }
}

double *hf_poly_plane(const hf_poly_input *in, int s, double *a, int P, int grad) {
  const hf_lattice *lat = in->lat;
  const size_t plane = (size_t)lat->L[1] * (size_t)lat->L[2];
  if (!a) return NULL;
  if (!in->halo) return a + (size_t)hf_pbc(P, 0, lat->L[0]) * plane;
  const int q = P - lat->x0;
  if (q >= 0 && q < lat->nx) return a + (size_t)q * plane;
  const hf_poly_halo *h = in->halo;
  if (s < 0 || q < -h->lo[s] || q >= lat->nx + h->hi[s]) return NULL; /* beyond the halo */
  double *base =
      q < 0 ? (grad ? h->glo[s] : (double *)h->xlo[s]) : (grad ? h->ghi[s] : (double *)h->xhi[s]);
  if (!base) return NULL;
  return base + (size_t)(q < 0 ? q + h->lo[s] : q - lat->nx) * plane;
}

static double *plane_of(const hf_poly_input *in, const hf_var *v, double *a, int P, int grad) {
  return hf_poly_plane(in, hf_poly_halo_slot(v), a, P, grad);
}

/* Row (x plane X + off_x, row y + off_y) of a factor, or NULL. */
static double *row_of(const hf_poly_input *in, const hf_var *v, double *a, int X, int y, int grad) {
  double *p = plane_of(in, v, a, X + v->off[0], grad);
  if (!p) return NULL;
  return p + (size_t)hf_pbc(y, v->off[1], in->lat->L[1]) * (size_t)in->lat->L[2];
}

/* A monomial of 2-4 lattice-field factors (no strain factor) over one row:
 * s[f] and d[f] point at factor f's value and gradient for the row's first
 * cell of the span, n cells.  Values, partial products and the energy go
 * through short buffers so that every loop is a plain vectorisable stream,
 * and each factor's gradient is added in a loop of its own (two factors may
 * share an array).  Returns the sum of the monomial's value over the span. */
#define ROW_CHUNK 256
static double field_span(int deg, const double *const *s, double *const *d, double c, int n) {
  double t[4][ROW_CHUNK], e[ROW_CHUNK], sum = 0;
  for (int k0 = 0; k0 < n; k0 += ROW_CHUNK) {
    const int m = n - k0 < ROW_CHUNK ? n - k0 : ROW_CHUNK;
    const double *restrict a = s[0] + k0, *restrict b = s[1] + k0;
    if (deg == 2) {
      for (int k = 0; k < m; k++) {
        e[k] = a[k] * b[k];
        t[0][k] = b[k];
        t[1][k] = a[k];
      }
    } else if (deg == 3) {
      const double *restrict q = s[2] + k0;
      for (int k = 0; k < m; k++) {
        const double ab = a[k] * b[k];
        e[k] = ab * q[k];
        t[0][k] = b[k] * q[k];
        t[1][k] = a[k] * q[k];
        t[2][k] = ab;
      }
    } else {
      const double *restrict q = s[2] + k0, *restrict r = s[3] + k0;
      for (int k = 0; k < m; k++) {
        const double ab = a[k] * b[k], qr = q[k] * r[k];
        e[k] = ab * qr;
        t[0][k] = b[k] * qr;
        t[1][k] = a[k] * qr;
        t[2][k] = ab * r[k];
        t[3][k] = ab * q[k];
      }
    }
    for (int k = 0; k < m; k++) sum += e[k];
    for (int f = 0; f < deg; f++) {
      if (!d[f]) continue;
      double *restrict g = d[f] + k0;
      const double *restrict tf = t[f];
      for (int k = 0; k < m; k++) g[k] += c * tf[k];
    }
  }
  return sum;
}

/* One row of a field monomial (2-4 factors, z offsets dz[f] in (-L, L)):
 * the cells where no factor wraps around z go through field_span, the few
 * at the ends one at a time.  Returns the sum of the monomial's values. */
static double field_row(int deg, const double *const *srow, double *const *drow, const int *dz,
                        double c, int L) {
  int zlo = 0, zhi = L;
  for (int f = 0; f < deg; f++) {
    if (-dz[f] > zlo) zlo = -dz[f];
    if (L - dz[f] < zhi) zhi = L - dz[f];
  }
  double sum = 0;
  if (zhi > zlo) {
    const double *s[4];
    double *d[4];
    for (int f = 0; f < deg; f++) {
      s[f] = srow[f] + zlo + dz[f];
      d[f] = drow[f] ? drow[f] + zlo + dz[f] : NULL;
    }
    sum += field_span(deg, s, d, c, zhi - zlo);
  } else {
    zlo = zhi = L; /* every cell wraps: all at the ends */
  }
  for (int z = 0; z < L; z++) {
    if (z == zlo) z = zhi;
    if (z >= L) break;
    double val[4], pre[5], suf[5];
    int idx[4];
    for (int f = 0; f < deg; f++) {
      idx[f] = wrap_small(z, dz[f], L);
      val[f] = srow[f][idx[f]];
    }
    pre[0] = 1.0;
    for (int f = 0; f < deg; f++) pre[f + 1] = pre[f] * val[f];
    sum += pre[deg];
    suf[deg] = 1.0;
    for (int f = deg - 1; f >= 0; f--) suf[f] = suf[f + 1] * val[f];
    for (int f = 0; f < deg; f++)
      if (drow[f]) drow[f][idx[f]] += c * pre[f] * suf[f + 1];
  }
  return sum;
}

/* Lattice-field factors of m (2-4 of them) and the rest homogeneous strain
 * (eta, the same in every cell: a constant factor of the row sums); 0 for a
 * monomial field_row cannot take (local strain, or too few or many fields). */
static int field_count(const hf_mono *m) {
  int nf = 0;
  for (int f = 0; f < m->deg; f++) {
    if (m->f[f].kind == HF_VAR_ETAL) return 0;
    nf += m->f[f].kind != HF_VAR_ETA;
  }
  return nf >= 2 && nf <= 4 ? nf : 0;
}

/* The field monomials of p (eta factors included: eta u u@1, the strain
 * dependence of a pair, is a pair with a coefficient scaled by eta) in batches
 * of up to FIELD_BATCH, each batch row by row (all its monomials on one row
 * before the next row), so that the rows the monomials share stay in the
 * first-level cache.  No allocation: the batch's factor pointers live on the
 * stack. */
#define FIELD_BATCH 64
static double field_monos(const hf_poly *p, double coef, const hf_poly_input *in,
                          const hf_poly_output *out) {
  const hf_lattice *lat = in->lat;
  const int *L = lat->L;
  const int nx = in->halo ? lat->nx : L[0], X0 = in->halo ? lat->x0 : 0;
  double total = 0.0;
  const hf_mono *batch[FIELD_BATCH];
  const hf_var *var[FIELD_BATCH][4];
  double *src[FIELD_BATCH][4], *dst[FIELD_BATCH][4], sums[FIELD_BATCH], hom[FIELD_BATCH];
  double *splane[FIELD_BATCH][4], *dplane[FIELD_BATCH][4];
  int dy[FIELD_BATCH][4], dz[FIELD_BATCH][4], nfield[FIELD_BATCH];
  for (int mi = 0; mi < p->n;) {
    int nb = 0;
    for (; mi < p->n && nb < FIELD_BATCH; mi++) {
      const hf_mono *m = &p->m[mi];
      if (!(nfield[nb] = field_count(m))) continue;
      hom[nb] = 1.0;
      for (int f = 0, k = 0; f < m->deg; f++) {
        const hf_var *v = &m->f[f];
        if (v->kind == HF_VAR_ETA) {
          hom[nb] *= in->x->eta[v->comp];
          continue;
        }
        var[nb][k] = v;
        src[nb][k] = var_array(in->x, NULL, v);
        dst[nb][k] = out && v->kind != HF_VAR_SIGMA ? var_array(out->g, NULL, v) : NULL;
        dy[nb][k] = v->off[1] % L[1];
        dz[nb][k++] = v->off[2] % L[2];
      }
      sums[nb] = 0;
      batch[nb++] = m;
    }
    const size_t rowlen = (size_t)L[2];
    for (int x = 0; x < nx; x++) {
      /* each factor's x plane once per plane (not per row): the rows are a
       * y offset from it */
      for (int b = 0; b < nb; b++)
        for (int f = 0; f < nfield[b]; f++) {
          const hf_var *v = var[b][f];
          splane[b][f] = plane_of(in, v, src[b][f], X0 + x + v->off[0], 0);
          dplane[b][f] = dst[b][f] ? plane_of(in, v, dst[b][f], X0 + x + v->off[0], 1) : NULL;
        }
      for (int y = 0; y < L[1]; y++)
        for (int b = 0; b < nb; b++) {
          const double *srow[4];
          double *drow[4];
          for (int f = 0; f < nfield[b]; f++) {
            const size_t yo = (size_t)wrap_small(y, dy[b][f], L[1]) * rowlen;
            srow[f] = splane[b][f] ? splane[b][f] + yo : NULL;
            drow[f] = dplane[b][f] ? dplane[b][f] + yo : NULL;
          }
          sums[b] += field_row(nfield[b], srow, drow, dz[b], coef * batch[b]->c * hom[b], L[2]);
        }
    }
    for (int b = 0; b < nb; b++) {
      const hf_mono *m = batch[b];
      total += coef * m->c * hom[b] * sums[b];
      if (nfield[b] == m->deg || !out || !out->dEdeta) continue;
      for (int f = 0; f < m->deg; f++) { /* d/deta of each eta factor: the others' product */
        if (m->f[f].kind != HF_VAR_ETA) continue;
        double q = 1.0;
        for (int k = 0; k < m->deg; k++)
          if (k != f && m->f[k].kind == HF_VAR_ETA) q *= in->x->eta[m->f[k].comp];
        out->dEdeta[m->f[f].comp] += coef * m->c * q * sums[b];
      }
    }
  }
  return total;
}

double hf_poly_eval(const hf_poly *p, double coef, const hf_poly_input *in,
                    const hf_poly_output *out) {
  const hf_lattice *lat = in->lat;
  const int *L = lat->L;
  const int nx = in->halo ? lat->nx : L[0], X0 = in->halo ? lat->x0 : 0;
  double total = field_monos(p, coef, in, out);
  for (int mi = 0; mi < p->n; mi++) {
    const hf_mono *m = &p->m[mi];
    const int deg = m->deg;
    if (field_count(m)) continue; /* (field_monos) */
    const double c = coef * m->c;
    double *src[HF_MAX_DEG];
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
    if (nhom == deg) {                           /* strain only: the same value in every cell */
      if (in->halo && !in->halo->lead) continue; /* (counted once over the ranks) */
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
    double sum = 0.0;
    double dhom[HF_MAX_DEG] = {0};
    const double *srow[HF_MAX_DEG]; /* each factor's (x, y) row: wrapped once per row */
    double *drow[HF_MAX_DEG];
    for (int x = 0; x < nx; x++)
      for (int y = 0; y < L[1]; y++) {
        for (int f = 0; f < deg; f++) {
          srow[f] = is_hom[f] ? NULL : row_of(in, &m->f[f], src[f], X0 + x, y, 0);
          drow[f] = is_hom[f] || !dst[f] ? NULL : row_of(in, &m->f[f], dst[f], X0 + x, y, 1);
        }
        for (int z = 0; z < L[2]; z++) {
          double val[HF_MAX_DEG], pre[HF_MAX_DEG + 1], suf[HF_MAX_DEG + 1];
          size_t idx[HF_MAX_DEG];
          for (int f = 0; f < deg; f++) {
            if (is_hom[f]) {
              val[f] = hom[f];
              idx[f] = 0;
            } else {
              idx[f] = (size_t)hf_pbc(z, m->f[f].off[2], L[2]);
              val[f] = srow[f][idx[f]];
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
            else if (drow[f])
              drow[f][idx[f]] += d;
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
