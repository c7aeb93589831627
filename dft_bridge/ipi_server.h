/* ipi_server.h - the server side of the i-PI socket protocol (Ceriotti,
 * More, Manolopoulos, Comput. Phys. Commun. 185, 1019 (2014); the same
 * messages as ASE's SocketIOCalculator): a UNIX-domain socket, 12-byte ASCII
 * headers, native-endian int32 and float64 data in atomic units.  One call:
 *
 *   STATUS -> NEEDINIT: INIT (bead 0, the init string), STATUS -> READY
 *   POSDATA  h (3x3), h^-1 (3x3), natoms, positions (3 natoms)
 *   STATUS -> HAVEDATA (the client computes meanwhile)
 *   GETFORCE -> FORCEREADY  energy, natoms, forces (3 natoms), virial (3x3),
 *               extra length, extra bytes
 *
 * h has the cell vectors as columns, sent row by row (so the bytes are the
 * cell rows' components in column order, as i-PI and ASE send them); the
 * virial arrives the same way (transposed).  Every receive waits with poll()
 * up to a deadline; a timeout, an end of file, a short read or an unexpected
 * header fails with a message saying which.  Units outside: eV, Angstrom. */
#ifndef HF_IPI_SERVER_H
#define HF_IPI_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The conversion the heff client (ase_runner.py --ipi) uses too, so that a
 * round trip is exact to the last bit but one: CODATA 2018. */
#define HF_IPI_BOHR 0.529177210903     /* Angstrom */
#define HF_IPI_HARTREE 27.211386245988 /* eV */

/* Binds and listens on a UNIX socket at path (a stale file there is
 * removed); the descriptor is close-on-exec. */
int hf_ipi_listen(const char *path, int *fd, hf_err *err);
/* Accepts one connection before `deadline` (hf_wall_seconds clock); fails early
 * when process `child` (> 0) exits first. */
int hf_ipi_accept(int lfd, pid_t child, double deadline, int *fd, hf_err *err);

typedef struct {
  double energy;       /* eV */
  double *forces;      /* 3 per atom, eV/Angstrom (caller's array) */
  double virial[3][3]; /* eV: -V sigma (sigma the ASE stress) */
  char extra[1024];    /* the client's extra string, NUL-terminated (longer ones fail) */
} hf_ipi_result;

/* One call on connection fd: init (sent only if the client asks for it),
 * cell rows and positions in Angstrom, natoms atoms.  Fails past deadline. */
int hf_ipi_call(int fd, double deadline, const char *init, size_t natoms, const double cell[3][3],
                const double *r, hf_ipi_result *res, hf_err *err);
/* Sends EXIT (errors ignored: the client may be gone). */
void hf_ipi_exit(int fd);

#endif
