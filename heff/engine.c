/* engine.c - compiles a model for a supercell into fast kernels and
 * evaluates energy, gradients and strain derivatives (see engine.h).
 * Owns: the reciprocal-space matrix, FFT plans and all scratch.  Must not
 * allocate, print or do I/O inside hf_engine_eval. */
#include "engine.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "ewald.h"
#include "local_strain.h"
#include "poly_eval.h"

static int voigt_of(int a, int b) { return hf_voigt_index(a < b ? a : b, a < b ? b : a); }

/* ---------------------------------------------------------- classification */

enum kclass {
  K_KSPACE,
  K_ONSITE,
  K_HOM_UU,
  K_ETA_ONLY,
  K_LOC_UU,
  K_VV,
  K_ONSITE_W, /* u and w of one cell, at least one w */
  K_HOM_WW,   /* eta_l w_a w_b of one cell */
  K_WW,       /* w_a(i) w_b(i + d), d != 0 */
  K_GENERIC
};

static int all_at_origin(const hf_var *v) { return !v->off[0] && !v->off[1] && !v->off[2]; }

static enum kclass classify(const hf_mono *m) {
  int nu = 0, nv = 0, nw = 0, neta = 0, netal = 0, other = 0, u_origin = 1, w_origin = 1;
  for (int f = 0; f < m->deg; f++) {
    const hf_var *v = &m->f[f];
    switch (v->kind) {
      case HF_VAR_U:
        nu++;
        u_origin &= all_at_origin(v);
        break;
      case HF_VAR_V:
        nv++;
        break;
      case HF_VAR_W:
        nw++;
        w_origin &= all_at_origin(v);
        break;
      case HF_VAR_ETA:
        neta++;
        break;
      case HF_VAR_ETAL:
        netal++;
        u_origin &= all_at_origin(v);
        break;
      default:
        other++;
        break;
    }
  }
  if (other) return K_GENERIC;
  if (nw) {
    /* omega families of paper 003; anything else with w stays generic */
    if (nu + nw == m->deg && u_origin && w_origin) return K_ONSITE_W;
    if (neta == 1 && nw == 2 && m->deg == 3 && w_origin) return K_HOM_WW;
    if (nw == 2 && m->deg == 2) return K_WW;
    return K_GENERIC;
  }
  if (nu == m->deg && nu == 2) return K_KSPACE;
  if (nu == m->deg && nu > 0 && u_origin) return K_ONSITE;
  if (neta == m->deg) return K_ETA_ONLY;
  if (neta == 1 && nu == 2 && m->deg == 3 && u_origin) return K_HOM_UU;
  if (netal == 1 && nu == 2 && m->deg == 3 && u_origin) return K_LOC_UU;
  if (nv == 2 && m->deg == 2) return K_VV;
  return K_GENERIC;
}

static int poly_uses(const hf_poly *p, int kind) {
  for (int i = 0; i < p->n; i++)
    for (int f = 0; f < p->m[i].deg; f++)
      if (p->m[i].f[f].kind == kind) return 1;
  return 0;
}

/* Adds c u_a(d1) u_b(d2) to D(k) for every k.  Only the real part is kept:
 * terms are cubic invariant (checked when they enter the model), so their
 * inversion images cancel the imaginary parts exactly. */
static void kspace_add(hf_engine *e, const hf_mono *m, double c) {
  int a = m->f[0].comp, b = m->f[1].comp;
  int d[3];
  for (int k = 0; k < 3; k++) d[k] = m->f[1].off[k] - m->f[0].off[k];
  int p = voigt_of(a, b);
  double w = a == b ? 2.0 * c : c; /* E = (1/2N) sum_k x^+ D x */
  for (size_t q = 0; q < e->lat.nkloc; q++) {
    int mk[3];
    hf_kpoint(&e->lat, q, mk);
    double ph = 0;
    for (int k = 0; k < 3; k++) ph += 2.0 * M_PI * mk[k] * d[k] / e->lat.L[k];
    e->D[6 * q + p] += w * cos(ph);
  }
}

/* Adds c prod x_k^pw[k] to an on-site list (x = ux uy uz wx wy wz), merged
 * with an earlier monomial of the same powers. */
