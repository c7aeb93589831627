/* engine_internal.h - the compiled engine's layout, shared by engine.c
 * (compiling a model, reciprocal space, orchestration) and realspace.c (the
 * per-row real-space kernels).  Not part of the public API. */
#ifndef HF_ENGINE_INTERNAL_H
#define HF_ENGINE_INTERNAL_H

#include <fftw3.h>

#include "comm.h"
#include "engine.h"
#include "local_strain.h"
#include "pair_kernel.h"
#include "poly_eval.h"

/* g_v(i) += M v(i + d): one gather of the bilinear v-v gradient. */
typedef struct {
  int d[3];
  double M[3][3];
} vv_gather;

/* One nonzero of the v-v gradient: g_to(i) += c v_from(i + d). */
typedef struct {
  int d[3], from;
  double c;
} vv_term;

/* Four doubles as one SIMD value (GCC/Clang vector extension), for the
 * row kernels: the v-v gather keeps partial sums in registers across a loop
 * over nonzeros known only at run time, and the local terms carry several
 * reductions; the auto-vectoriser does neither reliably.  Loads and stores go through memcpy
 * (unaligned, no aliasing questions); no v4d crosses a function boundary. */
typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16))); /* one complex number */

/* The common case of the local terms in one pass (engine->fast): the
 * cubic quartic on-site polynomial P = A sum_a s_a^2 + B sum_{a<b} s_a s_b
 * of s_a = u_a^2, and a local coupling with the cubic pattern C_aa = ca,
 * C_ab = cb (a != b < 3), C_ss = cs (shears), the rest 0.  That is all that
 * cubic invariance allows at this order; other models take the general
 * sweeps of local_row. */
typedef struct {
  double al, qx;    /* dP/ds_a = al s_a + qx sum_b s_b: al = 2A - B, qx = B */
  double amb, b, c; /* ca - cb, cb, cs (already divided by 4 a0) */
  double Ceff[6];   /* homogeneous strain coupling of this evaluation */
} fast_coef;

/* One worker's row-pass scratch (see the row pass in struct hf_engine). */
typedef struct {
  double *vring, *gring;
  double **vpl, **gpl; /* ring plane of each x offset for the current x */
  const double **vvp;  /* source pointer and coefficient per v-v nonzero */
  double *vvc;
  double *row;                              /* row scratch: */
  double *eL[6], *sL[6], *U[6], *C[6], *pw; /* sL has a 0 before and after */
  double *xr[3]; /* x-row sets (strain_xrow): two in turn, and one of zeros (no local strain) */
  /* omega (w_row): padded rows of the w-w source rows, their pointers and
   * coefficients per nonzero, and the power rows of the on-site monomials */
  double *wpad;
  const double **wsp; /* start (z = 0) of each source row */
  const double **wwp;
  double *wwc;
  double *wpw;
} rs_work;

/* The even quartic on-site polynomial of the omega kernels in the squares
 * s_k = x_k^2 of x = ux uy uz wx wy wz (w^2, w^4 invariants, u^2 w^2):
 * P = sum_k s_k (A_k + (1/2) sum_l B_kl s_l), so dP/ds_k = A_k + sum_l B_kl s_l
 * with B symmetric.  Other on-site omega polynomials take onsite_row. */
typedef struct {
  double A[6], B[6][6];
} even_quartic;

typedef struct {
  double on, hom, loc, vv;
  double Usum[6];
  double w;       /* omega kernels: on-site and w-w */
  double Wsum[6]; /* sum_i w_a w_b per Voigt pair (homogeneous strain-w coupling) */
} rs_energy;

/* On-site monomials c prod_k x_k^pow[k] of the six variables ux uy uz wx wy wz
 * of one cell (the u polynomial uses the first three only). */
typedef struct {
  int n, maxp;
  int (*pow)[6];
  double *c;
} onsite_list;

/* Bilinear intersite terms of one vector field as gathers (v-v, w-w): merged
 * by shift while compiling, then listed as nonzeros per gradient component. */
typedef struct {
  int n;
  vv_gather *g;
  int nt[3];
  vv_term *t[3];
  int lo[3], hi[3]; /* offsets reached, per axis */
} gather_set;

struct hf_engine {
  const hf_model *model;
  hf_lattice lat;
  double a0, pressure;
  size_t nmat;      /* material cells (hf_engine_opts.material_cells) */
  double efield[3]; /* applied field, kV/cm */
  double beta[3];   /* depolarization factors (hf_engine_set_depolarization) */
  unsigned mask;
  hf_engine_census census;

