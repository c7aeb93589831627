/* md_state.c - configuration and integrator state in checkpoints (see
 * md_state.h). */
#include "md_state.h"

#include <fftw3.h>

/* One field component: on several ranks gathered into rank 0's buffer. */
static void put_comp(hf_ckpt_writer *w, const char *tag, const double *a, const hf_lattice *lat,
                     hf_comm *c, double *buf) {
  if (c->size == 1) {
    hf_ckpt_put(w, tag, a, lat->nloc * sizeof *a);
    return;
  }
  hf_comm_gather(c, lat, a, buf);
  hf_ckpt_put_lead(w, tag, buf, lat->n * sizeof *a);
}

static int get_comp(hf_ckpt_reader *r, const char *tag, double *a, const hf_lattice *lat,
                    hf_comm *c, double *buf, hf_err *err) {
  if (c->size == 1) return hf_ckpt_get(r, tag, a, lat->nloc * sizeof *a, err);
  int rc = c->rank == 0 ? hf_ckpt_get(r, tag, buf, lat->n * sizeof *a, err) : HF_OK;
  if (hf_comm_agree(c, rc, err)) return HF_FAIL;
  hf_comm_scatter(c, lat, buf, a);
  return HF_OK;
}

/* rank 0's whole-supercell buffer for one component (several ranks only) */
static int gather_buffer(double **buf, const hf_lattice *lat, hf_comm *c, hf_err *err) {
  *buf = NULL;
  if (c->size > 1 && c->rank == 0 && !(*buf = fftw_alloc_real(lat->n)))
    return hf_comm_agree(c, hf_fail(err, "out of memory for the checkpoint buffer"), err);
  return hf_comm_agree(c, HF_OK, err);
}

int hf_md_state_put(hf_ckpt_writer *w, const hf_fields *x, hf_dyn *dyn, const hf_lattice *lat,
                    hf_comm *comm, hf_err *err) {
  hf_comm self, *c = hf_comm_or_self(comm, &self);
  double *buf;
  if (gather_buffer(&buf, lat, c, err)) return HF_FAIL;
  for (int k = 0; k < 9; k++)
    if (hf_fields_comp(x, k)) put_comp(w, "field", hf_fields_comp(x, k), lat, c, buf);
  if (x->sigma) put_comp(w, "sigma", x->sigma, lat, c, buf);
  hf_ckpt_put_lead(w, "eta", x->eta, sizeof x->eta);
  if (dyn) {
    hf_fields *v = hf_dyn_velocities(dyn);
    for (int k = 0; k < 9; k++)
      if (hf_fields_comp(v, k)) put_comp(w, "velocity", hf_fields_comp(v, k), lat, c, buf);
    hf_ckpt_put_lead(w, "eta_velocity", hf_dyn_eta_velocity(dyn), 6 * sizeof(double));
    hf_ckpt_put_lead(w, "nhc_xi", hf_dyn_nhc_xi(dyn), HF_NHC_MAX * sizeof(double));
    hf_ckpt_put_lead(w, "nhc_vxi", hf_dyn_nhc_vxi(dyn), HF_NHC_MAX * sizeof(double));
  }
  fftw_free(buf);
  return HF_OK;
}

int hf_md_state_get(hf_ckpt_reader *r, hf_fields *x, hf_dyn *dyn, const hf_lattice *lat,
                    hf_comm *comm, hf_err *err) {
  hf_comm self, *c = hf_comm_or_self(comm, &self);
  double *buf;
  if (gather_buffer(&buf, lat, c, err)) return HF_FAIL;
  int rc = HF_OK;
  for (int k = 0; k < 9 && !rc; k++)
    if (hf_fields_comp(x, k)) rc = get_comp(r, "field", hf_fields_comp(x, k), lat, c, buf, err);
  if (!rc && x->sigma) rc = get_comp(r, "sigma", x->sigma, lat, c, buf, err);
  if (!rc) rc = hf_ckpt_get_bcast(r, "eta", x->eta, sizeof x->eta, c, err);
  if (!rc && dyn) {
    hf_fields *v = hf_dyn_velocities(dyn);
    for (int k = 0; k < 9 && !rc; k++)
      if (hf_fields_comp(v, k))
        rc = get_comp(r, "velocity", hf_fields_comp(v, k), lat, c, buf, err);
    if (!rc)
      rc = hf_ckpt_get_bcast(r, "eta_velocity", hf_dyn_eta_velocity(dyn), 6 * sizeof(double), c,
                             err);
    if (!rc)
      rc = hf_ckpt_get_bcast(r, "nhc_xi", hf_dyn_nhc_xi(dyn), HF_NHC_MAX * sizeof(double), c, err);
    if (!rc)
      rc =
          hf_ckpt_get_bcast(r, "nhc_vxi", hf_dyn_nhc_vxi(dyn), HF_NHC_MAX * sizeof(double), c, err);
  }
  fftw_free(buf);
  return rc;
}
