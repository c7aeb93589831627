/* pair_kernel.c - two-cell monomials through site-monomial tables
 * (pair_kernel.h). */
#include "pair_kernel.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "engine_internal.h" /* v4d: the pair loops carry a reduction */
#include "fields.h"

#define BLOCK_CELLS 4096 /* padded cells of the planes one block holds at least */
#define CHUNK_CELLS 256  /* anchors per pass over the pairs */

typedef struct {
  int deg;
  int slot[3]; /* 0..8: ux uy uz vx vy vz wx wy wz */
} site_mono;

typedef struct {
  double c;
  int neta;
  int eta[HF_MAX_DEG]; /* Voigt components of the strain factors */
} coef_part;

typedef struct {
  int a, b;   /* site monomials at i and at i + d */
  int p0, np; /* its coefficient parts */
} pair_entry;

typedef struct {
  int d[3];
  int e0, ne; /* its entries */
} bond;

/* One worker's tables of a block: [ns][tab] each. */
typedef struct {
  double *S0, *S1;                 /* s at the anchors (0 off the interior), s everywhere */
  double *G0, *G1;                 /* dE/ds through the anchor, through the neighbour */
  double scratch[2 * CHUNK_CELLS]; /* the gradients an energy alone discards (0) */
} pk_tables;

struct hf_pair_kernel {
  int ns, nb, ne, np;
  site_mono *s;
  bond *b;
  pair_entry *e;
  coef_part *p;
  int reach[HF_POLY_HALO_SLOTS]; /* x planes above read, per slot */
  int L[3], nx;
  int rx, py, pz; /* reach of the bonds: x (up only), |y|, |z| */
  int Lyp, Lzp;   /* padded plane: rows, cells per row */
  size_t P;       /* padded plane, cells */
  int B;          /* x planes per block */
  size_t tab;     /* cells of one site monomial's table: (B + rx) planes */
  int nblk;       /* blocks of B planes over the nx local ones */
  int nthreads;   /* workers, each with its own tables */
  pk_tables *w;
  double *ceff; /* per entry: c(eta) of this evaluation */
  double *bsum; /* [nblk][ne]: sum_i s_a s_b over each block's anchors */
};

/* 1 if a and b sit in the same cell. */
static int same_off(const hf_var *a, const hf_var *b) {
  return a->off[0] == b->off[0] && a->off[1] == b->off[1] && a->off[2] == b->off[2];
}

/* Insertion sort of a few ints. */
static void sort_small(int *a, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {
      const int t = a[j];
      a[j] = a[j - 1], a[j - 1] = t;
    }
}

/* Splits m into its two cells' factors (slots, sorted) and strains: the
 * bond d = (second cell) - (first), oriented up (d_x > 0, or d_x = 0 and
 * d_y > 0, or d_x = d_y = 0 and d_z > 0).  Returns 0 when m is not a pair. */
static int split(const hf_mono *m, site_mono *sa, site_mono *sb, int d[3], int *neta,
                 int eta[HF_MAX_DEG]) {
  const hf_var *o[2] = {NULL, NULL};
  site_mono side[2] = {{0, {0, 0, 0}}, {0, {0, 0, 0}}};
  *neta = 0;
  for (int f = 0; f < m->deg; f++) {
    const hf_var *v = &m->f[f];
    if (v->kind == HF_VAR_ETA) {
      eta[(*neta)++] = v->comp;
      continue;
    }
    if (v->kind != HF_VAR_U && v->kind != HF_VAR_V && v->kind != HF_VAR_W) return 0;
    int k = 0;
    if (!o[0] || same_off(o[0], v))
      o[0] = v;
    else if (!o[1] || same_off(o[1], v))
      o[1] = v, k = 1;
    else
      return 0; /* a third cell */
    if (side[k].deg == 3) return 0;
    side[k].slot[side[k].deg++] = 3 * v->kind + v->comp;
  }
  if (!o[1]) return 0;
  for (int a = 0; a < 3; a++) d[a] = o[1]->off[a] - o[0]->off[a];
  const int down = d[0] < 0 || (d[0] == 0 && (d[1] < 0 || (d[1] == 0 && d[2] < 0)));
  if (down) {
    const site_mono t = side[0];
    side[0] = side[1], side[1] = t;
    for (int a = 0; a < 3; a++) d[a] = -d[a];
  }
  /* sorted: one table entry per site monomial, one part per strain product */
  sort_small(side[0].slot, side[0].deg), sort_small(side[1].slot, side[1].deg);
  sort_small(eta, *neta);
  *sa = side[0], *sb = side[1];
  return 1;
}

