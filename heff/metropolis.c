/* metropolis.c - single-site Metropolis Monte Carlo (see metropolis.h).
 *
 * Local polynomial: every monomial of every term that the engine does not
 * put into D(k), with local strain factors replaced by their v stencil
 * (local_strain.c), canonicalized.  For each moving field F (u, v, w) it is
 * compiled into a list of "visits": one per (monomial, distinct offset o of
 * an F factor in it, modulo the supercell), i.e. the instance anchored at
 * s - o for a move at s.
 * The factors of a visit refer to "slots": distinct (array, offset relative
 * to s) pairs shared by all visits of F, so one trial loads each slot once,
 * evaluates all visits, writes the new values, reloads the slots of F and
 * evaluates again.  Slots of F come first in the slot table.
 *
 * Bilinear u-u part: Q(r) = (1/N) sum_k D(k) e^{i k.r} (c2r of D), stored as
 * Q[c][(rx Ly + ry) 2Lz + tz] with rz = tz mod Lz, i.e. every z row stored twice
 * so that the z run of Q(j - s) for a row of cells j is contiguous, in the
 * Voigt order of D (xx, yy, zz, yz, zx, xy).  For a trial
 * u_s -> u_s + d, dE = d.h_s + d.Q(0).d/2; on acceptance h_j += Q(j-s) d.
 *
 * Strain trials: the monomials with a homogeneous strain factor are
 * c_m prod(eta factors) * (field part); the cell sums S_m of the field parts
 * are computed once per sweep (the fields do not change during the strain
 * trials), after which each trial costs O(number of such monomials). */
#include "metropolis.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "local_strain.h"
#include "omega_gauge.h"
#include "poly_eval.h"

/* slot array codes: 0..8 vector components (hf_fields_comp), 9 sigma,
 * 10..15 homogeneous strain eta1..eta6 (no cell) */
enum { CODE_SIGMA = 9, CODE_ETA = 10 };

typedef struct {
  int code;
  int rel[3];
} mc_slot;

typedef struct {
  double c;
  int nf;
  uint16_t s[HF_MAX_DEG]; /* slot index */
  uint8_t p[HF_MAX_DEG];  /* power */
} mc_visit;

typedef struct {
  int nslot, nmove; /* slots [0, nmove) belong to the moving field */
  mc_slot *slot;
  int nvisit;
  mc_visit *visit;
} mc_list;

struct hf_mc {
  hf_engine *eng;
  hf_lattice lat;
  hf_fields *x;
  hf_mc_opts o;
  double step[3], strain_step;
  int moving[3]; /* u, v, w present and moved */

  /* bilinear u-u part */
  const double *D; /* engine's D(k), or NULL */
  double *Q[6];    /* 2n each (z rows doubled) */
  double *h[3];
  double *rbuf;
  fftw_complex *cbuf[3];
  fftw_plan r2c, c2r;

  /* local polynomial */
  mc_list list[3];
  double *sv;       /* slot values (max nslot) */
  size_t *sidx;     /* slot cells */
  int R;            /* max |rel| */
  int *wrap[3];     /* wrap[k][R + i] = (i mod L_k), i in [-R, L_k + R) */
  hf_poly eta_poly; /* monomials with a homogeneous strain factor */
  double *eta_S;    /* cell sum of each one's field part (per sweep) */

  /* uniform terms (engine.c field_apply): applied field and depolarization */
  double usum[3]; /* sum_i u_ia, kept up to date by the moves */
  double fz[3];   /* Z* E_a, eV/Angstrom */
  double kdep[3]; /* beta_a e^2 Z*^2 / (eps0 eps_inf V), eV/Angstrom^2 (per sweep) */
  int uniform;    /* any of fz, beta non-zero */

  unsigned char *pinned; /* per cell, bit F: field F is pinned (NULL: none) */
  /* omega moves in the Eq. 2 gauge by pair moves (omega_gauge.h), unless
   * omega cells are pinned; out-of-gauge values are projected at the first
   * sweep (gauge_enter) */
  int gauge, gauge_enter;
  double *gauge_work;

  double energy;
  uint64_t trials[4], accepted[4], trials_since[4], accepted_since[4];
};

void hf_mc_opts_default(hf_mc_opts *o) {
  memset(o, 0, sizeof *o);
  for (int f = 0; f < 3; f++) o->step[f] = 0.05;
  o->target_accept = 0.4;
  o->strain_moves = 0;
  o->strain_step = 0.002;
  for (int l = 0; l < 6; l++) o->strain_free[l] = 1;
}

/* ------------------------------------------------------------ compilation */

/* Stencil of local strain l at corner c: etaL_l(cell) = sum_c sum_t
 * coef[t] v_{comp[t]}(cell + d_c) (see hf_local_strain). */
