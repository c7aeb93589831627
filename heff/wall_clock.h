/* wall_clock.h - seconds of a monotonic clock, for run times and progress
 * lines (differences only: the origin is arbitrary). */
#ifndef HF_WALL_CLOCK_H
#define HF_WALL_CLOCK_H

#include <time.h>

static inline double hf_wall_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#endif
