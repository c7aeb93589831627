/* ipi_client.h - a first-principles code kept running between calls (the
 * persistent mode of child_engine.h): started once with posix_spawn (argv,
 * no shell, its own process group, cwd = the run directory), it connects to the i-PI server
 * (ipi_server.h) listening on RUN_DIR/ipi.sock and answers one call per structure, so that it can
 * start each SCF from the previous wavefunctions.  The init string of every call is the call
 * directory's name (relative to RUN_DIR): the heff client (ase_runner.py --ipi) writes that call's
 * log there and marks it in its own stdout/stderr, RUN_DIR/ipi_client_NNN.{stdout,stderr}.log (one
 * pair per client started).  Any failure of a call (timeout, end of file, protocol error) ends the
 * client's process group; the next call starts a new one. */
#ifndef HF_IPI_CLIENT_H
#define HF_IPI_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

#include "child_spawn.h"
#include "ipi_server.h"

typedef struct {
  const char *const *argv; /* the command, ending in "--ipi", "ipi.sock", NULL (borrowed) */
  char run_dir[4096];
  char sock[4200];
  int lfd, fd;                   /* listening socket, connection (-1: none) */
  pid_t pid;                     /* the running client (0: none) */
  char out_log[64], err_log[64]; /* its logs, relative to run_dir */
} hf_ipi_client;

/* Listens on RUN_DIR/ipi.sock (run_dir must exist); starts nothing yet.
 * argv (ending in "--ipi", "ipi.sock", NULL) must outlive c. */
int hf_ipi_client_init(hf_ipi_client *c, const char *const *argv, const char *run_dir, hf_err *err);
/* One call before `timeout` seconds have passed (starting the client if none
 * runs).  On failure the client is stopped and st says how it ended (an
 * exit code, a signal; zero if it never started or was stopped by us;
 * timed_out after a timeout). */
int hf_ipi_client_call(hf_ipi_client *c, const char *name, double timeout, size_t natoms,
                       const double cell[3][3], const double *r, hf_ipi_result *res,
                       hf_spawn_status *st, hf_err *err);
/* Waits up to `linger` s for the client to exit, then ends its process
 * group (SIGTERM, SIGKILL after 2 s) and reaps it; st says how it ended if
 * it did by itself (zero otherwise). */
void hf_ipi_client_stop(hf_ipi_client *c, double linger, hf_spawn_status *st);
/* EXIT to the client, up to 10 s for it to leave, then stop; removes the socket. */
void hf_ipi_client_free(hf_ipi_client *c);

#endif