static int add_onsite(onsite_list *L, const hf_mono *m, double c) {
  int pw[6] = {0, 0, 0, 0, 0, 0};
  for (int f = 0; f < m->deg; f++) pw[m->f[f].comp + (m->f[f].kind == HF_VAR_W ? 3 : 0)]++;
  for (int i = 0; i < L->n; i++)
    if (!memcmp(L->pow[i], pw, sizeof pw)) {
      L->c[i] += c;
      return HF_OK;
    }
  int(*np)[6] = realloc(L->pow, (size_t)(L->n + 1) * sizeof *np);
  if (!np) return HF_FAIL;
  L->pow = np;
  double *nc = realloc(L->c, (size_t)(L->n + 1) * sizeof *nc);
  if (!nc) return HF_FAIL;
  L->c = nc;
  memcpy(L->pow[L->n], pw, sizeof pw);
  L->c[L->n++] = c;
  for (int k = 0; k < 6; k++)
    if (pw[k] > L->maxp) L->maxp = pw[k];
  return HF_OK;
}

/* The monomial c f_a(0) f_b(d) of a vector field f (v or w) has gradient
 * c f_b(i+d) on f_a(i) and c f_a(i-d) on f_b(i): two gathers, merged with
 * others of the same shift. */
static int add_gather(gather_set *S, const int d[3], int to, int from, double c) {
  for (int k = 0; k < S->n; k++)
    if (!memcmp(S->g[k].d, d, sizeof S->g[k].d)) {
      S->g[k].M[to][from] += c;
      return HF_OK;
    }
  vv_gather *n = realloc(S->g, (size_t)(S->n + 1) * sizeof *n);
  if (!n) return HF_FAIL;
  S->g = n;
  memset(&S->g[S->n], 0, sizeof *n);
  memcpy(S->g[S->n].d, d, sizeof S->g[0].d);
  S->g[S->n++].M[to][from] = c;
  return HF_OK;
}

static int add_bilinear(gather_set *S, const hf_mono *m, double c) {
  int a = m->f[0].comp, b = m->f[1].comp, d[3], md[3];
  for (int k = 0; k < 3; k++) {
    d[k] = m->f[1].off[k] - m->f[0].off[k];
    md[k] = -d[k];
  }
  return add_gather(S, d, a, b, c) || add_gather(S, md, b, a, c);
}

/* s_l f_a f_b (s = eta or etaL as kind says, f = u or w, all of one cell)
 * into C[l][voigt pair] */
static void add_strain_pair(double C[6][6], const hf_mono *m, double c, int kind) {
  int l = -1, a = -1, b = -1;
  for (int f = 0; f < 3; f++) {
    if (m->f[f].kind == kind)
      l = m->f[f].comp;
    else if (a < 0)
      a = m->f[f].comp;
    else
      b = m->f[f].comp;
  }
  C[l][voigt_of(a, b)] += c;
}

/* The local strain is linear in v (local_strain.c): etaL_l at cell i is
 * sum over the cube corners c of h_c,k / (4 a0) v_a(i + d_c) for the
 * (a, k) pairs of l below.  Several ranks expand a generic monomial's etaL
 * factors into those v monomials, which the generic evaluator reads through
 * its halos like any other field (one rank keeps the etaL arrays). */
static const int etal_comp[6][2] = {{0, -1}, {1, -1}, {2, -1}, {1, 2}, {2, 0}, {0, 1}};
static const int etal_h[6][2] = {{0, -1}, {1, -1}, {2, -1}, {2, 1}, {0, 2}, {1, 0}};

static int expand_etal(hf_poly *out, const hf_strain_stencil *st, const hf_mono *m, int f,
                       hf_mono *acc) {
  if (f == m->deg) return hf_poly_add_mono(out, acc);
  const hf_var *v = &m->f[f];
  int rc = HF_OK;
  if (v->kind != HF_VAR_ETAL) {
    acc->f[acc->deg++] = *v;
    rc = expand_etal(out, st, m, f + 1, acc);
    acc->deg--;
    return rc;
  }
  const double keep = acc->c;
  for (int c = 0; c < 8 && !rc; c++)
    for (int k = 0; k < 2 && !rc; k++) {
      const int a = etal_comp[v->comp][k];
      if (a < 0) continue;
      hf_var w = {.kind = HF_VAR_V, .comp = (uint8_t)a};
      for (int q = 0; q < 3; q++) w.off[q] = (int8_t)(v->off[q] + st->d[c][q]);
      acc->c = keep * st->h[c][etal_h[v->comp][k]] * st->inv4a0;
      acc->f[acc->deg++] = w;
      rc = expand_etal(out, st, m, f + 1, acc);
      acc->deg--;
    }
  acc->c = keep;
  return rc;
}

