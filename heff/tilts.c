/* tilts.c - zone-boundary projections and Glazer labels (see tilts.h). */
#include "tilts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void hf_tilts_analyse(const hf_lattice *lat, double *const f[3], double zero, double equal,
                      hf_tilts *out) {
  memset(out, 0, sizeof *out);
  const int *L = lat->L;
  int even[3];
  for (int a = 0; a < 3; a++) even[a] = L[a] % 2 == 0;
  for (int x = 0; x < L[0]; x++)
    for (int y = 0; y < L[1]; y++)
      for (int z = 0; z < L[2]; z++) {
        const size_t i = hf_index(lat, x, y, z);
        const int c[3] = {x, y, z}, s = x + y + z;
        for (int a = 0; a < 3; a++) {
          const double v = f[a][i];
          out->gamma[a] += v;
          out->rms[a] += v * v;
          out->R[a] += (s & 1) ? -v : v;
          out->M[a] += ((s - c[a]) & 1) ? -v : v;
          out->X[a] += (c[a] & 1) ? -v : v;
        }
      }
  const double n = (double)lat->n;
  for (int a = 0; a < 3; a++) {
    const int b = (a + 1) % 3, d = (a + 2) % 3;
    out->gamma[a] /= n;
    out->rms[a] = sqrt(out->rms[a] / n);
    out->R[a] = even[0] && even[1] && even[2] ? out->R[a] / n : 0;
    out->M[a] = even[b] && even[d] ? out->M[a] / n : 0;
    out->X[a] = even[a] ? out->X[a] / n : 0;
  }
  hf_tilts_label(out, (const double[3]){zero, zero, zero}, equal);
}

double hf_tilts_noise(double rms, size_t n) { return sqrt(2 / M_PI) * rms / sqrt((double)n); }

void hf_tilts_label(hf_tilts *t, const double zero[3], double equal) {
  /* Glazer: per axis the dominant pattern; equal magnitudes share a letter */
  double mag[3];
  char sign[3];
  for (int a = 0; a < 3; a++) {
    const double r = fabs(t->R[a]), m = fabs(t->M[a]);
    mag[a] = fmax(r, m);
    sign[a] = mag[a] < zero[a] ? '0' : r >= m ? '-' : '+';
    if (sign[a] == '0') mag[a] = 0;
    t->angle_deg[a] = 2 * mag[a] * 180.0 / M_PI; /* Eq. 1: +-w tilts by 2w */
  }
  char letter[3];
  for (int a = 0; a < 3; a++) {
    letter[a] = (char)('a' + a);
    for (int b = 0; b < a; b++) {
      const double big = fmax(mag[a], mag[b]);
      if (sign[a] != '0' ? fabs(mag[a] - mag[b]) <= equal * big : sign[b] == '0') {
        letter[a] = letter[b];
        break;
      }
    }
  }
  snprintf(t->glazer, sizeof t->glazer, "%c%c%c%c%c%c", letter[0], sign[0], letter[1], sign[1],
           letter[2], sign[2]);
}
