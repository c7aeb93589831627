/* test_dipole.c - the Ewald dipole kernel (ewald.c) against independent
 * references:
 *  (a) uniform mode: D(0) = -(4 pi/3)/a0^3 identity (Lorentz, tin-foil);
 *  (b) the energy (1/2N) sum_k xhat^+ D xhat of random dipoles on small
 *      supercells (FFTW r2c) against a direct real-space sum over periodic
 *      images with a smooth spherical cutoff (zero net dipole: absolutely
 *      convergent; nonzero net dipole: spherical order, which equals
 *      tin-foil + 2 pi |P|^2/(3V));
 *  (c) cubic symmetry D(g k) = g D(k) g^T for all 48 operations g;
 *  (d) independence of the splitting parameter alpha;
 *  (e) invalid input is reported, not crashed on.
 * Every check prints the numbers it compared. */
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "ewald.h"
#include "fields.h"

#define PI 3.14159265358979323846

/* Prints one line per check and counts it (check.h counters). */
static void report(const char *what, double got, double want, double tol, double floor) {
  double scale = fmax(fabs(want), floor), rel = fabs(got - want) / scale;
  int ok = rel <= tol;
  check_count++;
  if (!ok) check_failures++;
  printf("%s %-58s %.15g vs %.15g (rel %.2e, tol %.0e)\n", ok ? "ok  " : "FAIL", what, got, want,
         rel, tol);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static double urand(void) { /* splitmix64 -> [-1, 1) */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-52 - 1.0;
}

/* D(k) at an arbitrary integer wave vector m (k = 2 pi m/(L a0)), using
 * periodicity in m and D(-k) = D(k) to reach the r2c half spectrum. */
static void d_at(const hf_lattice *lat, const double *D, const int m[3], double out[6]) {
  int w[3];
  for (int i = 0; i < 3; i++) w[i] = ((m[i] % lat->L[i]) + lat->L[i]) % lat->L[i];
  if (w[2] > lat->L[2] / 2)
    for (int i = 0; i < 3; i++) w[i] = (lat->L[i] - w[i]) % lat->L[i];
  size_t q = ((size_t)w[0] * lat->L[1] + w[1]) * (size_t)(lat->L[2] / 2 + 1) + w[2];
  memcpy(out, D + 6 * q, 6 * sizeof *out);
}

static const int kA[6] = {0, 1, 2, 1, 2, 0}, kB[6] = {0, 1, 2, 2, 0, 1};

/* Energy (1/2N) sum_k xhat^+ D xhat from the kernel, via FFTW r2c. */
static double energy_kspace(const hf_lattice *lat, const double *D, double *const p[3]) {
  double *in = fftw_alloc_real(lat->n);
  fftw_complex *xh[3];
  for (int c = 0; c < 3; c++) xh[c] = fftw_alloc_complex(lat->nk);
  fftw_plan plan = fftw_plan_dft_r2c_3d(lat->L[0], lat->L[1], lat->L[2], in, xh[0], FFTW_ESTIMATE);
  for (int c = 0; c < 3; c++) {
    memcpy(in, p[c], lat->n * sizeof *in);
    fftw_execute_dft_r2c(plan, in, xh[c]);
  }
  int nzh = lat->L[2] / 2 + 1;
  double E = 0.0;
  for (size_t q = 0; q < lat->nk; q++) {
    int kz = (int)(q % (size_t)nzh);
    double wt = (kz == 0 || (lat->L[2] % 2 == 0 && kz == lat->L[2] / 2)) ? 1.0 : 2.0;
    double s = 0.0;
    for (int c = 0; c < 6; c++) {
      int a = kA[c], b = kB[c];
      double re = xh[a][q][0] * xh[b][q][0] + xh[a][q][1] * xh[b][q][1]; /* Re(conj(xa) xb) */
      s += (c < 3 ? 1.0 : 2.0) * D[6 * q + c] * re;
    }
    E += wt * s;
  }
  fftw_destroy_plan(plan);
  for (int c = 0; c < 3; c++) fftw_free(xh[c]);
  fftw_free(in);
  return E / (2.0 * (double)lat->n);
}

/* Smooth radial window, 1 at s = 0 and 0 at s = 1 (both to 1e-17):
 * erfc((s - 1/2)/width)/2, width = 1/12. */
static double window(double s) {
  if (s >= 1.0) return 0.0;
  return 0.5 * erfc((s - 0.5) * 12.0);
}

/* Direct real-space energy (1/2) sum_n sum_{i,j}' p_i T(R_j - R_i + L n) p_j,
 * summed over image cells n with weight window(|L n|/rc) (lattice units): a
 * smooth spherical cutoff.  Summing by parts, it is a weighted mean of the
 * sharp spherical partial sums, so it has their limit (absolutely convergent
 * for zero net dipole; the spherical-order value otherwise), but it converges
 * much faster: the window varies on a scale rc/12 much larger than the
 * supercell, so by Poisson summation the shell-to-shell lattice fluctuations
 * of the sharp sums are damped by ~exp(-(pi rc/(12 L))^2).  Observed: rc = 64
 * (lattice units) agrees with rc = 96 to ~1e-13 on all cases below, and
 * rc = 48 is off by up to ~1e-7 (4x3x2).
 * If sharp != NULL it also returns the sharp partial sum over |L n| <= rc/2
 * (for information: it converges slowly and irregularly).
 * Uses the pair autocorrelation S(d) = sum_{r_j - r_i = d} p_i p_j^T. */
static double energy_direct(const hf_lattice *lat, double a0, double *const p[3], double rc,
                            double *sharp) {
  const int *L = lat->L;
  int w[3] = {2 * L[0] - 1, 2 * L[1] - 1, 2 * L[2] - 1};
  size_t nd = (size_t)w[0] * w[1] * w[2];
  double *S = calloc(9 * nd, sizeof *S);
  for (int x1 = 0; x1 < L[0]; x1++)
    for (int y1 = 0; y1 < L[1]; y1++)
      for (int z1 = 0; z1 < L[2]; z1++)
        for (int x2 = 0; x2 < L[0]; x2++)
          for (int y2 = 0; y2 < L[1]; y2++)
            for (int z2 = 0; z2 < L[2]; z2++) {
              size_t i = hf_index(lat, x1, y1, z1), j = hf_index(lat, x2, y2, z2);
              size_t d = ((size_t)(x2 - x1 + L[0] - 1) * w[1] + (y2 - y1 + L[1] - 1)) * w[2] +
                         (z2 - z1 + L[2] - 1);
              for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) S[9 * d + 3 * a + b] += p[a][i] * p[b][j];
            }
  int nmax[3];
  for (int i = 0; i < 3; i++) nmax[i] = (int)ceil(rc / L[i]) + 1;
  double E = 0.0, Es = 0.0;
  for (int n0 = -nmax[0]; n0 <= nmax[0]; n0++)
    for (int n1 = -nmax[1]; n1 <= nmax[1]; n1++)
      for (int n2 = -nmax[2]; n2 <= nmax[2]; n2++) {
        double c[3] = {(double)n0 * L[0], (double)n1 * L[1], (double)n2 * L[2]};
        double s = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / rc, wt = window(s);
        if (wt == 0.0) continue;
        double e = 0.0;
        for (size_t d = 0; d < nd; d++) {
          int dz = (int)(d % w[2]) - (L[2] - 1), dy = (int)((d / w[2]) % w[1]) - (L[1] - 1);
          int dx = (int)(d / ((size_t)w[1] * w[2])) - (L[0] - 1);
          double R[3] = {(c[0] + dx) * a0, (c[1] + dy) * a0, (c[2] + dz) * a0};
          double r2 = R[0] * R[0] + R[1] * R[1] + R[2] * R[2];
          if (r2 == 0.0) continue; /* self term */
          double r = sqrt(r2), ir3 = 1.0 / (r2 * r), ir5 = 3.0 * ir3 / r2;
          const double *sd = S + 9 * d;
          double tr = sd[0] + sd[4] + sd[8], rsr = 0.0;
          for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) rsr += R[a] * sd[3 * a + b] * R[b];
          e += tr * ir3 - rsr * ir5;
        }
        E += wt * e;
        if (s <= 0.5) Es += e;
      }
  free(S);
  if (sharp) *sharp = 0.5 * Es;
  return 0.5 * E;
}