static int add_generic(hf_engine *e, const hf_mono *mm) {
  int etal = 0;
  for (int f = 0; f < mm->deg; f++) etal |= mm->f[f].kind == HF_VAR_ETAL;
  if (!e->dist || !etal) return hf_poly_add_mono(&e->generic, mm);
  hf_mono acc = {.c = mm->c, .deg = 0};
  e->generic_expanded = 1;
  return expand_etal(&e->generic, &e->stencil, mm, 0, &acc);
}

static int compile_terms(hf_engine *e, hf_err *err) {
  const hf_model *m = e->model;
  for (int t = 0; t < m->nterms; t++) {
    const hf_term *term = &m->terms[t];
    for (int i = 0; i < term->poly.n; i++) {
      const hf_mono *mo = &term->poly.m[i];
      double c = term->coef * mo->c;
      int rc = HF_OK;
      switch (classify(mo)) {
        case K_KSPACE:
          kspace_add(e, mo, c);
          e->census.kspace++;
          break;
        case K_ONSITE:
          rc = add_onsite(&e->on, mo, c);
          e->census.onsite++;
          break;
        case K_HOM_UU:
          add_strain_pair(e->Chom, mo, c, HF_VAR_ETA);
          e->has_hom = 1;
          e->census.hom_uu++;
          break;
        case K_ONSITE_W:
          rc = add_onsite(&e->won, mo, c);
          e->census.onsite_w++;
          break;
        case K_HOM_WW:
          add_strain_pair(e->Chomw, mo, c, HF_VAR_ETA);
          e->has_homw = 1;
          e->census.hom_ww++;
          break;
        case K_WW:
          rc = add_bilinear(&e->ww, mo, c);
          e->census.ww++;
          break;
        case K_LOC_UU:
          add_strain_pair(e->Cloc, mo, c, HF_VAR_ETAL);
          e->has_loc = 1;
          e->census.loc_uu++;
          break;
        case K_ETA_ONLY: {
          hf_mono mm = *mo;
          mm.c = c;
          rc = hf_poly_add_mono(&e->eta_only, &mm);
          e->census.eta_only++;
          break;
        }
        case K_VV:
          rc = add_bilinear(&e->vv, mo, c);
          e->census.vv++;
          break;
        case K_GENERIC: {
          hf_mono mm = *mo;
          mm.c = c;
          if (hf_pair_takes(mo)) {
            rc = hf_poly_add_mono(&e->pair_poly, &mm);
            e->census.pair++;
          } else {
            rc = add_generic(e, &mm);
            e->census.generic++;
          }
          break;
        }
      }
      if (rc) return hf_fail(err, "out of memory compiling term '%s'", term->name);
    }
  }
  if (e->generic_expanded) hf_poly_canonicalize(&e->generic, 0); /* merges the v monomials */
  return HF_OK;
}

/* ------------------------------------------- generic terms on several ranks */

static double *slot_array(const hf_fields *f, int s) {
  return s < 9 ? hf_fields_comp(f, s) : f->sigma;
}

/* x planes of the generic halo buffers: gxbuf, ggbuf, gsend, grecv. */
static void generic_halo_planes(const hf_engine *e, int n[4]) {
  n[0] = e->gnlo + e->gnhi;
  n[1] = e->gnlo_g + e->gnhi_g;
  n[2] = e->gnlo > e->gnhi ? e->gnlo : e->gnhi;
  n[3] = e->gnlo_g > e->gnhi_g ? e->gnlo_g : e->gnhi_g;
}

/* Halo widths of the generic terms per variable (the x offsets they read
 * off the anchor's plane) and their buffers (engine_internal.h). */