int hf_pair_takes(const hf_mono *m) {
  site_mono a, b;
  int d[3], neta, eta[HF_MAX_DEG];
  return split(m, &a, &b, d, &neta, eta);
}

/* Room for element n of *p: capacity 8, then doubling at powers of two. */
static void *grow(void *p, int n, size_t size) {
  if (n >= 8 && (n & (n - 1))) return p;
  return realloc(p, (size_t)(n < 8 ? 8 : 2 * n) * size);
}

static int oom(hf_err *err) { return hf_fail(err, "pair kernel: out of memory"); }

static int site_index(hf_pair_kernel *k, const site_mono *s) {
  for (int i = 0; i < k->ns; i++)
    if (k->s[i].deg == s->deg && !memcmp(k->s[i].slot, s->slot, sizeof s->slot)) return i;
  site_mono *g = grow(k->s, k->ns, sizeof *k->s);
  if (!g) return -1;
  k->s = g;
  k->s[k->ns] = *s;
  return k->ns++;
}

/* Monomials sorted by bond, then by (a, b): entries of one bond are
 * consecutive and each (a, b) pair collects its strain parts. */
typedef struct {
  int d[3], a, b, neta, eta[HF_MAX_DEG];
  double c;
} item;

static int cmp_item(const void *x, const void *y) {
  const item *p = x, *q = y;
  for (int a = 0; a < 3; a++)
    if (p->d[a] != q->d[a]) return p->d[a] < q->d[a] ? -1 : 1;
  if (p->a != q->a) return p->a < q->a ? -1 : 1;
  if (p->b != q->b) return p->b < q->b ? -1 : 1;
  if (p->neta != q->neta) return p->neta < q->neta ? -1 : 1;
  return memcmp(p->eta, q->eta, sizeof p->eta);
}

static int build(hf_pair_kernel *k, const hf_poly *p, hf_err *err) {
  item *it = calloc(p->n ? (size_t)p->n : 1, sizeof *it);
  if (!it) return oom(err);
  const int n = p->n;
  int rc = HF_OK;
  for (int i = 0; i < n && !rc; i++) {
    site_mono sa, sb;
    item *t = &it[i];
    if (!split(&p->m[i], &sa, &sb, t->d, &t->neta, t->eta))
      rc = hf_fail(err, "pair kernel: monomial %d is not a two-cell pair", i);
    else if ((t->a = site_index(k, &sa)) < 0 || (t->b = site_index(k, &sb)) < 0)
      rc = oom(err);
    t->c = p->m[i].c;
  }
  if (!rc) qsort(it, (size_t)n, sizeof *it, cmp_item);
  for (int i = 0; i < n && !rc; i++) {
    const item *t = &it[i];
    const int new_bond = !k->nb || memcmp(k->b[k->nb - 1].d, t->d, sizeof t->d);
    if (new_bond) {
      bond *g = grow(k->b, k->nb, sizeof *k->b);
      if (!g) {
        rc = oom(err);
        break;
      }
      k->b = g;
      k->b[k->nb++] = (bond){{t->d[0], t->d[1], t->d[2]}, k->ne, 0};
    }
    bond *bd = &k->b[k->nb - 1];
    pair_entry *last = bd->ne ? &k->e[k->ne - 1] : NULL;
    if (!last || last->a != t->a || last->b != t->b) {
      pair_entry *g = grow(k->e, k->ne, sizeof *k->e);
      if (!g) {
        rc = oom(err);
        break;
      }
      k->e = g;
      k->e[k->ne++] = (pair_entry){t->a, t->b, k->np, 0};
      bd->ne++;
      last = &k->e[k->ne - 1];
    }
    const coef_part *q = last->np ? &k->p[k->np - 1] : NULL;
    if (q && q->neta == t->neta && !memcmp(q->eta, t->eta, sizeof t->eta)) {
      k->p[k->np - 1].c += t->c; /* the same monomial twice: merged */
      continue;
    }
    coef_part *g = grow(k->p, k->np, sizeof *k->p);
    if (!g) {
      rc = oom(err);
      break;
    }
    k->p = g;
    coef_part *np = &k->p[k->np++];
    np->c = t->c, np->neta = t->neta;
    memcpy(np->eta, t->eta, sizeof np->eta);
    last->np++;
  }
  free(it);
  return rc;
}

