/* mode_map.c - the linear map x = M s from mode fields to atomic
 * displacements, its transpose, and the undistorted structure (mode_map.h).
 * Every mode is a list of links (atom type, cell offset, 3x3 block); the map
 * scatters along the links and the transpose gathers along the same links, so
 * the two are exact transposes by construction. */
#include "mode_map.h"

#include <math.h>
#include <string.h>

/* Fractional position of each atom type in its cell, units of a0. */
static const double tau[HF_ATOMS_PER_CELL][3] = {
    {0, 0, 0}, {0.5, 0.5, 0.5}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};

static hf_mode_link *add_link(hf_mode_map *mm, int f, int k, int dx, int dy, int dz) {
  hf_mode_link *l = &mm->link[f][mm->nlink[f]++];
  memset(l, 0, sizeof *l);
  l->k = k;
  l->d[0] = dx, l->d[1] = dy, l->d[2] = dz;
  return l;
}

/* xi entry of atom type k displaced along alpha: X_a is "parallel" (its bond
 * to B lies along alpha) when a == alpha. */
static double xi_of(const double xi[5], int k, int alpha) {
  if (k < HF_ATOM_XX) return xi[k];
  return k - HF_ATOM_XX == alpha ? xi[2] : xi[3];
}

static void set_diag(hf_mode_link *l, const double xi[5], double share) {
  for (int a = 0; a < 3; a++) l->c[a][a] = xi_of(xi, l->k, a) * share;
}

/* A local mode centred on site `site` with basis xi; each neighbour's share
 * is xi_k divided by the number of centres it belongs to (paper 003, "Mode
 * and basis"), so a uniform mode displaces atom k by xi_k. */
static void build_local(hf_mode_map *mm, int f, int site, const double xi[5]) {
  mm->nlink[f] = 0;
  if (site == HF_SITE_B) {
    set_diag(add_link(mm, f, HF_ATOM_B, 0, 0, 0), xi, 1.0);
    for (int n = 0; n < 8; n++) /* the 8 A corners of the cube around B */
      set_diag(add_link(mm, f, HF_ATOM_A, n & 1, (n >> 1) & 1, (n >> 2) & 1), xi, 1.0 / 8);
    for (int a = 0; a < 3; a++) /* X_a at B -/+ a0/2 e_a; each shared by 2 B */
      for (int s = 0; s < 2; s++)
        set_diag(add_link(mm, f, HF_ATOM_XX + a, s * (a == 0), s * (a == 1), s * (a == 2)), xi,
                 0.5);
  } else {
    set_diag(add_link(mm, f, HF_ATOM_A, 0, 0, 0), xi, 1.0);
    for (int n = 0; n < 8; n++) /* B of the 8 cells sharing this corner */
      set_diag(add_link(mm, f, HF_ATOM_B, -(n & 1), -((n >> 1) & 1), -((n >> 2) & 1)), xi, 1.0 / 8);
    for (int a = 0; a < 3; a++) /* the 4 X_a at A + a0/2 (+-e_b +- e_c); each shared by 4 A */
      for (int m = 0; m < 4; m++) {
        int d[3] = {0, 0, 0}, b = (a + 1) % 3, c = (a + 2) % 3;
        d[b] = -(m & 1), d[c] = -((m >> 1) & 1);
        set_diag(add_link(mm, f, HF_ATOM_XX + a, d[0], d[1], d[2]), xi, 0.25);
      }
  }
}

/* Eq. 1: octahedron i rotated by omega_i moves its X at B_i + d by
 * omega_i x d; a shared X adds the rotations of both its octahedra, so
 * Delta r_X = (a0/2) Rhat_ij x (omega_i - omega_j) with Rhat_ij from B_j to B_i. */
static void build_omega(hf_mode_map *mm) {
  const int f = 2;
  mm->nlink[f] = 0;
  for (int a = 0; a < 3; a++)
    for (int s = 0; s < 2; s++) {
      hf_mode_link *l = add_link(mm, f, HF_ATOM_XX + a, s * (a == 0), s * (a == 1), s * (a == 2));
      const double d = (s ? 0.5 : -0.5) * mm->a0; /* X - B along e_a */
      /* (omega x d e_a)_g = eps_{g b a} omega_b d */
      const int b = (a + 1) % 3, c = (a + 2) % 3;
      l->c[b][c] = d;  /* eps_{b c a} = +1 */
      l->c[c][b] = -d; /* eps_{c b a} = -1 */
    }
}

