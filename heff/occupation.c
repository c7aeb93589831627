/* occupation.c - alloy occupations (see occupation.h). */
#include "occupation.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_x(double x, hf_err *err) {
  if (!(x >= 0 && x <= 1)) return hf_fail(err, "composition x = %g: expected 0 <= x <= 1", x);
  return HF_OK;
}

static size_t count_of(const hf_lattice *lat, double x) {
  return (size_t)lround(x * (double)lat->n);
}

int hf_occ_random_in(const hf_lattice *lat, double x, const unsigned char *skip, hf_rng *r,
                     double *sigma, hf_err *err) {
  if (check_x(x, err)) return HF_FAIL;
  size_t *idx = malloc(lat->n * sizeof *idx);
  if (!idx) return hf_fail(err, "out of memory");
  size_t n = 0; /* the sites that take part, in index order */
  for (size_t i = 0; i < lat->n; i++)
    if (!skip || !skip[i]) idx[n++] = i;
  const size_t k = (size_t)lround(x * (double)n);
  for (size_t i = 0; i < k; i++) { /* partial Fisher-Yates: the first k are a uniform subset */
    size_t j = i + (size_t)(hf_rng_uniform(r) * (double)(n - i));
    size_t t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  memset(sigma, 0, lat->n * sizeof *sigma);
  for (size_t i = 0; i < k; i++) sigma[idx[i]] = 1;
  free(idx);
  return HF_OK;
}

int hf_occ_random(const hf_lattice *lat, double x, hf_rng *r, double *sigma, hf_err *err) {
  return hf_occ_random_in(lat, x, NULL, r, sigma, err);
}

int hf_occ_rocksalt(const hf_lattice *lat, double *sigma, hf_err *err) {
  for (int a = 0; a < 3; a++)
    if (lat->L[a] % 2)
      return hf_fail(err, "rock-salt order needs even supercell lengths, got %dx%dx%d", lat->L[0],
                     lat->L[1], lat->L[2]);
  for (int x = 0; x < lat->L[0]; x++)
    for (int y = 0; y < lat->L[1]; y++)
      for (int z = 0; z < lat->L[2]; z++) sigma[hf_index(lat, x, y, z)] = (x + y + z) & 1;
  return HF_OK;
}

int hf_occ_layered(const hf_lattice *lat, int axis, int n1, int n0, double *sigma, hf_err *err) {
  if (axis < 0 || axis > 2 || n1 < 0 || n0 < 0 || n1 + n0 == 0)
    return hf_fail(err,
                   "layered occupation: expected axis 0..2 and layer counts n1, n0 >= 0 "
                   "(not both 0)");
  for (int x = 0; x < lat->L[0]; x++)
    for (int y = 0; y < lat->L[1]; y++)
      for (int z = 0; z < lat->L[2]; z++) {
        const int c[3] = {x, y, z};
        sigma[hf_index(lat, x, y, z)] = c[axis] % (n1 + n0) < n1;
      }
  return HF_OK;
}

typedef struct {
  double d2;
  size_t i;
} by_dist;

static int cmp_dist(const void *a, const void *b) {
  const by_dist *p = a, *q = b;
  if (p->d2 != q->d2) return p->d2 < q->d2 ? -1 : 1;
  return p->i < q->i ? -1 : p->i > q->i;
}

int hf_occ_core_shell(const hf_lattice *lat, double x, double *sigma, hf_err *err) {
  if (check_x(x, err)) return HF_FAIL;
  size_t n = lat->n, k = count_of(lat, x);
  by_dist *d = malloc(n * sizeof *d);
  if (!d) return hf_fail(err, "out of memory");
  for (int cx = 0; cx < lat->L[0]; cx++)
    for (int cy = 0; cy < lat->L[1]; cy++)
      for (int cz = 0; cz < lat->L[2]; cz++) {
        size_t i = hf_index(lat, cx, cy, cz);
        double dx = cx - 0.5 * (lat->L[0] - 1), dy = cy - 0.5 * (lat->L[1] - 1),
               dz = cz - 0.5 * (lat->L[2] - 1);
        d[i] = (by_dist){dx * dx + dy * dy + dz * dz, i};
      }
  qsort(d, n, sizeof *d, cmp_dist);
  memset(sigma, 0, n * sizeof *sigma);
  for (size_t j = 0; j < k; j++) sigma[d[j].i] = 1;
  free(d);
  return HF_OK;
}

/* Offsets of shells 1..3 of the simple cubic lattice (the positive half:
 * each pair counted once). */
static const int shell_off[3][13][3] = {
    {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
    {{1, 1, 0}, {1, -1, 0}, {1, 0, 1}, {1, 0, -1}, {0, 1, 1}, {0, 1, -1}},
    {{1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1}},
};
static const int shell_n[3] = {3, 6, 4};

/* Unlike (0-1) bonds of shell s, each pair once. */
static long unlike_bonds(const hf_lattice *lat, const double *sigma, int s) {
  long u = 0;
  for (int x = 0; x < lat->L[0]; x++)
    for (int y = 0; y < lat->L[1]; y++)
      for (int z = 0; z < lat->L[2]; z++) {
        const double a = sigma[hf_index(lat, x, y, z)];
        for (int k = 0; k < shell_n[s]; k++) {
          const int *o = shell_off[s][k];
          size_t j = hf_index(lat, hf_pbc(x, o[0], lat->L[0]), hf_pbc(y, o[1], lat->L[1]),
                              hf_pbc(z, o[2], lat->L[2]));
          u += a != sigma[j];
        }
      }
  return u;
}

/* alpha = 1 - P(1 | neighbour of a 0) / x = 1 - unlike / (bonds 2 x (1 - x)), with
 * bonds = N z / 2 and z the shell's coordination. */
static double alpha_of(const hf_lattice *lat, long unlike, int s, double x) {
  double bonds = (double)lat->n * shell_n[s];
  return 1.0 - (double)unlike / (2.0 * bonds * x * (1 - x));
}

int hf_occ_class_key(const hf_lattice *lat, const double *sigma, uint64_t *key, hf_err *err) {
  const int *L = lat->L;
  const size_t n = (size_t)L[0] * (size_t)L[1] * (size_t)L[2];
  unsigned char *best = malloc(n), *cand = malloc(n);
  int *img = malloc(n * 3 * sizeof *img);
  if (!best || !cand || !img) {
    free(best), free(cand), free(img);
    return hf_fail(err, "occupation class: out of memory for %zu sites", n);
  }
  static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  int have = 0;
  for (int p = 0; p < 6; p++) {
    if (L[perm[p][0]] != L[0] || L[perm[p][1]] != L[1] || L[perm[p][2]] != L[2]) continue;
    for (int sg = 0; sg < 8; sg++) {
      /* the image of every site under the point operation: r'_a = +-r_{perm[a]} */
      for (size_t i = 0; i < n; i++) {
        const int r[3] = {(int)(i / ((size_t)L[1] * L[2])), (int)(i / L[2] % L[1]),
                          (int)(i % L[2])};
        for (int a = 0; a < 3; a++)
          img[3 * i + a] = sg >> a & 1 ? (L[a] - r[perm[p][a]]) % L[a] : r[perm[p][a]];
      }
      for (size_t t = 0; t < n; t++) { /* then every translation */
        const int tr[3] = {(int)(t / ((size_t)L[1] * L[2])), (int)(t / L[2] % L[1]),
                           (int)(t % L[2])};
        for (size_t i = 0; i < n; i++) {
          const int *q = img + 3 * i;
          cand[((size_t)((q[0] + tr[0]) % L[0]) * L[1] + (size_t)((q[1] + tr[1]) % L[1])) * L[2] +
               (size_t)((q[2] + tr[2]) % L[2])] = sigma[i] != 0;
        }
        if (!have || memcmp(cand, best, n) < 0) memcpy(best, cand, n), have = 1;
      }
    }
  }
  *key = hf_fnv1a(HF_FNV_OFFSET, best, n);
  free(best), free(cand), free(img);
  return HF_OK;
}

void hf_occ_measure(const hf_lattice *lat, const double *sigma, double *x, double alpha[3]) {
  double c = 0;
  for (size_t i = 0; i < lat->n; i++) c += sigma[i];
  *x = c / (double)lat->n;
  for (int s = 0; s < 3; s++)
    alpha[s] = (*x > 0 && *x < 1) ? alpha_of(lat, unlike_bonds(lat, sigma, s), s, *x) : NAN;
}

/* Change of the number of unlike first-shell bonds if sites i and j swap. */
static long swap_delta(const hf_lattice *lat, const double *sigma, size_t i, size_t j) {
  long d = 0;
  const size_t site[2] = {i, j};
  for (int k = 0; k < 2; k++) {
    const size_t s = site[k];
    const int z = (int)(s % (size_t)lat->L[2]),
              y = (int)(s / (size_t)lat->L[2] % (size_t)lat->L[1]),
              x = (int)(s / ((size_t)lat->L[2] * (size_t)lat->L[1]));
    const double now = sigma[s], after = 1 - now;
    for (int a = 0; a < 3; a++)
      for (int sg = -1; sg <= 1; sg += 2) {
        int c[3] = {x, y, z};
        c[a] = hf_pbc(c[a], sg, lat->L[a]);
        size_t t = hf_index(lat, c[0], c[1], c[2]);
        if (t == site[1 - k]) continue; /* the pair's own bond stays unlike */
        d += (after != sigma[t]) - (now != sigma[t]);
      }
  }
  return d;
}

int hf_occ_sro(const hf_lattice *lat, double x, double alpha1, double tol, int max_sweeps,
               hf_rng *r, double *sigma, double *reached, hf_err *err) {
  if (hf_occ_random(lat, x, r, sigma, err)) return HF_FAIL;
  size_t n = lat->n, k = count_of(lat, x);
  if (k == 0 || k == n) return hf_fail(err, "short-range order needs 0 < x < 1 (got %g)", x);
  const double xe = (double)k / (double)n;
  long unlike = unlike_bonds(lat, sigma, 0);
  double a = alpha_of(lat, unlike, 0, xe);
  for (int sweep = 0; sweep < max_sweeps && fabs(a - alpha1) > tol; sweep++) {
    int improved = 0;
    for (size_t m = 0; m < n && fabs(a - alpha1) > tol; m++) {
      size_t i = (size_t)(hf_rng_uniform(r) * (double)n),
             j = (size_t)(hf_rng_uniform(r) * (double)n);
      if (sigma[i] == sigma[j]) continue;
      long d = swap_delta(lat, sigma, i, j);
      double b = alpha_of(lat, unlike + d, 0, xe);
      if (fabs(b - alpha1) < fabs(a - alpha1)) {
        sigma[i] = 1 - sigma[i];
        sigma[j] = 1 - sigma[j];
        unlike += d;
        a = b;
        improved = 1;
      }
    }
    if (!improved) break;
  }
  *reached = a;
  return HF_OK;
}

int hf_occ_write(const char *path, const hf_lattice *lat, const double *sigma, hf_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return hf_fail(err, "%s: cannot write: %s", path, strerror(errno));
  fprintf(f, "# occupation %d %d %d\n# x y z sigma (1: second species, 0: host)\n", lat->L[0],
          lat->L[1], lat->L[2]);
  for (int x = 0; x < lat->L[0]; x++)
    for (int y = 0; y < lat->L[1]; y++)
      for (int z = 0; z < lat->L[2]; z++)
        fprintf(f, "%d %d %d %d\n", x, y, z, sigma[hf_index(lat, x, y, z)] != 0);
  if (fclose(f)) return hf_fail(err, "%s: cannot write: %s", path, strerror(errno));
  return HF_OK;
}

int hf_occ_read(const char *path, const hf_lattice *lat, double *sigma, hf_err *err) {
  FILE *f = fopen(path, "r");
  if (!f) return hf_fail(err, "%s: cannot open: %s", path, strerror(errno));
  char *seen = calloc(lat->n, 1), line[256];
  int rc = seen ? HF_OK : hf_fail(err, "out of memory"), ln = 0, header = 0;
  size_t cells = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    ln++;
    int L[3], x, y, z, s;
    if (line[0] == '#') {
      if (sscanf(line, "# occupation %d %d %d", &L[0], &L[1], &L[2]) == 3) {
        header = 1;
        if (memcmp(L, lat->L, sizeof L))
          rc = hf_fail(err, "%s:%d: occupation for %dx%dx%d cells, the run has %dx%dx%d", path, ln,
                       L[0], L[1], L[2], lat->L[0], lat->L[1], lat->L[2]);
      }
      continue;
    }
    char extra;
    if (sscanf(line, "%d %d %d %d %c", &x, &y, &z, &s, &extra) != 4 || x < 0 || y < 0 || z < 0 ||
        x >= lat->L[0] || y >= lat->L[1] || z >= lat->L[2] || (s != 0 && s != 1)) {
      rc = hf_fail(err,
                   "%s:%d: expected 'x y z sigma' with cell indices inside %dx%dx%d and "
                   "sigma 0 or 1",
                   path, ln, lat->L[0], lat->L[1], lat->L[2]);
      break;
    }
    size_t i = hf_index(lat, x, y, z);
    if (seen[i]) {
      rc = hf_fail(err, "%s:%d: cell %d %d %d given twice", path, ln, x, y, z);
      break;
    }
    seen[i] = 1;
    sigma[i] = s;
    cells++;
  }
  if (!rc && !header)
    rc = hf_fail(err, "%s: missing the header line '# occupation Lx Ly Lz'", path);
  if (!rc && cells != lat->n)
    rc = hf_fail(err, "%s: %zu cells given, expected %zu", path, cells, lat->n);
  free(seen);
  fclose(f);
  return rc;
}
