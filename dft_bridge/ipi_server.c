/* ipi_server.c - server side of the i-PI socket protocol (ipi_server.h). */
#include "ipi_server.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "child_spawn.h"
#include "mode_map.h"
#include "wall_clock.h"

#define HDR 12

int hf_ipi_listen(const char *path, int *fd, hf_err *err) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path)
    return hf_fail(err, "socket path %s is longer than %zu bytes: use a shorter run directory",
                   path, sizeof a.sun_path - 1);
  memcpy(a.sun_path, path, strlen(path) + 1);
  *fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*fd < 0) return hf_fail(err, "socket: %s", strerror(errno));
  unlink(path); /* left by a killed run */
  if (bind(*fd, (struct sockaddr *)&a, sizeof a) || listen(*fd, 1)) {
    const int e = errno;
    close(*fd);
    *fd = -1;
    return hf_fail(err, "cannot listen on %s: %s", path, strerror(e));
  }
  return HF_OK;
}

/* Waits until fd has `events` or the deadline passes (HF_FAIL, "timed out"). */
static int wait_fd(int fd, short events, double deadline, const char *what, hf_err *err) {
  for (;;) {
    const double left = deadline - hf_wall_seconds();
    if (left <= 0) return hf_fail(err, "timed out %s", what);
    struct pollfd p = {.fd = fd, .events = events};
    const int n = poll(&p, 1, left > 1e6 ? 1000000000 : (int)ceil(left * 1e3));
    if (n > 0) return HF_OK;
    if (n < 0 && errno != EINTR) return hf_fail(err, "poll %s: %s", what, strerror(errno));
  }
}

int hf_ipi_accept(int lfd, pid_t child, double deadline, int *fd, hf_err *err) {
  *fd = -1;
  while (*fd < 0) {
    /* short slices: a client that dies before connecting is noticed */
    const double slice = fmin(deadline, hf_wall_seconds() + 0.2);
    hf_err e;
    if (wait_fd(lfd, POLLIN, slice, "", &e) == HF_OK) {
      *fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      if (*fd < 0 && errno != EINTR && errno != EAGAIN)
        return hf_fail(err, "accept: %s", strerror(errno));
    } else if (child > 0 && hf_spawn_exited(child)) {
      return hf_fail(err, "the client exited before connecting");
    } else if (hf_wall_seconds() >= deadline) {
      return hf_fail(err, "timed out waiting for the client to connect");
    }
  }
  return HF_OK;
}

static int send_all(int fd, const void *buf, size_t n, double deadline, hf_err *err) {
  const char *p = buf;
  while (n > 0) {
    if (wait_fd(fd, POLLOUT, deadline, "sending to the client", err)) return HF_FAIL;
    const ssize_t k = send(fd, p, n, MSG_NOSIGNAL); /* a dead peer is an error, not SIGPIPE */
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return hf_fail(err, "sending to the client: %s", strerror(errno));
    p += k, n -= (size_t)k;
  }
  return HF_OK;
}

static int recv_all(int fd, void *buf, size_t n, double deadline, const char *what, hf_err *err) {
  char *p = buf;
  while (n > 0) {
    if (wait_fd(fd, POLLIN, deadline, what, err)) return HF_FAIL;
    const ssize_t k = recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return hf_fail(err, "%s: %s", what, strerror(errno));
    if (k == 0) return hf_fail(err, "the client closed the connection (%s)", what);
    p += k, n -= (size_t)k;
  }
  return HF_OK;
}

static int send_msg(int fd, const char *msg, double deadline, hf_err *err) {
  char h[HDR];
  memset(h, ' ', HDR);
  memcpy(h, msg, strlen(msg));
  return send_all(fd, h, HDR, deadline, err);
}

/* The next header, without its padding. */
static int recv_msg(int fd, char out[HDR + 1], double deadline, const char *what, hf_err *err) {
  if (recv_all(fd, out, HDR, deadline, what, err)) return HF_FAIL;
  out[HDR] = 0;
  for (int k = HDR - 1; k >= 0 && out[k] == ' '; k--) out[k] = 0;
  return HF_OK;
}

static int status(int fd, double deadline, char reply[HDR + 1], const char *what, hf_err *err) {
  return send_msg(fd, "STATUS", deadline, err) || recv_msg(fd, reply, deadline, what, err);
}

static int unexpected(hf_err *err, const char *got, const char *want) {
  char clean[HDR + 1];
  for (int k = 0; k <= HDR; k++)
    clean[k] = got[k] && (got[k] < 32 || got[k] > 126) ? '?' : got[k]; /* binary garbage */
  return hf_fail(err, "protocol error: the client answered '%s', expected %s", clean, want);
}

