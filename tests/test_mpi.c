/* test_mpi.c - MPI ranks against one rank (run under mpirun -np 2; also
 * passes on one rank, where both sides are the same code):
 *  - engine energy, dE/du, dE/dv and dE/deta of random u, v, eta on x slabs
 *    equal the one-rank engine to 1e-12 relative, for BaTiO3 ZVR and for ZVR
 *    plus a v-v term reaching 2 cells along x (halos of width 2), on slabs of
 *    unequal size and with several row-pass chunks per rank (on 2 threads
 *    per rank: hybrid MPI + OpenMP), with an applied field and open-circuit
 *    depolarization (whose polarization sum spans the ranks);
 *  - the distributed gradient equals central finite differences of the
 *    distributed energy on the planes at the slab edges (the halo adjoint);
 *  - Langevin NPT and Nose-Hoover NPT trajectories and HMC trajectories on
 *    the ranks follow the one-rank ones (same noise: blocks in global cell
 *    order) to round-off; an applied field is included in the energies;
 *  - with pinned cells (a box across the rank boundary: the set is
 *    distributed like the fields) the Langevin trajectory on the ranks
 *    follows the one-rank one, and the pinned components stay bit for bit;
 *  - single-site Metropolis is refused on several ranks;
 *  - an alloy (random occupation from a seed) with terms only the generic
 *    evaluator holds: anharmonic intersite u^3 u@1, sigma springs u sigma@1,
 *    v sigma@1, u^2 sigma@2 (two planes deep), strain x u sigma@1, local
 *    strain x sigma and etaL u u@1 (expanded into v monomials on several
 *    ranks) and w w@1 u^2: energy, every gradient component and dE/deta on
 *    the ranks equal one rank to 1e-11 relative, and the Langevin, NHC and
 *    HMC trajectories follow the one-rank ones. */
#include <stdlib.h>
#include <string.h>

#include "dynamics.h"
#include "engine.h"
#include "hmc.h"
#include "metropolis.h"
#include "occupation.h"
#include "omega_gauge.h"
#include "testconfig.h"
#include "testmpi.h"

static const char *models_dir = "models";
static hf_comm world, self;

/* This rank's slab of the whole-supercell configuration xg. */
static void take_slab(hf_fields *x, const hf_fields *xg, const hf_lattice *lat) {
  const size_t i0 = (size_t)lat->x0 * (size_t)lat->L[1] * (size_t)lat->L[2];
  for (int c = 0; c < 9; c++)
    if (hf_fields_comp(x, c))
      memcpy(hf_fields_comp(x, c), hf_fields_comp(xg, c) + i0, lat->nloc * sizeof(double));
  if (x->sigma) memcpy(x->sigma, xg->sigma + i0, lat->nloc * sizeof(double));
  memcpy(x->eta, xg->eta, sizeof x->eta);
}

/* A random alloy occupation (x = 0.4, the same on every rank) when the
 * configuration has sigma. */
static void random_occupation(hf_fields *xg, const hf_lattice *glat, uint64_t seed) {
  if (!xg->sigma) return;
  hf_err err = {{0}};
  hf_rng r;
  hf_rng_seed(&r, seed);
  CHECK(hf_occ_random(glat, 0.4, &r, xg->sigma, &err) == HF_OK, "occupation: %s", err.msg);
}

/* max |a - b| / max |b| over every component of the gathered slabs a (rank
 * 0 compares; the result is broadcast) */
static double gathered_diff(const hf_fields *a, const hf_fields *b, const hf_lattice *lat,
                            const hf_lattice *glat, hf_fields *scratch) {
  hf_comm_gather_fields(&world, lat, a, scratch);
  double d[2] = {0, 0};
  if (world.rank == 0)
    for (int c = 0; c < 9; c++) {
      const double *p = hf_fields_comp(scratch, c), *q = hf_fields_comp(b, c);
      if (!p || !q) continue;
      for (size_t i = 0; i < glat->n; i++) {
        d[0] = fmax(d[0], fabs(p[i] - q[i]));
        d[1] = fmax(d[1], fabs(q[i]));
      }
    }
  hf_comm_bcast(&world, d, sizeof d);
  return d[1] > 0 ? d[0] / d[1] : d[0];
}

/* Energy of the distributed engine with component c of cell (x, y, z)
 * moved by h (on the rank that holds it). */