int hf_pair_kernel_create(hf_pair_kernel **out, const hf_poly *p, const int L[3], int nx,
                          int nthreads, hf_err *err) {
  *out = NULL;
  hf_pair_kernel *k = calloc(1, sizeof *k);
  if (!k) return hf_fail(err, "pair kernel: out of memory");
  memcpy(k->L, L, sizeof k->L);
  k->nx = nx;
  if (build(k, p, err)) {
    hf_pair_kernel_free(k);
    return HF_FAIL;
  }
  for (int i = 0; i < k->nb; i++) {
    const int *d = k->b[i].d;
    if (d[0] > k->rx) k->rx = d[0];
    if (abs(d[1]) > k->py) k->py = abs(d[1]);
    if (abs(d[2]) > k->pz) k->pz = abs(d[2]);
    for (int e = k->b[i].e0; e < k->b[i].e0 + k->b[i].ne; e++) {
      const site_mono *s = &k->s[k->e[e].b];
      for (int f = 0; f < s->deg; f++)
        if (d[0] > k->reach[s->slot[f]]) k->reach[s->slot[f]] = d[0];
    }
  }
  k->Lyp = L[1] + 2 * k->py;
  k->Lzp = L[2] + 2 * k->pz;
  k->P = (size_t)k->Lyp * (size_t)k->Lzp;
  k->B = (int)(BLOCK_CELLS / k->P);
  if (k->B < 1) k->B = 1;
  if (k->B > nx) k->B = nx > 0 ? nx : 1;
  k->tab = (size_t)(k->B + k->rx) * k->P;
  k->nblk = nx > 0 ? (nx + k->B - 1) / k->B : 0;
  k->nthreads = nthreads > 1 ? nthreads : 1;
  const size_t cells = (size_t)(k->ns ? k->ns : 1) * k->tab;
  k->w = calloc((size_t)k->nthreads, sizeof *k->w);
  k->ceff = malloc((size_t)(k->ne ? k->ne : 1) * sizeof *k->ceff);
  k->bsum = malloc((size_t)(k->nblk ? k->nblk : 1) * (size_t)(k->ne ? k->ne : 1) * sizeof *k->bsum);
  int rc = !k->w || !k->ceff || !k->bsum;
  for (int t = 0; t < k->nthreads && !rc; t++) {
    pk_tables *w = &k->w[t];
    w->S0 = malloc(cells * sizeof *w->S0);
    w->S1 = malloc(cells * sizeof *w->S1);
    w->G0 = malloc(cells * sizeof *w->G0);
    w->G1 = malloc(cells * sizeof *w->G1);
    rc = !w->S0 || !w->S1 || !w->G0 || !w->G1;
  }
  if (rc) {
    hf_pair_kernel_free(k);
    return hf_fail(err, "pair kernel: out of memory for %d x %zu table cells", k->nthreads,
                   4 * cells);
  }
  *out = k;
  return HF_OK;
}

void hf_pair_kernel_free(hf_pair_kernel *k) {
  if (!k) return;
  free(k->s), free(k->b), free(k->e), free(k->p);
  for (int t = 0; k->w && t < k->nthreads; t++)
    free(k->w[t].S0), free(k->w[t].S1), free(k->w[t].G0), free(k->w[t].G1);
  free(k->w), free(k->ceff), free(k->bsum);
  free(k);
}

void hf_pair_kernel_reach(const hf_pair_kernel *k, int hi[HF_POLY_HALO_SLOTS]) {
  memcpy(hi, k->reach, sizeof k->reach);
}