static int etal_row(const hf_strain_stencil *st, int l, int c, int comp[2], double coef[2]) {
  const double *h = st->h[c], s = st->inv4a0;
  switch (l) {
    case 0:
      comp[0] = 0, coef[0] = h[0] * s;
      return 1;
    case 1:
      comp[0] = 1, coef[0] = h[1] * s;
      return 1;
    case 2:
      comp[0] = 2, coef[0] = h[2] * s;
      return 1;
    case 3:
      comp[0] = 1, coef[0] = h[2] * s, comp[1] = 2, coef[1] = h[1] * s;
      return 2;
    case 4:
      comp[0] = 2, coef[0] = h[0] * s, comp[1] = 0, coef[1] = h[2] * s;
      return 2;
    default:
      comp[0] = 0, coef[0] = h[1] * s, comp[1] = 1, coef[1] = h[0] * s;
      return 2;
  }
}

/* Appends c * m to out with every etaL factor replaced by its v stencil. */
static int expand_etal(hf_poly *out, const hf_mono *m, double c, const hf_strain_stencil *st) {
  hf_poly cur, next;
  hf_poly_init(&cur);
  hf_poly_init(&next);
  hf_mono one = {.c = c, .deg = 0};
  int rc = hf_poly_add_mono(&cur, &one);
  for (int f = 0; f < m->deg && !rc; f++) {
    const hf_var *v = &m->f[f];
    next.n = 0;
    for (int i = 0; i < cur.n && !rc; i++) {
      if (v->kind != HF_VAR_ETAL) {
        hf_mono mm = cur.m[i];
        mm.f[mm.deg++] = *v;
        rc = hf_poly_add_mono(&next, &mm);
        continue;
      }
      for (int corner = 0; corner < 8 && !rc; corner++) {
        int comp[2];
        double coef[2];
        int nt = etal_row(st, v->comp, corner, comp, coef);
        for (int t = 0; t < nt && !rc; t++) {
          hf_mono mm = cur.m[i];
          hf_var *nv = &mm.f[mm.deg++];
          memset(nv, 0, sizeof *nv);
          nv->kind = HF_VAR_V;
          nv->comp = (uint8_t)comp[t];
          for (int k = 0; k < 3; k++) nv->off[k] = (int8_t)(v->off[k] + st->d[corner][k]);
          mm.c *= coef[t];
          rc = hf_poly_add_mono(&next, &mm);
        }
      }
    }
    hf_poly tmp = cur;
    cur = next;
    next = tmp;
  }
  if (!rc) rc = hf_poly_add(out, &cur, 1.0) ? HF_FAIL : HF_OK;
  hf_poly_free(&cur);
  hf_poly_free(&next);
  return rc;
}

/* u, v, w, sigma: the generic evaluator's halo slots (0..9); eta: 10 + component
 * (etaL was expanded) */
static int var_code(const hf_var *v) {
  const int slot = hf_poly_halo_slot(v);
  return slot >= 0 ? slot : CODE_ETA + v->comp;
}

static int find_slot(mc_list *L, int code, const int rel[3], int *cap) {
  for (int k = 0; k < L->nslot; k++)
    if (L->slot[k].code == code && !memcmp(L->slot[k].rel, rel, sizeof L->slot[k].rel)) return k;
  if (L->nslot == *cap) {
    int nc = *cap ? 2 * *cap : 32;
    mc_slot *ns = realloc(L->slot, (size_t)nc * sizeof *ns);
    if (!ns) return -1;
    L->slot = ns;
    *cap = nc;
  }
  L->slot[L->nslot].code = code;
  memcpy(L->slot[L->nslot].rel, rel, sizeof L->slot[0].rel);
  return L->nslot++;
}

