/* threshold.c - the adaptive engine-call threshold (threshold.h). */
#include "threshold.h"

#include <math.h>
#include <string.h>

void hf_thr_opts_default(hf_thr_opts *o) {
  o->initial_interval = 10;
  o->min_interval = 10;
  o->history = 10;
  o->factor = 1.0;
  o->stability = 0.5;
}

int hf_thr_init(hf_thr *t, const hf_thr_opts *o) {
  if (o->initial_interval < 1 || o->min_interval < 0 || o->history < 1 ||
      o->history > HF_THR_MAX_HISTORY || !(o->factor > 0) || !(o->stability > 0))
    return -1;
  memset(t, 0, sizeof *t);
  t->o = *o;
  t->last_call = -1;
  return 0;
}

int hf_thr_decide(const hf_thr *t, long step, double err) {
  if (t->last_call < 0) return 1; /* no data at all yet */
  long since = step - t->last_call;
  if (t->threshold <= 0) return since >= t->o.initial_interval;
  return since >= t->o.min_interval && err > t->threshold;
}

void hf_thr_record(hf_thr *t, long step, double err) {
  t->last_call = step;
  t->calls++;
  if (!(err >= 0)) return; /* no prediction before this call */
  int n = t->nh < t->o.history ? t->nh + 1 : t->o.history;
  memmove(t->hist + 1, t->hist, (size_t)(n - 1) * sizeof t->hist[0]);
  t->hist[0] = err;
  t->nh = n;
  if (n < t->o.history) return;
  double mean = 0, var = 0;
  for (int i = 0; i < n; i++) mean += t->hist[i] / n;
  for (int i = 0; i < n; i++) var += (t->hist[i] - mean) * (t->hist[i] - mean) / n;
  if (mean > 0 && sqrt(var) < t->o.stability * mean) t->threshold = t->o.factor * mean;
}
