/* threshold.h - when the on-the-fly loop calls the first-principles engine
 * (paper 003, "On-the-fly learning"; Jinnouchi et al. PRB 100, 014105 without
 * the spilling factor).  The threshold starts at zero and calls are made at a
 * fixed interval; once enough calls are recorded and the recent Bayesian
 * errors at those calls are stable (relative standard deviation below a
 * bound), the threshold becomes factor x their mean; from then on a call is
 * made when the current error exceeds it, never two within min_interval
 * steps.  The state is plain data: copying it is a checkpoint. */
#ifndef HF_THRESHOLD_H
#define HF_THRESHOLD_H

#define HF_THR_MAX_HISTORY 64

typedef struct {
  int initial_interval; /* steps between calls while the threshold is zero (10) */
  int min_interval;     /* fewest steps between two calls (10) */
  int history;          /* recorded errors the update averages (10) */
  double factor;        /* threshold = factor * mean of the history (1.0) */
  double stability;     /* update only if std/mean of the history < this (0.5) */
} hf_thr_opts;

typedef struct {
  hf_thr_opts o;
  double threshold; /* 0 until first set */
  long last_call;   /* step of the last call (-1: none) */
  long calls;
  int nh;                          /* errors recorded (saturates at history) */
  double hist[HF_THR_MAX_HISTORY]; /* most recent first */
  /* step of the last call made for another reason than the MD's error (a
   * probe; 0: none): it spaces those calls, and it does not reset the MD's
   * own clock (last_call), so the calls that fill the history go on.
   * Last, so that a checkpoint from before it reads as its prefix. */
  long last_probe;
} hf_thr;

void hf_thr_opts_default(hf_thr_opts *o);
/* Fails (returns -1) on options out of range. */
int hf_thr_init(hf_thr *t, const hf_thr_opts *o);
/* 1 if the engine should be called at this step given the current maximum
 * Bayesian force error err. */
int hf_thr_decide(const hf_thr *t, long step, double err);
/* Records a call made at step with the Bayesian error err predicted before
 * the call, and updates the threshold when the history is stable.  err < 0
 * (no model yet to predict with) counts the call but not the history. */
void hf_thr_record(hf_thr *t, long step, double err);

#endif