static int generic_halo_setup(hf_engine *e, hf_err *err) {
  hf_poly_halo *h = &e->ghalo;
  memset(h, 0, sizeof *h);
  h->lead = e->comm->rank == 0;
  int need = 0;
  if (e->pairs) { /* bonds point up in x: planes above only */
    int hi[HF_POLY_HALO_SLOTS];
    hf_pair_kernel_reach(e->pairs, hi);
    for (int s = 0; s < HF_POLY_HALO_SLOTS; s++) {
      if (hi[s] > h->hi[s]) h->hi[s] = hi[s];
      if (hi[s] > need) need = hi[s];
    }
  }
  for (int i = 0; i < e->generic.n; i++)
    for (int f = 0; f < e->generic.m[i].deg; f++) {
      const hf_var *v = &e->generic.m[i].f[f];
      const int s = hf_poly_halo_slot(v), o = v->off[0];
      if (s < 0) continue;
      if (-o > h->lo[s]) h->lo[s] = -o;
      if (o > h->hi[s]) h->hi[s] = o;
      need = -o > need ? -o : o > need ? o : need;
    }
  if (hf_comm_any(e->comm, e->lat.nx < need))
    return hf_fail(err,
                   "the generic terms of model '%s' reach %d x planes, more than some MPI rank "
                   "holds (%d x planes over %d ranks): use fewer ranks",
                   e->model->name, need, e->lat.L[0], e->comm->size);
  e->gnlo = e->gnhi = e->gnlo_g = e->gnhi_g = 0;
  for (int s = 0; s < HF_POLY_HALO_SLOTS; s++) {
    e->gnlo += h->lo[s];
    e->gnhi += h->hi[s];
    e->gnlo_g += s < 9 ? h->lo[s] : 0;
    e->gnhi_g += s < 9 ? h->hi[s] : 0;
  }
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  int n[4];
  generic_halo_planes(e, n);
  e->gxbuf = fftw_alloc_real((size_t)n[0] * plane + 1);
  e->ggbuf = fftw_alloc_real((size_t)n[1] * plane + 1);
  e->gsend = fftw_alloc_real((size_t)n[2] * plane + 1);
  e->grecv = fftw_alloc_real((size_t)n[3] * plane + 1);
  if (!e->gxbuf || !e->ggbuf || !e->gsend || !e->grecv)
    return hf_fail(err, "out of memory for the generic terms' halo planes");
  /* slot by slot, sigma (slot 9, no gradient) last in each direction */
  int lo = 0, hi = 0;
  for (int s = 0; s < HF_POLY_HALO_SLOTS; s++) {
    if (h->lo[s]) {
      h->xlo[s] = e->gxbuf + (size_t)lo * plane;
      if (s < 9) h->glo[s] = e->ggbuf + (size_t)lo * plane;
      lo += h->lo[s];
    }
    if (h->hi[s]) {
      h->xhi[s] = e->gxbuf + (size_t)(e->gnlo + hi) * plane;
      if (s < 9) h->ghi[s] = e->ggbuf + (size_t)(e->gnlo_g + hi) * plane;
      hi += h->hi[s];
    }
  }
  return HF_OK;
}

/* The planes of the neighbours the generic terms read: each rank sends its
 * last lo[s] planes of every slot up and its first hi[s] planes down, one
 * message each way for all slots. */
static void generic_halo_fwd(hf_engine *e, const hf_fields *x) {
  const hf_poly_halo *h = &e->ghalo;
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  const int nx = e->lat.nx;
  for (int dir = 0; dir < 2; dir++) { /* 0: lower halos (from below), 1: upper */
    const int n = dir ? e->gnhi : e->gnlo;
    if (!n) continue;
    size_t off = 0;
    for (int s = 0; s < HF_POLY_HALO_SLOTS; s++) {
      const int k = dir ? h->hi[s] : h->lo[s];
      if (!k) continue;
      const double *a = slot_array(x, s);
      const size_t m = (size_t)k * plane;
      if (a)
        memcpy(e->gsend + off, a + (dir ? 0 : (size_t)(nx - k) * plane), m * sizeof *a);
      else
        memset(e->gsend + off, 0, m * sizeof *a);
      off += m;
    }
    hf_comm_shift(e->comm, e->gsend, e->gxbuf + (dir ? (size_t)e->gnlo * plane : 0),
                  (size_t)n * plane, dir ? -1 : +1);
  }
}

/* The adjoint: dE/dx the rank computed for its neighbours' planes goes back
 * to them and is added there. */
