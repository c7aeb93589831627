/* frozen_patterns.c - energies along frozen polar patterns (frozen_patterns.h). */
#include "frozen_patterns.h"

#include <fftw3.h>
#include <math.h>

#include "engine.h"
#include "fields.h"

const char *const hf_pattern_q_names[HF_PATTERN_NQ] = {"Gamma", "X", "M", "R"};
const char *const hf_pattern_dir_names[HF_PATTERN_NDIR] = {"[100]", "[010]", "[001]", "[110]",
                                                           "[011]", "[101]", "[111]"};

static const int qvec[HF_PATTERN_NQ][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {1, 1, 1}};
static const int dirs[HF_PATTERN_NDIR][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0},
                                             {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};

int hf_pattern_commensurate(const hf_lattice *lat, int q) {
  for (int a = 0; a < 3; a++)
    if (qvec[q][a] && lat->L[a] % 2) return 0;
  return 1;
}

void hf_pattern_fill(const hf_lattice *lat, int q, int d, double A, double *const u[3]) {
  const double norm =
      sqrt((double)(dirs[d][0] * dirs[d][0] + dirs[d][1] * dirs[d][1] + dirs[d][2] * dirs[d][2]));
  for (int cx = 0; cx < lat->L[0]; cx++)
    for (int cy = 0; cy < lat->L[1]; cy++)
      for (int cz = 0; cz < lat->L[2]; cz++) {
        /* cos(pi (q . R)) for q in units of 2 pi: +-1 */
        const int s = (qvec[q][0] * cx + qvec[q][1] * cy + qvec[q][2] * cz) % 2 ? -1 : 1;
        const size_t i = hf_index(lat, cx, cy, cz);
        for (int a = 0; a < 3; a++) u[a][i] = s * A * dirs[d][a] / norm;
      }
}

int hf_patterns_eval(const hf_model *m, hf_patterns *out, hf_err *err) {
  if (!(m->dof & HF_DOF_U)) return hf_fail(err, "frozen patterns: the model has no u");
  hf_lattice lat;
  if (hf_lattice_init(&lat, (int[3]){2, 2, 2}, err)) return HF_FAIL;
  hf_engine *eng;
  hf_engine_opts o = {.fftw_flags = FFTW_ESTIMATE};
  if (hf_engine_create(&eng, m, &lat, &o, err)) return HF_FAIL;
  hf_fields x;
  if (hf_fields_alloc(&x, &lat, hf_engine_field_mask(eng), err)) {
    hf_engine_free(eng);
    return HF_FAIL;
  }
  /* occupations (alloys) stay 0: the first species everywhere */
  hf_energy E;
  hf_engine_eval(eng, &x, NULL, NULL, &E);
  const double e0 = E.total;
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++)
      for (int k = 0; k < HF_PATTERN_NAMP; k++) {
        hf_pattern_fill(&lat, q, d, hf_pattern_amplitude(k), x.u);
        hf_engine_eval(eng, &x, NULL, NULL, &E);
        out->e[q][d][k] = (E.total - e0) / (double)lat.n;
      }
  hf_fields_free(&x);
  hf_engine_free(eng);
  return HF_OK;
}

int hf_pattern_unbounded(const hf_patterns *p, int q, int d) {
  const double *e = p->e[q][d];
  /* falls by more than round-off: a pattern flat to 1e-9 eV per cell at 1 A
   * (a term that vanishes along it) is not unbounded */
  const double flat = 1e-9;
  return e[HF_PATTERN_NAMP - 1] < e[HF_PATTERN_NAMP - 2] - flat && e[HF_PATTERN_NAMP - 1] < -flat;
}

int hf_pattern_beyond_barrier(const hf_patterns *p, int q, int d, double amax, double depth) {
  const double *e = p->e[q][d];
  int n = 0; /* amplitudes within amax */
  while (n < HF_PATTERN_NAMP && hf_pattern_amplitude(n) <= amax + 1e-12) n++;
  double low = 0.0; /* lowest energy up to A_k */
  for (int k = 0; k + 1 < n; k++) {
    const double before = k ? e[k - 1] : 0.0;
    low = fmin(low, e[k]);
    if (!(e[k] > before && e[k + 1] < e[k])) continue;
    for (int j = k + 1; j < n; j++)
      if (e[j] < low - depth) return k;
  }
  return -1;
}