static int build_list(hf_mc *mc, int F, const hf_poly *P, hf_err *err) {
  mc_list *L = &mc->list[F];
  const int kind = F == 0 ? HF_VAR_U : F == 1 ? HF_VAR_V : HF_VAR_W;
  int scap = 0, vcap = 0;
  /* the moving field's on-site slots first (always present: code 3F+c, rel 0) */
  const int zero[3] = {0, 0, 0};
  for (int c = 0; c < 3; c++)
    if (find_slot(L, 3 * F + c, zero, &scap) < 0) return hf_fail(err, "out of memory");
  for (int i = 0; i < P->n; i++) {
    const hf_mono *m = &P->m[i];
    int anchors[HF_MAX_DEG][3], na = 0;
    for (int f = 0; f < m->deg; f++) {
      if (m->f[f].kind != kind) continue;
      int o[3] = {m->f[f].off[0], m->f[f].off[1], m->f[f].off[2]}, dup = 0;
      /* offsets equal modulo the supercell give the same anchor cell (small cells) */
      for (int a = 0; a < na && !dup; a++) {
        dup = 1;
        for (int k = 0; k < 3; k++) dup &= (anchors[a][k] - o[k]) % mc->lat.L[k] == 0;
      }
      if (!dup) memcpy(anchors[na++], o, sizeof o);
    }
    for (int a = 0; a < na; a++) {
      if (L->nvisit == vcap) {
        vcap = vcap ? 2 * vcap : 64;
        mc_visit *nv = realloc(L->visit, (size_t)vcap * sizeof *nv);
        if (!nv) return hf_fail(err, "out of memory");
        L->visit = nv;
      }
      mc_visit *v = &L->visit[L->nvisit++];
      memset(v, 0, sizeof *v);
      v->c = m->c;
      for (int f = 0; f < m->deg; f++) {
        const hf_var *x = &m->f[f];
        int code = var_code(x), rel[3] = {0, 0, 0};
        if (x->kind != HF_VAR_ETA)
          for (int k = 0; k < 3; k++) {
            rel[k] = x->off[k] - anchors[a][k];
            int ar = abs(rel[k]);
            if (ar > mc->R) mc->R = ar;
          }
        int s = find_slot(L, code, rel, &scap);
        if (s < 0) return hf_fail(err, "out of memory");
        if (s > UINT16_MAX) return hf_fail(err, "too many distinct variables in the local terms");
        int j = 0;
        while (j < v->nf && v->s[j] != s) j++;
        if (j == v->nf) {
          v->s[v->nf] = (uint16_t)s;
          v->p[v->nf++] = 0;
        }
        v->p[j]++;
      }
    }
  }
  /* move the slots of F (any offset: small supercells may wrap onto s) to the front */
  int *perm = malloc((size_t)L->nslot * sizeof *perm);
  mc_slot *ns = malloc((size_t)L->nslot * sizeof *ns);
  if (!perm || !ns) {
    free(perm);
    free(ns);
    return hf_fail(err, "out of memory");
  }
  int k = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int s = 0; s < L->nslot; s++) {
      int mine = L->slot[s].code / 3 == F && L->slot[s].code < 9;
      if (mine == (pass == 0)) {
        perm[s] = k;
        ns[k++] = L->slot[s];
      }
    }
  L->nmove = 0;
  for (int s = 0; s < L->nslot; s++)
    if (ns[s].code / 3 == F && ns[s].code < 9) L->nmove++;
  for (int i = 0; i < L->nvisit; i++)
    for (int j = 0; j < L->visit[i].nf; j++) L->visit[i].s[j] = (uint16_t)perm[L->visit[i].s[j]];
  free(L->slot);
  L->slot = ns;
  free(perm);
  return HF_OK;
}

static int compile_local(hf_mc *mc, hf_err *err) {
  const hf_model *m = hf_engine_model(mc->eng);
  hf_sites sites;
  hf_model_sites(m, &sites);
  hf_strain_stencil st;
  memset(&st, 0, sizeof st);
  int need_st = 0;
  for (int t = 0; t < m->nterms && !need_st; t++)
    for (int i = 0; i < m->terms[t].poly.n && !need_st; i++)
      for (int f = 0; f < m->terms[t].poly.m[i].deg; f++)
        if (m->terms[t].poly.m[i].f[f].kind == HF_VAR_ETAL) need_st = 1;
  if (need_st && hf_strain_stencil_init(&st, &sites, m->a0, err)) return HF_FAIL;
  hf_poly P;
  hf_poly_init(&P);
  for (int t = 0; t < m->nterms; t++) {
    const hf_term *term = &m->terms[t];
    for (int i = 0; i < term->poly.n; i++) {
      const hf_mono *mo = &term->poly.m[i];
      if (mc->D && hf_engine_mono_in_kspace(mo)) continue;
      if (expand_etal(&P, mo, term->coef * mo->c, &st)) {
        hf_poly_free(&P);
        return hf_fail(err, "out of memory compiling term '%s' for Monte Carlo", term->name);
      }
    }
  }
  int rc = HF_OK;
  for (int i = 0; i < P.n && !rc; i++) {
    const hf_mono *mo = &P.m[i];
    int has_eta = 0;
    for (int f = 0; f < mo->deg; f++) has_eta |= mo->f[f].kind == HF_VAR_ETA;
    if (has_eta && hf_poly_add_mono(&mc->eta_poly, mo)) rc = hf_fail(err, "out of memory");
  }
  for (int F = 0; F < 3 && !rc; F++)
    if (mc->moving[F]) rc = build_list(mc, F, &P, err);
  hf_poly_free(&P);
  if (rc) return HF_FAIL;
  mc->eta_S = malloc((size_t)(mc->eta_poly.n ? mc->eta_poly.n : 1) * sizeof *mc->eta_S);
  if (!mc->eta_S) return hf_fail(err, "out of memory");
  int maxslot = 1;
  for (int F = 0; F < 3; F++)
    if (mc->list[F].nslot > maxslot) maxslot = mc->list[F].nslot;
  mc->sv = malloc((size_t)maxslot * sizeof *mc->sv);
  mc->sidx = malloc((size_t)maxslot * sizeof *mc->sidx);
  for (int k = 0; k < 3; k++) {
    int L = mc->lat.L[k];
    mc->wrap[k] = malloc((size_t)(L + 2 * mc->R) * sizeof(int));
    if (mc->wrap[k])
      for (int i = -mc->R; i < L + mc->R; i++) mc->wrap[k][mc->R + i] = ((i % L) + L) % L;
  }
  if (!mc->sv || !mc->sidx || !mc->wrap[0] || !mc->wrap[1] || !mc->wrap[2])
    return hf_fail(err, "out of memory");
  return HF_OK;
}