static double energy_moved(hf_engine *e, hf_fields *x, const hf_lattice *lat, int c, int cx, int cy,
                           int cz, double h) {
  double *a = hf_fields_comp(x, c), keep = 0;
  const int mine = cx >= lat->x0 && cx < lat->x0 + lat->nx;
  const size_t i = mine ? hf_index(lat, cx - lat->x0, cy, cz) : 0;
  if (mine) {
    keep = a[i];
    a[i] += h;
  }
  hf_energy E;
  hf_engine_eval(e, x, NULL, NULL, &E);
  if (mine) a[i] = keep;
  return E.total;
}

/* The engine on the ranks (nt threads each) against one rank and one thread. */
static void engine_ranks(const hf_model *m, const int L[3], int nt, const char *what, double tol) {
  hf_err err = {{0}};
  hf_lattice glat, lat;
  hf_engine *e1 = NULL, *en = NULL;
  hf_fields xg, g1, x, g, scratch;
  memset(&scratch, 0, sizeof scratch);
  hf_engine_opts o1 = {.pressure = -4.8, .fftw_flags = FFTW_ESTIMATE, .comm = &self};
  hf_engine_opts on = o1;
  on.comm = &world;
  on.threads = nt;
  if (hf_lattice_init(&glat, L, &err) || hf_engine_create(&e1, m, &glat, &o1, &err)) {
    CHECK(0, "%s: %s", what, err.msg);
    return;
  }
  lat = glat;
  const unsigned mask = hf_engine_field_mask(e1);
  if (hf_lattice_distribute(&lat, &world, &err) || hf_engine_create(&en, m, &lat, &on, &err) ||
      hf_fields_alloc(&xg, &glat, mask, &err) || hf_fields_alloc(&g1, &glat, mask, &err) ||
      hf_fields_alloc(&x, &lat, mask, &err) || hf_fields_alloc(&g, &lat, mask, &err) ||
      (world.rank == 0 && hf_fields_alloc(&scratch, &glat, mask, &err))) {
    CHECK(0, "%s: %s", what, err.msg);
    return;
  }
  /* an applied field (kV/cm) and open-circuit depolarization: sums over all ranks */
  const double beta[3] = {0.2, 0, 1}, field[3] = {150, -80, 300};
  hf_engine_set_depolarization(e1, beta);
  hf_engine_set_depolarization(en, beta);
  hf_engine_set_field(e1, field);
  hf_engine_set_field(en, field);
  hf_rng r;
  hf_rng_seed(&r, 4242); /* the same configuration on every rank */
  testconfig_random(&xg, &glat, &r, 0.15, 0.05, 0.1, 0.01);
  random_occupation(&xg, &glat, 77);
  take_slab(&x, &xg, &lat);
  double d1[6], dn[6];
  hf_energy E1, En;
  hf_engine_eval(e1, &xg, &g1, d1, &E1);
  hf_engine_eval(en, &x, &g, dn, &En);
  char label[300];
  snprintf(label, sizeof label, "%s %dx%dx%d: energy on %d ranks x %d threads vs 1 (slab %d+%d)",
           what, L[0], L[1], L[2], world.size, nt, lat.x0, lat.nx);
  CHECK_CLOSE(En.total, E1.total, tol, 1e-6, label);
  const double p1[9] = {E1.kspace, E1.onsite, E1.strain_hom, E1.strain_loc, E1.elastic_v,
                        E1.other,  E1.pv,     E1.field,      E1.total};
  const double pn[9] = {En.kspace, En.onsite, En.strain_hom, En.strain_loc, En.elastic_v,
                        En.other,  En.pv,     En.field,      En.total};
  for (int k = 0; k < 9; k++) {
    snprintf(label, sizeof label, "%s: energy part %d on %d ranks vs 1", what, k, world.size);
    CHECK_CLOSE(pn[k], p1[k], tol, 1e-3, label);
  }
  double deta_rel = 0; /* largest dE/deta difference relative to max |dE/deta| */
  double deta_max = 0;
  for (int l = 0; l < 6; l++) deta_max = fmax(deta_max, fabs(d1[l]));
  for (int l = 0; l < 6; l++) {
    snprintf(label, sizeof label, "%s: dE/deta%d on %d ranks vs 1", what, l + 1, world.size);
    CHECK_CLOSE(dn[l], d1[l], tol, 1e-3, label);
    deta_rel = fmax(deta_rel, fabs(dn[l] - d1[l]) / fmax(deta_max, 1e-300));
  }
  const double dg = gathered_diff(&g, &g1, &lat, &glat, &scratch);
  CHECK(dg <= tol, "%s: gradient on %d ranks vs 1: max diff %.3g of max |g|", what, world.size, dg);
  /* finite differences on the first and last plane of rank 0's slab and the
   * first of rank 1's: the rows whose v-v and strain terms cross ranks */
  const int planes[3] = {lat.x0, lat.x0 + lat.nx - 1, (lat.x0 + lat.nx) % L[0]};
  double fd_err = 0, gmax = 0;
  for (int k = 0; k < 3; k++) {
    int px = planes[k];
    hf_comm_bcast(&world, &px, sizeof px); /* rank 0's planes */
    for (int c = 0; c < 9; c++) {
      if (!hf_fields_comp(&x, c)) continue; /* the same fields on every rank */
      const double h = 1e-5;
      const double ep = energy_moved(en, &x, &lat, c, px, 1, 2, h);
      const double em = energy_moved(en, &x, &lat, c, px, 1, 2, -h);
      double an = 0;
      if (px >= lat.x0 && px < lat.x0 + lat.nx)
        an = hf_fields_comp(&g, c)[hf_index(&lat, px - lat.x0, 1, 2)];
      hf_comm_sum(&world, &an, 1); /* from the rank that holds the cell */
      fd_err = fmax(fd_err, fabs((ep - em) / (2 * h) - an));
      gmax = fmax(gmax, fabs(an));
    }
  }
  if (world.rank == 0)
    printf(
        "%s %dx%dx%d on %d ranks x %d threads vs 1: energy rel diff %.2g (generic/omega part "
        "%.2g), gradient %.2g, dE/deta %.2g; edge planes vs finite differences %.2g\n",
        what, L[0], L[1], L[2], world.size, nt, fabs(En.total - E1.total) / fabs(E1.total),
        E1.other != 0 ? fabs(En.other - E1.other) / fabs(E1.other) : 0.0, dg, deta_rel, fd_err);
  CHECK(fd_err <= 1e-6 * fmax(gmax, 1.0),
        "%s: gradient at slab edges vs finite differences: max diff %.3g (max |g| %.3g)", what,
        fd_err, gmax);
  hf_fields_free(&xg);
  hf_fields_free(&g1);
  hf_fields_free(&x);
  hf_fields_free(&g);
  hf_fields_free(&scratch);
  hf_engine_free(e1);
  hf_engine_free(en);
}