int hf_mode_map_init(hf_mode_map *mm, const hf_lattice *lat, double a0, unsigned fields, int site_u,
                     int site_v, const double xi[5], hf_err *err) {
  memset(mm, 0, sizeof *mm);
  if (!(a0 > 0)) return hf_fail(err, "mode map: a0 must be > 0 (got %g)", a0);
  if (fields & ~(unsigned)(HF_FIELD_U | HF_FIELD_V | HF_FIELD_W))
    return hf_fail(err, "mode map: only u, v and omega map onto atoms");
  for (int k = 0; k < 3; k++) {
    if (lat->L[k] > HF_MODE_MAP_MAX_L)
      return hf_fail(err, "mode map: at most %d cells along an axis (got %d)", HF_MODE_MAP_MAX_L,
                     lat->L[k]);
  }
  if ((fields & HF_FIELD_U) && (fields & HF_FIELD_V) && site_u == site_v)
    return hf_fail(err, "mode map: u and v must sit on different sites");
  mm->lat = *lat;
  mm->a0 = a0;
  mm->fields = fields;
  mm->site_u = site_u;
  mm->site_v = site_v;
  if (fields & HF_FIELD_U) {
    if (fabs(xi[3] - xi[4]) > 1e-12 * (fabs(xi[3]) + fabs(xi[4])))
      return hf_fail(err, "mode map: the two X_perp entries of xi differ (%g, %g)", xi[3], xi[4]);
    double n2 = 0;
    for (int k = 0; k < 5; k++) n2 += xi[k] * xi[k];
    if (!(n2 > 0) || !isfinite(n2)) return hf_fail(err, "mode map: xi must be finite and nonzero");
    for (int k = 0; k < 5; k++) mm->xi[k] = xi[k] / sqrt(n2);
    build_local(mm, 0, site_u, mm->xi);
  }
  if (fields & HF_FIELD_V) build_local(mm, 1, site_v, (const double[5]){1, 1, 1, 1, 1});
  if (fields & HF_FIELD_W) build_omega(mm);
  return HF_OK;
}

int hf_mode_map_from_model(hf_mode_map *mm, const hf_model *m, const hf_lattice *lat,
                           const double xi[5], hf_err *err) {
  unsigned f = 0;
  if (m->dof & HF_DOF_U) f |= HF_FIELD_U;
  if (m->dof & HF_DOF_V) f |= HF_FIELD_V;
  if (m->dof & HF_DOF_W) {
    if (m->site[2] != HF_SITE_B) return hf_fail(err, "mode map: omega must sit on the B site");
    f |= HF_FIELD_W;
  }
  return hf_mode_map_init(mm, lat, m->a0, f, m->site[0], m->site[1], xi, err);
}

void hf_mode_map_reference(const hf_mode_map *mm, double *R0) {
  const int *L = mm->lat.L;
  for (int x = 0; x < L[0]; x++)
    for (int y = 0; y < L[1]; y++)
      for (int z = 0; z < L[2]; z++) {
        const size_t i = hf_index(&mm->lat, x, y, z);
        const int c[3] = {x, y, z};
        for (int k = 0; k < HF_ATOMS_PER_CELL; k++)
          for (int g = 0; g < 3; g++)
            R0[3 * (HF_ATOMS_PER_CELL * i + k) + g] = mm->a0 * (c[g] + tau[k][g]);
      }
}

static double *field_comp(const hf_fields *s, int f, int a) {
  return f == 0 ? s->u[a] : f == 1 ? s->v[a] : s->w[a];
}

/* One pass over the links of field f: x += M_f s (scatter) or, transposed,
 * s += M_f^T x (gather). */
