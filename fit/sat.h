/* sat.h - symmetry-adapted terms (SATs): a basis of linearly independent
 * cubic-invariant lattice polynomials for the effective Hamiltonian
 * (paper 003, Methods Eqs. 20-23; issue 4, part 1).
 *
 * A family is a product of factor groups.  Each group is `deg` factors of one
 * variable kind (u, v, w=omega, sigma, eta, etaL), placed either at the anchor
 * site (offset 0 on its sublattice) or at one common neighbour position d.
 * Groups at the anchor must share one sublattice (eta has none); groups at the
 * neighbour too.  d runs over the requested neighbour shells between the two
 * sublattices.  Examples (the spec syntax of hf_sat_request_add):
 *
 *   "u^2..8"        on-site polynomials of u, orders 2..8 (one family per order)
 *   "w^2..4"        on-site polynomials of omega (axial)
 *   "u u@1..3"      bilinear u-u pairs, shells 1..3       (Eq. 21)
 *   "u v@1"         bilinear u-v pairs, nearest A-B shell
 *   "u^3 u@1"       anharmonic intersite u^3-u^1            (Eq. 21 with products)
 *   "u w^2@1"       u^1-omega^2                              (Eq. 22)
 *   "eta^2"         elastic energy;  "eta u^2", "eta w^2": strain-mode couplings
 *   "etaL u^2"      local-strain coupling;  "u^2 w^2": u-omega on-site
 *   "u^1..3 sigma@0..1"  alloy spring terms                  (Eq. 23)
 *
 * Shells: shell k >= 1 is the k-th smallest non-zero distance between the
 * anchor sublattice and the neighbour sublattice (all lattice vectors at that
 * distance, whatever their cubic orbit); shell 0 is distance zero, i.e. the
 * anchor cell itself, and is empty when the two sublattices differ.  For u-u,
 * shells 1, 2, 3 are a0(1,0,0), a0(1,1,0), a0(1,1,1); for u on B and v on A,
 * shell 1 is the 8 corners a0(+-1/2,+-1/2,+-1/2).  Shells must lie within the
 * cell-offset limit of poly.h (|offset| <= 4): squared distance < 20.25 a0^2.
 *
 * Method (exact): every candidate monomial of a family (canonical modulo
 * translation) is mapped through the 48 operations of Oh; the Reynolds image of
 * one monomial (hf_poly_symmetrize) is supported on that monomial's orbit and
 * is either zero or carries every orbit member with the same |coefficient|.
 * Images of different orbits therefore have disjoint supports, so one image per
 * orbit (the zeros dropped) is a linearly independent set spanning all
 * invariants of the family.  Orbits already produced by an earlier family of
 * the same request are skipped, so the whole result is independent.  Each term
 * is scaled so that its seed monomial has coefficient +1 and all others +-1:
 * the seed with `symmetrize: orbit` in a model file reproduces it exactly.
 *
 * Order: families in request order, then shell ascending, then by seed (the
 * seed is the orbit member with fewest negative offset components, most
 * factors at the anchor, offsets largest-first such as (1,1,0), then lowest
 * components: "ux*ux[1,1,0]", "uz*uz[1,1,0]", "ux*uy[1,1,0]", "ux^2*uy^2"). */
#ifndef FIT_SAT_H
#define FIT_SAT_H

#include "model.h"
#include "poly.h"
#include "symmetry.h"

#define HF_SAT_MAX_GROUPS 4
#define HF_SAT_MAX_FAMILIES 128

typedef struct {
  int kind;         /* enum hf_var_kind */
  int deg;          /* number of factors, >= 1 */
  int at_neighbour; /* 0: at the anchor cell; 1: at the neighbour position d */
} hf_sat_group;

typedef struct {
  int ngroups;
  hf_sat_group g[HF_SAT_MAX_GROUPS];
  int shell_min, shell_max; /* neighbour shells, used when a group is at the neighbour */
} hf_sat_family;

typedef struct {
  int n;
  hf_sat_family f[HF_SAT_MAX_FAMILIES];
} hf_sat_request;