static int compile_bilinear(hf_mc *mc, hf_err *err) {
  const hf_lattice *lat = &mc->lat;
  int ok = 1;
  for (int c = 0; c < 6; c++) ok &= (mc->Q[c] = fftw_alloc_real(2 * lat->n)) != NULL;
  mc->rbuf = fftw_alloc_real(lat->n);
  for (int a = 0; a < 3; a++) {
    mc->h[a] = fftw_alloc_real(lat->n);
    mc->cbuf[a] = fftw_alloc_complex(lat->nk);
  }
  if (!ok || !mc->rbuf || !mc->h[0] || !mc->h[1] || !mc->h[2] || !mc->cbuf[0] || !mc->cbuf[1] ||
      !mc->cbuf[2])
    return hf_fail(err, "out of memory for the Monte Carlo interaction matrix");
  mc->r2c =
      fftw_plan_dft_r2c_3d(lat->L[0], lat->L[1], lat->L[2], mc->rbuf, mc->cbuf[0], FFTW_ESTIMATE);
  mc->c2r =
      fftw_plan_dft_c2r_3d(lat->L[0], lat->L[1], lat->L[2], mc->cbuf[0], mc->rbuf, FFTW_ESTIMATE);
  if (!mc->r2c || !mc->c2r)
    return hf_fail(err, "FFTW could not plan a %dx%dx%d transform", lat->L[0], lat->L[1],
                   lat->L[2]);
  const double invN = 1.0 / (double)lat->n;
  double complex *cb = (double complex *)mc->cbuf[0];
  for (int c = 0; c < 6; c++) {
    for (size_t q = 0; q < lat->nk; q++) cb[q] = mc->D[6 * q + c] * invN;
    fftw_execute_dft_c2r(mc->c2r, mc->cbuf[0], mc->rbuf);
    const size_t Lz = (size_t)lat->L[2], rows = lat->n / Lz;
    for (size_t row = 0; row < rows; row++)
      for (size_t z = 0; z < 2 * Lz; z++) mc->Q[c][2 * Lz * row + z] = mc->rbuf[Lz * row + z % Lz];
  }
  return HF_OK;
}

int hf_mc_create(hf_mc **out, hf_engine *eng, hf_fields *x, const hf_mc_opts *o, hf_err *err) {
  *out = NULL;
  if (hf_engine_comm(eng)->size > 1)
    return hf_fail(err,
                   "single-site Metropolis Monte Carlo runs on one MPI rank only; use method: hmc "
                   "or md on several ranks");
  hf_mc_opts def;
  if (!o) {
    hf_mc_opts_default(&def);
    o = &def;
  }
  for (int f = 0; f < 3; f++)
    if (!(o->step[f] > 0)) return hf_fail(err, "Monte Carlo step %d must be positive", f);
  if (!(o->target_accept > 0 && o->target_accept < 1))
    return hf_fail(err, "Monte Carlo target acceptance %g must be in (0, 1)", o->target_accept);
  const hf_model *m = hf_engine_model(eng);
  if (o->strain_moves) {
    if (!(o->strain_step > 0)) return hf_fail(err, "Monte Carlo strain step must be positive");
    if (!(m->dof & HF_DOF_ETA))
      return hf_fail(err, "strain moves need the homogeneous strain (eta) as a degree of freedom");
  }
  unsigned mask = hf_engine_field_mask(eng);
  const unsigned bits[3] = {HF_FIELD_U, HF_FIELD_V, HF_FIELD_W};
  static const char *nm[3] = {"u", "v", "omega"};
  for (int f = 0; f < 3; f++)
    if ((mask & bits[f]) && !hf_fields_comp(x, 3 * f))
      return hf_fail(err, "the configuration has no %s field but the model needs it", nm[f]);
  if ((mask & HF_FIELD_SIGMA) && !x->sigma)
    return hf_fail(err, "the configuration has no sigma field but the model needs it");

  hf_mc *mc = calloc(1, sizeof *mc);
  if (!mc) return hf_fail(err, "out of memory");
  mc->eng = eng;
  mc->lat = *hf_engine_lattice(eng);
  mc->x = x;
  mc->o = *o;
  memcpy(mc->step, o->step, sizeof mc->step);
  mc->strain_step = o->strain_step;
  for (int f = 0; f < 3; f++) mc->moving[f] = (mask & bits[f]) != 0;
  hf_poly_init(&mc->eta_poly);
  mc->D = hf_engine_kspace_matrix(eng);
  if ((mc->D && compile_bilinear(mc, err)) || compile_local(mc, err)) {
    hf_mc_free(mc);
    return HF_FAIL;
  }
  if (mc->moving[2] &&
      !(mc->gauge_work = malloc(hf_omega_gauge_work(&mc->lat) * sizeof *mc->gauge_work))) {
    hf_mc_free(mc);
    return hf_fail(err, "out of memory");
  }
  mc->gauge = mc->gauge_enter = mc->moving[2];
  hf_mc_refresh(mc);
  *out = mc;
  return HF_OK;
}