/* One sampler on the whole supercell (self) and one on the ranks' slabs,
 * from the same start and rng: Langevin NPT steps and HMC trajectories. */
/* Langevin NPT with the planes x = 4, 5 pinned in the lower half of z (across
 * the boundary of 2 ranks) on the ranks and on one. */
static void pinned_ranks(hf_engine *e1, hf_engine *en, hf_fields *xg, hf_fields *x,
                         const hf_lattice *glat, const hf_lattice *lat, hf_fields *scratch,
                         const hf_dyn_opts *o) {
  hf_err err = {{0}};
  const hf_pin_region reg = {.box = {{4, 6}, {0, glat->L[1]}, {0, glat->L[2] / 2}}};
  const unsigned mask = hf_engine_field_mask(e1);
  hf_pin p1, pn;
  hf_dyn *d1 = NULL, *dn = NULL;
  hf_fields x0;
  take_slab(x, xg, lat); /* the same start to the bit */
  if (hf_pin_build(&p1, &reg, 1, "(test)", glat, mask, &err) ||
      hf_pin_build(&pn, &reg, 1, "(test)", lat, mask, &err) ||
      hf_fields_alloc(&x0, glat, mask, &err) || hf_dyn_create(&d1, e1, xg, o, &err) ||
      hf_dyn_create(&dn, en, x, o, &err) || hf_dyn_set_pinned(d1, &p1, &err) ||
      hf_dyn_set_pinned(dn, &pn, &err)) {
    CHECK(0, "pinned: %s", err.msg);
    return;
  }
  hf_fields_copy(&x0, xg, glat);
  hf_rng r1, rn;
  hf_rng_seed(&r1, 8);
  hf_rng_seed(&rn, 8);
  hf_dyn_randomize_velocities(d1, 250, &r1);
  hf_dyn_randomize_velocities(dn, 250, &rn);
  for (int s = 0; s < 30; s++) {
    hf_dyn_step(d1, &r1);
    hf_dyn_step(dn, &rn);
  }
  CHECK_CLOSE(hf_dyn_energy(dn)->total, hf_dyn_energy(d1)->total, 1e-10, 1e-3,
              "pinned Langevin NPT: energy on the ranks vs 1");
  CHECK_CLOSE(hf_dyn_kinetic(dn), hf_dyn_kinetic(d1), 1e-10, 1e-3,
              "pinned Langevin NPT: kinetic energy on the ranks vs 1");
  const double df = gathered_diff(x, xg, lat, glat, scratch);
  CHECK(df <= 1e-10, "pinned Langevin NPT: fields on %d ranks vs 1: max diff %.3g", world.size, df);
  long moved[2] = {0, 0}; /* pinned components changed on 1 rank, on the ranks */
  for (int f = 0; f < 3 && world.rank == 0; f++)
    for (size_t k = 0; k < p1.n[f]; k++)
      for (int a = 0; a < 3; a++) {
        const size_t i = p1.cell[f][k];
        const double want = hf_fields_comp(&x0, 3 * f + a)[i];
        moved[0] += hf_fields_comp(xg, 3 * f + a)[i] != want;
        moved[1] += hf_fields_comp(scratch, 3 * f + a)[i] != want;
      }
  CHECK(!moved[0] && !moved[1], "pinned components changed: %ld on 1 rank, %ld on %d ranks",
        moved[0], moved[1], world.size);
  if (world.rank == 0)
    printf(
        "Langevin NPT 30 steps, %zu of %zu cells pinned, on %d ranks vs 1: fields rel diff "
        "%.2g; pinned components changed: %ld and %ld\n",
        p1.ncells, glat->n, world.size, df, moved[1], moved[0]);
  hf_dyn_free(d1);
  hf_dyn_free(dn);
  hf_fields_free(&x0);
  hf_pin_free(&p1);
  hf_pin_free(&pn);
}