size_t hf_pair_kernel_bytes(const hf_pair_kernel *k) {
  return sizeof *k + 4 * (size_t)k->nthreads * (size_t)k->ns * k->tab * sizeof(double) +
         (size_t)k->nblk * (size_t)k->ne * sizeof(double) + (size_t)k->ns * sizeof *k->s +
         (size_t)k->nb * sizeof *k->b + (size_t)k->ne * (sizeof *k->e + sizeof(double)) +
         (size_t)k->np * sizeof *k->p;
}

/* ------------------------------------------------------------ evaluation */

/* Field plane X of slot s (NULL: the field is absent or zero there). */
static const double *field_plane(const hf_poly_input *in, int s, int X) {
  return hf_poly_plane(in, s, hf_fields_comp(in->x, s), X, 0);
}

/* Padded plane q of every site monomial's table S1 from field plane X, and
 * (anchor planes) S0: the same inside, 0 around. */
static void fill_plane(const hf_pair_kernel *k, pk_tables *w, const hf_poly_input *in, int X, int q,
                       int anchor) {
  const int L1 = k->L[1], L2 = k->L[2], Lzp = k->Lzp;
  const double *pl[9];
  for (int s = 0; s < 9; s++) pl[s] = field_plane(in, s, X);
  for (int m = 0; m < k->ns; m++) {
    const site_mono *sm = &k->s[m];
    double *S = w->S1 + (size_t)m * k->tab + (size_t)q * k->P;
    const double *f[3] = {NULL, NULL, NULL};
    int zero = 0;
    for (int j = 0; j < sm->deg; j++) zero |= !(f[j] = pl[sm->slot[j]]);
    for (int y = 0; y < L1; y++) {
      double *restrict r = S + (size_t)(y + k->py) * Lzp + k->pz;
      const size_t o = (size_t)y * L2;
      if (zero)
        memset(r, 0, (size_t)L2 * sizeof *r);
      else if (sm->deg == 1)
        memcpy(r, f[0] + o, (size_t)L2 * sizeof *r);
      else if (sm->deg == 2)
        for (int z = 0; z < L2; z++) r[z] = f[0][o + z] * f[1][o + z];
      else
        for (int z = 0; z < L2; z++) r[z] = f[0][o + z] * f[1][o + z] * f[2][o + z];
      for (int z = -k->pz; z < 0; z++) r[z] = r[hf_pbc(z, 0, L2)];
      for (int z = L2; z < L2 + k->pz; z++) r[z] = r[hf_pbc(z, 0, L2)];
    }
    for (int y = -k->py; y < L1 + k->py; y++) /* rows beyond: periodic images */
      if (y < 0 || y >= L1)
        memcpy(S + (size_t)(y + k->py) * Lzp, S + (size_t)(hf_pbc(y, 0, L1) + k->py) * Lzp,
               (size_t)Lzp * sizeof *S);
    double *S0 = w->S0 + (size_t)m * k->tab + (size_t)q * k->P;
    if (!anchor) continue;
    memset(S0, 0, k->P * sizeof *S0);
    for (int y = 0; y < L1; y++) {
      const size_t r = (size_t)(y + k->py) * Lzp + k->pz;
      memcpy(S0 + r, S + r, (size_t)L2 * sizeof *S0);
    }
  }
}

/* sum_j sa[j] sb[j] over n cells, ga[j] += c sb[j] and gb[j] += c sa[j]:
 * one (a, b) pair of a bond over a block.  One compiled body (never inlined)
 * serves the energy with and without gradients (then into scratch, c = 0):
 * two copies, inlined, were contracted and vectorised differently on an
 * AVX-512 machine (-march=native), and the energy alone differed from the
 * energy with gradients in the last bit (HMC and the checks compare them). */
__attribute__((noinline)) static double pair_loop(const double *restrict sa,
                                                  const double *restrict sb, double *restrict ga,
                                                  double *restrict gb, double c, size_t n) {
  v4d acc = {0, 0, 0, 0};
  size_t j = 0;
  const v4d cv = {c, c, c, c};
  for (; j + 4 <= n; j += 4) {
    v4d a, b, x, y;
    memcpy(&a, sa + j, sizeof a), memcpy(&b, sb + j, sizeof b);
    memcpy(&x, ga + j, sizeof x), memcpy(&y, gb + j, sizeof y);
    acc += a * b;
    x += cv * b, y += cv * a;
    memcpy(ga + j, &x, sizeof x), memcpy(gb + j, &y, sizeof y);
  }
  double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; j < n; j++) {
    s += sa[j] * sb[j];
    ga[j] += c * sb[j], gb[j] += c * sa[j];
  }
  return s;
}