static double *kernel_or_die(const hf_lattice *lat, double a0) {
  hf_err err = {{0}};
  double *D = malloc(6 * lat->nk * sizeof *D);
  if (!D || hf_dipole_kernel(lat, a0, D, &err)) {
    printf("FAIL hf_dipole_kernel: %s\n", err.msg);
    exit(1);
  }
  return D;
}

static void test_uniform(double a0) {
  hf_lattice lat;
  hf_err err = {{0}};
  int L[3] = {4, 5, 3};
  if (hf_lattice_init(&lat, L, &err)) exit(1);
  double *D = kernel_or_die(&lat, a0);
  double want = -4.0 * PI / 3.0 / (a0 * a0 * a0);
  const char *nm[6] = {"xx", "yy", "zz", "yz", "zx", "xy"};
  char what[96];
  for (int c = 0; c < 6; c++) {
    snprintf(what, sizeof what, "(a) D_%s(k=0), 4x5x3, a0=%g", nm[c], a0);
    report(what, D[c], c < 3 ? want : 0.0, 1e-10, fabs(want));
  }
  free(D);
}

static void test_energy(const int L[3], double a0, int zero_net, double rc) {
  hf_lattice lat;
  hf_err err = {{0}};
  if (hf_lattice_init(&lat, L, &err)) exit(1);
  double *p[3];
  for (int c = 0; c < 3; c++) {
    p[c] = malloc(lat.n * sizeof *p[c]);
    double mean = 0.0;
    for (size_t i = 0; i < lat.n; i++) mean += (p[c][i] = urand() + (zero_net ? 0.0 : 0.3));
    mean /= (double)lat.n;
    if (zero_net)
      for (size_t i = 0; i < lat.n; i++) p[c][i] -= mean;
  }
  double P2 = 0.0;
  for (int c = 0; c < 3; c++) {
    double P = 0.0;
    for (size_t i = 0; i < lat.n; i++) P += p[c][i];
    P2 += P * P;
  }
  double *D = kernel_or_die(&lat, a0);
  double Ek = energy_kspace(&lat, D, p);
  double V = (double)lat.n * a0 * a0 * a0;
  double shape = 2.0 * PI / (3.0 * V) * P2;
  double sharp, Ed = energy_direct(&lat, a0, p, rc, &sharp);
  double Ed2 = energy_direct(&lat, a0, p, 0.75 * rc, NULL);
  char what[128];
  snprintf(what, sizeof what, "(b) %dx%dx%d %s: direct rc=%g vs rc=%g (convergence)", L[0], L[1],
           L[2], zero_net ? "P=0" : "P!=0", rc, 0.75 * rc);
  /* the error falls like exp(-(pi rc/(12 L))^2): 48 -> 64 gains a factor ~1e-3 for L = 4 */
  report(what, Ed2, Ed, 1e-6, fabs(Ed));
  if (zero_net)
    snprintf(what, sizeof what, "(b) %dx%dx%d P=0: Ewald E vs direct E", L[0], L[1], L[2]);
  else
    snprintf(what, sizeof what, "(b) %dx%dx%d P!=0: Ewald E + 2pi|P|^2/3V vs direct E", L[0], L[1],
             L[2]);
  report(what, Ek + shape, Ed, 1e-9, fabs(Ed));
  printf("     (info: Ewald E = %.15g, shape term = %.6g, sharp sphere sum |Ln|<=%g: %.12g)\n", Ek,
         shape, 0.5 * rc, sharp);
  free(D);
  for (int c = 0; c < 3; c++) free(p[c]);
}