static void dynamics_ranks(const hf_model *m, const char *what, int both_outcomes) {
  hf_err err = {{0}};
  const int L[3] = {10, 8, 6};
  if (world.rank == 0) printf("dynamics of %s:\n", what);
  hf_lattice glat, lat;
  hf_engine *e1 = NULL, *en = NULL;
  hf_fields xg, x, scratch;
  memset(&scratch, 0, sizeof scratch);
  hf_engine_opts o1 = {.pressure = -4.8, .fftw_flags = FFTW_ESTIMATE, .comm = &self};
  hf_engine_opts on = o1;
  on.comm = &world;
  hf_lattice_init(&glat, L, &err);
  lat = glat;
  if (hf_engine_create(&e1, m, &glat, &o1, &err) || hf_lattice_distribute(&lat, &world, &err) ||
      hf_engine_create(&en, m, &lat, &on, &err)) {
    CHECK(0, "dynamics: %s", err.msg);
    return;
  }
  const unsigned mask = hf_engine_field_mask(e1);
  hf_fields_alloc(&xg, &glat, mask, &err);
  hf_fields_alloc(&x, &lat, mask, &err);
  if (world.rank == 0) hf_fields_alloc(&scratch, &glat, mask, &err);
  hf_rng r;
  hf_rng_seed(&r, 99);
  testconfig_random(&xg, &glat, &r, 0.1, 0.02, 0.02, 0.005);
  random_occupation(&xg, &glat, 31);
  take_slab(&x, &xg, &lat);

  hf_dyn_opts dopt;
  hf_dyn_opts_default(&dopt);
  dopt.barostat = 1;
  dopt.temperature = 250;
  dopt.friction = 0.02;
  hf_dyn *d1, *dn;
  if (hf_dyn_create(&d1, e1, &xg, &dopt, &err) || hf_dyn_create(&dn, en, &x, &dopt, &err)) {
    CHECK(0, "dynamics: %s", err.msg);
    return;
  }
  hf_rng r1, rn;
  hf_rng_seed(&r1, 5);
  hf_rng_seed(&rn, 5);
  hf_dyn_randomize_velocities(d1, 250, &r1);
  hf_dyn_randomize_velocities(dn, 250, &rn);
  CHECK_CLOSE(hf_dyn_kinetic(dn), hf_dyn_kinetic(d1), 1e-13, 1e-9,
              "initial kinetic energy on the ranks vs 1");
  for (int s = 0; s < 30; s++) {
    hf_dyn_step(d1, &r1);
    hf_dyn_step(dn, &rn);
  }
  char label[200];
  snprintf(label, sizeof label, "Langevin NPT, 30 steps: energy on %d ranks vs 1", world.size);
  CHECK_CLOSE(hf_dyn_energy(dn)->total, hf_dyn_energy(d1)->total, 1e-10, 1e-3, label);
  CHECK_CLOSE(hf_dyn_kinetic(dn), hf_dyn_kinetic(d1), 1e-10, 1e-3,
              "Langevin NPT: kinetic energy on the ranks vs 1");
  for (int l = 0; l < 6; l++) CHECK_CLOSE(x.eta[l], xg.eta[l], 1e-10, 1e-4, "Langevin NPT: strain");
  double df = gathered_diff(&x, &xg, &lat, &glat, &scratch);
  if (world.rank == 0)
    printf(
        "Langevin NPT 30 steps on %d ranks vs 1: fields rel diff %.2g, energy %.2g\n", world.size,
        df,
        fabs(hf_dyn_energy(dn)->total - hf_dyn_energy(d1)->total) / fabs(hf_dyn_energy(d1)->total));
  CHECK(df <= 1e-10, "Langevin NPT: fields on %d ranks vs 1: max diff %.3g of max |x|", world.size,
        df);
  if (x.w[0]) { /* the ranks' layer sums of omega (omega_gauge.h) kept the gauge */
    double work[64], v[2] = {0, 0};
    const double *wn[3] = {x.w[0], x.w[1], x.w[2]}, *w1[3] = {xg.w[0], xg.w[1], xg.w[2]};
    v[0] = hf_omega_gauge_violation(&lat, &world, wn, work);
    v[1] = hf_omega_gauge_violation(&glat, &self, w1, work);
    if (world.rank == 0)
      printf("omega layer means after 30 Langevin steps: %.2g on %d ranks, %.2g on 1\n", v[0],
             world.size, v[1]);
    CHECK(v[0] < 1e-12 && v[1] < 1e-12, "omega left the gauge: %.3g on the ranks, %.3g on 1", v[0],
          v[1]);
  }
  /* every rank must hold the same replicated state */
  double eta0[6];
  memcpy(eta0, x.eta, sizeof eta0);
  hf_comm_bcast(&world, eta0, sizeof eta0);
  CHECK(!memcmp(eta0, x.eta, sizeof eta0), "strain bit-identical on every rank");
  hf_dyn_free(d1);
  hf_dyn_free(dn);

  /* Nose-Hoover chain with the barostat: the thermostat reads the kinetic
   * energy, a sum over the ranks, every half step */
  dopt.thermostat = HF_THERMO_NHC;
  if (hf_dyn_create(&d1, e1, &xg, &dopt, &err) || hf_dyn_create(&dn, en, &x, &dopt, &err)) {
    CHECK(0, "NHC: %s", err.msg);
    return;
  }
  hf_dyn_randomize_velocities(d1, 250, &r1);
  hf_dyn_randomize_velocities(dn, 250, &rn);
  for (int s = 0; s < 20; s++) {
    hf_dyn_step(d1, &r1);
    hf_dyn_step(dn, &rn);
  }
  CHECK_CLOSE(hf_dyn_conserved(dn), hf_dyn_conserved(d1), 1e-10, 1e-3,
              "NHC NPT, 20 steps: conserved energy on the ranks vs 1");
  CHECK_CLOSE(hf_dyn_thermostat_energy(dn), hf_dyn_thermostat_energy(d1), 1e-9, 1e-3,
              "NHC NPT: thermostat energy on the ranks vs 1");
  df = gathered_diff(&x, &xg, &lat, &glat, &scratch);
  CHECK(df <= 1e-10, "NHC NPT: fields on %d ranks vs 1: max diff %.3g", world.size, df);
  if (world.rank == 0)
    printf("NHC NPT 20 steps on %d ranks vs 1: fields rel diff %.2g\n", world.size, df);
  hf_dyn_free(d1);
  hf_dyn_free(dn);

  hf_hmc_opts ho;
  hf_hmc_opts_default(&ho);
  ho.n_steps = 6;
  ho.dt = both_outcomes ? 9.0 : 2.0; /* 9: large enough that some trajectories are rejected */
  hf_hmc *h1, *hn;
  if (hf_hmc_create(&h1, e1, &xg, &ho, &err) || hf_hmc_create(&hn, en, &x, &ho, &err)) {
    CHECK(0, "hmc: %s", err.msg);
    return;
  }
  int same = 1, acc = 0;
  for (int s = 0; s < 6; s++) {
    const int a1 = hf_hmc_sweep(h1, 250, &r1), an = hf_hmc_sweep(hn, 250, &rn);
    same &= a1 == an;
    acc += a1;
  }
  CHECK(same, "HMC: the same accept/reject decisions on the ranks as on 1 (%d of 6 accepted)", acc);
  if (both_outcomes)
    CHECK(acc > 0 && acc < 6, "HMC: %d of 6 trajectories accepted (both outcomes tested)", acc);
  df = gathered_diff(&x, &xg, &lat, &glat, &scratch);
  if (world.rank == 0)
    printf("HMC 6 trajectories on %d ranks vs 1: %d accepted on both, fields rel diff %.2g\n",
           world.size, acc, df);
  CHECK(df <= 1e-10, "HMC: fields after 6 trajectories on %d ranks vs 1: max diff %.3g", world.size,
        df);
  CHECK_CLOSE(hf_hmc_energy(hn)->total, hf_hmc_energy(h1)->total, 1e-10, 1e-3, "HMC: energy");
  hf_hmc_free(h1);
  hf_hmc_free(hn);
  dopt.thermostat = HF_THERMO_LANGEVIN;
  pinned_ranks(e1, en, &xg, &x, &glat, &lat, &scratch, &dopt);

  hf_mc *mc = NULL;
  const int rc = hf_mc_create(&mc, en, &x, NULL, &err);
  if (world.size > 1)
    CHECK(rc && strstr(err.msg, "Metropolis"), "Metropolis refused on %d ranks: '%s'", world.size,
          err.msg);
  hf_mc_free(mc);
  hf_fields_free(&xg);
  hf_fields_free(&x);
  hf_fields_free(&scratch);
  hf_engine_free(e1);
  hf_engine_free(en);
}

