/* probe.c - training frames along the frozen patterns where the model turns
 * down (probe.h). */
#include "probe.h"

#include <math.h>
#include <string.h>

/* Symmetric twins of a pattern (M [100] and [010], the three R axes...) have
 * the same energy curve in a cubic model: one probe serves them all. */
static int same_curve(const double *a, const double *b) {
  for (int k = 0; k < HF_PATTERN_NAMP; k++)
    if (fabs(a[k] - b[k]) > 1e-9 * (fabs(a[k]) + fabs(b[k])) + 1e-12) return 0;
  return 1;
}

void fit_probe_plan(fit_run *r) {
  r->probe_q = -1;
  if (!(r->c.probe > 0) || !r->have_fit) return;
  hf_err e;
  if (hf_patterns_eval(&r->model, &r->pat, &e)) return; /* (a model without u: nothing to do) */
  int best = HF_PATTERN_NAMP;
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++) {
      if (!hf_pattern_commensurate(&r->lat, q)) continue;
      const int k = hf_pattern_beyond_barrier(&r->pat, q, d, r->c.probe, r->c.probe_depth);
      if (k >= 0 && k >= r->probed[q][d] && k < best) {
        best = k;
        r->probe_q = q, r->probe_d = d, r->probe_k = k;
      }
    }
}

int fit_probe_due(const fit_run *r) {
  return r->probe_q >= 0 && r->dyn && r->st.step - r->thr.last_call >= (long)r->thr.o.min_interval;
}

/* u = A e cos(2 pi q . R) on every cell, v and omega 0; strain and
 * occupation stay the MD's. */
static void set_pattern(fit_run *r, int q, int d, double A) {
  for (int c = 3; c < 9; c++) {
    double *f = hf_fields_comp(&r->x, c);
    if (f) memset(f, 0, r->lat.n * sizeof *f);
  }
  hf_pattern_fill(&r->lat, q, d, A, r->x.u);
}

int fit_probe_call(fit_run *r, hf_err *err) {
  const int q = r->probe_q, d = r->probe_d, k = r->probe_k;
  const double A = hf_pattern_amplitude(k);
  fprintf(r->log,
          "# step %ld: probe: u along %s %s at %.2f Angstrom, where the model's energy turns "
          "down (%.4g eV/cell, %.4g at %.2f)\n",
          r->st.step, hf_pattern_q_names[q], hf_pattern_dir_names[d], A, r->pat.e[q][d][k],
          r->pat.e[q][d][k + 1], hf_pattern_amplitude(k + 1));
  /* recorded before the refit plans the next probe (a failed call counts too) */
  for (int q2 = 0; q2 < HF_PATTERN_NQ; q2++)
    for (int d2 = 0; d2 < HF_PATTERN_NDIR; d2++)
      if (hf_pattern_commensurate(&r->lat, q2) && same_curve(r->pat.e[q][d], r->pat.e[q2][d2]))
        r->probed[q2][d2] = k + 1;
  hf_fields_copy(&r->xsave, &r->x, &r->lat);
  memcpy(r->xsave.eta, r->x.eta, sizeof r->xsave.eta);
  set_pattern(r, q, d, A);
  fit_eval_rows(r);
  r->restore = &r->xsave; /* fit_learn puts the MD configuration back */
  const int rc = fit_training_call(r, 1, err);
  if (r->restore) { /* no refit (the call failed): put it back here */
    hf_fields_copy(&r->x, &r->xsave, &r->lat);
    memcpy(r->x.eta, r->xsave.eta, sizeof r->x.eta);
    r->restore = NULL;
    fit_probe_plan(r);
  }
  if (rc) return HF_FAIL;
  fit_eval_rows(r);
  return HF_OK;
}
