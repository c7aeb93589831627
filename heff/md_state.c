/* md_state.c - configuration and integrator state in checkpoints (see
 * md_state.h). */
#include "md_state.h"

void hf_md_state_put(hf_ckpt_writer *w, const hf_fields *x, hf_dyn *dyn, size_t ncells) {
  const size_t bytes = ncells * sizeof(double);
  for (int c = 0; c < 9; c++)
    if (hf_fields_comp(x, c)) hf_ckpt_put(w, "field", hf_fields_comp(x, c), bytes);
  if (x->sigma) hf_ckpt_put(w, "sigma", x->sigma, bytes);
  hf_ckpt_put(w, "eta", x->eta, sizeof x->eta);
  if (!dyn) return;
  hf_fields *v = hf_dyn_velocities(dyn);
  for (int c = 0; c < 9; c++)
    if (hf_fields_comp(v, c)) hf_ckpt_put(w, "velocity", hf_fields_comp(v, c), bytes);
  hf_ckpt_put(w, "eta_velocity", hf_dyn_eta_velocity(dyn), 6 * sizeof(double));
  hf_ckpt_put(w, "nhc_xi", hf_dyn_nhc_xi(dyn), HF_NHC_MAX * sizeof(double));
  hf_ckpt_put(w, "nhc_vxi", hf_dyn_nhc_vxi(dyn), HF_NHC_MAX * sizeof(double));
}

int hf_md_state_get(hf_ckpt_reader *r, hf_fields *x, hf_dyn *dyn, size_t ncells, hf_err *err) {
  const size_t bytes = ncells * sizeof(double);
  int rc = HF_OK;
  for (int c = 0; c < 9 && !rc; c++)
    if (hf_fields_comp(x, c)) rc = hf_ckpt_get(r, "field", hf_fields_comp(x, c), bytes, err);
  if (!rc && x->sigma) rc = hf_ckpt_get(r, "sigma", x->sigma, bytes, err);
  if (!rc) rc = hf_ckpt_get(r, "eta", x->eta, sizeof x->eta, err);
  if (rc || !dyn) return rc;
  hf_fields *v = hf_dyn_velocities(dyn);
  for (int c = 0; c < 9 && !rc; c++)
    if (hf_fields_comp(v, c)) rc = hf_ckpt_get(r, "velocity", hf_fields_comp(v, c), bytes, err);
  if (!rc) rc = hf_ckpt_get(r, "eta_velocity", hf_dyn_eta_velocity(dyn), 6 * sizeof(double), err);
  if (!rc) rc = hf_ckpt_get(r, "nhc_xi", hf_dyn_nhc_xi(dyn), HF_NHC_MAX * sizeof(double), err);
  if (!rc) rc = hf_ckpt_get(r, "nhc_vxi", hf_dyn_nhc_vxi(dyn), HF_NHC_MAX * sizeof(double), err);
  return rc;
}
