/* heff_main.c - the heff program: runs the temperature sweep a run file
 * describes, prints one table line per temperature, and resumes from the
 * run's checkpoint when asked.  Only this file prints and exits.  Under
 * mpirun (MPI builds) the ranks share the supercell and rank 0 prints
 * (docs/mpi.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "frozen_patterns.h"
#include "polar_states.h"
#include "quartic_form.h"
#include "soft_modes.h"
#include "sweep.h"
#include "wall_clock.h"

#ifdef HF_MPI
#include <fftw3-mpi.h>
#endif

static void usage(FILE *f) {
  fprintf(f,
          "usage: heff [--resume] [--quiet] RUN.yaml\n"
          "       mpirun -np N heff [--resume] [--quiet] RUN.yaml   (MPI builds)\n"
          "       heff --soft-modes MODEL.yaml [L] [--pressure P [--epitaxial E]]\n"
          "  Runs the temperature sweep described by RUN.yaml (docs/run-format.md).\n"
          "  --resume  continue from the checkpoint in the output directory, if any\n"
          "  --quiet   no progress line\n"
          "Output: <dir>/<prefix>.tsv (table with units), <prefix>_terms.tsv, VTK fields,\n"
          "<prefix>.ckpt (checkpoint).  Units: eV, Angstrom, fs, K, amu, GPa.\n"
          "--soft-modes: where the model's polar instability lies: the lowest eigenvalue of\n"
          "  its harmonic u matrix D(q) (on-site u^2, u-u pairs, dipole; eV/A^2) at Gamma,\n"
          "  X, M, R and its minimum over the q grid of an L^3 supercell (default 12); and\n"
          "  whether the energy is bounded along frozen Gamma, X, M, R patterns of u up to\n"
          "  1 Angstrom (frozen_patterns.h), and whether the quartic part of the u and omega\n"
          "  energy (strain relaxed) is positive over all configurations of 2^3 and 4^3\n"
          "  supercells (quartic_form.h).  With --pressure (GPa): the T, O and R states\n"
          "  relaxed on 2^3 cells (every strain free, or with --epitaxial eta1 = eta2 = E and\n"
          "  eta6 = 0 held) and the curvature of the enthalpy along frozen Gamma, X, M, R\n"
          "  u patterns on each: a negative one is an instability of that state\n"
          "  (polar_states.h).\n");
}

/* With terms of degree 6 or 8 the top form decides (quartic_form.h,
 * hf_form_degree). */
static int top_report(const hf_model *m, hf_err *err) {
  int D = 0;
  if (hf_form_degree(m, &D, err)) {
    printf("top form: not searched (%s)\n", err->msg);
    return 0;
  }
  printf(
      "# top part S of the mode energy (terms of degree %d in u and omega, strain at 0):\n"
      "# kappa = S/N at sum r_i^2 = N (eV); top = S / sum r_i^%d; the rest as above\n"
      "# L\tkappa_eV\ttop_eV\tcells\tpolar\tomega\tu_dir\tevals\n",
      D, D);
  int negative = 0;
  for (int L = 2; L <= 4; L += 2) {
    hf_quartic_form f;
    if (hf_top_form_min(m, (int[3]){L, L, L}, D, 8, 1, &f, NULL, err)) return 1;
    negative |= f.kappa < 0;
    printf("%d\t%.6g\t%.6g\t%.2f\t%.3f\t%.3f\t(%.3f %.3f %.3f)\t%ld\n", L, f.kappa, f.quartic,
           f.participation, f.polar, f.omega_share, f.u[0], f.u[1], f.u[2], f.evaluations);
  }
  if (negative)
    printf("degree-%d form: NEGATIVE along the configuration above: unbounded below along it\n", D);
  else
    printf(
        "degree-%d form: positive over every configuration found: the model is bounded below\n"
        "whatever its lower-order forms\n",
        D);
  return 0;
}

