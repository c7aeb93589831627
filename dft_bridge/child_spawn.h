/* child_spawn.h - run a program as a child process: argv array (no shell), in a
 * given directory, stdin from /dev/null, stdout and stderr to stdout.log and
 * stderr.log there, in its own process group, with a timeout after which the
 * whole group gets SIGTERM and, 2 s later, SIGKILL. */
#ifndef HF_CHILD_SPAWN_H
#define HF_CHILD_SPAWN_H

#include <signal.h>
#include <sys/types.h>

#include "error.h"

typedef struct {
  int timed_out; /* killed at the timeout */
  int exited;    /* exited normally with exit code `code` */
  int code;
  int signal;  /* terminated by this signal (0 if not) */
  int stopped; /* killed because *stop became nonzero (the caller caught a signal) */
  double seconds;
} hf_spawn_status;

/* argv[0] is looked up in PATH unless it holds a '/'; relative paths in argv
 * are relative to dir.  HF_FAIL only if the child could not be started;
 * otherwise st says how it ended.  stop (may be NULL): a flag the program's
 * signal handler sets; once it is nonzero the child's group is terminated as
 * at a timeout and st->stopped is set, so that a program told to stop does
 * not leave its child running. */
int hf_spawn_run(const char *const argv[], const char *dir, double timeout,
                 const volatile sig_atomic_t *stop, hf_spawn_status *st, hf_err *err);

/* The parts of hf_spawn_run, for a child that outlives one call (the
 * persistent engine, ipi_client.h).  Starts argv in dir, stdout and stderr
 * to out_log and err_log (relative to dir; appended or truncated), in its
 * own process group. */
int hf_spawn_start(const char *const argv[], const char *dir, const char *out_log,
                   const char *err_log, int append, pid_t *pid, hf_err *err);
/* Has pid exited?  It stays a zombie (its group id is not reused) until reaped. */
int hf_spawn_exited(pid_t pid);
/* Waits up to `seconds` for pid to exit; 1 if it did. */
int hf_spawn_wait(pid_t pid, double seconds);
/* SIGTERM to the group, SIGKILL `grace` seconds later if pid is still there. */
void hf_spawn_terminate(pid_t pid, double grace);
/* SIGKILL to what is left of the group, then reaps pid into st (exited,
 * code, signal; seconds and timed_out untouched). */
int hf_spawn_reap(pid_t pid, hf_spawn_status *st, hf_err *err);

/* Short description of st ("exit code 1", "killed by signal 9", "timed out after 2 s",
 * "stopped: the program was told to stop"). */
void hf_spawn_describe(const hf_spawn_status *st, double timeout, char *buf, int len);

#endif
