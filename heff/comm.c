/* comm.c - communicator, reductions, slab decomposition and gathers (see
 * comm.h).  Everything here is a no-op or a copy on one rank. */
#include "comm.h"

#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"

#ifdef HF_MPI
#include <fftw3-mpi.h>
#endif

void hf_comm_init_serial(hf_comm *c) {
  memset(c, 0, sizeof *c);
  c->size = 1;
#ifdef HF_MPI
  c->mpi = MPI_COMM_SELF;
#endif
}

#ifdef HF_MPI
void hf_comm_init_mpi(hf_comm *c, MPI_Comm m) {
  memset(c, 0, sizeof *c);
  c->mpi = m;
  MPI_Comm_rank(m, &c->rank);
  MPI_Comm_size(m, &c->size);
  hf_fftw_threads_init(); /* FFTW wants its threads ready before its MPI part */
  fftw_mpi_init();        /* idempotent */
}
#endif

hf_comm *hf_comm_or_self(hf_comm *c, hf_comm *self) {
  if (c) return c;
  hf_comm_init_serial(self);
  return self;
}

void hf_comm_sum(hf_comm *c, double *v, int n) {
  if (c->size == 1) return;
#ifdef HF_MPI
  double buf[64];
  for (int k = 0; k < n; k += 64) { /* a fixed buffer: no allocation per step */
    const int m = n - k < 64 ? n - k : 64;
    MPI_Reduce(v + k, buf, m, MPI_DOUBLE, MPI_SUM, 0, c->mpi);
    if (c->rank == 0) memcpy(v + k, buf, (size_t)m * sizeof *buf);
    MPI_Bcast(v + k, m, MPI_DOUBLE, 0, c->mpi);
    c->sent[HF_SENT_REDUCE] += 2 * (uint64_t)m * sizeof(double); /* up the tree and down */
  }
#else
  (void)v;
  (void)n;
#endif
}

void hf_comm_bcast(hf_comm *c, void *buf, size_t bytes) {
  if (c->size == 1) return;
#ifdef HF_MPI
  MPI_Bcast(buf, (int)bytes, MPI_BYTE, 0, c->mpi);
  c->sent[HF_SENT_REDUCE] += bytes;
#else
  (void)buf;
  (void)bytes;
#endif
}

int hf_comm_any(hf_comm *c, int flag) {
  int any = flag != 0;
#ifdef HF_MPI
  if (c->size > 1) MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, c->mpi);
#else
  (void)c;
#endif
  return any;
}

void hf_comm_shift(hf_comm *c, const double *send, double *recv, size_t n, int dir) {
  if (c->size == 1) {
    memcpy(recv, send, n * sizeof *send);
    return;
  }
#ifdef HF_MPI
  const int to = (c->rank + dir + c->size) % c->size, from = (c->rank - dir + c->size) % c->size;
  MPI_Sendrecv(send, (int)n, MPI_DOUBLE, to, 10 + dir, recv, (int)n, MPI_DOUBLE, from, 10 + dir,
               c->mpi, MPI_STATUS_IGNORE);
  c->sent[HF_SENT_HALO] += n * sizeof(double);
#else
  (void)dir; /* one rank only */
#endif
}

int hf_lattice_distribute(hf_lattice *lat, hf_comm *c, hf_err *err) {
  if (c->size == 1) return HF_OK;
#ifdef HF_MPI
  ptrdiff_t n0, s0, n1, s1;
  fftw_mpi_local_size_3d_transposed(lat->L[0], lat->L[1], lat->L[2] / 2 + 1, c->mpi, &n0, &s0, &n1,
                                    &s1);
  if (hf_comm_any(c, n0 < 1 || n1 < 1))
    return hf_fail(err,
                   "supercell %dx%dx%d is too small for %d MPI ranks: every rank needs at least "
                   "one x plane and one y plane (use fewer ranks)",
                   lat->L[0], lat->L[1], lat->L[2], c->size);
  const size_t plane = (size_t)lat->L[1] * (size_t)lat->L[2];
  lat->x0 = (int)s0;
  lat->nx = (int)n0;
  lat->nloc = (size_t)n0 * plane;
  lat->ky0 = (int)s1;
  lat->nky = (int)n1;
  lat->kt = 1;
  lat->nkloc = (size_t)n1 * (size_t)lat->L[0] * (size_t)(lat->L[2] / 2 + 1);
  return HF_OK;
#else
  (void)lat;
  return hf_fail(err, "built without MPI");
#endif
}