/* dE/ds of padded plane q (anchor part G0 on anchor planes, neighbour part
 * G1 with its images folded back) into dE/dx of field plane X. */
static void chain_plane(const hf_pair_kernel *k, pk_tables *w, const hf_poly_input *in,
                        hf_fields *g, int X, int q, int anchor) {
  const int L1 = k->L[1], L2 = k->L[2], Lzp = k->Lzp;
  const double *pl[9];
  double *gp[9];
  for (int s = 0; s < 9; s++) {
    pl[s] = field_plane(in, s, X);
    gp[s] = hf_poly_plane(in, s, hf_fields_comp(g, s), X, 1);
  }
  for (int m = 0; m < k->ns; m++) {
    const site_mono *sm = &k->s[m];
    double *G = w->G1 + (size_t)m * k->tab + (size_t)q * k->P;
    const double *G0 = w->G0 + (size_t)m * k->tab + (size_t)q * k->P;
    for (int y = -k->py; y < L1 + k->py; y++) /* images of rows back onto their rows */
      if (y < 0 || y >= L1) {
        double *restrict t = G + (size_t)(hf_pbc(y, 0, L1) + k->py) * Lzp;
        const double *restrict f = G + (size_t)(y + k->py) * Lzp;
        for (int z = 0; z < Lzp; z++) t[z] += f[z];
      }
    for (int y = 0; y < L1; y++) {
      double *restrict r = G + (size_t)(y + k->py) * Lzp + k->pz;
      for (int z = -k->pz; z < 0; z++) r[hf_pbc(z, 0, L2)] += r[z];
      for (int z = L2; z < L2 + k->pz; z++) r[hf_pbc(z, 0, L2)] += r[z];
      if (anchor) {
        const double *restrict r0 = G0 + (size_t)(y + k->py) * Lzp + k->pz;
        for (int z = 0; z < L2; z++) r[z] += r0[z];
      }
      const size_t o = (size_t)y * L2;
      /* d s / d x_f: the product of the other factors, one factor at a time
       * (two factors may share a gradient array) */
      for (int f = 0; f < sm->deg; f++) {
        double *restrict gf = gp[sm->slot[f]];
        if (!gf) continue;
        gf += o;
        if (sm->deg == 1) {
          for (int z = 0; z < L2; z++) gf[z] += r[z];
          continue;
        }
        const double *p1 = pl[sm->slot[(f + 1) % sm->deg]];
        if (!p1) continue;
        p1 += o;
        if (sm->deg == 2) {
          for (int z = 0; z < L2; z++) gf[z] += r[z] * p1[z];
          continue;
        }
        const double *p2 = pl[sm->slot[(f + 2) % 3]];
        if (!p2) continue;
        p2 += o;
        for (int z = 0; z < L2; z++) gf[z] += r[z] * p1[z] * p2[z];
      }
    }
  }
}

/* Block b (planes [b B, b B + nbk) of the slab) with worker tables w: its
 * sums into bsum[b], dE/dx of its planes and of the rx planes above into g. */
