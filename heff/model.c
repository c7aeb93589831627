/* model.c - model construction and validation (file I/O is in model_io.c). */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

void hf_model_init(hf_model *m) {
  memset(m, 0, sizeof *m);
  m->site[0] = HF_SITE_B;
  m->site[1] = HF_SITE_A;
  m->site[2] = HF_SITE_B;
  m->sigma_site = -1;
}

void hf_model_drop_terms(hf_model *m) {
  for (int i = 0; i < m->nterms; i++) hf_poly_free(&m->terms[i].poly);
  free(m->terms);
  m->terms = NULL;
  m->nterms = 0;
}

void hf_model_free(hf_model *m) {
  hf_model_drop_terms(m);
  hf_model_init(m);
}

unsigned hf_model_field_mask(const hf_model *m) {
  return (m->dof & HF_DOF_U ? HF_FIELD_U : 0u) | (m->dof & HF_DOF_V ? HF_FIELD_V : 0u) |
         (m->dof & HF_DOF_W ? HF_FIELD_W : 0u) | (m->dof & HF_DOF_SIGMA ? HF_FIELD_SIGMA : 0u);
}

void hf_model_sites(const hf_model *m, hf_sites *s) {
  memset(s, 0, sizeof *s);
  int kinds[3] = {HF_VAR_U, HF_VAR_V, HF_VAR_W};
  for (int k = 0; k < 3; k++)
    for (int b = 0; b < 3; b++) s->s[kinds[k]][b] = m->site[k] == HF_SITE_B ? 0.5 : 0.0;
  for (int b = 0; b < 3; b++) {
    /* sigma lives on the substituted sublattice (the u site unless the
     * model says otherwise: PZT has u on A and Zr/Ti on B); local strain at u. */
    s->s[HF_VAR_SIGMA][b] =
        m->sigma_site < 0 ? s->s[HF_VAR_U][b] : (m->sigma_site == HF_SITE_B ? 0.5 : 0.0);
    s->s[HF_VAR_ETAL][b] = s->s[HF_VAR_U][b];
  }
}

int hf_element_symbol_ok(const char *s) {
  const size_t len = strlen(s);
  return len >= 1 && len <= 3 && s[0] >= 'A' && s[0] <= 'Z' &&
         strspn(s + 1, "abcdefghijklmnopqrstuvwxyz") == len - 1;
}

unsigned hf_poly_dof(const hf_poly *p) {
  unsigned d = 0;
  for (int i = 0; i < p->n; i++)
    for (int j = 0; j < p->m[i].deg; j++) switch (p->m[i].f[j].kind) {
        case HF_VAR_U:
          d |= HF_DOF_U;
          break;
        case HF_VAR_V:
          d |= HF_DOF_V;
          break;
        case HF_VAR_W:
          d |= HF_DOF_W;
          break;
        case HF_VAR_SIGMA:
          d |= HF_DOF_SIGMA;
          break;
        case HF_VAR_ETA:
          d |= HF_DOF_ETA;
          break;
        case HF_VAR_ETAL:
          d |= HF_DOF_V;
          break;
      }
  return d;
}

static int same_mono(const hf_mono *a, const hf_mono *b) {
  if (a->deg != b->deg) return 0;
  for (int i = 0; i < a->deg; i++) {
    const hf_var *x = &a->f[i], *y = &b->f[i];
    if (x->kind != y->kind || x->comp != y->comp || x->off[0] != y->off[0] ||
        x->off[1] != y->off[1] || x->off[2] != y->off[2])
      return 0;
  }
  return 1;
}

