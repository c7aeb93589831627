/* test_threshold.c - the engine-call schedule: a call at the first step, then
 * every initial_interval steps while the threshold is zero; the threshold
 * becomes factor x mean of the recorded errors once they are stable, and
 * not while they scatter; calls then follow err > threshold, never closer
 * than min_interval; the state copies as a checkpoint. */
#include <string.h>

#include "check.h"
#include "threshold.h"

int main(void) {
  hf_thr_opts o;
  hf_thr_opts_default(&o);
  o.initial_interval = 15;
  o.min_interval = 7;
  o.history = 5;
  o.factor = 1.5;
  o.stability = 0.3;
  hf_thr t;
  CHECK(hf_thr_init(&t, &o) == 0, "init");
  /* phase 1: zero threshold, calls every 15 steps whatever the error */
  long calls[16];
  int nc = 0;
  for (long s = 0; s < 90; s++)
    if (hf_thr_decide(&t, s, 1e-6)) {
      calls[nc++] = s;
      hf_thr_record(&t, s, s % 2 ? 1.0 : 0.1); /* scattering errors: no threshold */
    }
  CHECK(nc == 6 && calls[0] == 0 && calls[1] == 15 && calls[5] == 75,
        "initial calls: %d (%ld %ld .. %ld)", nc, calls[0], calls[1], calls[nc - 1]);
  CHECK(t.nh == 5, "history not full of scattering errors: %d", t.nh);
  CHECK(t.threshold == 0, "threshold set from scattering errors: %g", t.threshold);
  /* phase 2: stable errors around 0.2 set threshold 1.5 * mean */
  const double e[5] = {0.19, 0.21, 0.2, 0.2, 0.2};
  long s = 90;
  for (int k = 0; k < 5; k++, s += 15) hf_thr_record(&t, s, e[k]);
  printf("threshold after stable history: %.4f (expected %.4f)\n", t.threshold, 1.5 * 0.2);
  CHECK_CLOSE(t.threshold, 1.5 * 0.2, 1e-12, 0, "threshold = factor * mean");
  /* phase 3: calls only when err > threshold and >= 7 steps apart */
  long last = s - 15;
  CHECK(!hf_thr_decide(&t, last + 100, 0.29), "called below the threshold");
  CHECK(!hf_thr_decide(&t, last + 6, 5.0), "called within min_interval");
  CHECK(hf_thr_decide(&t, last + 7, 0.31), "no call above the threshold");
  /* checkpoint: a copy decides and updates identically */
  hf_thr c;
  memcpy(&c, &t, sizeof c);
  hf_thr_record(&t, last + 7, 0.25);
  hf_thr_record(&c, last + 7, 0.25);
  CHECK(!memcmp(&t, &c, sizeof t), "copied state diverged");
  CHECK(t.calls == 12, "calls counted: %ld", t.calls);
  /* bad options */
  o.history = 0;
  CHECK(hf_thr_init(&t, &o) != 0, "history 0 accepted");
  return check_done("test_threshold");
}
