/* output.c - tables, VTK files and the progress line (see output.h). */
#include "output.h"

#include <math.h>
#include <string.h>

void hf_table_header(FILE *f, const hf_model *m, const char *method, const char *extra) {
  fprintf(f, "# heff temperature sweep: model %s, method %s%s%s\n", m->name, method,
          extra && *extra ? ", " : "", extra ? extra : "");
  fprintf(f,
          "# units: T K; u Angstrom (supercell average, then its components); |u| mean local "
          "magnitude Angstrom; P C/m^2 (Z* u / V_cell); eta dimensionless (Voigt, engineering "
          "shears); a lattice parameter Angstrom; H enthalpy E+pV eV/cell; cp configurational "
          "heat capacity k_B/cell; chi dielectric susceptibility from polarization fluctuations "
          "(dimensionless, SI); p GPa; step fs (MD/HMC) or Angstrom (MC); E_* applied static "
          "field kV/cm; *_err block-average standard errors (%d blocks)\n",
          HF_NBLOCK);
  fprintf(f,
          "T_K\tsamples\tux_A\tux_err\tuy_A\tuy_err\tuz_A\tuz_err\tabs_u_A\tu1_sorted_A\tu2_"
          "sorted_A\tu3_sorted_A\tPx_C/m2\tPy_C/m2\tPz_C/m2\tP_err_C/m2\teta1\teta2\teta3\teta4\t"
          "eta5\teta6\tax_A\tay_A\taz_A\tH_eV/cell\tH_err\tE_kspace\tE_onsite\tE_strain_hom\tE_"
          "strain_loc\tE_elastic_v\tE_other\tE_pV\tcp_kB\tcp_err\tchi_xx\tchi_yy\tchi_zz\tchi_"
          "yz\tchi_zx\tchi_xy\tchi_err_avg\tT_kin_K\taccept\tstep\tp_GPa\tphase\tE_x_kV/cm\tE_y_kV/"
          "cm\tE_z_kV/cm\n");
  fflush(f);
}

void hf_table_row(FILE *f, const hf_obs_result *r, double accept, double step, double p,
                  const double field[3]) {
  const double *M = r->mean, *E = r->err;
  double a0 = 0; /* lattice parameters from the volume and strains */
  double vol = M[OBS_VOL];
  double tr = M[OBS_ETA] + M[OBS_ETA + 1] + M[OBS_ETA + 2];
  a0 = cbrt(vol / (1.0 + tr));
  fprintf(f, "%.3f\t%ld", r->T, r->samples);
  for (int a = 0; a < 3; a++) fprintf(f, "\t%.6f\t%.6f", M[OBS_U + a], E[OBS_U + a]);
  fprintf(f, "\t%.6f", M[OBS_ABSU]);
  for (int a = 0; a < 3; a++) fprintf(f, "\t%.6f", M[OBS_SORTED + a]);
  for (int a = 0; a < 3; a++) fprintf(f, "\t%.5f", r->P[a]);
  fprintf(f, "\t%.5f", fmax(r->Perr[0], fmax(r->Perr[1], r->Perr[2])));
  for (int l = 0; l < 6; l++) fprintf(f, "\t%.6e", M[OBS_ETA + l]);
  for (int a = 0; a < 3; a++) fprintf(f, "\t%.5f", a0 * (1.0 + M[OBS_ETA + a]));
  fprintf(f, "\t%.8f\t%.2e", M[OBS_H], E[OBS_H]);
  for (int k = 0; k < 7; k++) fprintf(f, "\t%.8f", M[OBS_EK + k]);
  fprintf(f, "\t%.4f\t%.4f", r->cp, r->cp_err);
  double ce = 0;
  for (int q = 0; q < 6; q++) {
    fprintf(f, "\t%.4g", r->chi[q]);
    ce += r->chi_err[q] / 6;
  }
  fprintf(f, "\t%.3g\t%.2f\t%.4f\t%.4g\t%.4f\t%c\t%.4g\t%.4g\t%.4g\n", ce, M[OBS_TKIN], accept,
          step, p, r->phase, field[0], field[1], field[2]);
  fflush(f);
}

