/* tilts.h - octahedral-tilt (AFD omega) analysis of a configuration: the
 * projections of a vector field on the zone-boundary points that carry
 * perovskite tilt patterns, the Glazer label and the tilt angles.
 *
 * omega_i (a pseudovector on the B site of cell i, radians) is the AFD mode
 * of paper 003: a shared X between octahedra i and j moves by
 * (a0/2) Rhat_ij x (omega_i - omega_j) (Eq. 1, dft_bridge/mode_map.h), so a
 * staggered pattern +-w rotates each octahedron by 2w: the tilt angle
 * reported here is twice the zone-boundary amplitude.  A tilt about
 * axis a is anti-phase along a ("-" in Glazer's notation) when neighbouring
 * octahedra along a rotate in opposite senses: the mode of omega_a at the
 * R point (pi, pi, pi)/a0.  It is in phase ("+") at the M point with pi along
 * the two other axes and 0 along a (M_a).  Both patterns alternate in the
 * plane perpendicular to a, as corner-sharing octahedra must.
 *
 * The projections work for any vector field (u as well), on any supercell;
 * a zone-boundary component is only defined along axes with an even number
 * of cells (odd lengths give amplitude 0 there). */
#ifndef HF_TILTS_H
#define HF_TILTS_H

#include "fields.h"

typedef struct {
  double gamma[3];     /* uniform part <f_a> */
  double R[3];         /* <f_a (-1)^(x+y+z)> */
  double M[3];         /* M_a for component a: <f_a (-1)^(x+y+z - x_a)> */
  double X[3];         /* X_a: <f_a (-1)^(x_a)> (alternating along a only) */
  char glazer[16];     /* e.g. "a0a0c-", "a-a-a-", "a-b+a-" */
  double angle_deg[3]; /* tilt angle about x, y, z: 2 x the dominant of |R|, |M|, degrees */
  double rms[3];       /* sqrt <f_a^2> over the cells */
} hf_tilts;

/* Analyses field f (3 component arrays) on lat.  Components whose R and M
 * amplitudes are both below `zero` (units of f) count as untilted ("0"); two
 * axes share a Glazer letter when their dominant amplitudes agree within
 * `equal` (relative). */
void hf_tilts_analyse(const hf_lattice *lat, double *const f[3], double zero, double equal,
                      hf_tilts *out);

/* Glazer label and angles of t from its R and M amplitudes alone (e.g.
 * amplitudes averaged over samples); equal as above, zero[a] the "0"
 * threshold of axis a. */
void hf_tilts_label(hf_tilts *t, const double zero[3], double equal);

/* The mean |R_a| (or |M_a|) of a field without order: n cells of independent
 * components with root mean square rms give sqrt(2/pi) rms / sqrt(n) (the
 * mean modulus of a normal variable of that standard deviation). */
double hf_tilts_noise(double rms, size_t n);

#endif