static void generic_halo_back(hf_engine *e, hf_fields *g) {
  const hf_poly_halo *h = &e->ghalo;
  const size_t plane = (size_t)e->lat.L[1] * (size_t)e->lat.L[2];
  const int nx = e->lat.nx;
  for (int dir = 0; dir < 2; dir++) { /* 0: lower halos (to below), 1: upper */
    const int n = dir ? e->gnhi_g : e->gnlo_g;
    if (!n) continue;
    hf_comm_shift(e->comm, e->ggbuf + (dir ? (size_t)e->gnlo_g * plane : 0), e->grecv,
                  (size_t)n * plane, dir ? +1 : -1);
    size_t off = 0;
    for (int s = 0; s < 9; s++) {
      const int k = dir ? h->hi[s] : h->lo[s];
      if (!k) continue;
      double *restrict a = slot_array(g, s);
      const double *restrict src = e->grecv + off;
      const size_t m = (size_t)k * plane;
      if (a) {
        a += dir ? 0 : (size_t)(nx - k) * plane;
        for (size_t i = 0; i < m; i++) a[i] += src[i];
      }
      off += m;
    }
  }
}

int hf_engine_create(hf_engine **out, const hf_model *m, const hf_lattice *lat,
                     const hf_engine_opts *opts, hf_err *err) {
  *out = NULL;
  hf_engine *e = calloc(1, sizeof *e);
  if (!e) return hf_fail(err, "out of memory");
  e->model = m;
  e->lat = *lat;
  e->a0 = m->a0;
  e->pressure = opts ? opts->pressure : 0.0;
  e->nmat = opts && opts->material_cells ? opts->material_cells : lat->n;
  e->nthreads = opts && opts->threads > 1 ? opts->threads : 1;
  e->comm = hf_comm_or_self(opts ? opts->comm : NULL, &e->self_comm);
  e->dist = e->comm->size > 1;
  if (e->dist ? !hf_lattice_is_slab(lat, e->comm) : lat->nloc != lat->n) {
    hf_engine_free(e);
    return hf_fail(err,
                   "the supercell's slabs do not fit the engine's %d MPI rank(s) (cut it with "
                   "hf_lattice_distribute on the same communicator)",
                   e->comm->size);
  }
  hf_poly_init(&e->eta_only);
  hf_poly_init(&e->generic);
  hf_poly_init(&e->pair_poly);
  if (e->nmat > lat->n) {
    hf_engine_free(e);
    return hf_fail(err, "material cells (%zu) exceed the supercell's %zu", opts->material_cells,
                   lat->n);
  }

  e->mask = hf_model_field_mask(m);

  /* Any supercell works, even one smaller than a term's reach (2x2x2 for the
   * fitter): the lattice sums then count every periodic image, as the
   * physics of a periodic supercell requires. */
  for (int t = 0; t < m->nterms; t++)
    if (poly_uses(&m->terms[t].poly, HF_VAR_ETAL)) e->need_etaL = 1;

  int has_uu = 0;
  for (int t = 0; t < m->nterms && !has_uu; t++)
    for (int i = 0; i < m->terms[t].poly.n; i++)
      if (classify(&m->terms[t].poly.m[i]) == K_KSPACE) has_uu = 1;
  e->has_k = (m->dof & HF_DOF_U) && (has_uu || m->dipole);
  if (e->has_k) {
    e->D = fftw_alloc_real(6 * lat->nkloc); /* this rank's k slab */
    e->nkd = lat->nkloc;
    if (!e->D) { /* (the spectra come with the plans, hf_kspace_setup) */
      hf_engine_free(e);
      return hf_fail(err, "out of memory for the reciprocal-space kernel (%zu k-points)", lat->nk);
    }
    memset(e->D, 0, 6 * lat->nkloc * sizeof *e->D);
    if (m->dipole) {
      if (hf_dipole_kernel(lat, m->a0, e->D, err)) {
        hf_engine_free(e);
        return hf_wrap(err, "dipole kernel");
      }
      double pref = hf_model_dipole_prefactor(m);
      for (size_t i = 0; i < 6 * lat->nkloc; i++) e->D[i] *= pref;
    }
    unsigned flags = opts && opts->fftw_flags ? opts->fftw_flags : FFTW_MEASURE;
    if (hf_kspace_setup(e, flags, opts && opts->fftw_3d, opts && opts->single_precision, err)) {
      hf_engine_free(e);
      return HF_FAIL;
    }
  }
  if (e->need_etaL) {
    hf_sites sites;
    hf_model_sites(m, &sites);
    if (hf_strain_stencil_init(&e->stencil, &sites, m->a0, err)) {
      hf_engine_free(e);
      return HF_FAIL;
    }
  }
  if (compile_terms(e, err)) {
    hf_engine_free(e);
    return HF_FAIL;
  }
  if (e->single) hf_kspace_single_load_D(e); /* D is complete now */
  if (e->pair_poly.n) {
    const int rc =
        hf_pair_kernel_create(&e->pairs, &e->pair_poly, lat->L, lat->nx, e->nthreads, err);
    hf_poly_free(&e->pair_poly);
    if (rc) {
      hf_engine_free(e);
      return HF_FAIL;
    }
  }
  if (e->dist && (e->generic.n || e->pairs) && generic_halo_setup(e, err)) {
    hf_engine_free(e);
    return HF_FAIL;
  }
  e->generic_etaL = poly_uses(&e->generic, HF_VAR_ETAL);
  for (int l = 0; l < 6 && e->generic_etaL; l++) {
    e->etaL[l] = fftw_alloc_real(lat->nloc);
    e->gEtaL[l] = fftw_alloc_real(lat->nloc);
    if (!e->etaL[l] || !e->gEtaL[l]) {
      hf_engine_free(e);
      return hf_fail(err, "out of memory for local strain");
    }
  }
  for (int l = 0; l < 6; l++)
    for (int p = 0; p < 6; p++)
      if (e->Cloc[l][p] != 0) {
        e->loc_l[e->n_loc] = l;
        e->loc_p[e->n_loc] = p;
        e->loc_c[e->n_loc++] = e->Cloc[l][p] * e->stencil.inv4a0;
      }
  if (hf_wraptab_init(&e->wrap, lat, err) || hf_realspace_setup(e, err)) {
    hf_engine_free(e);
    return HF_FAIL;
  }
  *out = e;
  return HF_OK;
}

