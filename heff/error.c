/* error.c - message construction for hf_err (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hf_fail(hf_err *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return HF_FAIL;
}

int hf_wrap(hf_err *err, const char *fmt, ...) {
  if (err) {
    char buf[2 * sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof err->msg) n = (int)sizeof err->msg - 1;
    size_t used = (size_t)n;
    memcpy(buf + used, ": ", 2);
    used += 2;
    size_t old = strnlen(err->msg, sizeof err->msg - 1);
    memcpy(buf + used, err->msg, old);
    used += old;
    if (used >= sizeof err->msg) used = sizeof err->msg - 1; /* keep the message bounded */
    memcpy(err->msg, buf, used);
    err->msg[used] = 0;
  }
  return HF_FAIL;
}