int hf_lattice_is_slab(const hf_lattice *lat, hf_comm *c) {
  double planes = lat->nx;
  hf_comm_sum(c, &planes, 1);
  const int ok =
      lat->nloc == (size_t)lat->nx * (size_t)lat->L[1] * (size_t)lat->L[2] && planes == lat->L[0];
  return !hf_comm_any(c, !ok);
}

#ifdef HF_MPI
/* per-rank cell counts and offsets (rank 0 only), for Gatherv/Scatterv */
static void slab_counts(hf_comm *c, const hf_lattice *lat, int *cnt, int *off) {
  int mine = (int)lat->nloc;
  MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, c->mpi);
  if (c->rank == 0)
    for (int r = 0; r < c->size; r++) off[r] = r ? off[r - 1] + cnt[r - 1] : 0;
}
#endif

/* rank 0's whole array <-> every rank's slab: gather (to_root) or scatter */
static void slab_move(hf_comm *c, const hf_lattice *lat, double *global, double *local,
                      int to_root) {
  if (c->size == 1) {
    if (global != local)
      memcpy(to_root ? global : local, to_root ? local : global, lat->nloc * sizeof *local);
    return;
  }
#ifdef HF_MPI
  int *cnt = c->rank == 0 ? malloc(2 * (size_t)c->size * sizeof *cnt) : NULL, *off = NULL;
  if (cnt) off = cnt + c->size;
  slab_counts(c, lat, cnt, off);
  if (to_root) {
    MPI_Gatherv(local, (int)lat->nloc, MPI_DOUBLE, global, cnt, off, MPI_DOUBLE, 0, c->mpi);
    c->sent[HF_SENT_GATHER] += c->rank ? lat->nloc * sizeof(double) : 0;
  } else {
    MPI_Scatterv(global, cnt, off, MPI_DOUBLE, local, (int)lat->nloc, MPI_DOUBLE, 0, c->mpi);
    c->sent[HF_SENT_GATHER] += c->rank ? 0 : (lat->n - lat->nloc) * sizeof(double);
  }
  free(cnt);
#endif
}

void hf_comm_gather(hf_comm *c, const hf_lattice *lat, const double *local, double *global) {
  slab_move(c, lat, global, (double *)local, 1); /* (local is only read) */
}

void hf_comm_scatter(hf_comm *c, const hf_lattice *lat, const double *global, double *local) {
  slab_move(c, lat, (double *)global, local, 0); /* (global is only read) */
}

void hf_comm_gather_fields(hf_comm *c, const hf_lattice *lat, const hf_fields *x, hf_fields *g) {
  for (int k = 0; k < 9; k++)
    if (hf_fields_comp(x, k)) hf_comm_gather(c, lat, hf_fields_comp(x, k), hf_fields_comp(g, k));
  if (x->sigma) hf_comm_gather(c, lat, x->sigma, g->sigma);
  if (c->rank == 0) memcpy(g->eta, x->eta, sizeof g->eta);
}

void hf_comm_wisdom_import(hf_comm *c, const char *path) {
  if (c->rank == 0) fftw_import_wisdom_from_filename(path);
#ifdef HF_MPI
  if (c->size > 1) fftw_mpi_broadcast_wisdom(c->mpi);
#endif
}

int hf_comm_wisdom_export(hf_comm *c, const char *path) {
#ifdef HF_MPI
  if (c->size > 1) fftw_mpi_gather_wisdom(c->mpi);
#endif
  int ok = c->rank != 0 || fftw_export_wisdom_to_filename(path);
  return hf_comm_any(c, !ok) ? HF_FAIL : HF_OK;
}