static void pass(const hf_mode_map *mm, int f, const hf_fields *s, double *x, int transpose) {
  const hf_lattice *lat = &mm->lat;
  const int *L = lat->L;
  double *sa[3] = {field_comp(s, f, 0), field_comp(s, f, 1), field_comp(s, f, 2)};
  for (int l = 0; l < mm->nlink[f]; l++) {
    const hf_mode_link *lk = &mm->link[f][l];
    for (int cx = 0; cx < L[0]; cx++)
      for (int cy = 0; cy < L[1]; cy++)
        for (int cz = 0; cz < L[2]; cz++) {
          const size_t i = hf_index(lat, cx, cy, cz);
          const size_t j = hf_index(lat, hf_pbc(cx, lk->d[0], L[0]), hf_pbc(cy, lk->d[1], L[1]),
                                    hf_pbc(cz, lk->d[2], L[2]));
          double *xa = x + 3 * (HF_ATOMS_PER_CELL * j + (size_t)lk->k);
          for (int g = 0; g < 3; g++)
            for (int a = 0; a < 3; a++) {
              if (lk->c[g][a] == 0) continue;
              if (transpose)
                sa[a][i] += lk->c[g][a] * xa[g];
              else
                xa[g] += lk->c[g][a] * sa[a][i];
            }
        }
  }
}

void hf_mode_map_apply(const hf_mode_map *mm, const hf_fields *s, double *x) {
  memset(x, 0, 3 * hf_mode_map_natoms(mm) * sizeof *x);
  for (int f = 0; f < 3; f++)
    if (mm->fields & (1u << f)) pass(mm, f, s, x, 0);
}

double hf_mode_map_max_displacement(const hf_mode_map *mm, const hf_fields *s, double *x) {
  hf_mode_map_apply(mm, s, x);
  double m = 0;
  for (size_t k = 0; k < hf_mode_map_natoms(mm); k++) {
    const double *d = x + 3 * k, r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (!(r <= m)) m = r; /* NaN propagates */
  }
  return m;
}

void hf_mode_map_transpose(const hf_mode_map *mm, const double *fx, hf_fields *fs) {
  for (int f = 0; f < 3; f++) {
    if (!(mm->fields & (1u << f))) continue;
    for (int a = 0; a < 3; a++) memset(field_comp(fs, f, a), 0, mm->lat.n * sizeof(double));
    pass(mm, f, fs, (double *)fx, 1); /* read only when transposed */
  }
}

void hf_mode_map_structure(const hf_mode_map *mm, const hf_fields *s, double *r,
                           double cell[3][3]) {
  double eps[3][3];
  hf_strain_tensor(s->eta, eps);
  const size_t na = hf_mode_map_natoms(mm);
  hf_mode_map_apply(mm, s, r);
  for (size_t a = 0; a < na; a++) {
    const size_t i = a / HF_ATOMS_PER_CELL;
    const int k = (int)(a % HF_ATOMS_PER_CELL);
    const int c[3] = {(int)(i / ((size_t)mm->lat.L[1] * (size_t)mm->lat.L[2])),
                      (int)(i / (size_t)mm->lat.L[2] % (size_t)mm->lat.L[1]),
                      (int)(i % (size_t)mm->lat.L[2])};
    double R[3];
    for (int g = 0; g < 3; g++) R[g] = mm->a0 * (c[g] + tau[k][g]);
    for (int g = 0; g < 3; g++)
      r[3 * a + g] += R[g] + eps[g][0] * R[0] + eps[g][1] * R[1] + eps[g][2] * R[2];
  }
  for (int v = 0; v < 3; v++)
    for (int g = 0; g < 3; g++) cell[v][g] = ((g == v) + eps[g][v]) * mm->a0 * mm->lat.L[v];
}

void hf_mode_map_masses(const hf_mode_map *mm, const double m_atom[3], double mass[3]) {
  const double *xi = mm->xi;
  mass[0] = m_atom[0] * xi[0] * xi[0] + m_atom[1] * xi[1] * xi[1] +
            m_atom[2] * (xi[2] * xi[2] + xi[3] * xi[3] + xi[4] * xi[4]);
  mass[1] = m_atom[0] + m_atom[1] + 3 * m_atom[2];
  mass[2] = 2 * m_atom[2] * mm->a0 * mm->a0;
}