  /* ranks (comm.h, docs/mpi.md): with more than one (dist) the engine holds
   * the x slab of lat, k space goes through FFTW's MPI transforms, the row
   * pass gets the neighbours' v planes (vghost) and sends back dE/dv for
   * them (gghost), and partial energies are summed over ranks */
  hf_comm self_comm, *comm;
  int dist;
  double *vghost; /* [lo: -vx_lo planes][hi: vx_hi planes], each [component][plane][cell] */
  double *gghost; /* [lo: -gx_lo planes][hi: gx_hi planes], the same layout */
  double *hbuf;   /* receive buffer of the reverse halo shift */
  size_t nkd;     /* k-points of D: lat.nkloc */

  /* reciprocal space: D[6*q] (xx,yy,zz,yz,zx,xy), prefactors folded in */
  int has_k;
  double *D;
  fftw_complex *ck[3];    /* spectra: nck complex numbers per component */
  size_t nck, ncp;        /* ncp: k-points from one kx plane to the next (fused) */
  fftw_plan r2c, c2r;     /* 3D, or 2D on one x plane (fused) */
  int fused;              /* kspace.c: plane transforms + fused column blocks */
  fftw_plan xf[2], xb[2]; /* x transforms of a column block: full width kb, remainder */
  int kb, nkpart;
  int defer_c2r; /* this evaluation: the row pass does the plane c2r (fused) */
  /* single precision (kspace_single.c): float copies of D and the spectra */
  int single;
  float *Df, *fbuf; /* fbuf: one plane per thread, fpl floats apart */
  /* (ncp is the spacing of the kx planes of ckf, nck not used) */
  size_t fpl;
  fftwf_complex *ckf[3];
  fftwf_plan r2cf, c2rf, xff[2], xbf[2];
  double *kpart; /* energy per kx plane (3D) or column block (fused) */

  /* per-cell local kernel */
  onsite_list on; /* u only */
  int has_hom, has_loc;
  double Chom[6][6], Cloc[6][6]; /* [strain l][voigt pair p] */
  int n_loc;                     /* nonzero entries of Cloc, as a list */
  int loc_l[36], loc_p[36];
  double loc_c[36]; /* Cloc / (4 a0): the row pass builds the strain without that factor */
  int fast;         /* on-site and local coupling fit fast_coef */
  fast_coef fk;

  /* local strain */
  int need_etaL;
  hf_strain_stencil stencil;
  double *etaL[6], *gEtaL[6];

  hf_poly eta_only; /* only homogeneous strain factors */
  gather_set vv;

  /* omega (w_row in the row pass): on-site monomials of w and u-w, the
   * homogeneous strain-w^2 coupling and the w-w gathers; their energies go
   * to hf_energy.other.  The w-w gathers read w planes x + ww.lo[0] ..
   * x + ww.hi[0] (halo wghost on several ranks) and write dE/dw only to the
   * row's own cells, so dE/dw needs no reverse halo. */
  int has_w;
  onsite_list won;
  int won_even; /* won fits even_quartic (wq) */
  even_quartic wq;
  int has_homw;
  double Chomw[6][6]; /* [strain l][voigt pair p] */
  gather_set ww;
  int n_wsrc;        /* distinct source rows of the w-w gathers */
  int (*wsrc)[4];    /* [dx, dy, a, padded]: rows read at z offsets are copied with z halos */
  int *wtsrc[3];     /* source row of each nonzero of ww.t[a] */
  int wzlo, wzhi;    /* z halo widths of a padded w row */
  size_t wzoff, wpz; /* z = 0 position and length of a padded w row */
  double *wghost;    /* [lo planes x 3 components][hi planes x 3 components] */
  hf_wraptab wrap;
  int generic_etaL;     /* generic terms need full local strain arrays */
  int generic_expanded; /* etaL factors of generic terms expanded into v (ranks) */
  hf_poly generic;
  /* two-cell u, v, w monomials (pair_kernel.h), read through the same halos */
  hf_poly pair_poly; /* (while compiling) */
  hf_pair_kernel *pairs;
  /* generic terms on several ranks (docs/mpi.md): each rank evaluates them
   * on its anchor cells; the planes of u, v, w, sigma they read off the slab
   * come in ghalo (per slot lo/hi planes, widths from the terms' x offsets,
   * packed in gxbuf as [lo planes of every slot][hi planes of every slot]),
   * and dE/dx for those planes builds up in ggbuf (the same packing over
   * slots 0..8) and goes back to the owners.  Terms with local strain are
   * expanded into v monomials (the local strain is linear in v). */
  hf_poly_halo ghalo;
  int gnlo, gnhi, gnlo_g, gnhi_g; /* planes per direction: fields, gradients */
  double *gxbuf, *ggbuf, *gsend, *grecv;

