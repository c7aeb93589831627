/* ewald.c - Ewald summation of the dipole-dipole kernel D(k) (see ewald.h).
 *
 * Work in lattice units (a0 = 1, alpha -> alpha a0); D scales as 1/a0^3.
 * Splitting 1/r = erfc(alpha r)/r + erf(alpha r)/r, T_ab = -d_a d_b (1/r):
 *
 *   D_ab(k) = 4 pi sum_{G, k+G != 0} q_a q_b / q^2 exp(-q^2/(4 alpha^2)),  q = k + G
 *           + sum_{R != 0} [B(R) delta_ab - C(R) R_a R_b] cos(k.R)
 *           - (4 alpha^3 / (3 sqrt(pi))) delta_ab,
 *
 * where -d_a d_b [erfc(alpha r)/r] = B(r) delta_ab - C(r) x_a x_b with
 *   B(r) = [erfc(alpha r) + (2 alpha r/sqrt(pi)) e^{-alpha^2 r^2}] / r^3,
 *   C(r) = [3 erfc(alpha r) + (2 alpha r/sqrt(pi)) (3 + 2 alpha^2 r^2) e^{-alpha^2 r^2}] / r^5
 * (alpha -> 0 gives B = 1/r^3, C = 3/r^5, i.e. T itself).  The reciprocal
 * term is the lattice sum of -d_a d_b [erf(alpha r)/r] by Poisson summation
 * (Fourier transform 4 pi/q^2 e^{-q^2/4 alpha^2}); it includes R = 0, whose
 * value (4 alpha^3/(3 sqrt(pi))) delta_ab is the last line.
 *
 * Real space: T_ab is even in every component of R for a = b and odd in
 * exactly the two components a, b otherwise, so summing the 8 sign images of
 * R = (n1, n2, n3), n_i >= 0, gives products of 1D factors
 *   xx: c1 c2 c3,  xy: -s1 s2 c3 (etc.),  c_i = m_i cos(k_i n_i), s_i = m_i sin(k_i n_i),
 * m_i = 1 for n_i = 0 and 2 otherwise (folded into F).  Over the cube 0 <= n_i <= nR this is a
 * separable contraction F[n1][n2][n3] X[n1] Y[n2] Z[n3], done one axis at a
 * time (y once per ky, x once per (kx, ky) column, z per k-point) with
 * cos/sin from tables of cos(2 pi j/L): no trigonometry per k-point.
 *
 * Reciprocal space: with t = k a0/(2 pi) in the first zone (-1/2, 1/2]^3 the
 * set {n : dist(n, [-1/2,1/2]^3) <= rho} contains every G with |k+G| a0/(2 pi)
 * <= rho for every k; the Gaussian factorizes, exp(-q^2/4 alpha^2) =
 * prod_i exp(-q_i^2/4 alpha^2), so per-axis tables give it without exp per
 * k-point.
 *
 * Cutoffs (both sums, absolute error in units of 1/a0^3, target 1e-16 |D(0)|):
 *   nR: smallest integer with 4 pi int_{nR}^inf r^2 (B + C r^2) dr <= tol (every
 *       excluded R has |R| > nR; B + C r^2 bounds |T_ab|);
 *   rho: 4 pi Nshell e^{-pi^2 rho^2/alpha^2} <= tol with Nshell = 4 pi/3 (rho + 4.9)^3
 *       points (generous count of the excluded G that are not negligible).
 * With the default alpha a0 = 0.32: rho = 0.68 < 1/sqrt(2), so only G = 0 and
 * the 6 vectors +-2 pi e_i/a0 are needed, and nR = 20 (21^3 real-space
 * points per octant).  The result agrees with alpha a0 = 0.2 .. 2 to a few
 * 1e-15 relative to |D(0)| (rounding; 3e-14 at alpha a0 = 3). */
#include "ewald.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EW_PI 3.14159265358979323846
#define EW_SQRT_PI 1.77245385090551602730

/* absolute truncation target for each sum, lattice units (|D(0)| = 4.19) */
#define EW_TOL (1e-16 * 4.0 * EW_PI / 3.0)

