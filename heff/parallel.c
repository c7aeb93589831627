/* parallel.c - one-time set-up of FFTW's threads (see parallel.h). */
#include "parallel.h"

#include <fftw3.h>
#include <pthread.h>

/* fftw_init_threads sets FFTW's own process-wide state and must run once
 * before any multi-threaded plan; FFTW offers no way to ask whether it has.
 * A pthread_once guard keeps that requirement inside the library instead of
 * every program; the flag it sets is written once and never changes again. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_ok;

static void init_once(void) { init_ok = fftw_init_threads() != 0; }

int hf_fftw_threads_init(void) {
  pthread_once(&once, init_once);
  return init_ok ? 0 : -1;
}
