/* parallel.h - the few OpenMP and FFTW-threads hooks the library uses, so
 * that it also builds without OpenMP (then everything runs on one thread). */
#ifndef HF_PARALLEL_H
#define HF_PARALLEL_H

#ifdef _OPENMP
#include <omp.h>
static inline int hf_thread_id(void) { return omp_get_thread_num(); }
#else
static inline int hf_thread_id(void) { return 0; }
#endif

/* Makes FFTW ready for multi-threaded plans; safe to call any number of
 * times from any thread.  0 on success. */
int hf_fftw_threads_init(void);

#endif
