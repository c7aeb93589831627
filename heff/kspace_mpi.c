/* kspace_mpi.c - the reciprocal-space product on x slabs (docs/mpi.md):
 * FFTW's MPI r2c transform of the three u components with the output left
 * transposed (FFTW_MPI_TRANSPOSED_OUT: this rank holds the ky slab
 * [ky0, ky0 + nky) of every kx, kz), the product with D on that slab, and the
 * c2r transform that takes the transposed layout back (TRANSPOSED_IN): two
 * all-to-all transposes per force evaluation and no transposes back.
 * Spectra layout: ((ky - ky0) * Lx + kx) * (Lz/2 + 1) + kz. */
#include <fftw3-mpi.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "parallel.h"

/* doubles per row of FFTW's padded in-place r2c layout */
static size_t padded_row(const hf_lattice *lat) { return 2 * (size_t)(lat->L[2] / 2 + 1); }

int hf_kspace_mpi_setup(hf_engine *e, unsigned flags, hf_err *err) {
  const hf_lattice *lat = &e->lat;
  const int *L = lat->L;
  ptrdiff_t n0, s0, n1, s1;
  const ptrdiff_t alloc =
      fftw_mpi_local_size_3d_transposed(L[0], L[1], L[2] / 2 + 1, e->comm->mpi, &n0, &s0, &n1, &s1);
  if (n0 != lat->nx || s0 != lat->x0 || n1 != lat->nky || s1 != lat->ky0)
    return hf_fail(err, "the supercell slab is not FFTW's (use hf_lattice_distribute)");
  for (int a = 0; a < 3; a++)
    if (!(e->ck[a] = fftw_alloc_complex((size_t)alloc)))
      return hf_fail(err, "out of memory for the k-space slab");
  e->nck = (size_t)alloc;
  if (e->nthreads > 1 && hf_fftw_threads_init())
    return hf_fail(err, "FFTW could not start its threads");
  if (e->nthreads > 1) fftw_plan_with_nthreads(e->nthreads); /* put back below */
  double *r = (double *)e->ck[0];
  e->r2c = fftw_mpi_plan_dft_r2c_3d(L[0], L[1], L[2], r, e->ck[0], e->comm->mpi,
                                    flags | FFTW_MPI_TRANSPOSED_OUT);
  e->c2r = fftw_mpi_plan_dft_c2r_3d(L[0], L[1], L[2], e->ck[0], r, e->comm->mpi,
                                    flags | FFTW_MPI_TRANSPOSED_IN);
  if (e->nthreads > 1) fftw_plan_with_nthreads(1);
  if (!e->r2c || !e->c2r)
    return hf_fail(err, "FFTW could not plan a %dx%dx%d MPI transform", L[0], L[1], L[2]);
  e->nkpart = lat->nky;
  if (!(e->kpart = malloc((size_t)(e->nkpart > 0 ? e->nkpart : 1) * sizeof *e->kpart)))
    return hf_fail(err, "out of memory");
  return HF_OK;
}

double hf_kspace_mpi_apply(hf_engine *e, const hf_fields *x, hf_fields *g) {
  const hf_lattice *lat = &e->lat;
  const size_t Lz = (size_t)lat->L[2], pr = padded_row(lat);
  const size_t rows = (size_t)lat->nx * (size_t)lat->L[1];
  const size_t line = (size_t)lat->L[0] * (Lz / 2 + 1); /* k-points per local ky */
  const int nt = e->nthreads, nky = lat->nky;
  for (int a = 0; a < 3; a++) {
    double *r = (double *)e->ck[a];
    for (size_t j = 0; j < rows; j++) memcpy(r + j * pr, x->u[a] + j * Lz, Lz * sizeof *r);
    fftw_mpi_execute_dft_r2c(e->r2c, r, e->ck[a]);
  }
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
  for (int j = 0; j < nky; j++)
    e->kpart[j] = hf_kspace_lines(e, (size_t)j * line, (size_t)(j + 1) * line);
  if (g)
    for (int a = 0; a < 3; a++) {
      double *r = (double *)e->ck[a];
      fftw_mpi_execute_dft_c2r(e->c2r, e->ck[a], r);
      for (size_t j = 0; j < rows; j++) memcpy(g->u[a] + j * Lz, r + j * pr, Lz * sizeof *r);
    }
  /* each transpose sends this rank's spectra except the share it keeps */
  const double keep = 1.0 / (double)e->comm->size;
  const double slab = (double)rows * (double)(Lz / 2 + 1) * sizeof(fftw_complex);
  e->comm->sent[HF_SENT_FFT] += (uint64_t)(3 * (g ? 2 : 1) * slab * (1 - keep));
  double energy = 0.0;
  for (int j = 0; j < nky; j++) energy += e->kpart[j];
  return 0.5 * energy / (double)lat->n;
}