int hf_model_add_term(hf_model *m, const char *name, double coef, const char *expr, int symmetrize,
                      hf_err *err) {
  if (symmetrize != HF_SYM_NONE && symmetrize != HF_SYM_AVERAGE && symmetrize != HF_SYM_ORBIT)
    return hf_fail(err, "term '%s': unknown symmetrize mode %d", name, symmetrize);
  hf_poly p;
  if (hf_poly_parse(&p, expr, err)) return hf_wrap(err, "term '%s'", name);
  if (p.n == 0) {
    hf_poly_free(&p);
    return hf_fail(err, "term '%s': expression \"%s\" is zero", name, expr);
  }
  hf_sites sites;
  hf_model_sites(m, &sites);
  if (symmetrize != HF_SYM_NONE) {
    hf_mono seed = p.m[0]; /* first monomial in canonical order */
    hf_poly s;
    hf_poly_init(&s);
    if (hf_poly_symmetrize(&s, &p, &sites, err)) {
      hf_poly_free(&p);
      return hf_wrap(err, "term '%s'", name);
    }
    hf_poly_free(&p);
    p = s;
    if (p.n == 0) {
      hf_poly_free(&p);
      return hf_fail(err, "term '%s': \"%s\" averages to zero over the cubic group", name, expr);
    }
    if (symmetrize == HF_SYM_ORBIT) {
      int k = -1;
      for (int i = 0; i < p.n && k < 0; i++)
        if (same_mono(&p.m[i], &seed)) k = i;
      if (k < 0) {
        hf_poly_free(&p);
        return hf_fail(err,
                       "term '%s': the first monomial of \"%s\" averages to zero over the cubic "
                       "group (symmetrize: orbit needs a seed monomial that survives)",
                       name, expr);
      }
      /* c_i / c_k is exact (1.0) for the images that carry the same weight. */
      double ck = p.m[k].c;
      for (int i = 0; i < p.n; i++) p.m[i].c = p.m[i].c / ck * seed.c;
    }
  } else {
    double defect;
    if (hf_poly_invariance_defect(&p, &sites, &defect, err)) {
      hf_poly_free(&p);
      return hf_wrap(err, "term '%s'", name);
    }
    if (defect > 1e-10) {
      hf_poly_free(&p);
      return hf_fail(err,
                     "term '%s': \"%s\" is not invariant under the cubic group (relative defect "
                     "%.3g); write the full invariant or set symmetrize: average or orbit",
                     name, expr, defect);
    }
  }
  unsigned need = hf_poly_dof(&p);
  if (need & ~m->dof) {
    hf_poly_free(&p);
    return hf_fail(err, "term '%s' uses a degree of freedom not listed in 'dof'", name);
  }
  hf_term *t = realloc(m->terms, (size_t)(m->nterms + 1) * sizeof *t);
  if (!t) {
    hf_poly_free(&p);
    return hf_fail(err, "out of memory");
  }
  m->terms = t;
  hf_term *nt = &m->terms[m->nterms++];
  memset(nt, 0, sizeof *nt);
  snprintf(nt->name, sizeof nt->name, "%s", name);
  snprintf(nt->expr, sizeof nt->expr, "%s", expr);
  nt->coef = coef;
  nt->symmetrize = symmetrize;
  nt->poly = p;
  return HF_OK;
}

int hf_model_validate(const hf_model *m, hf_err *err) {
  if (!(m->a0 > 0)) return hf_fail(err, "a0 must be a positive length in Angstrom");
  if (m->dipole && (!(m->eps_inf > 0) || !(m->zstar != 0)))
    return hf_fail(err, "the dipole term needs zstar != 0 and eps_inf > 0");
  static const char *nm[3] = {"u", "v", "omega"};
  unsigned bits[3] = {HF_DOF_U, HF_DOF_V, HF_DOF_W};
  for (int k = 0; k < 3; k++)
    if ((m->dof & bits[k]) && !(m->mass[k] > 0))
      return hf_fail(err, "mass of %s must be positive (amu) when %s is a degree of freedom", nm[k],
                     nm[k]);
  if ((m->dof & HF_DOF_V) && (m->dof & HF_DOF_U) && m->site[0] == m->site[1])
    return hf_fail(err, "u and v must sit on different sites (A and B) for the local strain");
  return HF_OK;
}

double hf_model_dipole_prefactor(const hf_model *m) {
  return m->dipole ? HF_COULOMB * m->zstar * m->zstar / m->eps_inf : 0.0;
}