/* ZVR on an alloy (sigma on the u site) with omega, plus terms that only
 * the generic evaluator holds and two-cell pairs (the pair kernel); their x
 * offsets reach 2 planes. */
static int alloy_model(hf_model *m, const char *path, hf_err *err) {
  if (hf_model_load(m, path, err)) return HF_FAIL;
  m->dof |= HF_DOF_W | HF_DOF_SIGMA;
  m->mass[2] = 64.0;
  const struct {
    const char *name, *expr;
    double c;
  } t[] = {{"w2", "wx^2+wy^2+wz^2", 2.0},
           {"w4", "(wx^2+wy^2+wz^2)^2", 10.0},
           {"u3u", "ux^3*ux[1,0,0]", 0.8},
           {"usig", "ux*sigma[1,0,0]", 0.03},
           {"vsig", "vx*sigma[1,0,0]", -0.04},
           {"u2sig2", "ux^2*sigma[2,0,0]", 0.5},
           {"etausig", "eta1*ux*sigma[1,0,0]", 0.2},
           {"etaLsig", "etaL1*sigma", 0.3},
           {"etaLuu", "etaL1*ux*ux[1,0,0]", -0.7},
           {"wwu", "wx*wx[1,0,0]*uy^2", 0.6},
           {"u2u2far", "ux^2*uy[2,0,0]^2", 0.05}};
  for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
    if (hf_model_add_term(m, t[k].name, t[k].c, t[k].expr, HF_SYM_ORBIT, err)) return HF_FAIL;
  return HF_OK;
}

