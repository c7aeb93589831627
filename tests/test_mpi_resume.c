/* test_mpi_resume.c - checkpoints across rank counts (run under mpirun -np
 * 2; rank 0 alone forms the one-rank runs with MPI_COMM_SELF):
 *  - a sweep (Langevin NPT MD, and HMC) stopped on all ranks after 25 units
 *    and resumed by one rank, and one stopped on one rank and resumed by all,
 *    write the table of the uninterrupted one-rank run (to the last printed
 *    digit: the ranks sum in another order);
 *  - the checkpoint file has the same size whatever the rank count (one
 *    format: rank 0 writes the fields in global cell order);
 *  - the runs start from 180-degree domains (every rank keeps its slab of
 *    the whole supercell's start) with open-circuit depolarization (a sum
 *    over all ranks), and the MD one writes a time series (gathered on rank
 *    0), which must agree as the tables do;
 *  - the same with pinned cells (a box across the rank boundary, and u alone
 *    in the last plane, next to rank 0's first across the periodic edge):
 *    the pinned set is distributed like the fields, so the runs agree too;
 *  - the MD run as a film: pinned cells plus vacuum layers along z (every
 *    rank's slab holds vacuum cells; material cell counts in the strain-only
 *    terms and p V are replicated);
 *  - MD and HMC of an alloy (random occupation from the seed) whose model
 *    has terms only the generic evaluator holds (u^3 u@1, u sigma@1,
 *    v sigma@1, u^2 sigma@2, etaL u u@1): the occupation file written by 2
 *    ranks equals the one-rank one byte for byte, and the tables agree as
 *    above. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sweep.h"
#include "testfile.h"
#include "testmpi.h"

static const char *models_dir = "models";
static hf_comm world, self;

static const char *pins =
    "pinned: [{box: [[3, 5], [0, 6], [0, 3]]}, {box: [[7, 8], [2, 4], [0, 6]], fields: [u]}]\n";

static const char *alloy_model = "mpi_alloy_model.yaml";

/* ZVR with sigma in dof and generic terms (rank 0 writes it). */
static void write_alloy_model(void) {
  char p[600];
  snprintf(p, sizeof p, "%s/BaTiO3_ZVR1995.yaml", models_dir);
  char *t = testfile_read(p);
  CHECK(t != NULL, "read %s", p);
  if (!t) return;
  char *d = strstr(t, "dof: [u, v, eta]");
  CHECK(d != NULL, "%s: dof line", p);
  if (!d) {
    free(t);
    return;
  }
  FILE *f = fopen(alloy_model, "w");
  fprintf(f, "%.*sdof: [u, v, eta, sigma]%s", (int)(d - t), t, d + strlen("dof: [u, v, eta]"));
  fprintf(f,
          "  - {name: u3u, coef: 0.8, expr: \"ux^3*ux[1,0,0]\", symmetrize: orbit}\n"
          "  - {name: usig, coef: 0.03, expr: \"ux*sigma[1,0,0]\", symmetrize: orbit}\n"
          "  - {name: vsig, coef: -0.04, expr: \"vx*sigma[1,0,0]\", symmetrize: orbit}\n"
          "  - {name: u2sig2, coef: 0.5, expr: \"ux^2*sigma[2,0,0]\", symmetrize: orbit}\n"
          "  - {name: etaLuu, coef: -0.7, expr: \"etaL1*ux*ux[1,0,0]\", symmetrize: orbit}\n");
  fclose(f);
  free(t);
}

/* pinned: 0 none, 1 the pinned cells, 2 those and vacuum layers along z;
 * alloy: the model of write_alloy_model with a random occupation */
