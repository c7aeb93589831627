/* regression_rows.c - regression rows of one configuration from the generic term
 * evaluator (regression_rows.h).  The same polynomials the engine compiles, so a
 * model's coefficients times these rows reproduce the engine's energy,
 * forces and stress (tests/test_features.c). */
#include "regression_rows.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "local_strain.h"
#include "poly_eval.h"

struct hf_features {
  const hf_model *m;
  hf_lattice lat;
  hf_engine *dipole; /* the fixed long-range part alone */
  hf_model dipole_model;
  hf_fields g;
  hf_strain_stencil st;
  hf_wraptab wrap;
  int need_etaL;
  double *etaL[6], *gEtaL[6];
  size_t rows;
  int nvec; /* vector fields present, as a bit mask u=1, v=2, w=4 */
};

static int term_uses_etaL(const hf_term *t) {
  for (int i = 0; i < t->poly.n; i++)
    for (int k = 0; k < t->poly.m[i].deg; k++)
      if (t->poly.m[i].f[k].kind == HF_VAR_ETAL) return 1;
  return 0;
}

static int uses_etaL(const hf_model *m) {
  for (int t = 0; t < m->nterms; t++)
    if (term_uses_etaL(&m->terms[t])) return 1;
  return 0;
}

int hf_features_create(hf_features **out, const hf_model *m, const hf_lattice *lat, hf_err *err) {
  *out = NULL;
  hf_features *f = calloc(1, sizeof *f);
  if (!f) return hf_fail(err, "out of memory");
  f->m = m;
  f->lat = *lat;
  unsigned mask = 0;
  if (m->dof & HF_DOF_U) mask |= HF_FIELD_U, f->nvec |= 1;
  if (m->dof & HF_DOF_V) mask |= HF_FIELD_V, f->nvec |= 2;
  if (m->dof & HF_DOF_W) mask |= HF_FIELD_W, f->nvec |= 4;
  int nf = ((f->nvec >> 0) & 1) + ((f->nvec >> 1) & 1) + ((f->nvec >> 2) & 1);
  f->rows = 1 + 3 * (size_t)nf * lat->n + 6;
  f->dipole_model = *m;
  f->dipole_model.nterms = 0;
  f->dipole_model.terms = NULL;
  int rc = hf_fields_alloc(&f->g, lat, mask, err);
  if (!rc && m->dipole) rc = hf_engine_create(&f->dipole, &f->dipole_model, lat, NULL, err);
  f->need_etaL = uses_etaL(m);
  if (!rc && f->need_etaL) {
    hf_sites sites;
    hf_model_sites(m, &sites);
    rc = hf_strain_stencil_init(&f->st, &sites, m->a0, err);
    if (!rc) rc = hf_wraptab_init(&f->wrap, lat, err);
    for (int l = 0; l < 6 && !rc; l++) {
      f->etaL[l] = calloc(lat->n, sizeof(double));
      f->gEtaL[l] = calloc(lat->n, sizeof(double));
      if (!f->etaL[l] || !f->gEtaL[l]) rc = hf_fail(err, "out of memory");
    }
  }
  if (rc) {
    hf_features_free(f);
    return HF_FAIL;
  }
  *out = f;
  return HF_OK;
}

void hf_features_free(hf_features *f) {
  if (!f) return;
  hf_engine_free(f->dipole);
  hf_fields_free(&f->g);
  for (int l = 0; l < 6; l++) {
    free(f->etaL[l]);
    free(f->gEtaL[l]);
  }
  if (f->need_etaL) hf_wraptab_free(&f->wrap);
  free(f);
}

size_t hf_features_rows(const hf_features *f) { return f->rows; }

/* Writes energy, -gradient and -dE/deta of the current f->g into column
 * col of a rows x ncol matrix (stride ncol). */
static void put_column(hf_features *f, double energy, const double dEdeta[6], double *dst,
                       size_t stride) {
  const double N = (double)f->lat.n;
  size_t r = 0;
  dst[r++ * stride] = energy / N;
  for (int fl = 0; fl < 3; fl++) {
    if (!(f->nvec & (1 << fl))) continue;
    for (int a = 0; a < 3; a++) {
      const double *g = hf_fields_comp(&f->g, 3 * fl + a);
      for (size_t i = 0; i < f->lat.n; i++) dst[r++ * stride] = -g[i];
    }
  }
  for (int l = 0; l < 6; l++) dst[r++ * stride] = -dEdeta[l] / N;
}

void hf_features_eval(hf_features *f, const hf_fields *x, double *phi, double *ylong, int *type) {
  const hf_model *m = f->m;
  const size_t nt = (size_t)m->nterms;
  if (type) {
    static const int ftype[3] = {HF_BLR_FORCE_U, HF_BLR_FORCE_V, HF_BLR_FORCE_W};
    size_t r = 0;
    type[r++] = HF_BLR_ENERGY;
    for (int fl = 0; fl < 3; fl++)
      if (f->nvec & (1 << fl))
        for (size_t i = 0; i < 3 * f->lat.n; i++) type[r++] = ftype[fl];
    for (int l = 0; l < 6; l++) type[r++] = HF_BLR_STRESS;
  }
  if (f->need_etaL) hf_local_strain(&f->lat, &f->wrap, &f->st, x->v, f->etaL);
  for (size_t t = 0; phi && t < nt; t++) {
    hf_fields_zero(&f->g, &f->lat);
    double dEdeta[6] = {0, 0, 0, 0, 0, 0};
    const int loc = f->need_etaL && term_uses_etaL(&m->terms[t]); /* the adjoint costs */
    if (loc)
      for (int l = 0; l < 6; l++) memset(f->gEtaL[l], 0, f->lat.n * sizeof(double));
    hf_poly_input in = {&f->lat, x, f->need_etaL ? f->etaL : NULL, 0, NULL};
    hf_poly_output out = {&f->g, loc ? f->gEtaL : NULL, dEdeta};
    double e = hf_poly_eval(&m->terms[t].poly, 1.0, &in, &out);
    if (loc) hf_local_strain_adjoint(&f->lat, &f->wrap, &f->st, f->gEtaL, f->g.v);
    put_column(f, e, dEdeta, phi + t, nt);
  }
  if (ylong) {
    double dEdeta[6] = {0, 0, 0, 0, 0, 0};
    double e = 0;
    hf_fields_zero(&f->g, &f->lat);
    if (f->dipole) {
      hf_energy E;
      hf_engine_eval(f->dipole, x, &f->g, dEdeta, &E);
      e = E.kspace;
    }
    put_column(f, e, dEdeta, ylong, 1);
  }
}