/* ZVR plus every compiled omega family: on-site w (even quartic and sextic),
 * u-w, eta w w and w-w at 1 and 2 cells (the 2-cell term crosses ranks two
 * planes deep). */
static int omega_model(hf_model *m, const char *path, hf_err *err) {
  if (hf_model_load(m, path, err)) return HF_FAIL;
  m->dof |= HF_DOF_W;
  m->mass[2] = 64.0;
  const struct {
    const char *name, *expr;
    double c;
  } t[] = {{"w2", "wx^2+wy^2+wz^2", 2.0},     {"w4", "(wx^2+wy^2+wz^2)^2", 10.0},
           {"w6", "(wx^2+wy^2+wz^2)^3", 4.0}, {"uw", "ux^2*wy^2", 1.5},
           {"etaw", "eta1*wx^2", -3.0},       {"etaw_shear", "eta4*wy*wz", 0.8},
           {"wnn", "wy*wy[1,0,0]", 0.3},      {"wxy", "wx*wy[1,1,0]", -0.2},
           {"w2nd", "wx*wx[2,0,0]", 0.1}};
  for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
    if (hf_model_add_term(m, t[k].name, t[k].c, t[k].expr, HF_SYM_ORBIT, err)) return HF_FAIL;
  return HF_OK;
}