void hf_terms_header(FILE *f, const hf_model *m) {
  fprintf(f, "# energy of each model term averaged at each temperature, eV per cell\nT_K");
  for (int t = 0; t < m->nterms && t < 64; t++) fprintf(f, "\t%s", m->terms[t].name);
  fprintf(f, "\n");
  fflush(f);
}

void hf_terms_row(FILE *f, const hf_obs_result *r, const hf_model *m) {
  fprintf(f, "%.3f", r->T);
  for (int t = 0; t < m->nterms && t < 64; t++) fprintf(f, "\t%.8e", r->term_energy[t]);
  fprintf(f, "\n");
  fflush(f);
}

int hf_write_vtk(const char *path, const hf_model *m, const hf_lattice *lat, const hf_fields *x,
                 const char *title, hf_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return hf_fail(err, "cannot write %s", path);
  hf_sites s;
  hf_model_sites(m, &s);
  fprintf(f, "# vtk DataFile Version 3.0\n%s (Angstrom)\nASCII\nDATASET STRUCTURED_POINTS\n",
          title);
  fprintf(f, "DIMENSIONS %d %d %d\nSPACING %.6f %.6f %.6f\nORIGIN %.6f %.6f %.6f\n", lat->L[0],
          lat->L[1], lat->L[2], m->a0, m->a0, m->a0, s.s[HF_VAR_U][0] * m->a0,
          s.s[HF_VAR_U][1] * m->a0, s.s[HF_VAR_U][2] * m->a0);
  fprintf(f, "POINT_DATA %zu\n", lat->n);
  static const char *names[3] = {"u", "v", "omega"};
  for (int fl = 0; fl < 3; fl++) {
    if (!hf_fields_comp(x, 3 * fl)) continue;
    fprintf(f, "VECTORS %s double\n", names[fl]);
    /* VTK orders points with x fastest; heff stores z fastest */
    for (int z = 0; z < lat->L[2]; z++)
      for (int y = 0; y < lat->L[1]; y++)
        for (int xx = 0; xx < lat->L[0]; xx++) {
          size_t i = hf_index(lat, xx, y, z);
          fprintf(f, "%.6e %.6e %.6e\n", hf_fields_comp(x, 3 * fl)[i],
                  hf_fields_comp(x, 3 * fl + 1)[i], hf_fields_comp(x, 3 * fl + 2)[i]);
        }
  }
  if (x->sigma) {
    fprintf(f, "SCALARS sigma double 1\nLOOKUP_TABLE default\n");
    for (int z = 0; z < lat->L[2]; z++)
      for (int y = 0; y < lat->L[1]; y++)
        for (int xx = 0; xx < lat->L[0]; xx++)
          fprintf(f, "%g\n", x->sigma[hf_index(lat, xx, y, z)]);
  }
  if (fclose(f)) return hf_fail(err, "error writing %s", path);
  return HF_OK;
}

static void fmt_time(char *b, size_t n, double s) {
  if (!(s >= 0) || !isfinite(s)) {
    snprintf(b, n, "?");
    return;
  }
  long t = lround(s);
  if (t >= 3600)
    snprintf(b, n, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  else if (t >= 60)
    snprintf(b, n, "%ldm%02lds", t / 60, t % 60);
  else
    snprintf(b, n, "%lds", t);
}

void hf_progress_format(char *buf, size_t n, double T, int it, int nt, const char *stage, long step,
                        long nsteps, double elapsed, double frac) {
  char el[32], eta[32];
  fmt_time(el, sizeof el, elapsed);
  fmt_time(eta, sizeof eta, frac > 0 ? elapsed * (1 - frac) / frac : -1);
  snprintf(buf, n, "T %7.2f K (%d/%d) %-10s %6ld/%-6ld  %5.1f%%  elapsed %s  ETA %s", T, it + 1, nt,
           stage, step, nsteps, 100 * frac, el, eta);
}
