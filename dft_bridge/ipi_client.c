/* ipi_client.c - the persistent first-principles client and its
 * process (ipi_client.h). */
#include "ipi_client.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wall_clock.h"

int hf_ipi_client_init(hf_ipi_client *c, const char *const *argv, const char *run_dir,
                       hf_err *err) {
  memset(c, 0, sizeof *c);
  c->lfd = c->fd = -1;
  c->argv = argv;
  if (snprintf(c->run_dir, sizeof c->run_dir, "%s", run_dir) >= (int)sizeof c->run_dir ||
      snprintf(c->sock, sizeof c->sock, "%s/ipi.sock", run_dir) >= (int)sizeof c->sock)
    return hf_fail(err, "run directory path too long");
  return hf_ipi_listen(c->sock, &c->lfd, err);
}

void hf_ipi_client_stop(hf_ipi_client *c, double linger, hf_spawn_status *st) {
  memset(st, 0, sizeof *st);
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  if (c->pid <= 0) return;
  const int own = hf_spawn_wait(c->pid, linger); /* it ended by itself */
  if (!own) hf_spawn_terminate(c->pid, 2.0);
  hf_err ignore;
  hf_spawn_reap(c->pid, st, &ignore);
  if (!own) memset(st, 0, sizeof *st); /* our signal says nothing about the client */
  c->pid = 0;
}

/* A new client with the next free log names, connected before deadline. */
static int start(hf_ipi_client *c, double deadline, hf_err *err) {
  for (int k = 1;; k++) {
    char path[4200];
    snprintf(c->out_log, sizeof c->out_log, "ipi_client_%03d.stdout.log", k);
    snprintf(c->err_log, sizeof c->err_log, "ipi_client_%03d.stderr.log", k);
    snprintf(path, sizeof path, "%s/%s", c->run_dir, c->out_log);
    if (access(path, F_OK) != 0) break;
  }
  if (hf_spawn_start(c->argv, c->run_dir, c->out_log, c->err_log, 1, &c->pid, err)) {
    c->pid = 0;
    return HF_FAIL;
  }
  return hf_ipi_accept(c->lfd, c->pid, deadline, &c->fd, err);
}

int hf_ipi_client_call(hf_ipi_client *c, const char *name, double timeout, size_t natoms,
                       const double cell[3][3], const double *r, hf_ipi_result *res,
                       hf_spawn_status *st, hf_err *err) {
  memset(st, 0, sizeof *st);
  const double deadline = hf_wall_seconds() + timeout;
  int rc = c->fd < 0 ? start(c, deadline, err) : HF_OK;
  if (!rc) rc = hf_ipi_call(c->fd, deadline, name, natoms, cell, r, res, err);
  if (!rc) return HF_OK;
  /* a client that closed the connection is given 2 s to exit with its own status */
  const int timed_out = !strncmp(err->msg, "timed out", 9);
  hf_ipi_client_stop(c, timed_out ? 0 : 2.0, st);
  st->timed_out = timed_out;
  if (!timed_out) return HF_FAIL;
  char what[sizeof err->msg];
  snprintf(what, sizeof what, "%s", err->msg + strlen("timed out "));
  return hf_fail(err, "timed out after %g s (%s)", timeout, what);
}

void hf_ipi_client_free(hf_ipi_client *c) {
  if (c->fd >= 0 && c->pid > 0) {
    hf_ipi_exit(c->fd);
    hf_spawn_wait(c->pid, 10.0);
  }
  hf_spawn_status st;
  hf_ipi_client_stop(c, 0, &st);
  if (c->lfd >= 0) {
    close(c->lfd);
    unlink(c->sock);
  }
  c->lfd = -1;
}