/* Real-space cutoff nR for splitting parameter al (lattice units). */
static int real_cutoff(double al) {
  const double rmax = 14.0 / al; /* al^2 r^2 = 196: the integrand is < 1e-80 */
  const int nmax = (int)ceil(rmax);
  const int sub = 64;
  double s = 0.0;
  int nr = nmax;
  for (int R = nmax; R >= 1; R--) {
    /* add int_{R-1}^{R}; s is then the tail from R-1 */
    if (s <= EW_TOL) nr = R;
    double h = 1.0 / sub;
    for (int i = 0; i < sub; i++) {
      double r = (R - 1) + (i + 0.5) * h;
      double ar = al * r, e = exp(-ar * ar);
      double f = (4.0 * erfc(ar) + 2.0 * ar / EW_SQRT_PI * (4.0 + 2.0 * ar * ar) * e) / (r * r * r);
      s += 4.0 * EW_PI * r * r * f * h;
    }
  }
  return nr;
}

/* Reciprocal-space radius rho (units of 2 pi/a0) for al (lattice units). */
static double recip_cutoff(double al) {
  double rho = 0.0;
  for (int it = 0; it < 50; it++) {
    double nshell = 4.0 * EW_PI / 3.0 * pow(rho + 4.9, 3.0);
    rho = al / EW_PI * sqrt(log(4.0 * EW_PI * nshell / EW_TOL));
  }
  return rho;
}

typedef struct {
  int L;
  int nk;          /* table rows: L (x, y) or L/2 + 1 (z) */
  int N;           /* real-space points per axis: nR + 1 */
  int nG;          /* G components -nG..nG */
  double *cs, *sn; /* [j*N + n]: cos(2 pi m_j n / L), sin(...) */
  double *q, *g;   /* [j*(2nG+1) + n + nG]: 2 pi (m_j/L + n), exp(-q^2/(4 al^2)) */
} axis_tab;

static void axis_free(axis_tab *t) {
  free(t->cs);
  free(t->sn);
  free(t->q);
  free(t->g);
}

static int axis_init(axis_tab *t, int L, int nk, int N, int nG, double al) {
  memset(t, 0, sizeof *t);
  t->L = L;
  t->nk = nk;
  t->N = N;
  t->nG = nG;
  int wg = 2 * nG + 1;
  t->cs = malloc((size_t)nk * (size_t)N * sizeof *t->cs);
  t->sn = malloc((size_t)nk * (size_t)N * sizeof *t->sn);
  t->q = malloc((size_t)nk * (size_t)wg * sizeof *t->q);
  t->g = malloc((size_t)nk * (size_t)wg * sizeof *t->g);
  double *c0 = malloc((size_t)L * sizeof *c0), *s0 = malloc((size_t)L * sizeof *s0);
  if (!t->cs || !t->sn || !t->q || !t->g || !c0 || !s0) {
    free(c0);
    free(s0);
    axis_free(t);
    return HF_FAIL;
  }
  for (int j = 0; j < L; j++) {
    c0[j] = cos(2.0 * EW_PI * j / L);
    s0[j] = sin(2.0 * EW_PI * j / L);
  }
  for (int j = 0; j < nk; j++) {
    int m = j > L / 2 ? j - L : j;
    for (int n = 0; n < N; n++) {
      int p = (int)(((long long)m * n % L + L) % L);
      t->cs[(size_t)j * N + n] = c0[p];
      t->sn[(size_t)j * N + n] = s0[p];
    }
    for (int n = -nG; n <= nG; n++) {
      double q = 2.0 * EW_PI * ((double)m / L + n);
      t->q[(size_t)j * wg + n + nG] = q;
      t->g[(size_t)j * wg + n + nG] = exp(-q * q / (4.0 * al * al));
    }
  }
  free(c0);
  free(s0);
  return HF_OK;
}