void hf_engine_free(hf_engine *e) {
  if (!e) return;
  hf_kspace_free(e);
  fftw_free(e->D);
  for (int a = 0; a < 3; a++) fftw_free(e->ck[a]);
  for (int l = 0; l < 6; l++) {
    fftw_free(e->etaL[l]);
    fftw_free(e->gEtaL[l]);
  }
  free(e->on.pow);
  free(e->on.c);
  free(e->won.pow);
  free(e->won.c);
  const gather_set *gs[2] = {&e->vv, &e->ww};
  for (int k = 0; k < 2; k++) {
    free(gs[k]->g);
    for (int a = 0; a < 3; a++) free(gs[k]->t[a]);
  }
  free(e->wsrc);
  for (int a = 0; a < 3; a++) free(e->wtsrc[a]);
  fftw_free(e->wghost);
  hf_realspace_free(e);
  fftw_free(e->vghost);
  fftw_free(e->gghost);
  fftw_free(e->hbuf);
  hf_wraptab_free(&e->wrap);
  hf_poly_free(&e->eta_only);
  hf_poly_free(&e->generic);
  hf_poly_free(&e->pair_poly);
  hf_pair_kernel_free(e->pairs);
  fftw_free(e->gxbuf);
  fftw_free(e->ggbuf);
  fftw_free(e->gsend);
  fftw_free(e->grecv);
  free(e);
}

const double *hf_engine_kspace_matrix(const hf_engine *e) {
  return e->has_k && !e->dist ? e->D : NULL;
}
int hf_engine_mono_in_kspace(const hf_mono *m) { return classify(m) == K_KSPACE; }

void hf_engine_set_pressure(hf_engine *e, double gpa) { e->pressure = gpa; }
void hf_engine_set_field(hf_engine *e, const double kv_cm[3]) {
  for (int a = 0; a < 3; a++) e->efield[a] = kv_cm[a];
}
void hf_engine_set_depolarization(hf_engine *e, const double beta[3]) {
  for (int a = 0; a < 3; a++) e->beta[a] = beta[a];
}
void hf_engine_depolarization(const hf_engine *e, double beta[3]) {
  for (int a = 0; a < 3; a++) beta[a] = e->beta[a];
}
void hf_engine_depolarization_k(const hf_engine *e, const double eta[6], double k[3]) {
  const double zs = e->model->zstar, V = hf_engine_volume(e, eta);
  for (int a = 0; a < 3; a++)
    k[a] = e->beta[a] != 0 ? e->beta[a] * HF_E2_EPS0 * zs * zs / (e->model->eps_inf * V) : 0;
}
void hf_engine_field(const hf_engine *e, double kv_cm[3]) {
  for (int a = 0; a < 3; a++) kv_cm[a] = e->efield[a];
}

