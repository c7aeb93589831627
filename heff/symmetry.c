/* symmetry.c - Oh group generation and its action on polynomials. */
#include "symmetry.h"

#include <math.h>
#include <string.h>

const int hf_voigt_pair[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {2, 0}, {0, 1}};

int hf_voigt_index(int a, int b) {
  if (a == b) return a;
  int s = a + b; /* 1+2=3 -> 3 (yz), 0+2=2 -> 4 (zx), 0+1=1 -> 5 (xy) */
  return s == 3 ? 3 : s == 2 ? 4 : 5;
}

void hf_oh_group(hf_symop ops[48]) {
  static const int perms[6][3] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {1, 0, 2}, {0, 2, 1}, {2, 1, 0}};
  static const int psign[6] = {1, 1, 1, -1, -1, -1};
  int k = 0;
  for (int p = 0; p < 6; p++)
    for (int s = 0; s < 8; s++) {
      hf_symop *g = &ops[k++];
      int d = psign[p];
      for (int b = 0; b < 3; b++) {
        g->perm[b] = perms[p][b];
        g->sign[b] = (s >> b) & 1 ? -1 : 1;
        d *= g->sign[b];
      }
      g->det = d;
    }
}

int hf_poly_apply(hf_poly *dst, const hf_poly *src, const hf_symop *g, const hf_sites *sites,
                  hf_err *err) {
  hf_poly_init(dst);
  const double *c = sites->s[HF_VAR_U];
  for (int i = 0; i < src->n; i++) {
    hf_mono m = src->m[i];
    for (int j = 0; j < m.deg; j++) {
      hf_var *v = &m.f[j];
      int kind = v->kind;
      if (kind != HF_VAR_ETA) {
        const double *s = sites->s[kind];
        double r[3], rp[3] = {0, 0, 0};
        for (int b = 0; b < 3; b++) r[b] = v->off[b] + s[b] - c[b];
        for (int b = 0; b < 3; b++) rp[g->perm[b]] = g->sign[b] * r[b];
        for (int b = 0; b < 3; b++) {
          double o = rp[b] + c[b] - s[b];
          double oi = nearbyint(o);
          if (fabs(o - oi) > 1e-9)
            return hf_fail(err, "symmetry operation moves a variable off its sublattice");
          v->off[b] = (int8_t)oi;
        }
      }
      switch (kind) {
        case HF_VAR_U:
        case HF_VAR_V:
        case HF_VAR_W: {
          int b = v->comp;
          m.c *= g->sign[b] * (kind == HF_VAR_W ? g->det : 1);
          v->comp = (uint8_t)g->perm[b];
          break;
        }
        case HF_VAR_ETA:
        case HF_VAR_ETAL: {
          int a = hf_voigt_pair[v->comp][0], b = hf_voigt_pair[v->comp][1];
          m.c *= g->sign[a] * g->sign[b];
          v->comp = (uint8_t)hf_voigt_index(g->perm[a], g->perm[b]);
          break;
        }
        default:
          break;
      }
    }
    if (hf_poly_add_mono(dst, &m)) return hf_fail(err, "out of memory");
  }
  return hf_poly_canonicalize(dst, 0);
}

int hf_poly_invariance_defect(const hf_poly *p, const hf_sites *sites, double *defect,
                              hf_err *err) {
  hf_symop ops[48];
  hf_oh_group(ops);
  hf_poly ref;
  if (hf_poly_copy(&ref, p)) return hf_fail(err, "out of memory");
  hf_poly_canonicalize(&ref, 0);
  *defect = 0;
  for (int k = 1; k < 48; k++) {
    hf_poly img;
    if (hf_poly_apply(&img, &ref, &ops[k], sites, err)) {
      hf_poly_free(&ref);
      return HF_FAIL;
    }
    *defect = fmax(*defect, hf_poly_diff(&ref, &img));
    hf_poly_free(&img);
  }
  hf_poly_free(&ref);
  return HF_OK;
}

int hf_poly_symmetrize(hf_poly *dst, const hf_poly *src, const hf_sites *sites, hf_err *err) {
  hf_symop ops[48];
  hf_oh_group(ops);
  hf_poly acc;
  hf_poly_init(&acc);
  for (int k = 0; k < 48; k++) {
    hf_poly img;
    if (hf_poly_apply(&img, src, &ops[k], sites, err)) {
      hf_poly_free(&acc);
      return HF_FAIL;
    }
    if (hf_poly_add(&acc, &img, 1.0)) return hf_fail(err, "out of memory");
    hf_poly_free(&img);
  }
  /* sum first, divide once: exact for coefficients that are small integers */
  hf_poly_scale(&acc, 1.0 / 48.0);
  hf_poly_canonicalize(&acc, 1e-13);
  *dst = acc;
  return HF_OK;
}
