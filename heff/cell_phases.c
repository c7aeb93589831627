/* cell_phases.c - per-cell phase labels and per-species statistics (see
 * cell_phases.h). */
#include "cell_phases.h"

#include <math.h>
#include <string.h>

#include "observables.h"

static void sort3_desc(double s[3]) {
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2 - i; j++)
      if (s[j] < s[j + 1]) {
        double t = s[j];
        s[j] = s[j + 1];
        s[j + 1] = t;
      }
}

void hf_cell_stats_compute(const hf_lattice *lat, double *const f[3], const double *sigma,
                           double threshold, hf_cell_stats *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < lat->n; i++) {
    const int sp = sigma && sigma[i] != 0;
    double s[3], mag = 0;
    for (int a = 0; a < 3; a++) {
      const double v = f[a][i];
      out->mean[sp][a] += v;
      s[a] = fabs(v);
      mag += v * v;
    }
    out->abs[sp] += sqrt(mag);
    for (int a = 0; a < 3; a++) out->comp[sp][a] += s[a];
    sort3_desc(s);
    const int k = hf_phase_index(s, threshold);
    out->frac[k] += 1;
    out->frac_species[sp][k] += 1;
    out->count[sp]++;
  }
  for (int k = 0; k < 4; k++) out->frac[k] /= (double)lat->n;
  for (int sp = 0; sp < 2; sp++) {
    const double n = (double)out->count[sp];
    if (n == 0) continue;
    for (int a = 0; a < 3; a++) {
      out->mean[sp][a] /= n;
      out->comp[sp][a] /= n;
    }
    out->abs[sp] /= n;
    sort3_desc(out->comp[sp]);
    for (int k = 0; k < 4; k++) out->frac_species[sp][k] /= n;
  }
}
