/* mode_project.c - atoms back to modes: the Eq. 2 gauge of omega and the
 * least-squares inverse of M (mode_map.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mode_map.h"
#include "omega_gauge.h"

void hf_mode_map_gauge(const hf_mode_map *mm, hf_fields *s) {
  if (!(mm->fields & HF_FIELD_W)) return;
  hf_comm self; /* the map holds the whole supercell */
  hf_comm_init_serial(&self);
  double work[3 * HF_MODE_MAP_MAX_L], *w[3] = {s->w[0], s->w[1], s->w[2]};
  hf_omega_gauge_project(&mm->lat, &self, w, work);
}

/* The present mode components as one vector of length nc * n. */
typedef struct {
  double *buf;
  hf_fields f;
} modevec;

static int modevec_alloc(modevec *v, const hf_mode_map *mm, size_t len) {
  memset(v, 0, sizeof *v);
  v->buf = calloc(len, sizeof *v->buf);
  if (!v->buf) return HF_FAIL;
  size_t off = 0;
  for (int f = 0; f < 3; f++) {
    if (!(mm->fields & (1u << f))) continue;
    double **comp = f == 0 ? v->f.u : f == 1 ? v->f.v : v->f.w;
    for (int a = 0; a < 3; a++, off += mm->lat.n) comp[a] = v->buf + off;
  }
  return HF_OK;
}

static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* out = M^T M in, within the gauge. */
static void normal_op(const hf_mode_map *mm, modevec *in, modevec *out, double *xs) {
  hf_mode_map_apply(mm, &in->f, xs);
  hf_mode_map_transpose(mm, xs, &out->f);
  hf_mode_map_gauge(mm, &out->f);
}

int hf_mode_map_project(const hf_mode_map *mm, const double *x, hf_fields *s, double *rel_resid,
                        hf_err *err) {
  int nf = 0;
  for (int f = 0; f < 3; f++) nf += (mm->fields >> f) & 1;
  const size_t len = 3 * (size_t)nf * mm->lat.n, nx = 3 * hf_mode_map_natoms(mm);
  modevec sol = {0}, r = {0}, p = {0}, ap = {0};
  double *xs = malloc(nx * sizeof *xs);
  int ok = xs && !modevec_alloc(&sol, mm, len) && !modevec_alloc(&r, mm, len) &&
           !modevec_alloc(&p, mm, len) && !modevec_alloc(&ap, mm, len);
  int rc = ok ? HF_OK : hf_fail(err, "mode projection: out of memory");
  if (ok) {
    hf_mode_map_transpose(mm, x, &r.f); /* b = M^T x; CG from s = 0 */
    hf_mode_map_gauge(mm, &r.f);
    memcpy(p.buf, r.buf, len * sizeof *p.buf);
    const double bb = dot(r.buf, r.buf, len);
    double rr = bb;
    /* M^T M is ill conditioned when a pattern barely moves some atoms
     * (e.g. u on A with xi_A ~ 0: its R-point component moves A only), so
     * allow many iterations; each costs two passes over the links */
    for (size_t it = 0; it < 100 + 20 * len && rr > 1e-30 * bb; it++) {
      normal_op(mm, &p, &ap, xs);
      const double pap = dot(p.buf, ap.buf, len);
      if (!(pap > 0)) break;
      const double alpha = rr / pap;
      for (size_t i = 0; i < len; i++)
        sol.buf[i] += alpha * p.buf[i], r.buf[i] -= alpha * ap.buf[i];
      const double rr2 = dot(r.buf, r.buf, len);
      for (size_t i = 0; i < len; i++) p.buf[i] = r.buf[i] + rr2 / rr * p.buf[i];
      rr = rr2;
    }
    if (bb > 0 && rr > 1e-20 * bb)
      rc = hf_fail(err, "mode projection: conjugate gradients stalled (residual %.3g)",
                   sqrt(rr / bb));
    for (int f = 0; f < 3; f++) {
      if (!(mm->fields & (1u << f))) continue;
      for (int a = 0; a < 3; a++) {
        double *dst = f == 0 ? s->u[a] : f == 1 ? s->v[a] : s->w[a];
        const double *src = f == 0 ? sol.f.u[a] : f == 1 ? sol.f.v[a] : sol.f.w[a];
        memcpy(dst, src, mm->lat.n * sizeof *dst);
      }
    }
    if (rel_resid) {
      hf_mode_map_apply(mm, &sol.f, xs);
      double e2 = 0, x2 = 0;
      for (size_t i = 0; i < nx; i++) e2 += (x[i] - xs[i]) * (x[i] - xs[i]), x2 += x[i] * x[i];
      *rel_resid = x2 > 0 ? sqrt(e2 / x2) : 0;
    }
  }
  free(xs);
  free(sol.buf), free(r.buf), free(p.buf), free(ap.buf);
  return rc;
}
