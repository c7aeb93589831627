/* child_spawn.h - run a program as a child process: argv array (no shell), in a
 * given directory, stdin from /dev/null, stdout and stderr to stdout.log and
 * stderr.log there, in its own process group, with a timeout after which the
 * whole group gets SIGTERM and, 2 s later, SIGKILL. */
#ifndef HF_CHILD_SPAWN_H
#define HF_CHILD_SPAWN_H

#include "error.h"

typedef struct {
  int timed_out; /* killed at the timeout */
  int exited;    /* exited normally with exit code `code` */
  int code;
  int signal; /* terminated by this signal (0 if not) */
  double seconds;
} hf_spawn_status;

/* argv[0] is looked up in PATH unless it holds a '/'; relative paths in argv
 * are relative to dir.  HF_FAIL only if the child could not be started;
 * otherwise st says how it ended. */
int hf_spawn_run(const char *const argv[], const char *dir, double timeout, hf_spawn_status *st,
                 hf_err *err);

/* Short description of st ("exit code 1", "killed by signal 9", "timed out after 2 s"). */
void hf_spawn_describe(const hf_spawn_status *st, double timeout, char *buf, int len);

#endif