static int send_init(int fd, const char *init, double deadline, hf_err *err) {
  const int32_t bead = 0, len = (int32_t)strlen(init);
  return send_msg(fd, "INIT", deadline, err) || send_all(fd, &bead, 4, deadline, err) ||
         send_all(fd, &len, 4, deadline, err) || send_all(fd, init, (size_t)len, deadline, err);
}

static int send_positions(int fd, size_t natoms, const double cell[3][3], const double *r,
                          double deadline, hf_err *err) {
  double h[3][3], hi[3][3];
  for (int i = 0; i < 3; i++) /* h: cell vectors as columns, atomic units */
    for (int j = 0; j < 3; j++) h[i][j] = cell[j][i] / HF_IPI_BOHR;
  hf_mat3_inverse(h, hi);
  const int32_t n = (int32_t)natoms;
  if (send_msg(fd, "POSDATA", deadline, err) || send_all(fd, h, sizeof h, deadline, err) ||
      send_all(fd, hi, sizeof hi, deadline, err) || send_all(fd, &n, 4, deadline, err))
    return HF_FAIL;
  double q[3];
  for (size_t a = 0; a < natoms; a++) {
    for (int g = 0; g < 3; g++) q[g] = r[3 * a + g] / HF_IPI_BOHR;
    if (send_all(fd, q, sizeof q, deadline, err)) return HF_FAIL;
  }
  return HF_OK;
}

static int recv_forces(int fd, size_t natoms, double deadline, hf_ipi_result *res, hf_err *err) {
  const char *what = "reading FORCEREADY";
  double e, w[3][3];
  int32_t n, len;
  if (recv_all(fd, &e, 8, deadline, what, err) || recv_all(fd, &n, 4, deadline, what, err))
    return HF_FAIL;
  if (n != (int32_t)natoms)
    return hf_fail(err, "protocol error: the client sent forces on %d atoms, expected %zu", (int)n,
                   natoms);
  if (recv_all(fd, res->forces, 3 * natoms * sizeof(double), deadline, what, err) ||
      recv_all(fd, w, sizeof w, deadline, what, err) || recv_all(fd, &len, 4, deadline, what, err))
    return HF_FAIL;
  if (len < 0 || (size_t)len >= sizeof res->extra)
    return hf_fail(err, "protocol error: extra string of %d bytes (at most %zu)", (int)len,
                   sizeof res->extra - 1);
  if (recv_all(fd, res->extra, (size_t)len, deadline, what, err)) return HF_FAIL;
  res->extra[len] = 0;
  res->energy = e * HF_IPI_HARTREE;
  for (size_t k = 0; k < 3 * natoms; k++) res->forces[k] *= HF_IPI_HARTREE / HF_IPI_BOHR;
  for (int i = 0; i < 3; i++) /* sent transposed, like h */
    for (int j = 0; j < 3; j++) res->virial[i][j] = w[j][i] * HF_IPI_HARTREE;
  return HF_OK;
}

int hf_ipi_call(int fd, double deadline, const char *init, size_t natoms, const double cell[3][3],
                const double *r, hf_ipi_result *res, hf_err *err) {
  char m[HDR + 1];
  if (status(fd, deadline, m, "waiting for the client's status", err)) return HF_FAIL;
  if (!strcmp(m, "NEEDINIT")) {
    if (send_init(fd, init, deadline, err) ||
        status(fd, deadline, m, "waiting for the client's status after INIT", err))
      return HF_FAIL;
  }
  if (strcmp(m, "READY")) return unexpected(err, m, "READY");
  if (send_positions(fd, natoms, cell, r, deadline, err)) return HF_FAIL;
  /* the client computes before it answers this STATUS */
  if (status(fd, deadline, m, "waiting for the result", err)) return HF_FAIL;
  if (strcmp(m, "HAVEDATA")) return unexpected(err, m, "HAVEDATA");
  if (send_msg(fd, "GETFORCE", deadline, err) ||
      recv_msg(fd, m, deadline, "waiting for FORCEREADY", err))
    return HF_FAIL;
  if (strcmp(m, "FORCEREADY")) return unexpected(err, m, "FORCEREADY");
  return recv_forces(fd, natoms, deadline, res, err);
}

void hf_ipi_exit(int fd) {
  hf_err ignore;
  send_msg(fd, "EXIT", hf_wall_seconds() + 1.0, &ignore);
}