static void test_symmetry(void) {
  hf_lattice lat;
  hf_err err = {{0}};
  int L[3] = {6, 6, 6};
  if (hf_lattice_init(&lat, L, &err)) exit(1);
  double *D = kernel_or_die(&lat, 1.0);
  const int perms[6][3] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 0, 2}};
  const int ks[5][3] = {{1, 0, 0}, {1, 2, 0}, {1, 2, 3}, {3, 3, 1}, {-2, 1, 3}};
  for (int t = 0; t < 5; t++) {
    double Dk[6], M[3][3], maxdev = 0.0, norm = 0.0;
    d_at(&lat, D, ks[t], Dk);
    for (int c = 0; c < 6; c++) {
      M[kA[c]][kB[c]] = M[kB[c]][kA[c]] = Dk[c];
      norm = fmax(norm, fabs(Dk[c]));
    }
    for (int pi = 0; pi < 6; pi++)
      for (int sg = 0; sg < 8; sg++) {
        int s[3] = {sg & 1 ? -1 : 1, sg & 2 ? -1 : 1, sg & 4 ? -1 : 1}, gm[3];
        const int *pm = perms[pi];
        for (int i = 0; i < 3; i++) gm[i] = s[i] * ks[t][pm[i]]; /* (g k)_i = s_i k_pi(i) */
        double Dg[6];
        d_at(&lat, D, gm, Dg);
        for (int c = 0; c < 6; c++) {
          int a = kA[c], b = kB[c];
          double want = s[a] * s[b] * M[pm[a]][pm[b]];
          maxdev = fmax(maxdev, fabs(Dg[c] - want));
        }
      }
    char what[96];
    snprintf(what, sizeof what, "(c) 6^3 m=(%d,%d,%d): max |D(gk) - g D(k) g^T| over 48 g",
             ks[t][0], ks[t][1], ks[t][2]);
    report(what, maxdev, 0.0, 1e-12, norm);
  }
  free(D);
}