/* Values out of the gauge by more than round-off enter it (the same
 * structure, see omega_gauge.h); the energy follows. */
static void gauge_enter(hf_mc *mc) {
  mc->gauge_enter = 0;
  double *w[3] = {mc->x->w[0], mc->x->w[1], mc->x->w[2]};
  hf_comm *c = hf_engine_comm(mc->eng);
  if (hf_omega_gauge_violation(&mc->lat, c, (const double *const *)w, mc->gauge_work) <
      HF_OMEGA_GAUGE_TOL)
    return;
  hf_omega_gauge_project(&mc->lat, c, w, mc->gauge_work);
  hf_mc_refresh(mc);
}

void hf_mc_free(hf_mc *mc) {
  if (!mc) return;
  if (mc->r2c) fftw_destroy_plan(mc->r2c);
  if (mc->c2r) fftw_destroy_plan(mc->c2r);
  for (int c = 0; c < 6; c++) fftw_free(mc->Q[c]);
  free(mc->eta_S);
  fftw_free(mc->rbuf);
  for (int a = 0; a < 3; a++) {
    fftw_free(mc->h[a]);
    fftw_free(mc->cbuf[a]);
    free(mc->list[a].slot);
    free(mc->list[a].visit);
    free(mc->wrap[a]);
  }
  free(mc->sv);
  free(mc->sidx);
  free(mc->pinned);
  free(mc->gauge_work);
  hf_poly_free(&mc->eta_poly);
  free(mc);
}

int hf_mc_set_pinned(hf_mc *mc, const hf_pin *p, hf_err *err) {
  free(mc->pinned);
  mc->pinned = NULL;
  mc->gauge = mc->gauge_enter = mc->moving[2];
  if (!p || !hf_pin_components(p)) return HF_OK;
  if (!(mc->pinned = calloc(mc->lat.n, 1))) return hf_fail(err, "out of memory");
  for (int F = 0; F < 3; F++)
    for (size_t k = 0; k < p->n[F]; k++) mc->pinned[p->cell[F][k]] |= (unsigned char)(1u << F);
  if (p->n[2]) mc->gauge = mc->gauge_enter = 0; /* pinned omega: single-site moves */
  return HF_OK;
}

void hf_mc_refresh(hf_mc *mc) {
  const hf_lattice *lat = &mc->lat;
  if (mc->D) {
    for (int a = 0; a < 3; a++) fftw_execute_dft_r2c(mc->r2c, mc->x->u[a], mc->cbuf[a]);
    const double invN = 1.0 / (double)lat->n;
    double complex *c0 = (double complex *)mc->cbuf[0], *c1 = (double complex *)mc->cbuf[1],
                   *c2 = (double complex *)mc->cbuf[2];
    for (size_t q = 0; q < lat->nk; q++) {
      const double *D = mc->D + 6 * q;
      double complex x0 = c0[q], x1 = c1[q], x2 = c2[q];
      c0[q] = (D[0] * x0 + D[5] * x1 + D[4] * x2) * invN;
      c1[q] = (D[5] * x0 + D[1] * x1 + D[3] * x2) * invN;
      c2[q] = (D[4] * x0 + D[3] * x1 + D[2] * x2) * invN;
    }
    for (int a = 0; a < 3; a++) fftw_execute_dft_c2r(mc->c2r, mc->cbuf[a], mc->h[a]);
  }
  for (int a = 0; a < 3; a++) {
    mc->usum[a] = 0;
    for (size_t i = 0; i < lat->n && mc->x->u[a]; i++) mc->usum[a] += mc->x->u[a][i];
  }
  hf_energy E;
  hf_engine_eval(mc->eng, mc->x, NULL, NULL, &E);
  mc->energy = E.total;
}

/* Field and depolarization constants of this sweep (the volume is fixed
 * while the fields move). */
static void uniform_setup(hf_mc *mc) {
  double E[3];
  hf_engine_field(mc->eng, E);
  hf_engine_depolarization_k(mc->eng, mc->x->eta, mc->kdep);
  mc->uniform = 0;
  for (int a = 0; a < 3; a++) {
    mc->fz[a] = hf_engine_model(mc->eng)->zstar * E[a] * 1e-5;
    mc->uniform |= mc->fz[a] != 0 || mc->kdep[a] != 0;
  }
}

/* Depolarization energy at strain eta (the field term does not depend on it). */
static double depolarization_energy(hf_mc *mc) {
  double k[3], e = 0;
  hf_engine_depolarization_k(mc->eng, mc->x->eta, k);
  for (int a = 0; a < 3; a++) e += 0.5 * k[a] * mc->usum[a] * mc->usum[a];
  return e;
}