/* -Z* E . sum u plus the depolarization energy beta M^2 / (2 eps0 eps_inf V),
 * and their gradients, which are the same for every cell: a pass of its own,
 * only when a field or beta is set (serial: the sum keeps one order on any
 * thread count). */
static double field_apply(const hf_engine *e, const hf_fields *x, hf_fields *g, double *dEdeta) {
  const double zs = e->model->zstar, V = hf_engine_volume(e, x->eta);
  const double v0 = (double)e->lat.n * e->a0 * e->a0 * e->a0;
  double k[3], s[3] = {0, 0, 0};
  int on[3];
  hf_engine_depolarization_k(e, x->eta, k);
  for (int a = 0; a < 3; a++) {
    on[a] = (e->efield[a] != 0 || e->beta[a] != 0) && x->u[a];
    for (size_t i = 0; on[a] && i < e->lat.nloc; i++) s[a] += x->u[a][i];
  }
  if (e->dist) hf_comm_sum(e->comm, s, 3); /* the depolarization needs the whole sum */
  const int lead = e->comm->rank == 0;     /* the energy is reduced over ranks later */
  double en = 0;
  for (int a = 0; a < 3; a++) {
    if (!on[a]) continue;
    const double edep = 0.5 * k[a] * s[a] * s[a], fz = zs * e->efield[a] * 1e-5;
    const double f = fz - k[a] * s[a]; /* -dE/du_a, eV/Angstrom */
    if (g)
      for (size_t i = 0; i < e->lat.nloc; i++) g->u[a][i] -= f;
    if (lead) {
      en += edep - fz * s[a];
      for (int l = 0; l < 3; l++) dEdeta[l] -= edep * v0 / V; /* E_dep ~ 1/V */
    }
  }
  return en;
}
double hf_engine_pressure(const hf_engine *e) { return e->pressure; }
const hf_lattice *hf_engine_lattice(const hf_engine *e) { return &e->lat; }
const hf_model *hf_engine_model(const hf_engine *e) { return e->model; }
unsigned hf_engine_field_mask(const hf_engine *e) { return e->mask; }
int hf_engine_threads(const hf_engine *e) { return e->nthreads; }
hf_comm *hf_engine_comm(const hf_engine *e) { return e->comm; }
void hf_engine_get_census(const hf_engine *e, hf_engine_census *c) { *c = e->census; }

double hf_engine_volume(const hf_engine *e, const double eta[6]) {
  double v0 = (double)e->lat.n * e->a0 * e->a0 * e->a0;
  return v0 * (1.0 + eta[0] + eta[1] + eta[2]);
}

size_t hf_engine_material_cells(const hf_engine *e) { return e->nmat; }
double hf_engine_material_volume(const hf_engine *e, const double eta[6]) {
  return hf_engine_volume(e, eta) * ((double)e->nmat / (double)e->lat.n);
}

size_t hf_engine_bytes(const hf_engine *e) {
  size_t b = sizeof *e;
  if (e->has_k) b += 6 * e->nkd * sizeof(double);
  if (e->ck[0]) b += 3 * e->nck * sizeof(fftw_complex);
  if (e->generic_etaL) b += 12 * e->lat.nloc * sizeof(double);
  if (e->gxbuf) {
    int n[4];
    generic_halo_planes(e, n);
    b += (size_t)(n[0] + n[1] + n[2] + n[3]) * (size_t)e->lat.L[1] * (size_t)e->lat.L[2] *
         sizeof(double);
  }
  if (e->has_k) b += (size_t)e->nkpart * sizeof(double);
  if (e->pairs) b += hf_pair_kernel_bytes(e->pairs);
  if (e->single) b += hf_kspace_single_bytes(e);
  return b + hf_realspace_bytes(e);
}

/* ---------------------------------------------------------------- kernels */

/* The strain-only terms: N c eta..., N the material cells (vacuum has none). */
static double eta_only_apply(hf_engine *e, const hf_fields *x, double *dEdeta) {
  double energy = 0, N = (double)e->nmat;
  for (int i = 0; i < e->eta_only.n; i++) {
    const hf_mono *m = &e->eta_only.m[i];
    double pre[HF_MAX_DEG + 1], suf[HF_MAX_DEG + 1];
    pre[0] = 1;
    for (int f = 0; f < m->deg; f++) pre[f + 1] = pre[f] * x->eta[m->f[f].comp];
    suf[m->deg] = 1;
    for (int f = m->deg - 1; f >= 0; f--) suf[f] = suf[f + 1] * x->eta[m->f[f].comp];
    energy += N * m->c * pre[m->deg];
    if (dEdeta)
      for (int f = 0; f < m->deg; f++) dEdeta[m->f[f].comp] += N * m->c * pre[f] * suf[f + 1];
  }
  return energy;
}

