/* run_config.h - what a heff run does, read from a YAML run file (see
 * docs/run-format.md).  Every field has a documented default; unknown keys
 * and bad values are errors that name file, line and key. */
#ifndef HF_RUN_CONFIG_H
#define HF_RUN_CONFIG_H

#include "dynamics.h"
#include "error.h"
#include "hmc.h"
#include "yaml_read.h"

enum hf_method { HF_METHOD_MD = 0, HF_METHOD_HMC = 1, HF_METHOD_MC = 2 };
enum hf_init { HF_INIT_RANDOM = 0, HF_INIT_UNIFORM = 1, HF_INIT_DOMAINS = 2, HF_INIT_FILE = 3 };
enum hf_occ_pattern {
  HF_OCC_NONE = 0, /* no 'occupation' key (models without sigma) */
  HF_OCC_RANDOM,
  HF_OCC_ROCKSALT,
  HF_OCC_LAYERED,
  HF_OCC_CORE_SHELL,
  HF_OCC_SRO,
  HF_OCC_FILE
};

/* The 'occupation' key: how sigma is set (occupation.h). */
typedef struct {
  int pattern;        /* enum hf_occ_pattern */
  double composition; /* fraction of sigma = 1 */
  int layers[2];      /* layered: n1 layers of species 1, n0 of the host */
  int axis;           /* layered: 0, 1, 2 */
  double alpha1;      /* sro: target first-shell Warren-Cowley parameter */
  double tolerance;   /* sro: |alpha1 reached - target| */
  char file[1024];    /* file: occupation file, resolved */
} hf_occ_config;

#define HF_MAX_TEMPS 4096
#define HF_MAX_PIN_REGIONS 16
#define HF_MAX_VACUUM 8 /* ranges of vacuum layers */

typedef struct {
  char path[1024];       /* the run file itself */
  char model_path[1024]; /* resolved relative to the run file */
  int L[3];
  unsigned long long seed;
  int method;
  double pressure;       /* GPa */
  double pressure_per_K; /* GPa/K added: p(T) = pressure + pressure_per_K*T */
  int ntemps;
  double temps[HF_MAX_TEMPS];
  long thermalize; /* steps (MD) or sweeps (HMC/MC) per temperature */
  long average;
  long sample_every;
  hf_dyn_opts md;
  hf_hmc_opts hmc;
  double mc_step;
  int mc_strain;
  int init;             /* enum hf_init */
  double init_amp;      /* Angstrom: random amplitude (domains: noise added, default 0) */
  double init_u[3];     /* Angstrom: uniform initial u; domains: the first domain's */
  double init_u2[3];    /* Angstrom: domains: the second domain's u (default -u) */
  int init_normal[3];   /* domains: the walls are the planes h x + k y + l z = const */
  int init_period;      /* domains: cells of h x + k y + l z per pair of domains */
  char init_file[1024]; /* file: the configuration file, resolved */
  int init_w_set;       /* initial omega given ('w'): models with omega only */
  double init_w[3];     /* rad: initial omega amplitude per component */
  int init_w_point;     /* 0: R point (anti-phase tilts, a-), 1: M point (in-phase, a+) */
  int init_eta_set;     /* initial homogeneous strain given ('strain') */
  double init_eta[6];   /* initial homogeneous strain (Voigt, engineering shears) */
  char out_dir[1024];   /* resolved relative to the run file */
  char prefix[128];
  int vtk;                /* write fields at the end of each temperature */
  long timeseries;        /* MD steps between time-series rows (0: none) */
  int config;             /* write configuration files at the end of each temperature */
  long checkpoint_every;  /* steps/sweeps between checkpoints (0: only at T ends) */
  double phase_threshold; /* Angstrom: |<u_a>| below it counts as zero */
  int progress;           /* print a progress line */
  int fft_measure;        /* 1: FFTW_MEASURE plans kept as wisdom in the output dir */
  hf_occ_config occ;
  double field[3];     /* static applied field, kV/cm */
  double field_ac[3];  /* AC amplitude, kV/cm (MD): E(t) = field + field_ac sin(2 pi t / period) */
  double field_period; /* fs (0: no AC field) */
  /* field_loop (P-E loops): the temperature list is one temperature repeated,
   * point k adds loop_dir * loop_field[k] to the static field */
  int field_loop;
  double loop_dir[3];
  double loop_field[HF_MAX_TEMPS];
  double depolarization[3]; /* beta per axis: 0 short circuit (default), 1 open circuit */
  int has_epitaxial;        /* 1: eta1 = eta2 = epitaxial and eta6 = 0 held fixed */
  double epitaxial;         /* in-plane misfit strain relative to the model's a0 */
  int threads;              /* OpenMP + FFTW threads (1) */
  int kspace_single;        /* 1: k-space part in single precision */
  int npin;                 /* 'pinned' regions (pinned.h) */
  hf_pin_region pin[HF_MAX_PIN_REGIONS];
  int vacuum_axis;              /* 'vacuum': 0, 1, 2 (x, y, z); -1: no vacuum */
  int nvacuum;                  /* its ranges of cell layers along the axis */
  int vacuum[HF_MAX_VACUUM][2]; /* [k0, k1), disjoint */
} hf_run_config;

/* Cells of the supercell in vacuum layers (0 without 'vacuum'). */
size_t hf_run_config_vacuum_cells(const hf_run_config *c);
/* The vacuum layers as pinned regions (every field) appended to reg[n..]:
 * returns the new count. */
int hf_run_config_vacuum_regions(const hf_run_config *c, hf_pin_region *reg, int n);
/* The engine's depolarization factors (hf_engine_set_depolarization) for
 * the run file's: the same without vacuum; with vacuum, the factor along
 * its axis is the film's (0: electrodes on the film's surfaces, 1: open
 * circuit), mapped to the supercell's when the model has the dipole sum
 * (dipole != 0; docs/run-format.md). */
void hf_run_config_engine_depolarization(const hf_run_config *c, int dipole, double beta[3]);

void hf_run_config_default(hf_run_config *c);
/* The 'md' mapping of run and fit files (docs/run-format.md) into o. */
int hf_yaml_md_opts(hf_yreader *r, yaml_node_t *n, hf_dyn_opts *o);
/* Six homogeneous strains eta1..eta6 (Voigt), each within +-0.2, into eta. */
int hf_yaml_strains(hf_yreader *r, yaml_node_t *n, const char *where, const char *key,
                    double eta[6]);
int hf_run_config_load(hf_run_config *c, const char *path, hf_err *err);

#endif