/* ------------------------------------------------------------------ sweep */

static inline double ipow(double x, int p) {
  double r = x;
  for (int k = 1; k < p; k++) r *= x;
  return r;
}

static double visits_sum(const mc_list *L, const double *sv) {
  double e = 0.0;
  for (int i = 0; i < L->nvisit; i++) {
    const mc_visit *v = &L->visit[i];
    double t = v->c;
    for (int j = 0; j < v->nf; j++) t *= ipow(sv[v->s[j]], v->p[j]);
    e += t;
  }
  return e;
}

static inline int metropolis(double dE, double beta, hf_rng *r) {
  if (dE <= 0) return 1;
  if (!(beta < INFINITY)) return 0;
  return hf_rng_uniform(r) < exp(-beta * dE);
}

/* h_a[j] += sum_b Q_ab[r] d_b over one contiguous run of cells. */
static void axpy_run(size_t n, double *restrict h0, double *restrict h1, double *restrict h2,
                     const double *restrict qxx, const double *restrict qyy,
                     const double *restrict qzz, const double *restrict qyz,
                     const double *restrict qzx, const double *restrict qxy, const double d[3]) {
  const double d0 = d[0], d1 = d[1], d2 = d[2];
  /* two cells at a time with GCC/Clang vector extensions (-O2 does not
   * vectorize this loop by itself); memcpy = unaligned load/store */
  typedef double v2 __attribute__((vector_size(16)));
  const v2 e0 = {d0, d0}, e1 = {d1, d1}, e2 = {d2, d2};
  size_t j = 0;
  for (; j + 2 <= n; j += 2) {
    v2 xx, yy, zz, yz, zx, xy, a0, a1, a2;
    memcpy(&xx, qxx + j, sizeof xx);
    memcpy(&yy, qyy + j, sizeof yy);
    memcpy(&zz, qzz + j, sizeof zz);
    memcpy(&yz, qyz + j, sizeof yz);
    memcpy(&zx, qzx + j, sizeof zx);
    memcpy(&xy, qxy + j, sizeof xy);
    memcpy(&a0, h0 + j, sizeof a0);
    memcpy(&a1, h1 + j, sizeof a1);
    memcpy(&a2, h2 + j, sizeof a2);
    a0 += xx * e0 + xy * e1 + zx * e2;
    a1 += xy * e0 + yy * e1 + yz * e2;
    a2 += zx * e0 + yz * e1 + zz * e2;
    memcpy(h0 + j, &a0, sizeof a0);
    memcpy(h1 + j, &a1, sizeof a1);
    memcpy(h2 + j, &a2, sizeof a2);
  }
  for (; j < n; j++) {
    h0[j] += qxx[j] * d0 + qxy[j] * d1 + qzx[j] * d2;
    h1[j] += qxy[j] * d0 + qyy[j] * d1 + qyz[j] * d2;
    h2[j] += qzx[j] * d0 + qyz[j] * d1 + qzz[j] * d2;
  }
}

/* h_j += Q(j - s) d for every cell j. */
static void update_h(hf_mc *mc, const int s3[3], const double d[3]) {
  const int *L = mc->lat.L;
  double *const *Q = mc->Q;
  const size_t Lz = (size_t)L[2];
  for (int jx = 0; jx < L[0]; jx++) {
    int rx = jx - s3[0] < 0 ? jx - s3[0] + L[0] : jx - s3[0];
    for (int jy = 0; jy < L[1]; jy++) {
      int ry = jy - s3[1] < 0 ? jy - s3[1] + L[1] : jy - s3[1];
      size_t j = hf_index(&mc->lat, jx, jy, 0);
      /* z = 0 .. Lz-1 -> tz = z - sz + Lz */
      size_t r = 2 * Lz * ((size_t)rx * (size_t)L[1] + (size_t)ry) + Lz - (size_t)s3[2];
      axpy_run(Lz, mc->h[0] + j, mc->h[1] + j, mc->h[2] + j, Q[0] + r, Q[1] + r, Q[2] + r, Q[3] + r,
               Q[4] + r, Q[5] + r, d);
    }
  }
}

/* Moves field F at cell s by d (d becomes the change after rounding) and
 * returns the energy change; the caller accepts (accept_move) or puts old
 * back. */