static void test_alpha(void) {
  hf_lattice lat;
  hf_err err = {{0}};
  int L[3] = {6, 5, 4};
  if (hf_lattice_init(&lat, L, &err)) exit(1);
  double a0 = 3.9;
  double *D = kernel_or_die(&lat, a0), *D2 = malloc(6 * lat.nk * sizeof *D2);
  const double als[3] = {0.25, 1.0, 2.0};
  for (int t = 0; t < 3; t++) {
    if (hf_dipole_kernel_alpha(&lat, a0, als[t] / a0, D2, &err)) {
      printf("FAIL hf_dipole_kernel_alpha: %s\n", err.msg);
      check_count++;
      check_failures++;
      continue;
    }
    double dev = 0.0;
    size_t qmax = 0;
    for (size_t q = 0; q < 6 * lat.nk; q++)
      if (fabs(D2[q] - D[q]) > dev) dev = fabs(D2[q] - D[q]), qmax = q;
    char what[96];
    snprintf(what, sizeof what, "(d) 6x5x4 alpha a0=%.2f vs default, worst entry", als[t]);
    report(what, D2[qmax], D[qmax], 1e-12, 4.0 * PI / 3.0 / (a0 * a0 * a0));
  }
  free(D);
  free(D2);
}

static void test_errors(void) {
  hf_lattice lat;
  hf_err err = {{0}};
  int L[3] = {2, 2, 2};
  if (hf_lattice_init(&lat, L, &err)) exit(1);
  double D[6 * 12];
  int rc = hf_dipole_kernel(&lat, 0.0, D, &err);
  check_count++;
  if (rc != HF_FAIL || !err.msg[0]) check_failures++;
  printf("%s (e) a0 = 0 rejected: rc = %d, \"%s\"\n", rc == HF_FAIL ? "ok  " : "FAIL", rc, err.msg);
  err.msg[0] = 0;
  rc = hf_dipole_kernel_alpha(&lat, 1.0, 10.0, D, &err);
  check_count++;
  if (rc != HF_FAIL || !err.msg[0]) check_failures++;
  printf("%s (e) alpha a0 = 10 rejected: rc = %d, \"%s\"\n", rc == HF_FAIL ? "ok  " : "FAIL", rc,
         err.msg);
}

int main(void) {
  test_uniform(1.0);
  test_uniform(3.95);
  static const int L222[3] = {2, 2, 2}, L333[3] = {3, 3, 3}, L432[3] = {4, 3, 2};
  test_energy(L222, 1.0, 1, 64.0);
  test_energy(L333, 3.95, 1, 64.0);
  test_energy(L432, 1.0, 1, 64.0);
  test_energy(L333, 1.0, 0, 64.0);
  test_energy(L432, 3.95, 0, 64.0);
  test_symmetry();
  test_alpha();
  test_errors();
  fftw_cleanup();
  return check_done("test_dipole");
}