static void run_block(const hf_pair_kernel *k, pk_tables *w, const hf_poly_input *in, hf_fields *g,
                      int b) {
  const int X0 = in->halo ? in->lat->x0 : 0, x0 = b * k->B;
  const int nbk = k->nx - x0 < k->B ? k->nx - x0 : k->B, npl = nbk + k->rx;
  double *sum = k->bsum + (size_t)b * (size_t)k->ne;
  memset(sum, 0, (size_t)k->ne * sizeof *sum);
  for (int q = 0; q < npl; q++) fill_plane(k, w, in, X0 + x0 + q, q, q < nbk);
  if (g) {
    memset(w->G0, 0, (size_t)k->ns * k->tab * sizeof *w->G0);
    memset(w->G1, 0, (size_t)k->ns * k->tab * sizeof *w->G1);
  }
  const size_t first = (size_t)k->py * k->Lzp + k->pz; /* anchor (y, z) = (0, 0) */
  /* anchors from (plane 0, row 0, z 0) to (plane nbk - 1, row L1 - 1, z
   * L2 - 1); the padding between them has S0 = 0 and adds nothing */
  const size_t n = (size_t)(nbk - 1) * k->P + (size_t)(k->L[1] - 1) * k->Lzp + k->L[2];
  /* in chunks of anchors, so that the rows every pair of the chunk reads
   * stay in the cache between pairs */
  for (size_t j0 = 0; j0 < n; j0 += CHUNK_CELLS) {
    const size_t m = n - j0 < CHUNK_CELLS ? n - j0 : CHUNK_CELLS;
    for (int bd = 0; bd < k->nb; bd++) {
      const int *d = k->b[bd].d;
      /* > 0: the bond points up (split) and the padding is as wide as its y, z */
      const ptrdiff_t off = (ptrdiff_t)d[0] * (ptrdiff_t)k->P + (ptrdiff_t)d[1] * k->Lzp + d[2];
      for (int e = k->b[bd].e0; e < k->b[bd].e0 + k->b[bd].ne; e++) {
        const size_t ta = (size_t)k->e[e].a * k->tab + first + j0;
        const size_t tb = (size_t)k->e[e].b * k->tab + first + j0;
        sum[e] +=
            g ? pair_loop(w->S0 + ta, w->S1 + tb + off, w->G0 + ta, w->G1 + tb + off, k->ceff[e], m)
              : pair_loop(w->S0 + ta, w->S1 + tb + off, w->scratch, w->scratch + CHUNK_CELLS, 0, m);
      }
    }
  }
  for (int q = 0; g && q < npl; q++) chain_plane(k, w, in, g, X0 + x0 + q, q, q < nbk);
}

double hf_pair_kernel_eval(hf_pair_kernel *k, const hf_poly_input *in, const hf_poly_output *out) {
  if (!k->ne) return 0;
  hf_fields *g = out ? out->g : NULL;
  const double *eta = in->x->eta;
  for (int e = 0; e < k->ne; e++) { /* this strain's coefficient of each pair */
    double c = 0;
    for (int p = k->e[e].p0; p < k->e[e].p0 + k->e[e].np; p++) {
      double t = k->p[p].c;
      for (int f = 0; f < k->p[p].neta; f++) t *= eta[k->p[p].eta[f]];
      c += t;
    }
    k->ceff[e] = c;
  }
  /* A block writes dE/dx of its planes and the rx above, so blocks ncolor
   * apart never share a plane: each colour's blocks run in parallel, the
   * colours in turn, and the blocks whose planes above wrap round onto the
   * first ones (periodic x) one after another at the end.  Every plane gets
   * its contributions in the same order on any number of threads, and the
   * sums are added block by block: results do not depend on it. */
  const int ncolor = (k->rx + k->B - 1) / k->B + 1;
  const int nwrap = k->nblk < ncolor ? k->nblk : ncolor - 1;
  const int nfree = k->nblk - nwrap, nt = k->nthreads;
  for (int c = 0; c < ncolor; c++) {
    const int nc = nfree > c ? (nfree - c + ncolor - 1) / ncolor : 0;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && nc > 1)
    for (int i = 0; i < nc; i++) {
      int t = 0;
#ifdef _OPENMP
      t = omp_get_thread_num();
#endif
      run_block(k, &k->w[t], in, g, c + i * ncolor);
    }
  }
  for (int b = nfree; b < k->nblk; b++) run_block(k, &k->w[0], in, g, b);
  double E = 0;
  double *dEdeta = out ? out->dEdeta : NULL;
  for (int e = 0; e < k->ne; e++) {
    double sum = 0;
    for (int b = 0; b < k->nblk; b++) sum += k->bsum[(size_t)b * (size_t)k->ne + e];
    E += k->ceff[e] * sum;
    for (int p = k->e[e].p0; dEdeta && p < k->e[e].p0 + k->e[e].np; p++)
      for (int f = 0; f < k->p[p].neta; f++) { /* d/deta of one strain factor: the others */
        double t = k->p[p].c * sum;
        for (int h = 0; h < k->p[p].neta; h++)
          if (h != f) t *= eta[k->p[p].eta[h]];
        dEdeta[k->p[p].eta[f]] += t;
      }
  }
  return E;
}
