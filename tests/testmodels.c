/* testmodels.c - models built in code for the tests (see testmodels.h). */
#include "testmodels.h"

#include <stdio.h>

typedef testmodel_term spec;

int testmodel_add_terms(hf_model *m, const testmodel_term *s, int n, hf_err *err) {
  for (int i = 0; i < n; i++)
    if (hf_model_add_term(m, s[i].name, s[i].coef, s[i].expr, s[i].sym, err)) return HF_FAIL;
  return HF_OK;
}

int testmodel_kitchen_sink(hf_model *m, int with_dipole, hf_err *err) {
  hf_model_init(m);
  snprintf(m->name, sizeof m->name, "kitchen-sink");
  m->a0 = 3.9477;
  m->zstar = 9.956;
  m->eps_inf = 5.24;
  m->dipole = with_dipole;
  m->mass[0] = 39.0;
  m->mass[1] = 233.19;
  m->mass[2] = 20.0;
  m->dof = HF_DOF_U | HF_DOF_V | HF_DOF_W | HF_DOF_ETA | HF_DOF_SIGMA;
  const spec s[] = {
      {"kappa2", 5.502, "ux^2+uy^2+uz^2", 0},
      {"alpha", 110.4, "(ux^2+uy^2+uz^2)^2", 0},
      {"gamma", -163.1, "ux^2*uy^2+uy^2*uz^2+uz^2*ux^2", 0},
      {"k1", -26.8, "(ux^2+uy^2+uz^2)^3", 0},
      {"k3", 83.0, "ux^2*uy^2*uz^2", 0},
      {"k4", 64.2, "(ux^2+uy^2+uz^2)^4", 0},
      {"j1", -2.648,
       "uy*uy[1,0,0]+uz*uz[1,0,0]+ux*ux[0,1,0]+uz*uz[0,1,0]+ux*ux[0,0,1]+uy*uy[0,0,1]", 0},
      {"j2", 3.894, "ux*ux[1,0,0]+uy*uy[0,1,0]+uz*uz[0,0,1]", 0},
      {"j3", 0.898, "ux*ux[1,1,0]", 2},
      {"j5", 0.562, "ux*uy[1,1,0]", 2},
      {"j7", 0.179, "ux*uy[1,1,1]", 2},
      {"B11", 63.0, "eta1^2+eta2^2+eta3^2", 0},
      {"B12", 44.9, "eta1*eta2+eta2*eta3+eta3*eta1", 0},
      {"B44", 25.15, "eta4^2+eta5^2+eta6^2", 0},
      {"B1xx", -105.5, "eta1*ux^2+eta2*uy^2+eta3*uz^2+etaL1*ux^2+etaL2*uy^2+etaL3*uz^2", 0},
      {"B4yz", -7.75, "eta4*uy*uz+eta5*uz*ux+eta6*ux*uy+etaL4*uy*uz+etaL5*uz*ux+etaL6*ux*uy", 0},
      {"vB11", 4.04, "(vx[1,0,0]-vx)^2+(vy[0,1,0]-vy)^2+(vz[0,0,1]-vz)^2", 0},
      {"vB12", 2.88,
       "(vx[1,0,0]-vx)*(vy[0,1,0]-vy)+(vy[0,1,0]-vy)*(vz[0,0,1]-vz)+(vz[0,0,1]-vz)*(vx[1,0,0]-vx)",
       1},
      {"vB44", 1.61,
       "(vx[0,1,0]-vx+vy[1,0,0]-vy)^2+(vy[0,0,1]-vy+vz[0,1,0]-vz)^2+(vz[1,0,0]-vz+vx[0,0,1]-vx)^2",
       1},
      /* paper 003 Eqs. 18-19: anharmonic intersite u^3-u^1 */
      {"K2", 1.3, "uz^2*uy*uy[0,0,1]", 2},
      {"K5", -0.7, "ux^2*uy*uy[0,0,1]", 2},
      /* u-v bilinear across sublattices and strain-v coupling */
      {"uv", 0.31, "ux*vx[1,0,0]", 2},
      {"w2", 2.1, "wx^2+wy^2+wz^2", 0},
      {"w4", 11.0, "(wx^2+wy^2+wz^2)^2", 0},
      {"wnn", -0.4, "wx*wx[1,0,0]", 2},
      {"uw", 3.3, "ux^2*wx^2", 2},
      {"etaw", -5.1, "eta1*wx^2", 2},
      /* the other compiled omega families: cross quartic and sextic on-site, odd u-w,
       * shear strain x w w, off-diagonal w-w and w-w at 2 cells along z */
      {"w4b", 2.7, "wx^2*wy^2", 2},
      {"w6", 1.9, "(wx^2+wy^2+wz^2)^3", 0},
      {"uw_odd", 0.8, "ux*uy*wx*wy", 2},
      {"etaw_shear", 1.2, "eta4*wy*wz", 2},
      {"wxy", 0.35, "wx*wy[1,1,0]", 2},
      {"wz2", -0.15, "wx*wx[0,0,2]", 2},
      {"sigmau", 0.9, "sigma*ux^2", 2},
      {"sigmau_nn", 0.25, "sigma*ux*ux[1,0,0]", 2},
      /* homogeneous strain on a pair (generic: the pair's coefficient scaled by eta),
       * once and twice */
      {"etauu_nn", 0.7, "eta1*ux*ux[1,0,0]", 2},
      {"etaetauu", -1.3, "eta1*eta2*ux*uy[1,1,0]", 2},
  };
  return testmodel_add_terms(m, s, (int)(sizeof s / sizeof s[0]), err);
}

int testmodel_one_term(hf_model *m, const char *name, int field, double mass, const char *term,
                       double coef, const char *expr, int symmetrize, hf_err *err) {
  static const int dof[3] = {HF_DOF_U, HF_DOF_V, HF_DOF_W};
  hf_model_init(m);
  snprintf(m->name, sizeof m->name, "%s", name);
  m->a0 = 4.0;
  m->mass[field] = mass;
  m->dof = dof[field];
  return hf_model_add_term(m, term, coef, expr, symmetrize, err);
}

int testmodel_harmonic(hf_model *m, double kappa, double mass, hf_err *err) {
  return testmodel_one_term(m, "harmonic", 0, mass, "kappa", kappa, "ux^2+uy^2+uz^2", HF_SYM_NONE,
                            err);
}