void hf_engine_eval(hf_engine *e, const hf_fields *x, hf_fields *g, double *dEdeta, hf_energy *E) {
  const hf_lattice *lat = &e->lat;
  memset(E, 0, sizeof *E);
  double dEloc[6] = {0, 0, 0, 0, 0, 0};
  double *dE = dEdeta ? dEdeta : dEloc;
  memset(dE, 0, 6 * sizeof *dE);
  if (g) {
    /* c2r writes g->u, the row pass's ring writes g->v and w_row clears each
     * row of g->w before use (in cache): clear the rest */
    for (int c = (e->has_k ? 3 : 0); c < 9; c++) {
      double *a = hf_fields_comp(g, c);
      if (a && !(e->ring && c >= 3 && c < 6) && !(e->has_w && c >= 6))
        memset(a, 0, lat->nloc * sizeof *a);
    }
  }
  const int rpass = (e->mask & (HF_FIELD_U | HF_FIELD_V)) != 0 || e->has_w;
  e->defer_c2r = e->has_k && e->fused && g && rpass;
  if (e->has_k) E->kspace = hf_kspace_apply(e, x, g);
  if (rpass) hf_realspace_pass(e, x, g, dE, E);
  const int lead = e->comm->rank == 0; /* replicated terms count once */
  if (lead) E->strain_hom += eta_only_apply(e, x, dE);
  if (e->generic.n || e->pairs) {
    if (e->generic_etaL) {
      hf_local_strain(lat, &e->wrap, &e->stencil, x->v, e->etaL);
      for (int l = 0; l < 6; l++) memset(e->gEtaL[l], 0, lat->nloc * sizeof(double));
    }
    if (e->dist) { /* the planes of the neighbours; their gradient starts at zero */
      generic_halo_fwd(e, x);
      if (g)
        memset(e->ggbuf, 0,
               (size_t)(e->gnlo_g + e->gnhi_g) * (size_t)lat->L[1] * (size_t)lat->L[2] *
                   sizeof(double));
    }
    hf_poly_input in = {lat, x, e->generic_etaL ? e->etaL : NULL, e->nmat,
                        e->dist ? &e->ghalo : NULL};
    hf_poly_output out = {g, e->generic_etaL ? e->gEtaL : NULL, dE};
    if (e->generic.n) E->other += hf_poly_eval(&e->generic, 1.0, &in, &out);
    if (e->pairs) E->other += hf_pair_kernel_eval(e->pairs, &in, &out);
    if (e->generic_etaL && g) hf_local_strain_adjoint(lat, &e->wrap, &e->stencil, e->gEtaL, g->v);
    if (e->dist && g) generic_halo_back(e, g);
  }
  if (e->efield[0] != 0 || e->efield[1] != 0 || e->efield[2] != 0 || e->beta[0] != 0 ||
      e->beta[1] != 0 || e->beta[2] != 0)
    E->field = field_apply(e, x, g, dE);
  double pv = e->pressure * HF_GPA_A3;
  if (lead) {
    E->pv = pv * hf_engine_material_volume(e, x->eta);
    double v0 = (double)e->nmat * e->a0 * e->a0 * e->a0;
    for (int l = 0; l < 3; l++) dE[l] += pv * v0;
  }
  if (e->dist) { /* one reduction of the rank's partial sums */
    double r[14] = {E->kspace,    E->onsite, E->strain_hom, E->strain_loc,
                    E->elastic_v, E->other,  E->pv,         E->field};
    memcpy(r + 8, dE, 6 * sizeof *dE);
    hf_comm_sum(e->comm, r, 14);
    E->kspace = r[0], E->onsite = r[1], E->strain_hom = r[2], E->strain_loc = r[3];
    E->elastic_v = r[4], E->other = r[5], E->pv = r[6], E->field = r[7];
    memcpy(dE, r + 8, 6 * sizeof *dE);
  }
  E->total = E->kspace + E->onsite + E->strain_hom + E->strain_loc + E->elastic_v + E->other +
             E->pv + E->field;
}
