/* local_table.c - per-temperature local-structure table (see local_table.h). */
#include "local_table.h"

#include <math.h>

#include "cell_phases.h"
#include "tilts.h"

void hf_local_acc_sample(hf_local_acc *a, const hf_lattice *lat, const hf_fields *x,
                         double threshold) {
  a->samples++;
  if (x->u[0]) {
    hf_cell_stats st;
    hf_cell_stats_compute(lat, x->u, x->sigma, threshold, &st);
    for (int k = 0; k < 4; k++) a->frac[k] += st.frac[k];
    for (int sp = 0; sp < 2; sp++) {
      a->count[sp] += (double)st.count[sp];
      a->abs[sp] += st.abs[sp];
      for (int c = 0; c < 3; c++) a->comp[sp][c] += st.comp[sp][c];
      for (int k = 0; k < 4; k++) a->frac_species[sp][k] += st.frac_species[sp][k];
    }
    hf_tilts t;
    hf_tilts_analyse(lat, x->u, 0, 0, &t);
    for (int c = 0; c < 3; c++) {
      a->uR[c] += fabs(t.R[c]);
      a->uM[c] += fabs(t.M[c]);
    }
  }
  if (x->w[0]) {
    hf_tilts t;
    hf_tilts_analyse(lat, x->w, 0, 0, &t);
    for (int c = 0; c < 3; c++) {
      a->R[c] += fabs(t.R[c]);
      a->M[c] += fabs(t.M[c]);
      a->w_noise[c] += hf_tilts_noise(t.rms[c], lat->n);
    }
  }
}

void hf_local_header(FILE *f, const hf_model *m, int has_sigma, int has_w) {
  fprintf(f,
          "# heff local structure per temperature (averages over the samples)\n"
          "# units: T K; frac_* fraction of cells whose own u is C/T/O/R (threshold as the main "
          "table); abs_u Angstrom; comp1..3 sorted mean |u_a| Angstrom; s0/s1 alloy species "
          "sigma 0/1; uR_*, uM_* mean |R-|, |M-point| amplitude of u Angstrom; R_*, M_* the same "
          "for omega rad; tilt_* degrees "
          "(2 x amplitude, paper 003 Eq. 1); glazer: an axis is 0 below 0.25 degree of tilt or "
          "3 x the mean amplitude of a disordered omega of the same rms\n");
  if (has_sigma) {
    const int site = m->sigma_site >= 0 ? m->sigma_site : m->site[0];
    fprintf(f, "# alloy species on the %s sites: s0 = %s (sigma 0), s1 = %s (sigma 1)\n",
            site == HF_SITE_A ? "A" : "B",
            m->alloy_species[0][0] ? m->alloy_species[0] : "host (unnamed in the model)",
            m->alloy_species[1][0] ? m->alloy_species[1] : "second species (unnamed in the model)");
  }
  fprintf(f, "T_K\tsamples\tfrac_C\tfrac_T\tfrac_O\tfrac_R");
  const int ns = has_sigma ? 2 : 1;
  for (int sp = 0; sp < ns; sp++) {
    const char *p = has_sigma ? (sp ? "s1_" : "s0_") : "";
    fprintf(f, "\t%scells\t%sabs_u_A\t%scomp1_A\t%scomp2_A\t%scomp3_A", p, p, p, p, p);
    if (has_sigma) fprintf(f, "\t%sfrac_C\t%sfrac_T\t%sfrac_O\t%sfrac_R", p, p, p, p);
  }
  fprintf(f, "\tuR_x_A\tuR_y_A\tuR_z_A\tuM_x_A\tuM_y_A\tuM_z_A");
  if (has_w)
    fprintf(f,
            "\tR_x_rad\tR_y_rad\tR_z_rad\tM_x_rad\tM_y_rad\tM_z_rad\ttilt_x_deg\ttilt_y_deg"
            "\ttilt_z_deg\tglazer");
  fputc('\n', f);
}

void hf_local_row(FILE *f, double T, const hf_local_acc *a, int has_sigma, int has_w) {
  const double n = a->samples > 0 ? (double)a->samples : 1;
  fprintf(f, "%.3f\t%ld", T, a->samples);
  for (int k = 0; k < 4; k++) fprintf(f, "\t%.4f", a->frac[k] / n);
  const int ns = has_sigma ? 2 : 1;
  for (int sp = 0; sp < ns; sp++) {
    fprintf(f, "\t%.1f\t%.6f", a->count[sp] / n, a->abs[sp] / n);
    for (int c = 0; c < 3; c++) fprintf(f, "\t%.6f", a->comp[sp][c] / n);
    if (has_sigma)
      for (int k = 0; k < 4; k++) fprintf(f, "\t%.4f", a->frac_species[sp][k] / n);
  }
  for (int c = 0; c < 3; c++) fprintf(f, "\t%.6f", a->uR[c] / n);
  for (int c = 0; c < 3; c++) fprintf(f, "\t%.6f", a->uM[c] / n);
  if (has_w) {
    hf_tilts t = {0};
    double zero[3];
    for (int c = 0; c < 3; c++) {
      t.R[c] = a->R[c] / n;
      t.M[c] = a->M[c] / n;
      /* a thermal, disordered omega alone gives a mean |R| of ~0.8 rms / sqrt(N) */
      zero[c] = fmax(0.25 * M_PI / 180 / 2, 3 * a->w_noise[c] / n);
    }
    hf_tilts_label(&t, zero, 0.1);
    for (int c = 0; c < 3; c++) fprintf(f, "\t%.6f", t.R[c]);
    for (int c = 0; c < 3; c++) fprintf(f, "\t%.6f", t.M[c]);
    for (int c = 0; c < 3; c++) fprintf(f, "\t%.4f", t.angle_deg[c]);
    fprintf(f, "\t%s", t.glazer);
  }
  fputc('\n', f);
}
