/* comm.h - the library's view of MPI: a communicator passed through the
 * create functions (no global state), reductions that give the same bits on
 * every rank, the x-slab decomposition of the supercell, halo shifts between
 * neighbouring slabs, and gathers of slabs into rank 0 for files.
 *
 * Built without MPI (meson -Dmpi=disabled) every function works on the one
 * serial rank and does nothing or a copy; on one MPI rank likewise, so one
 * rank gives bit for bit the serial numbers.  See docs/mpi.md. */
#ifndef HF_COMM_H
#define HF_COMM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fields.h"

#ifdef HF_MPI
#include <mpi.h>
#endif

/* What the bytes a rank sends are for (benchmark counters). */
enum { HF_SENT_FFT, HF_SENT_HALO, HF_SENT_REDUCE, HF_SENT_GATHER, HF_SENT_N };

typedef struct {
  int rank, size;
#ifdef HF_MPI
  MPI_Comm mpi;
#endif
  /* bytes this rank sent through the functions below (HF_SENT_*) and the
   * engine's FFT transposes; never read by the physics */
  uint64_t sent[HF_SENT_N];
} hf_comm;

/* The one rank of a serial run. */
void hf_comm_init_serial(hf_comm *c);
#ifdef HF_MPI
/* Wraps an MPI communicator (MPI_Init done by the caller); also readies
 * FFTW's MPI transforms. */
void hf_comm_init_mpi(hf_comm *c, MPI_Comm m);
#endif
/* c itself, or a serial communicator in *self when c is NULL. */
hf_comm *hf_comm_or_self(hf_comm *c, hf_comm *self);

/* v[0..n) summed over ranks, with the same bits on every rank (reduce to
 * rank 0, then broadcast: an allreduce may round differently per rank). */
void hf_comm_sum(hf_comm *c, double *v, int n);
/* Rank 0's bytes to every rank. */
void hf_comm_bcast(hf_comm *c, void *buf, size_t bytes);
/* 1 on every rank if flag is non-zero on any rank. */
int hf_comm_any(hf_comm *c, int flag);
/* Sends n doubles to rank (rank + dir) mod size and receives n doubles from
 * rank (rank - dir) mod size (dir = +1 or -1): one halo shift. */
void hf_comm_shift(hf_comm *c, const double *send, double *recv, size_t n, int dir);

/* Cuts the supercell into x slabs as FFTW's MPI transforms want them
 * (lat->x0, nx, nloc and the k-space slab ky0, nky); fails when a rank would
 * get no plane.  On one rank lat keeps the whole supercell. */
int hf_lattice_distribute(hf_lattice *lat, hf_comm *c, hf_err *err);

/* 1 on every rank if lat is a decomposition over c's ranks (collective). */
int hf_lattice_is_slab(const hf_lattice *lat, hf_comm *c);

/* Slab fields in global cell order: rank 0 receives every rank's nloc cells
 * (global: lat->n doubles, rank 0 only) / sends them out.  On one rank a
 * copy (nothing when global == local). */
void hf_comm_gather(hf_comm *c, const hf_lattice *lat, const double *local, double *global);
void hf_comm_scatter(hf_comm *c, const hf_lattice *lat, const double *global, double *local);
/* Every allocated component of x into g (a whole-supercell configuration on
 * rank 0, unused elsewhere), strain included. */
void hf_comm_gather_fields(hf_comm *c, const hf_lattice *lat, const hf_fields *x, hf_fields *g);

/* FFTW wisdom of measured plans: rank 0 reads the file and every rank gets
 * it / every rank's wisdom is merged and rank 0 writes the file. */
void hf_comm_wisdom_import(hf_comm *c, const char *path);
int hf_comm_wisdom_export(hf_comm *c, const char *path);

#endif
