/* child_spawn.c - child processes with posix_spawn and a timeout (child_spawn.h). */
#include "child_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "wall_clock.h"

extern char **environ;

static void nap(double s) {
  struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&t, NULL);
}

/* Leaves pid a zombie (WNOWAIT), so its pid, and with it the process-group
 * id, cannot be reused while we signal the group. */
int hf_spawn_exited(pid_t pid) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno != EINTR;
  return info.si_pid == pid;
}

/* 1 if pid exited within `seconds`, 0 at the deadline or once *stop is set. */
static int wait_or_stop(pid_t pid, double seconds, const volatile sig_atomic_t *stop) {
  const double deadline = hf_wall_seconds() + seconds;
  double step = 1e-3;
  while (!hf_spawn_exited(pid)) {
    if (hf_wall_seconds() >= deadline || (stop && *stop)) return 0;
    nap(step);
    step = step < 0.05 ? 2 * step : 0.05;
  }
  return 1;
}

int hf_spawn_wait(pid_t pid, double seconds) { return wait_or_stop(pid, seconds, NULL); }

int hf_spawn_start(const char *const argv[], const char *dir, const char *out_log,
                   const char *err_log, int append, pid_t *pid, hf_err *err) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  if (posix_spawn_file_actions_init(&fa)) return hf_fail(err, "spawn: out of memory");
  if (posix_spawnattr_init(&at)) {
    posix_spawn_file_actions_destroy(&fa);
    return hf_fail(err, "spawn: out of memory");
  }
  sigset_t none, dflt;
  sigemptyset(&none);
  sigemptyset(&dflt);
  const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGALRM};
  for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++) sigaddset(&dflt, sigs[k]);
  const int logs = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);
  int rc = posix_spawn_file_actions_addchdir_np(&fa, dir);
  rc = rc ? rc : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  rc = rc ? rc : posix_spawn_file_actions_addopen(&fa, 1, out_log, logs, 0644);
  rc = rc ? rc : posix_spawn_file_actions_addopen(&fa, 2, err_log, logs, 0644);
  rc = rc ? rc
          : posix_spawnattr_setflags(
                &at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  rc = rc ? rc : posix_spawnattr_setpgroup(&at, 0); /* own group: a timeout kills all of it */
  rc = rc ? rc : posix_spawnattr_setsigmask(&at, &none);
  rc = rc ? rc : posix_spawnattr_setsigdefault(&at, &dflt);
  if (!rc) rc = posix_spawnp(pid, argv[0], &fa, &at, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc) return hf_fail(err, "cannot start '%s' in %s: %s", argv[0], dir, strerror(rc));
  return HF_OK;
}

void hf_spawn_terminate(pid_t pid, double grace) {
  kill(-pid, SIGTERM);
  if (!hf_spawn_wait(pid, grace)) kill(-pid, SIGKILL);
}

int hf_spawn_reap(pid_t pid, hf_spawn_status *st, hf_err *err) {
  kill(-pid, SIGKILL); /* whatever the child left running in its group */
  int status = 0;
  pid_t w;
  while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) continue;
  if (w != pid) return hf_fail(err, "waiting for child %ld: %s", (long)pid, strerror(errno));
  st->exited = WIFEXITED(status);
  st->code = st->exited ? WEXITSTATUS(status) : 0;
  st->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return HF_OK;
}

int hf_spawn_run(const char *const argv[], const char *dir, double timeout,
                 const volatile sig_atomic_t *stop, hf_spawn_status *st, hf_err *err) {
  memset(st, 0, sizeof *st);
  pid_t pid = 0;
  const double t0 = hf_wall_seconds();
  if (hf_spawn_start(argv, dir, "stdout.log", "stderr.log", 0, &pid, err)) return HF_FAIL;
  if (!wait_or_stop(pid, timeout, stop)) {
    st->stopped = stop && *stop;
    st->timed_out = !st->stopped;
    hf_spawn_terminate(pid, 2.0);
  }
  if (hf_spawn_reap(pid, st, err)) return hf_wrap(err, "'%s'", argv[0]);
  st->seconds = hf_wall_seconds() - t0;
  return HF_OK;
}

void hf_spawn_describe(const hf_spawn_status *st, double timeout, char *buf, int len) {
  if (st->stopped)
    snprintf(buf, (size_t)len, "stopped: the program was told to stop (signal)");
  else if (st->timed_out)
    snprintf(buf, (size_t)len, "timed out after %g s", timeout);
  else if (st->signal)
    snprintf(buf, (size_t)len, "killed by signal %d (%s)", st->signal, strsignal(st->signal));
  else
    snprintf(buf, (size_t)len, "exit code %d", st->code);
}
