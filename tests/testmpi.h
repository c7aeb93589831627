/* testmpi.h - start and end of the MPI test programs (MPI builds only):
 * every rank runs the checks, and the exit status says whether any rank
 * failed one. */
#ifndef HF_TESTMPI_H
#define HF_TESTMPI_H

#include <fftw3-mpi.h>

#include "check.h"
#include "comm.h"

/* MPI_COMM_WORLD and this rank alone. */
static inline void testmpi_init(int *argc, char ***argv, hf_comm *world, hf_comm *self) {
  MPI_Init(argc, argv);
  hf_comm_init_mpi(world, MPI_COMM_WORLD);
  hf_comm_init_mpi(self, MPI_COMM_SELF);
}

static inline int testmpi_done(const char *name) {
  int failed = check_failures, rank;
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  check_failures = failed;
  const int rc = rank == 0 ? check_done(name) : failed != 0;
  fftw_mpi_cleanup();
  MPI_Finalize();
  return rc;
}

#endif