static double move_delta(hf_mc *mc, int F, size_t s, const int s3[3], double *const arr[10],
                         double d[3], const double old[3]) {
  const mc_list *L = &mc->list[F];
  double *a[3] = {arr[3 * F], arr[3 * F + 1], arr[3 * F + 2]};
  double dE = 0.0;
  if (L->nvisit) {
    const int R = mc->R, Ly = mc->lat.L[1], Lz = mc->lat.L[2];
    const int *wx = mc->wrap[0] + R + s3[0], *wy = mc->wrap[1] + R + s3[1],
              *wz = mc->wrap[2] + R + s3[2];
    for (int k = 0; k < L->nslot; k++) {
      const mc_slot *sl = &L->slot[k];
      if (sl->code >= CODE_ETA) {
        mc->sv[k] = mc->x->eta[sl->code - CODE_ETA];
        continue;
      }
      size_t idx = ((size_t)wx[sl->rel[0]] * (size_t)Ly + (size_t)wy[sl->rel[1]]) * (size_t)Lz +
                   (size_t)wz[sl->rel[2]];
      mc->sidx[k] = idx;
      mc->sv[k] = arr[sl->code][idx];
    }
    double e0 = visits_sum(L, mc->sv);
    for (int c = 0; c < 3; c++) a[c][s] = old[c] + d[c];
    for (int k = 0; k < L->nmove; k++) mc->sv[k] = arr[L->slot[k].code][mc->sidx[k]];
    dE = visits_sum(L, mc->sv) - e0;
  } else {
    for (int c = 0; c < 3; c++) a[c][s] = old[c] + d[c];
  }
  /* the cell may have moved by less than d after rounding: use the real change */
  for (int c = 0; c < 3; c++) d[c] = a[c][s] - old[c];
  if (F == 0 && mc->D) {
    double q[6]; /* Q(0) */
    for (int c = 0; c < 6; c++) q[c] = mc->Q[c][0];
    double qd0 = q[0] * d[0] + q[5] * d[1] + q[4] * d[2];
    double qd1 = q[5] * d[0] + q[1] * d[1] + q[3] * d[2];
    double qd2 = q[4] * d[0] + q[3] * d[1] + q[2] * d[2];
    dE += d[0] * (mc->h[0][s] + 0.5 * qd0) + d[1] * (mc->h[1][s] + 0.5 * qd1) +
          d[2] * (mc->h[2][s] + 0.5 * qd2);
  }
  if (F == 0 && mc->uniform)
    for (int c = 0; c < 3; c++) dE += d[c] * (mc->kdep[c] * (mc->usum[c] + 0.5 * d[c]) - mc->fz[c]);
  return dE;
}

/* Counts a trial of field F and decides it. */
static int decide(hf_mc *mc, int F, double dE, double beta, hf_rng *r) {
  mc->trials[F]++;
  mc->trials_since[F]++;
  if (!metropolis(dE, beta, r)) return 0;
  mc->accepted[F]++;
  mc->accepted_since[F]++;
  mc->energy += dE;
  return 1;
}

static void field_trial(hf_mc *mc, int F, size_t s, const int s3[3], double beta,
                        double *const arr[10], hf_rng *r) {
  double d[3], old[3];
  for (int c = 0; c < 3; c++) {
    d[c] = mc->step[F] * (2.0 * hf_rng_uniform(r) - 1.0);
    old[c] = arr[3 * F + c][s];
  }
  double dE = move_delta(mc, F, s, s3, arr, d, old);
  if (decide(mc, F, dE, beta, r)) {
    if (F == 0 && mc->D) update_h(mc, s3, d);
    if (F == 0)
      for (int c = 0; c < 3; c++) mc->usum[c] += d[c];
  } else {
    for (int c = 0; c < 3; c++) arr[3 * F + c][s] = old[c];
  }
}

/* omega in the Eq. 2 gauge (omega_gauge.h): component a moves by +d at s and
 * by -d at the neighbour s + e_b, b one of the two other axes at random, so
 * every layer sum of omega_a stays; with b random the pairs connect every
 * cell of a layer (a fixed b would also keep the sums along b lines). */
static void omega_pair_trial(hf_mc *mc, size_t s, const int s3[3], int a, double beta,
                             double *const arr[10], hf_rng *r) {
  const int b = (a + 1 + (hf_rng_uniform(r) < 0.5)) % 3;
  int p3[3] = {s3[0], s3[1], s3[2]};
  p3[b] = (p3[b] + 1) % mc->lat.L[b];
  const size_t p = hf_index(&mc->lat, p3[0], p3[1], p3[2]);
  double ds[3] = {0, 0, 0}, dp[3] = {0, 0, 0}, olds[3], oldp[3];
  for (int c = 0; c < 3; c++) olds[c] = arr[6 + c][s], oldp[c] = arr[6 + c][p];
  ds[a] = mc->step[2] * (2.0 * hf_rng_uniform(r) - 1.0);
  double dE = move_delta(mc, 2, s, s3, arr, ds, olds);
  dp[a] = -ds[a];
  dE += move_delta(mc, 2, p, p3, arr, dp, oldp);
  if (!decide(mc, 2, dE, beta, r))
    for (int c = 0; c < 3; c++) arr[6 + c][s] = olds[c], arr[6 + c][p] = oldp[c];
}