/* The quartic form over all configurations of 2^3 and 4^3 supercells. */
static int quartic_report(const hf_model *m, hf_err *err) {
  printf(
      "# quartic part Q of the mode energy (terms of degree 4 in u and omega, the homogeneous\n"
      "# strain relaxed under eta u^2, eta w^2 and eta^2: -B C^-1 B/2; v 0, no dipole), its\n"
      "# minimum over configurations with sum (|u_i|^2 + |omega_i|^2) = N cells from 8 seeded\n"
      "# starts (A and rad mixed: the sign and the pattern matter): kappa = Q/N there (eV);\n"
      "# quartic = Q / sum r_i^4, the energy per occupied cell at r = 1 (eV); cells:\n"
      "# participation; polar: |mean u| / rms r; omega: omega's share of the norm; u_dir:\n"
      "# direction of the largest |u_i|; eta: the relaxed strain; evals: the search's\n"
      "# model evaluations (heff/quartic_form.h)\n"
      "# L\tkappa_eV\tquartic_eV\tcells\tpolar\tomega\tu_dir\teta\tevals\n");
  int negative = 0, higher = 0, nterms = 0;
  for (int L = 2; L <= 4; L += 2) {
    hf_quartic_form f;
    if (hf_quartic_form_min(m, (int[3]){L, L, L}, 8, 1, &f, NULL, err)) return 1;
    nterms = f.nterms, higher = f.higher;
    if (!f.nterms) break;
    negative |= f.kappa < 0;
    printf(
        "%d\t%.6f\t%.6f\t%.2f\t%.3f\t%.3f\t(%.3f %.3f %.3f)\t(%.4f %.4f %.4f %.4f %.4f "
        "%.4f)\t%ld\n",
        L, f.kappa, f.quartic, f.participation, f.polar, f.omega_share, f.u[0], f.u[1], f.u[2],
        f.eta[0], f.eta[1], f.eta[2], f.eta[3], f.eta[4], f.eta[5], f.evaluations);
    if (f.strain < 0)
      printf(
          "(the elastic matrix of the eta^2 terms is not positive definite: strain held at 0)\n");
  }
  if (!nterms)
    printf("quartic form: the model has no quartic mode terms\n");
  else if (!negative)
    printf("quartic form: positive over every configuration found\n");
  else if (higher)
    printf(
        "quartic form: NEGATIVE along the configuration above: only the model's higher-order\n"
        "terms can stop the energy from falling there\n");
  else
    printf(
        "quartic form: NEGATIVE along the configuration above, and the model has no mode terms\n"
        "above fourth order: unbounded below along it\n");
  return higher ? top_report(m, err) : 0;
}

/* The T, O, R states at a pressure and their frozen-pattern curvatures
 * (polar_states.h). */
static int polar_states_report(const hf_model *m, double p, double epi, hf_err *err) {
  hf_polar_state st[HF_POLAR_NSTATE];
  if (hf_polar_states(m, p, epi, st, err)) return HF_FAIL;
  printf(
      "# polar states relaxed on 2x2x2 at %g GPa (%s) from u = 0.1 A along the direction:\n"
      "# u (A), eta, H per cell above the undistorted crystal (meV); then per q the lowest\n"
      "# curvature of H along u += A e cos(2 pi q.R) (eV/A^2; v, omega, strain held: a\n"
      "# negative one is an instability) and its direction e\n",
      p, isnan(epi) ? "every strain free" : "eta1 = eta2 held at --epitaxial, eta6 = 0");
  if (!isnan(epi)) printf("# epitaxial %g\n", epi);
  int unstable = 0;
  for (int s = 0; s < HF_POLAR_NSTATE; s++) {
    const hf_polar_state *q = &st[s];
    printf("state %s%s: u (%.4f %.4f %.4f), eta (%.4f %.4f %.4f %.4f %.4f %.4f), H %.3f meV\n",
           hf_polar_state_names[s], q->status ? " (relaxation not converged)" : "", q->u[0],
           q->u[1], q->u[2], q->eta[0], q->eta[1], q->eta[2], q->eta[3], q->eta[4], q->eta[5],
           1e3 * q->H);
    for (int k = 0; k < HF_POLAR_NQ; k++) {
      int q2[3];
      hf_polar_q(k, q2);
      printf("  q (%s, %s, %s)\t%+.4f\te (%+.3f %+.3f %+.3f)%s\n", q2[0] ? "1/2" : "0",
             q2[1] ? "1/2" : "0", q2[2] ? "1/2" : "0", q->k[k][0], q->vec[k][0], q->vec[k][1],
             q->vec[k][2], q->k[k][0] < 0 ? "\tUNSTABLE" : "");
      unstable += q->k[k][0] < 0;
    }
  }
  printf("polar states: %d unstable (state, q) pairs of %d\n", unstable,
         HF_POLAR_NSTATE * HF_POLAR_NQ);
  return HF_OK;
}