  /* Row pass (realspace_pass).  The x planes of v it reads are copied into a
   * ring of nvs padded planes, and dE/dv is accumulated in a ring of ngs
   * padded planes that are written out once complete.  In a padded row z = 0
   * sits at zoff and the periodic images of the zlo cells before and the zhi
   * cells after the row are stored too, so every inner loop is one straight
   * segment, and g->v is written once instead of cleared and updated.
   * The x planes are cut into nchunk chunks that depend on L only (not on the
   * thread count), each run with one worker's rings and row scratch; the
   * dE/dv planes a chunk shares with the next (ntail of them) go to its edge
   * buffer and are added after all chunks, and per-chunk energies are summed
   * in chunk order, so results do not depend on the number of threads. */
  int ring;         /* the pass reads v (v-v terms or local strain) */
  int vx_lo, vx_hi; /* x offsets of the v planes read */
  int gx_lo, gx_hi; /* x offsets of the dE/dv planes written */
  int nvs, ngs;     /* ring sizes in planes */
  int zlo, zhi;     /* halo widths */
  size_t zoff, pz;  /* z = 0 position and length of a padded row */
  int sb[3];        /* offset of strain corner 0 (the corner on the - side of all axes) */
  size_t rs;        /* stride of the row scratch */
  int nthreads;     /* OpenMP threads and FFTW threads */
  rs_work *work;    /* one per thread */
  int nchunk, ntail;
  int stream_gv;   /* dE/dv planes leave the ring with non-temporal stores */
  double *edge;    /* nchunk * ntail planes of dE/dv, 3 components, unpadded */
  rs_energy *part; /* per chunk */
};

/* (ky, kz) columns per block of the fused k-space pass (a multiple of 4) */
#define HF_KSPACE_KB 16
/* Spacing of the kx planes of the fused path's spectra, in complex numbers
 * of csize bytes, for nc k-points per plane (kspace.c). */
size_t hf_kspace_plane_stride(size_t nc, size_t csize);

/* Plans the reciprocal-space transforms (kspace.c); D and ck exist. */
int hf_kspace_setup(hf_engine *e, unsigned flags, int fftw_3d, int single, hf_err *err);
void hf_kspace_free(hf_engine *e);
/* E_k; with g, dE/du of the k-space part written to g->u (unless
 * e->defer_c2r: then hf_kspace_c2r_plane writes it plane by plane). */
double hf_kspace_apply(hf_engine *e, const hf_fields *x, hf_fields *g);
void hf_kspace_c2r_plane(const hf_engine *e, hf_fields *g, int ix);
/* The product on the whole kz lines of k-points [q0, q1) of the spectra;
 * returns their share of 2 E_k N. */
double hf_kspace_lines(const hf_engine *e, size_t q0, size_t q1);

/* FFTW MPI path on x slabs (kspace_mpi.c, built with MPI): plans and
 * spectra; the product (D holds the rank's k slab, hf_kindex order). */
int hf_kspace_mpi_setup(hf_engine *e, unsigned flags, hf_err *err);
double hf_kspace_mpi_apply(hf_engine *e, const hf_fields *x, hf_fields *g);

/* Single-precision fused path (kspace_single.c); setup after the double
 * path's (it reuses kb and nkpart), load_D once D is complete. */
int hf_kspace_single_setup(hf_engine *e, unsigned flags, hf_err *err);
void hf_kspace_single_load_D(hf_engine *e);
void hf_kspace_single_free(hf_engine *e);
size_t hf_kspace_single_bytes(const hf_engine *e);
void hf_kspace_single_r2c_plane(const hf_engine *e, const hf_fields *x, int ix);
void hf_kspace_single_c2r_plane(const hf_engine *e, hf_fields *g, int ix);
double hf_kspace_single_block(const hf_engine *e, int b, int back);

/* Builds the row-pass layout (rings, scratch, fast path) once per engine. */
int hf_realspace_setup(hf_engine *e, hf_err *err);
void hf_realspace_free(hf_engine *e);
size_t hf_realspace_bytes(const hf_engine *e);
/* On-site, strain couplings, local strain and v-v terms: energies into E,
 * gradients into g (u accumulated, v written) and dE/deta into dEdeta. */
void hf_realspace_pass(hf_engine *e, const hf_fields *x, hf_fields *g, double *dEdeta,
                       hf_energy *E);

#endif