/* eta_S[m] = sum over cells of the field part of eta monomial m. */
static void eta_sums(hf_mc *mc) {
  hf_poly_input in = {&mc->lat, mc->x, NULL, 0, NULL};
  for (int i = 0; i < mc->eta_poly.n; i++) {
    const hf_mono *m = &mc->eta_poly.m[i];
    hf_mono fm = {.c = 1.0, .deg = 0};
    for (int f = 0; f < m->deg; f++)
      if (m->f[f].kind != HF_VAR_ETA) fm.f[fm.deg++] = m->f[f];
    hf_poly one = {.n = 1, .cap = 1, .m = &fm};
    mc->eta_S[i] =
        fm.deg ? hf_poly_eval(&one, 1.0, &in, NULL) : (double)hf_engine_material_cells(mc->eng);
  }
}

/* Energy of the monomials with a strain factor (from eta_S) plus pV. */
static double eta_energy(hf_mc *mc) {
  double e = 0.0;
  for (int i = 0; i < mc->eta_poly.n; i++) {
    const hf_mono *m = &mc->eta_poly.m[i];
    double t = m->c * mc->eta_S[i];
    for (int f = 0; f < m->deg; f++)
      if (m->f[f].kind == HF_VAR_ETA) t *= mc->x->eta[m->f[f].comp];
    e += t;
  }
  return e +
         hf_engine_pressure(mc->eng) * HF_GPA_A3 * hf_engine_material_volume(mc->eng, mc->x->eta) +
         depolarization_energy(mc);
}

void hf_mc_sweep(hf_mc *mc, double T, hf_rng *r) {
  const double beta = T > 0 ? 1.0 / (HF_KB * T) : INFINITY;
  double *arr[10];
  for (int c = 0; c < 9; c++) arr[c] = hf_fields_comp(mc->x, c);
  arr[CODE_SIGMA] = mc->x->sigma;
  const int *L = mc->lat.L;
  if (mc->gauge_enter) gauge_enter(mc);
  uniform_setup(mc);
  for (int sx = 0; sx < L[0]; sx++)
    for (int sy = 0; sy < L[1]; sy++)
      for (int sz = 0; sz < L[2]; sz++) {
        const int s3[3] = {sx, sy, sz};
        size_t s = hf_index(&mc->lat, sx, sy, sz);
        const unsigned held = mc->pinned ? mc->pinned[s] : 0;
        for (int F = 0; F < 2; F++)
          if (mc->moving[F] && !(held >> F & 1)) field_trial(mc, F, s, s3, beta, arr, r);
        if (mc->moving[2] && mc->gauge)
          for (int a = 0; a < 3; a++) omega_pair_trial(mc, s, s3, a, beta, arr, r);
        else if (mc->moving[2] && !(held >> 2 & 1))
          field_trial(mc, 2, s, s3, beta, arr, r);
      }
  if (!mc->o.strain_moves) return;
  eta_sums(mc);
  for (int l = 0; l < 6; l++) {
    if (!mc->o.strain_free[l]) continue;
    double e0 = eta_energy(mc), old = mc->x->eta[l];
    mc->x->eta[l] = old + mc->strain_step * (2.0 * hf_rng_uniform(r) - 1.0);
    double dE = eta_energy(mc) - e0;
    mc->trials[HF_MC_STRAIN]++;
    mc->trials_since[HF_MC_STRAIN]++;
    if (metropolis(dE, beta, r)) {
      mc->accepted[HF_MC_STRAIN]++;
      mc->accepted_since[HF_MC_STRAIN]++;
      mc->energy += dE;
    } else {
      mc->x->eta[l] = old;
    }
  }
}

/* ------------------------------------------------------------- step sizes */

static double rescale(double step, uint64_t acc, uint64_t tried, double target, double lo,
                      double hi) {
  if (!tried) return step;
  double f = ((double)acc / (double)tried) / target;
  f = f < 0.5 ? 0.5 : f > 2.0 ? 2.0 : f;
  step *= f;
  return step < lo ? lo : step > hi ? hi : step;
}

void hf_mc_adapt(hf_mc *mc) {
  const double t = mc->o.target_accept;
  for (int F = 0; F < 3; F++)
    mc->step[F] = rescale(mc->step[F], mc->accepted_since[F], mc->trials_since[F], t, 1e-6, 1.0);
  mc->strain_step = rescale(mc->strain_step, mc->accepted_since[HF_MC_STRAIN],
                            mc->trials_since[HF_MC_STRAIN], t, 1e-8, 0.05);
  memset(mc->trials_since, 0, sizeof mc->trials_since);
  memset(mc->accepted_since, 0, sizeof mc->accepted_since);
}

void hf_mc_get_stats(const hf_mc *mc, hf_mc_stats *s) {
  memcpy(s->trials, mc->trials, sizeof s->trials);
  memcpy(s->accepted, mc->accepted, sizeof s->accepted);
  memcpy(s->step, mc->step, sizeof s->step);
  s->strain_step = mc->strain_step;
  s->energy = mc->energy;
}

double hf_mc_energy(const hf_mc *mc) { return mc->energy; }

void hf_mc_set_steps(hf_mc *mc, const double step[3], double strain_step) {
  for (int F = 0; F < 3; F++)
    if (step && step[F] > 0) mc->step[F] = step[F];
  if (strain_step > 0) mc->strain_step = strain_step;
}