static void write_run(const char *path, const char *method, const char *out, int pinned,
                      int alloy) {
  FILE *f = fopen(path, "w");
  char model[600];
  if (alloy)
    snprintf(model, sizeof model, "%s", alloy_model);
  else
    snprintf(model, sizeof model, "%s/BaTiO3_ZVR1995.yaml", models_dir);
  fprintf(
      f,
      "model: %s\n%s"
      "supercell: [8, 6, 6]\nseed: 11\nmethod: %s\npressure: -4.8\n"
      "temperatures: {start: 300, stop: 250, step: -50}\n"
      "thermalize: 12\naverage: 20\nsample_every: 2\n"
      "md: {dt: 1.0, thermostat: langevin, barostat: true}\n"
      "hmc: {steps: 5, dt: 3.0}\n"
      "initial: {state: domains, u: [0, 0, 0.12], normal: [1, 0, 0], amplitude: 0.02}\n"
      "depolarization: [0, 0.5, 1]\n%s%s"
      "output: {dir: %s, prefix: run, vtk: false, checkpoint_every: 10, fft_plan: estimate%s}\n",
      model, alloy ? "occupation: {pattern: random, composition: 0.4}\n" : "", method,
      pinned ? pins : "", pinned == 2 ? "vacuum: {axis: z, layers: [4, 6]}\n" : "", out,
      strcmp(method, "md") ? "" : ", timeseries: 4");
  fclose(f);
}

/* Runs the sweep of path on comm, from its checkpoint if resume, for at most
 * units units (then "killed": what follows the last checkpoint is lost). */
static int run(const char *path, hf_comm *comm, int resume, long units) {
  hf_err err = {{0}};
  hf_run_config c;
  hf_model m;
  hf_model_init(&m);
  if (hf_run_config_load(&c, path, &err) || hf_model_load(&m, c.model_path, &err)) {
    CHECK(0, "%s: %s", path, err.msg);
    return 1;
  }
  hf_sweep *s;
  int resumed, status = HF_SWEEP_RUNNING;
  if (hf_sweep_create_comm(&s, &c, &m, resume, &resumed, comm, &err)) {
    CHECK(0, "%s: %s", path, err.msg);
    hf_model_free(&m);
    return 1;
  }
  CHECK(resumed == resume, "%s on %d ranks: resumed %d, expected %d", path, comm->size, resumed,
        resume);
  for (long k = 0; k < units && status != HF_SWEEP_FINISHED && status != HF_FAIL; k++)
    status = hf_sweep_advance(s, 1, &err);
  CHECK(status != HF_FAIL, "%s: %s", path, err.msg);
  hf_sweep_free(s);
  hf_model_free(&m);
  return status == HF_FAIL;
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) ? -1 : (long)st.st_size;
}

/* Tables a and b agree token by token; numbers to one unit of their last
 * printed digit.  Returns the number of numbers compared (-1: mismatch). */
static long tables_agree(const char *a, const char *b, char *why, size_t n) {
  long count = 0;
  while (*a && *b) {
    size_t la = strcspn(a, "\t\n"), lb = strcspn(b, "\t\n");
    char *ea, *eb;
    const double x = strtod(a, &ea), y = strtod(b, &eb);
    if (ea == a + la && eb == b + lb && la > 0) {
      const char *dot = memchr(a, '.', la), *ex = memchr(a, 'e', la);
      int dec = dot ? (int)((ex ? ex : a + la) - dot - 1) : 0;
      double unit = pow(10, -dec) * (ex ? pow(10, atoi(ex + 1)) : 1);
      if (fabs(x - y) > 1.01 * unit) {
        snprintf(why, n, "%.*s vs %.*s", (int)la, a, (int)lb, b);
        return -1;
      }
      count++;
    } else if (la != lb || memcmp(a, b, la)) {
      snprintf(why, n, "'%.*s' vs '%.*s'", (int)la, a, (int)lb, b);
      return -1;
    }
    a += la + (a[la] != 0);
    b += lb + (b[lb] != 0);
  }
  if (*a || *b) snprintf(why, n, "tables of different length");
  return *a || *b ? -1 : count;
}

/* file of the runs ref, ab (ranks -> 1) and ba (1 -> ranks) must agree. */
static void compare_tables(const char *method, const char *ref, const char *ab, const char *ba,
                           const char *file) {
  char p[300], why[300] = "";
  snprintf(p, sizeof p, "%s/%s", ref, file);
  char *t_ref = testfile_read(p);
  snprintf(p, sizeof p, "%s/%s", ab, file);
  char *t_ab = testfile_read(p);
  snprintf(p, sizeof p, "%s/%s", ba, file);
  char *t_ba = testfile_read(p);
  if (!t_ref || !t_ab || !t_ba) {
    CHECK(0, "%s: a %s is missing", method, file);
  } else {
    long n1 = tables_agree(t_ab, t_ref, why, sizeof why);
    CHECK(n1 > 0, "%s: %d ranks then 1: %s differs from the uninterrupted run: %s", method,
          world.size, file, why);
    long n2 = tables_agree(t_ba, t_ref, why, sizeof why);
    CHECK(n2 > 0, "%s: 1 rank then %d: %s differs from the uninterrupted run: %s", method,
          world.size, file, why);
    printf(
        "%s: %s of a checkpoint by %d ranks resumed by 1, and by 1 resumed by %d, equals the "
        "uninterrupted run (%ld and %ld numbers; %s byte for byte)\n",
        method, file, world.size, world.size, n1, n2,
        !strcmp(t_ab, t_ref) && !strcmp(t_ba, t_ref) ? "also" : "not");
  }
  free(t_ref);
  free(t_ab);
  free(t_ba);
}