int main(int argc, char **argv) {
  testmpi_init(&argc, &argv, &world, &self);
  if (argc > 1) models_dir = argv[1];
  hf_err err = {{0}};
  hf_model zvr, wide, omega, alloy;
  hf_model_init(&alloy);
  hf_model_init(&zvr);
  hf_model_init(&wide);
  hf_model_init(&omega);
  char path[512];
  snprintf(path, sizeof path, "%s/BaTiO3_ZVR1995.yaml", models_dir);
  if (hf_model_load(&zvr, path, &err) || hf_model_load(&wide, path, &err) ||
      hf_model_add_term(&wide, "v_second_neighbour", 0.7, "vx*vx[2,0,0]", HF_SYM_ORBIT, &err) ||
      hf_model_add_term(&wide, "v_xy_2", -0.3, "vx*vy[2,1,0]", HF_SYM_ORBIT, &err) ||
      omega_model(&omega, path, &err) || alloy_model(&alloy, path, &err)) {
    printf("FAIL: %s\n", err.msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  engine_ranks(&zvr, (const int[3]){9, 8, 10}, 1, "ZVR", 1e-12);
  engine_ranks(&zvr, (const int[3]){32, 6, 5}, 2, "ZVR, 2 chunks per rank", 1e-12);
  engine_ranks(&wide, (const int[3]){12, 6, 7}, 1, "ZVR + v-v at 2 cells", 1e-12);
  engine_ranks(&omega, (const int[3]){10, 5, 6}, 1, "ZVR + omega", 1e-12);
  engine_ranks(&omega, (const int[3]){32, 4, 5}, 2, "ZVR + omega, 2 chunks per rank", 1e-12);
  hf_engine_census census = {0};
  {
    hf_lattice l4;
    hf_engine *e4 = NULL;
    hf_engine_opts o4 = {.fftw_flags = FFTW_ESTIMATE, .comm = &self};
    if (!hf_lattice_init(&l4, (const int[3]){4, 4, 4}, &err) &&
        !hf_engine_create(&e4, &alloy, &l4, &o4, &err))
      hf_engine_get_census(e4, &census);
    hf_engine_free(e4);
  }
  CHECK(census.generic > 0 && census.pair > 0,
        "the alloy model has generic monomials (%d) and pairs (%d)", census.generic, census.pair);
  engine_ranks(&alloy, (const int[3]){9, 6, 5}, 1, "alloy + generic terms", 1e-11);
  engine_ranks(&alloy, (const int[3]){20, 6, 5}, 2, "alloy + generic terms, 2 chunks per rank",
               1e-11);
  if (world.size == 2) { /* slabs of 2 + 1 planes: the u^2 sigma@2 term reaches 2 */
    hf_lattice l3;
    hf_engine *e3 = NULL;
    hf_engine_opts o3 = {.fftw_flags = FFTW_ESTIMATE, .comm = &world};
    hf_lattice_init(&l3, (const int[3]){3, 6, 5}, &err);
    const int rc =
        hf_lattice_distribute(&l3, &world, &err) || hf_engine_create(&e3, &alloy, &l3, &o3, &err);
    CHECK(rc && strstr(err.msg, "generic terms"),
          "a slab thinner than the generic terms' reach is refused: '%s'", err.msg);
    hf_engine_free(e3);
  }
  dynamics_ranks(&zvr, "ZVR", 1);
  dynamics_ranks(&alloy, "alloy + generic terms", 0);
  hf_model_free(&alloy);
  hf_model_free(&zvr);
  hf_model_free(&wide);
  hf_model_free(&omega);
  return testmpi_done("mpi");
}
