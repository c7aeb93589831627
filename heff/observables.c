/* observables.c - sampling accumulators and their reduction (observables.h). */
#include "observables.h"

#include <math.h>
#include <string.h>

#include "poly_eval.h"

void hf_obs_begin(hf_obs *o, long planned, int nterms) {
  memset(o, 0, sizeof *o);
  o->per_block = planned >= HF_NBLOCK ? planned / HF_NBLOCK : 1;
  o->nterms = nterms < 64 ? nterms : 64;
}

static void sort3(double a[3]) {
  for (int i = 0; i < 2; i++)
    for (int j = i + 1; j < 3; j++)
      if (a[j] > a[i]) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
}

void hf_obs_sample(hf_obs *o, const hf_engine *eng, const hf_fields *x, const hf_energy *E,
                   double tkin) {
  const hf_lattice *lat = hf_engine_lattice(eng);
  const double N = (double)hf_engine_material_cells(eng); /* per material cell (vacuum: none) */
  double q[OBS_N];
  memset(q, 0, sizeof q);
  if (x->u[0]) {
    double su[4] = {0, 0, 0, 0}; /* sum of u_x, u_y, u_z, |u| over this rank's cells */
    for (size_t i = 0; i < lat->nloc; i++) {
      double a = x->u[0][i], b = x->u[1][i], c = x->u[2][i];
      su[0] += a;
      su[1] += b;
      su[2] += c;
      su[3] += sqrt(a * a + b * b + c * c);
    }
    hf_comm_sum(hf_engine_comm(eng), su, 4);
    for (int a = 0; a < 3; a++) q[OBS_U + a] = su[a] / N;
    q[OBS_ABSU] = su[3] / N;
    double s[3] = {fabs(q[OBS_U]), fabs(q[OBS_U + 1]), fabs(q[OBS_U + 2])};
    sort3(s);
    for (int a = 0; a < 3; a++) q[OBS_SORTED + a] = s[a];
    const double *u = &q[OBS_U];
    double uu[6] = {u[0] * u[0], u[1] * u[1], u[2] * u[2], u[1] * u[2], u[2] * u[0], u[0] * u[1]};
    for (int p = 0; p < 6; p++) q[OBS_UU + p] = uu[p];
  }
  for (int l = 0; l < 6; l++) q[OBS_ETA + l] = x->eta[l];
  double H = E->total / N;
  q[OBS_H] = H;
  q[OBS_H2] = H * H;
  const double parts[8] = {E->kspace,    E->onsite, E->strain_hom, E->strain_loc,
                           E->elastic_v, E->other,  E->pv,         E->total};
  for (int k = 0; k < 8; k++) q[OBS_EK + k] = parts[k] / N;
  q[OBS_TKIN] = tkin;
  q[OBS_VOL] = hf_engine_material_volume(eng, x->eta) / N;
  long b = o->samples / o->per_block;
  if (b >= HF_NBLOCK) b = HF_NBLOCK - 1;
  for (int k = 0; k < OBS_N; k++) o->sum[b][k] += q[k];
  o->count[b]++;
  o->samples++;
}

void hf_obs_sample_terms(hf_obs *o, const double *term_energy, long ncells) {
  for (int t = 0; t < o->nterms; t++) o->term_sum[t] += term_energy[t] / (double)ncells;
  o->term_samples++;
}

int hf_phase_index(const double s[3], double thr) {
  int n = 0;
  for (int a = 0; a < 3; a++)
    if (s[a] > thr && s[a] > 0.5 * s[0]) n++;
  return n;
}

char hf_phase_label(const double s[3], double thr) { return "CTOR"[hf_phase_index(s, thr)]; }

/* Fluctuation estimates from per-sample means of x, x^2 style sums. */
static double chi_of(const double *m, int p, double pref) {
  static const int pair[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {2, 0}, {0, 1}};
  return pref * (m[OBS_UU + p] - m[OBS_U + pair[p][0]] * m[OBS_U + pair[p][1]]);
}

void hf_obs_result_compute(const hf_obs *o, const hf_model *m, size_t ncells, double T, double thr,
                           hf_obs_result *r) {
  memset(r, 0, sizeof *r);
  r->T = T;
  r->samples = o->samples;
  if (!o->samples) return;
  int nb = 0;
  double bm[HF_NBLOCK][OBS_N];
  for (int b = 0; b < HF_NBLOCK; b++) {
    if (!o->count[b]) continue;
    for (int k = 0; k < OBS_N; k++) bm[nb][k] = o->sum[b][k] / (double)o->count[b];
    nb++;
  }
  for (int k = 0; k < OBS_N; k++) {
    double s = 0;
    for (int b = 0; b < HF_NBLOCK; b++) s += o->sum[b][k];
    r->mean[k] = s / (double)o->samples;
    double v = 0;
    for (int b = 0; b < nb; b++) v += (bm[b][k] - r->mean[k]) * (bm[b][k] - r->mean[k]);
    r->err[k] = nb > 1 ? sqrt(v / (nb * (nb - 1.0))) : 0;
  }
  const double N = (double)ncells;
  const double vol = r->mean[OBS_VOL]; /* Angstrom^3 per cell */
  const double kT = HF_KB * T;
  /* P = Z* u / V_cell: e/Angstrom^2 -> C/m^2 */
  for (int a = 0; a < 3; a++) {
    r->P[a] = HF_E_A2_TO_C_M2 * m->zstar * r->mean[OBS_U + a] / vol;
    r->Perr[a] = HF_E_A2_TO_C_M2 * fabs(m->zstar) * r->err[OBS_U + a] / vol;
  }
  /* chi_ab = (<M_a M_b> - <M_a><M_b>) / (eps0 V kT), M = N Z* <u> */
  const double e2_eps0 = HF_E2_EPS0;
  double pref = kT > 0 ? e2_eps0 * N * N * m->zstar * m->zstar / (N * vol * kT) : 0;
  double cpref = kT > 0 ? N / (kT * kT) : 0; /* var(H per cell) * N / kT^2 */
  for (int p = 0; p < 6; p++) {
    r->chi[p] = chi_of(r->mean, p, pref);
    double v = 0;
    for (int b = 0; b < nb; b++) v += pow(chi_of(bm[b], p, pref) - r->chi[p], 2);
    r->chi_err[p] = nb > 1 ? sqrt(v / (nb * (nb - 1.0))) : 0;
  }
  r->cp = cpref * (r->mean[OBS_H2] - r->mean[OBS_H] * r->mean[OBS_H]);
  double v = 0;
  for (int b = 0; b < nb; b++)
    v += pow(cpref * (bm[b][OBS_H2] - bm[b][OBS_H] * bm[b][OBS_H]) - r->cp, 2);
  r->cp_err = nb > 1 ? sqrt(v / (nb * (nb - 1.0))) : 0;
  for (int t = 0; t < o->nterms; t++)
    r->term_energy[t] = o->term_samples ? o->term_sum[t] / (double)o->term_samples : 0;
  r->phase = hf_phase_label(&r->mean[OBS_SORTED], thr);
}

void hf_term_energies(const hf_model *m, const hf_lattice *lat, size_t material_cells,
                      const hf_fields *x, double *const etaL[6], double *out) {
  hf_poly_input in = {lat, x, etaL, material_cells, NULL};
  for (int t = 0; t < m->nterms && t < 64; t++)
    out[t] = hf_poly_eval(&m->terms[t].poly, m->terms[t].coef, &in, NULL);
}