static void cross_resume(const char *method, int pinned, int alloy) {
  char ref[64], ab[64], ba[64], pref[128], pab[128], pba[128];
  const char *tag = alloy ? "_alloy" : pinned == 2 ? "_film" : pinned ? "_pinned" : "";
  snprintf(ref, sizeof ref, "mpi_%s%s_ref", method, tag);
  snprintf(ab, sizeof ab, "mpi_%s%s_2to1", method, tag);
  snprintf(ba, sizeof ba, "mpi_%s%s_1to2", method, tag);
  char what[64];
  snprintf(what, sizeof what, "%s%s", method,
           alloy         ? " alloy with generic terms"
           : pinned == 2 ? " film (vacuum)"
           : pinned      ? " with pinned cells"
                         : "");
  snprintf(pref, sizeof pref, "%s.yaml", ref);
  snprintf(pab, sizeof pab, "%s.yaml", ab);
  snprintf(pba, sizeof pba, "%s.yaml", ba);
  if (world.rank == 0) {
    write_run(pref, method, ref, pinned, alloy);
    write_run(pab, method, ab, pinned, alloy);
    write_run(pba, method, ba, pinned, alloy);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s %s", ref, ab, ba);
    CHECK(system(cmd) == 0, "clean up");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const long all = 1L << 30;
  /* written on all ranks, resumed on one */
  run(pab, &world, 0, 25);
  long size_n = -1, size_1 = -1;
  if (world.rank == 0) {
    char p[128];
    snprintf(p, sizeof p, "%s/run.ckpt", ab);
    size_n = file_size(p);
    run(pab, &self, 1, all);
    run(pref, &self, 0, all);
    /* written on one rank, resumed on all */
    run(pba, &self, 0, 25);
    snprintf(p, sizeof p, "%s/run.ckpt", ba);
    size_1 = file_size(p);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  run(pba, &world, 1, all);
  if (world.rank != 0) return;
  CHECK(size_n > 0 && size_n == size_1,
        "%s: checkpoint of %d ranks has %ld bytes, of 1 rank %ld bytes", what, world.size, size_n,
        size_1);
  printf("%s: checkpoint %ld bytes on %d ranks and on 1\n", what, size_n, world.size);
  compare_tables(what, ref, ab, ba, "run.tsv");
  if (!strcmp(method, "md")) compare_tables(what, ref, ab, ba, "run_timeseries.tsv");
  if (alloy) { /* made on 2 ranks (ab) and on 1 (ref) */
    char p[300];
    snprintf(p, sizeof p, "%s/run_occupation.txt", ref);
    char *o1 = testfile_read(p);
    snprintf(p, sizeof p, "%s/run_occupation.txt", ab);
    char *on = testfile_read(p);
    CHECK(o1 && on && !strcmp(o1, on),
          "%s: the occupation made on %d ranks differs from the one-rank one", what, world.size);
    if (o1 && on && !strcmp(o1, on))
      printf("%s: occupation file of %d ranks equals the one-rank one byte for byte\n", what,
             world.size);
    free(o1);
    free(on);
  }
}

int main(int argc, char **argv) {
  testmpi_init(&argc, &argv, &world, &self);
  if (argc > 1) models_dir = argv[1];
  if (world.rank == 0) write_alloy_model();
  cross_resume("md", 0, 0);
  cross_resume("hmc", 0, 0);
  cross_resume("md", 1, 0);
  cross_resume("hmc", 1, 0);
  cross_resume("md", 2, 0);
  cross_resume("md", 0, 1);
  cross_resume("hmc", 0, 1);
  return testmpi_done("mpi_resume");
}
