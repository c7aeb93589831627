/* fields.c - lattice set-up and field allocation (see fields.h). */
#include "fields.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int hf_lattice_init(hf_lattice *lat, const int L[3], hf_err *err) {
  for (int k = 0; k < 3; k++)
    if (L[k] < 1 || L[k] > 4096)
      return hf_fail(err, "supercell size L[%d] = %d must be between 1 and 4096", k, L[k]);
  memcpy(lat->L, L, sizeof lat->L);
  lat->n = (size_t)L[0] * (size_t)L[1] * (size_t)L[2];
  lat->nk = (size_t)L[0] * (size_t)L[1] * (size_t)(L[2] / 2 + 1);
  lat->x0 = lat->ky0 = lat->kt = 0;
  lat->nx = L[0];
  lat->nky = L[1];
  lat->nloc = lat->n;
  lat->nkloc = lat->nk;
  return HF_OK;
}

int hf_wraptab_init(hf_wraptab *w, const hf_lattice *lat, hf_err *err) {
  memset(w, 0, sizeof *w);
  for (int k = 0; k < 3; k++) {
    int L = lat->L[k];
    w->L[k] = L;
    w->t[k] = malloc((size_t)(2 * HF_WRAP_MAX + 1) * (size_t)L * sizeof(int));
    if (!w->t[k]) {
      hf_wraptab_free(w);
      return hf_fail(err, "out of memory");
    }
    for (int d = -HF_WRAP_MAX; d <= HF_WRAP_MAX; d++)
      for (int x = 0; x < L; x++) {
        int r = (x + d) % L;
        w->t[k][(size_t)(d + HF_WRAP_MAX) * (size_t)L + (size_t)x] = r < 0 ? r + L : r;
      }
  }
  return HF_OK;
}

void hf_wraptab_free(hf_wraptab *w) {
  for (int k = 0; k < 3; k++) free(w->t[k]);
  memset(w, 0, sizeof *w);
}

void hf_kpoint(const hf_lattice *lat, size_t q, int m[3]) {
  size_t nzh = (size_t)(lat->L[2] / 2 + 1);
  int kz = (int)(q % nzh);
  size_t r = q / nzh;
  int ky = (int)(r % (size_t)lat->L[1]);
  int kx = (int)(r / (size_t)lat->L[1]);
  if (lat->kt) {
    kx = (int)(r % (size_t)lat->L[0]);
    ky = lat->ky0 + (int)(r / (size_t)lat->L[0]);
  }
  m[0] = kx > lat->L[0] / 2 ? kx - lat->L[0] : kx;
  m[1] = ky > lat->L[1] / 2 ? ky - lat->L[1] : ky;
  m[2] = kz;
}

int hf_fields_alloc(hf_fields *f, const hf_lattice *lat, unsigned mask, hf_err *err) {
  memset(f, 0, sizeof *f);
  double **arrs[3] = {f->u, f->v, f->w};
  unsigned bits[3] = {HF_FIELD_U, HF_FIELD_V, HF_FIELD_W};
  for (int k = 0; k < 3; k++)
    if (mask & bits[k])
      for (int c = 0; c < 3; c++) {
        arrs[k][c] = fftw_alloc_real(lat->nloc);
        if (!arrs[k][c]) {
          hf_fields_free(f);
          return hf_fail(err, "out of memory allocating %zu cells", lat->nloc);
        }
      }
  if (mask & HF_FIELD_SIGMA) {
    f->sigma = fftw_alloc_real(lat->nloc);
    if (!f->sigma) {
      hf_fields_free(f);
      return hf_fail(err, "out of memory allocating %zu cells", lat->nloc);
    }
  }
  hf_fields_zero(f, lat);
  return HF_OK;
}

void hf_fields_free(hf_fields *f) {
  for (int c = 0; c < 9; c++) fftw_free(hf_fields_comp(f, c));
  fftw_free(f->sigma);
  memset(f, 0, sizeof *f);
}

void hf_fields_zero(hf_fields *f, const hf_lattice *lat) {
  for (int c = 0; c < 9; c++) {
    double *a = hf_fields_comp(f, c);
    if (a) memset(a, 0, lat->nloc * sizeof *a);
  }
  if (f->sigma) memset(f->sigma, 0, lat->nloc * sizeof *f->sigma);
  memset(f->eta, 0, sizeof f->eta);
}

void hf_fields_copy(hf_fields *dst, const hf_fields *src, const hf_lattice *lat) {
  for (int c = 0; c < 9; c++) {
    double *d = hf_fields_comp(dst, c), *s = hf_fields_comp(src, c);
    if (d && s) memcpy(d, s, lat->nloc * sizeof *d);
  }
  if (dst->sigma && src->sigma) memcpy(dst->sigma, src->sigma, lat->nloc * sizeof *dst->sigma);
  memcpy(dst->eta, src->eta, sizeof dst->eta);
}

/* max |a| that keeps a NaN once it has seen one (fmax would drop it) */
static inline double absmax_nan(double m, double a) {
  return fabs(a) > m || isnan(a) ? fabs(a) : m;
}

void hf_fields_extent(const hf_fields *f, const hf_lattice *lat, double *mode_max,
                      double *strain_max) {
  double m = 0, e = 0;
  for (int c = 0; c < 9; c++) {
    const double *a = hf_fields_comp(f, c);
    for (size_t i = 0; a && i < lat->nloc; i++) m = absmax_nan(m, a[i]);
  }
  for (int l = 0; l < 6; l++) e = absmax_nan(e, f->eta[l]);
  *mode_max = m;
  *strain_max = e;
}

double hf_vector_field_max(double *const f[3], size_t n) {
  double m2 = 0;
  for (size_t i = 0; f[0] && i < n; i++)
    m2 = fmax(m2, f[0][i] * f[0][i] + f[1][i] * f[1][i] + f[2][i] * f[2][i]);
  return sqrt(m2);
}

int hf_fields_in_range(double mode_max, double strain_max, double a0) {
  return mode_max < a0 && strain_max < 0.2; /* (false for NaN too) */
}