/* A number after a flag, or a message naming it. */
static int flag_number(int argc, char **argv, int *i, double *out) {
  char *end = NULL;
  if (*i + 1 >= argc || (*out = strtod(argv[*i + 1], &end), *end || end == argv[*i + 1])) {
    fprintf(stderr, "heff: --soft-modes: %s expects a number\n", argv[*i]);
    return 1;
  }
  ++*i;
  return 0;
}

/* heff --soft-modes MODEL.yaml [L] [--pressure P [--epitaxial E]] (soft_modes.h). */
static int soft_modes_main(int argc, char **argv) {
  if (argc < 3) {
    usage(stderr);
    return 2;
  }
  long L = 12;
  double pressure = NAN, epi = NAN;
  for (int i = 3; i < argc; i++) {
    char *end = NULL;
    if (!strcmp(argv[i], "--pressure")) {
      if (flag_number(argc, argv, &i, &pressure)) return 2;
    } else if (!strcmp(argv[i], "--epitaxial")) {
      if (flag_number(argc, argv, &i, &epi)) return 2;
    } else if (i == 3 && (L = strtol(argv[3], &end, 10), !*end && end != argv[3])) {
      continue;
    } else {
      fprintf(stderr,
              "heff: --soft-modes: expected a grid size L, --pressure or --epitaxial, "
              "got '%s'\n",
              argv[i]);
      return 2;
    }
  }
  if (!isnan(epi) && isnan(pressure)) {
    fprintf(stderr, "heff: --soft-modes: --epitaxial needs --pressure\n");
    return 2;
  }
  hf_err err = {{0}};
  hf_model m;
  hf_model_init(&m);
  hf_soft_modes s;
  if (hf_model_load(&m, argv[2], &err) || hf_soft_modes_find(&m, (int)L, &s, &err)) {
    fprintf(stderr, "heff: %s\n", err.msg);
    hf_model_free(&m);
    return 1;
  }
  printf("# heff --soft-modes: model %s (%s), q grid %ld^3\n", m.name, argv[2], L);
  printf(
      "# lowest eigenvalue of the harmonic u matrix D(q), eV/A^2 (E = (1/2N) sum_q u(q)^+ D(q)\n"
      "# u(q): on-site u^2, u-u pairs, dipole; strain couplings left out)\n");
  printf("Gamma\t%.6f\nX\t%.6f\nM\t%.6f\nR\t%.6f\n", s.gamma, s.x, s.m, s.r);
  printf("lowest\t%.6f\tat q = (%d,%d,%d)/%ld\n", s.lmin, s.qmin[0], s.qmin[1], s.qmin[2], L);
  const int at_gamma = !s.qmin[0] && !s.qmin[1] && !s.qmin[2];
  if (at_gamma)
    printf("softest polar mode: at Gamma (a uniform polarization)\n");
  else
    printf(
        "softest polar mode: away from Gamma, %.3g eV/A^2 (%.1f%% of |Gamma|) below it: a\n"
        "modulated order competes with a uniform polarization; strain and anharmonic\n"
        "terms decide if the difference is small\n",
        s.gamma - s.lmin, 100 * (s.gamma - s.lmin) / fabs(s.gamma));
  hf_patterns p;
  if (hf_patterns_eval(&m, &p, &err)) {
    fprintf(stderr, "heff: %s\n", err.msg);
    hf_model_free(&m);
    return 1;
  }
  printf(
      "# frozen patterns u_i = A e cos(2 pi q.R_i) (v = 0, eta = 0): energy per cell, eV; the\n"
      "# minimum over A = 0.05..1.00 Angstrom, the value at 1 Angstrom and, where the energy\n"
      "# still falls there, the barrier before the fall (its height and amplitude); a bounded\n"
      "# pattern whose lowest state lies beyond a barrier (a maximum, then lower than before\n"
      "# it) names that barrier's amplitude: MD heads there once it crosses (fit's probes)\n"
      "# q\tdirection\tE_min_eV\tA_min_A\tE(1A)_eV\tbarrier_eV\tA_barrier_A\tverdict\n");
  int unbounded = 0;
  for (int q = 0; q < HF_PATTERN_NQ; q++)
    for (int d = 0; d < HF_PATTERN_NDIR; d++) {
      const double *e = p.e[q][d];
      int kmin = 0, kmax = 0;
      for (int k = 1; k < HF_PATTERN_NAMP; k++) {
        if (e[k] < e[kmin]) kmin = k;
        if (e[k] > e[kmax]) kmax = k;
      }
      const int bad = hf_pattern_unbounded(&p, q, d);
      int kb;
      unbounded += bad;
      printf("%s\t%s\t%.6f\t%.2f\t%.6f\t", hf_pattern_q_names[q], hf_pattern_dir_names[d],
             e[kmin] < 0 ? e[kmin] : 0.0, e[kmin] < 0 ? hf_pattern_amplitude(kmin) : 0.0,
             e[HF_PATTERN_NAMP - 1]);
      if (bad)
        printf("%.6f\t%.2f\tUNBOUNDED (still falling at 1 A)\n", fmax(e[kmax], 0.0),
               e[kmax] > 0 ? hf_pattern_amplitude(kmax) : 0.0);
      else if ((kb = hf_pattern_beyond_barrier(&p, q, d, 1.0, 0.0)) >= 0)
        printf("%.6f\t%.2f\tbounded, lowest state beyond the barrier\n", e[kb],
               hf_pattern_amplitude(kb));
      else
        printf("-\t-\tbounded\n");
    }
  if (unbounded)
    printf(
        "bounded: no: the energy still falls at 1 Angstrom along %d of %d patterns; MD and\n"
        "Monte Carlo leave the physical range there\n",
        unbounded, HF_PATTERN_NQ * HF_PATTERN_NDIR);
  else
    printf("bounded: yes, along all %d patterns up to 1 Angstrom\n",
           HF_PATTERN_NQ * HF_PATTERN_NDIR);
  int status = quartic_report(&m, &err);
  if (!status && !isnan(pressure)) status = polar_states_report(&m, pressure, epi, &err);
  if (status) fprintf(stderr, "heff: %s\n", err.msg);
  hf_model_free(&m);
  return status;
}