typedef struct {
  char name[64];   /* "<family>[.s<shell>].<k>", e.g. "u4.2", "u1-u1.s2.3"; unique */
  char family[48]; /* family tag: anchor groups, then '-' and neighbour groups: "eta1u2" */
  int ifamily;     /* index of the family in the request */
  int shell;       /* neighbour shell, -1 for families without a neighbour group */
  int degree;      /* total polynomial degree */
  char seed[256];  /* the seed monomial as an expression (use with symmetrize: orbit) */
  hf_mono rep;     /* the seed monomial, canonical, coefficient 1 */
  hf_poly poly;    /* the invariant: canonical, coefficients +-1 (seed +1) */
} hf_sat_term;

typedef struct {
  int n, cap;
  hf_sat_term *t;
} hf_sat_set;

/* ---- requests */
void hf_sat_request_init(hf_sat_request *r);
/* Appends families from a spec: groups separated by blanks or '*',
 *   group := var ['^' range] ['@' range]     var := u v w omega sigma eta etaL
 *   range := INT | INT '..' INT
 * '^' gives the degree (default 1), '@' puts the group at the neighbour with the
 * shell range (every '@' group must give the same range).  Degree ranges expand
 * into one family per combination.  Groups of one variable at one position are
 * merged ("u u" = "u^2").  Errors say what was expected where. */
int hf_sat_request_add(hf_sat_request *r, const char *spec, hf_err *err);
/* Appends one family built in code. */
int hf_sat_request_add_family(hf_sat_request *r, const hf_sat_family *f, hf_err *err);
/* Defaults after paper 003 for the degrees of freedom in dof (enum hf_dof):
 *   u:      u^2..4, u u@1..3                 omega:  w^2..4, w w@1..3
 *   v:      v v@0..2 (reaches the nearest-neighbour difference forms of the
 *           inhomogeneous elastic energy)    u+v:    etaL u^2
 *   eta:    eta^2;  with u: eta u^2;  with omega: eta w^2
 *   u+omega: u^2 w^2 (u^2 w^2@1 when u and omega sit on different sublattices)
 *   sigma:  u^1..3 sigma@0..1, v sigma@0..1, w^2 sigma@0..1 (for the fields present)
 * Anharmonic intersite terms (u^3 u@1, u w^2@1, ...) and the bilinear u-v
 * pair "u v@1" are opt-in: paper 003 couples u to v only through the local
 * strain, and of the two u-v invariants at the nearest A-B shell one breaks
 * translation invariance (a rigid shift of v would change the energy). */
int hf_sat_request_default(hf_sat_request *r, unsigned dof, const hf_sites *sites, hf_err *err);
/* Family tag as used in term names ("u1-u1", "eta1u2", "u2-sigma1"). */
void hf_sat_family_tag(const hf_sat_family *f, char *buf, int n);

/* Squared distance (units a0^2) and number of neighbours of shell `shell`
 * between the sublattices of kinds ka (anchor) and kb (neighbour). */
int hf_sat_shell_info(const hf_sites *sites, int ka, int kb, int shell, double *r2, int *count,
                      hf_err *err);

/* ---- generation */
void hf_sat_set_init(hf_sat_set *s);
void hf_sat_set_free(hf_sat_set *s);
/* Fills s (emptied first) with the basis for the request, sites from
 * hf_model_sites.  Deterministic. */
int hf_sat_generate(hf_sat_set *s, const hf_sat_request *r, const hf_sites *sites, hf_err *err);

/* The full invariant as an explicit expression ("ux^4 + uy^4 + uz^4",
 * "ux*uy[1,1,0] - ux*uy[1,-1,0] + ..."), usable with symmetrize: none.
 * HF_FAIL if it does not fit in n characters. */
int hf_sat_expr_full(const hf_sat_term *t, char *buf, int n);

/* Coefficients of p in the basis (coef[s->n]) and the relative residual
 * ||p - sum coef_k t_k||_2 / ||p||_2 over monomial coefficients (exact
 * projection: the terms have disjoint supports). */
int hf_sat_decompose(const hf_sat_set *s, const hf_poly *p, double *coef, double *residual,
                     hf_err *err);

/* Appends every term to m as (name, coef 0, seed, symmetrize: orbit) and checks
 * that the model's polynomial equals the generated one. */
int hf_sat_add_to_model(hf_model *m, const hf_sat_set *s, hf_err *err);

#endif
