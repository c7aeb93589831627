/* error.h - error reporting for the heff library.
 * Library functions never print or exit: they return HF_OK (0) or HF_FAIL (-1)
 * and fill an hf_err with a message that names file, line and key where the
 * error comes from input.  Only programs' main() print it. */
#ifndef HF_ERROR_H
#define HF_ERROR_H

#include <stddef.h>

enum { HF_OK = 0, HF_FAIL = -1 };

typedef struct {
  char msg[1024];
} hf_err;

/* Sets err->msg (printf-style) and returns HF_FAIL; err may be NULL. */
int hf_fail(hf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends context ("context: previous message") and returns HF_FAIL. */
int hf_wrap(hf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