/* The ranks of the run: MPI_COMM_WORLD in MPI builds, else one. */
static void start_ranks(int *argc, char ***argv, hf_comm *c) {
#ifdef HF_MPI
  MPI_Init(argc, argv);
  hf_comm_init_mpi(c, MPI_COMM_WORLD);
#else
  (void)argc;
  (void)argv;
  hf_comm_init_serial(c);
#endif
}

static int stop_ranks(int status) {
#ifdef HF_MPI
  fftw_mpi_cleanup();
  MPI_Finalize();
#endif
  return status;
}

/* Errors (every rank fails together): rank 0's, and another rank's only
 * when it differs from rank 0's and is not the note that one rank failed. */
static void report(hf_comm *c, const hf_err *err) {
  hf_err first = *err;
  hf_comm_bcast(c, first.msg, sizeof first.msg);
  if (c->rank == 0)
    fprintf(stderr, "heff: %s\n", err->msg);
  else if (strcmp(err->msg, first.msg) && !strstr(err->msg, "another MPI rank failed"))
    fprintf(stderr, "heff (rank %d): %s\n", c->rank, err->msg);
}

int main(int argc, char **argv) {
  /* Idle OpenMP threads sleep instead of spinning (unless the user chose):
   * on a machine shared with other jobs a spinning thread keeps its partner
   * off the core and a step gets many times slower.  The runtime reads the
   * variable when it loads, hence the re-exec. */
  if (!getenv("OMP_WAIT_POLICY") && !setenv("OMP_WAIT_POLICY", "passive", 1))
    execv("/proc/self/exe", argv); /* on failure: go on as we are */
  if (argc > 1 && !strcmp(argv[1], "--soft-modes")) return soft_modes_main(argc, argv);
  int resume, quiet;
  const char *path;
  int status0 = hf_cli_parse(argc, argv, "heff", usage, &resume, &quiet, &path);
  if (status0 >= 0) return status0;
  hf_comm comm;
  start_ranks(&argc, &argv, &comm);
  const int lead = comm.rank == 0;
  hf_err err = {{0}};
  hf_run_config c;
  hf_model m;
  hf_model_init(&m);
  if (hf_run_config_load(&c, path, &err) || hf_model_load(&m, c.model_path, &err)) {
    report(&comm, &err);
    return stop_ranks(1);
  }
  hf_sweep *s;
  int resumed;
  if (hf_sweep_create_comm(&s, &c, &m, resume, &resumed, &comm, &err)) {
    report(&comm, &err);
    hf_model_free(&m);
    return stop_ranks(1);
  }
  if (!lead) { /* the same loop without output */
    int st;
    while ((st = hf_sweep_advance(s, 1, &err)) != HF_SWEEP_FINISHED && st != HF_FAIL) continue;
    if (st == HF_FAIL) report(&comm, &err);
    hf_sweep_free(s);
    hf_model_free(&m);
    return stop_ranks(st == HF_FAIL);
  }
  static const char *methods[] = {"MD", "HMC", "MC"};
  printf("# heff: model %s (%s)\n# %dx%dx%d cells (%d atoms), %s, seed %llu, %d temperatures%s\n",
         m.name, c.model_path, c.L[0], c.L[1], c.L[2], 5 * c.L[0] * c.L[1] * c.L[2],
         methods[c.method], c.seed, c.ntemps, resumed ? ", resumed from checkpoint" : "");
  if (comm.size > 1) printf("# %d MPI ranks (x slabs)\n", comm.size);
  printf("# table: %s\n", hf_sweep_table_path(s));
  if (hf_sweep_warning(s)[0]) fprintf(stderr, "heff: warning: %s\n", hf_sweep_warning(s));
  printf(
      "#   T_K      |<u>|_A sorted (1st 2nd 3rd)       P_C/m2 (x y z)          eta1+eta2+eta3  "
      "H_eV/cell     accept phase\n");
  fflush(stdout);
  int tty = !quiet && isatty(fileno(stderr));
  double t0 = hf_wall_seconds(), last = 0;
  int status;
  for (;;) {
    status = hf_sweep_advance(s, 1, &err);
    if (status == HF_FAIL) {
      if (tty) fprintf(stderr, "\n");
      report(&comm, &err);
      break;
    }
    if (status == HF_SWEEP_TEMPERATURE_DONE || status == HF_SWEEP_FINISHED) {
      const hf_obs_result *r = hf_sweep_last_result(s);
      double acc, step;
      hf_sweep_last_accept(s, &acc, &step);
      if (tty) fprintf(stderr, "\r%*s\r", 100, "");
      printf("%9.2f   %.4f %.4f %.4f   %+.4f %+.4f %+.4f   %+.5f   %+.6f   %.3f  %c\n", r->T,
             r->mean[OBS_SORTED], r->mean[OBS_SORTED + 1], r->mean[OBS_SORTED + 2], r->P[0],
             r->P[1], r->P[2], r->mean[OBS_ETA] + r->mean[OBS_ETA + 1] + r->mean[OBS_ETA + 2],
             r->mean[OBS_H], acc, r->phase);
      fflush(stdout);
    }
    if (status == HF_SWEEP_FINISHED) break;
    double t = hf_wall_seconds();
    if (tty && t - last > 0.5) {
      char line[200];
      hf_sweep_progress(s, line, sizeof line, t - t0);
      fprintf(stderr, "\r%s", line);
      last = t;
    }
  }
  if (tty) fprintf(stderr, "\r%*s\r", 100, "");
  hf_sweep_free(s);
  hf_model_free(&m);
  if (status == HF_FAIL) return stop_ranks(1);
  printf("# done in %.1f s\n", hf_wall_seconds() - t0);
  return stop_ranks(0);
}