/* Which 1D factor (0 = cos, 1 = sin) component c uses along axis i. */
static const int kOdd[6][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
static const int kCa[6] = {0, 1, 2, 1, 2, 0}, kCb[6] = {0, 1, 2, 2, 0, 1};

typedef struct {
  int n[3];
} ew_gvec;

/* Frees the kernel's scratch (any pointer may be NULL). */
static void free_scratch(ew_gvec *G, double *F, double *J, double *H, double *gq, axis_tab ax[3]) {
  free(G);
  free(F);
  free(J);
  free(H);
  free(gq);
  for (int i = 0; i < 3; i++) axis_free(&ax[i]);
}

static int kernel(const hf_lattice *lat, double a0, double al, double *D, hf_err *err) {
  const int Lx = lat->L[0], Ly = lat->L[1], Lz = lat->L[2], nzh = Lz / 2 + 1;
  const int nR = real_cutoff(al), N = nR + 1;
  const double rho = recip_cutoff(al);
  const int nG = (int)floor(rho + 0.5), wg = 2 * nG + 1;
  const size_t N3 = (size_t)N * N * N;

  /* G list */
  int ng = 0;
  ew_gvec *G = malloc((size_t)wg * wg * wg * sizeof *G);
  /* real-space octant table, per-axis tables, scratch */
  double *F = malloc(6 * N3 * sizeof *F);
  double *J = malloc(6 * (size_t)N * N * sizeof *J);
  double *H = malloc(6 * (size_t)N * sizeof *H);
  double *gq = malloc(6 * (size_t)wg * wg * wg * sizeof *gq);
  axis_tab ax[3] = {0};
  int ok = G && F && J && H && gq;
  if (ok) ok = axis_init(&ax[0], Lx, Lx, N, nG, al) == HF_OK;
  if (ok) ok = axis_init(&ax[1], Ly, Ly, N, nG, al) == HF_OK;
  if (ok) ok = axis_init(&ax[2], Lz, nzh, N, nG, al) == HF_OK;
  if (!ok) {
    free_scratch(G, F, J, H, gq, ax);
    return hf_fail(err, "dipole kernel: out of memory (real-space cutoff %d, %d G components)", nR,
                   nG);
  }

  for (int a = -nG; a <= nG; a++)
    for (int b = -nG; b <= nG; b++)
      for (int c = -nG; c <= nG; c++) {
        int n[3] = {a, b, c};
        double d2 = 0.0;
        for (int i = 0; i < 3; i++) {
          double d = fabs((double)n[i]) - 0.5;
          if (d > 0) d2 += d * d;
        }
        if (d2 <= rho * rho) G[ng++] = (ew_gvec){{a, b, c}};
      }

  /* F[c][(n1*N + n2)*N + n3] = mult * (signed) real-space tensor */
  for (int n1 = 0; n1 < N; n1++)
    for (int n2 = 0; n2 < N; n2++)
      for (int n3 = 0; n3 < N; n3++) {
        size_t idx = ((size_t)n1 * N + n2) * N + n3;
        for (int c = 0; c < 6; c++) F[c * N3 + idx] = 0.0;
        if (!n1 && !n2 && !n3) continue;
        double x[3] = {n1, n2, n3};
        double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2], r = sqrt(r2);
        double ar = al * r, e = 2.0 * ar / EW_SQRT_PI * exp(-ar * ar), ec = erfc(ar);
        double B = (ec + e) / (r2 * r);
        double C = (3.0 * ec + e * (3.0 + 2.0 * ar * ar)) / (r2 * r2 * r);
        double mult = (n1 ? 2.0 : 1.0) * (n2 ? 2.0 : 1.0) * (n3 ? 2.0 : 1.0);
        for (int c = 0; c < 3; c++) F[c * N3 + idx] = mult * (B - C * x[c] * x[c]);
        /* off-diagonal: T_ab = -C x_a x_b and (i sin)(i sin) = -sin sin */
        for (int c = 3; c < 6; c++) F[c * N3 + idx] = mult * C * x[kCa[c]] * x[kCb[c]];
      }

  const double self = 4.0 * al * al * al / (3.0 * EW_SQRT_PI);
  const double scale = 1.0 / (a0 * a0 * a0);
  for (int ky = lat->ky0; ky < lat->ky0 + lat->nky; ky++) { /* this rank's k slab */
    /* J[c][n1*N + n3] = sum_n2 F[c][n1][n2][n3] Y_c[n2] */
    for (int c = 0; c < 6; c++) {
      const double *Y = (kOdd[c][1] ? ax[1].sn : ax[1].cs) + (size_t)ky * N;
      double *Jc = J + (size_t)c * N * N;
      const double *Fc = F + c * N3;
      for (int n1 = 0; n1 < N; n1++) {
        double *row = Jc + (size_t)n1 * N;
        for (int n3 = 0; n3 < N; n3++) row[n3] = 0.0;
        for (int n2 = 0; n2 < N; n2++) {
          double y = Y[n2];
          const double *f = Fc + ((size_t)n1 * N + n2) * N;
          for (int n3 = 0; n3 < N; n3++) row[n3] += f[n3] * y;
        }
      }
    }
    for (int kx = 0; kx < Lx; kx++) {
      /* H[c][n3] = sum_n1 X_c[n1] J[c][n1][n3] */
      for (int c = 0; c < 6; c++) {
        const double *X = (kOdd[c][0] ? ax[0].sn : ax[0].cs) + (size_t)kx * N;
        const double *Jc = J + (size_t)c * N * N;
        double *h = H + (size_t)c * N;
        for (int n3 = 0; n3 < N; n3++) h[n3] = 0.0;
        for (int n1 = 0; n1 < N; n1++) {
          double xv = X[n1];
          const double *row = Jc + (size_t)n1 * N;
          for (int n3 = 0; n3 < N; n3++) h[n3] += row[n3] * xv;
        }
      }
      /* per-column parts of the G terms: qx^2, qy^2, qx qy, qx, qy, gx gy */
      for (int i = 0; i < ng; i++) {
        double qx = ax[0].q[(size_t)kx * wg + G[i].n[0] + nG];
        double qy = ax[1].q[(size_t)ky * wg + G[i].n[1] + nG];
        double gxy =
            ax[0].g[(size_t)kx * wg + G[i].n[0] + nG] * ax[1].g[(size_t)ky * wg + G[i].n[1] + nG];
        double *p = gq + 6 * (size_t)i;
        p[0] = qx * qx;
        p[1] = qy * qy;
        p[2] = qx * qy;
        p[3] = qx;
        p[4] = qy;
        p[5] = gxy;
      }
      double *Dcol = D + 6 * hf_kindex(lat, kx, ky, 0);
      for (int kz = 0; kz < nzh; kz++) {
        const double *cz = ax[2].cs + (size_t)kz * N, *sz = ax[2].sn + (size_t)kz * N;
        double d[6];
        for (int c = 0; c < 6; c++) {
          const double *Z = kOdd[c][2] ? sz : cz;
          const double *h = H + (size_t)c * N;
          double s = 0.0;
          for (int n3 = 0; n3 < N; n3++) s += h[n3] * Z[n3];
          d[c] = s;
        }
        double rxx = 0, ryy = 0, rzz = 0, ryz = 0, rzx = 0, rxy = 0;
        const double *qzt = ax[2].q + (size_t)kz * wg + nG, *gzt = ax[2].g + (size_t)kz * wg + nG;
        for (int i = 0; i < ng; i++) {
          const double *p = gq + 6 * (size_t)i;
          double qz = qzt[G[i].n[2]];
          double q2 = p[0] + p[1] + qz * qz;
          if (q2 == 0.0) continue; /* k + G = 0: tin-foil */
          double w = p[5] * gzt[G[i].n[2]] / q2;
          rxx += w * p[0];
          ryy += w * p[1];
          rzz += w * qz * qz;
          ryz += w * p[4] * qz;
          rzx += w * qz * p[3];
          rxy += w * p[2];
        }
        double *out = Dcol + 6 * (size_t)kz;
        out[0] = (d[0] + 4.0 * EW_PI * rxx - self) * scale;
        out[1] = (d[1] + 4.0 * EW_PI * ryy - self) * scale;
        out[2] = (d[2] + 4.0 * EW_PI * rzz - self) * scale;
        out[3] = (d[3] + 4.0 * EW_PI * ryz) * scale;
        out[4] = (d[4] + 4.0 * EW_PI * rzx) * scale;
        out[5] = (d[5] + 4.0 * EW_PI * rxy) * scale;
      }
    }
  }

  free_scratch(G, F, J, H, gq, ax);
  return HF_OK;
}

int hf_dipole_kernel_alpha(const hf_lattice *lat, double a0, double alpha, double *D, hf_err *err) {
  if (!lat || !D) return hf_fail(err, "dipole kernel: NULL lattice or output");
  for (int i = 0; i < 3; i++)
    if (lat->L[i] < 1)
      return hf_fail(err, "dipole kernel: supercell size L[%d] = %d must be positive", i,
                     lat->L[i]);
  if (!(a0 > 0.0) || !isfinite(a0))
    return hf_fail(err, "dipole kernel: lattice constant a0 = %g must be positive", a0);
  double al = alpha * a0;
  if (!(al >= 0.2 && al <= 3.0))
    return hf_fail(err, "dipole kernel: Ewald alpha*a0 = %g outside [0.2, 3]", al);
  return kernel(lat, a0, al, D, err);
}

int hf_dipole_kernel(const hf_lattice *lat, double a0, double *D, hf_err *err) {
  if (!(a0 > 0.0) || !isfinite(a0))
    return hf_fail(err, "dipole kernel: lattice constant a0 = %g must be positive", a0);
  return hf_dipole_kernel_alpha(lat, a0, HF_EWALD_ALPHA / a0, D, err);
}
