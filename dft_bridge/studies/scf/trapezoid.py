"""trapezoid.py CALLS_DIR DIR1 DIR2 ...: energy-force consistency of consecutive engine
calls (dft_bridge call directories: structure.xyz + result.txt).  For each pair a, b:
E_b - E_a against the trapezoid rule -1/2 (F_a + F_b) . (r_b - r_a) plus the strain work
1/2 (V_a s_a + V_b s_b) : eps_ab, with the stresses taken minus the mean normal stress of
CALLS_DIR/reference (the Pulay correction the fit applies).  The rule is exact for a
quadratic energy; at MD steps of 10 fs (rms atomic step ~0.006 A) its error is below
0.5 meV per 40 atoms (checked on a Lennard-Jones child fit), so a larger difference means
the engine's energies and forces disagree.  Results with a basis_excess line
(ase_runner.py; dft_bridge/basis_excess.py for older runs) are compared with the
smoothed energy E + V_ref p_ref x, as the child engine does with
pulay_correction.  Units: meV per supercell.  Used in
docs/dft-bridge.md ("Energies against forces"); the recomputed structures are in
consistency/."""
import os
import sys

import numpy as np
from ase.io import read

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from ase_runner import read_result  # noqa: E402


def load(d, vp=0.0):
    """structure.xyz and result.txt of call directory d: atoms, energy (plus vp x when the
    result has a basis excess x), stress, forces; and x (0 if absent)."""
    r = read_result(os.path.join(d, "result.txt"))
    x = r["basis_excess"] or 0.0
    return (read(os.path.join(d, "structure.xyz")), r["energy"] + vp * x, np.array(r["stress"]),
            np.array(r["forces"])), x


def matrix(s):
    xx, yy, zz, yz, xz, xy = s
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


def pair(a, b, p):
    (xa, ea, sa, fa), (xb, eb, sb, fb) = a, b
    sa, sb = sa.copy(), sb.copy()
    sa[:3] -= p
    sb[:3] -= p
    ha, hb = xa.cell.array, xb.cell.array
    ds = xb.get_scaled_positions(wrap=False) - xa.get_scaled_positions(wrap=False)
    ds -= np.round(ds)
    atoms = 0.5 * np.sum((-(fa @ ha.T) - (fb @ hb.T)) * ds)  # dE/ds = -F h^T (r = s h)
    eps = np.linalg.solve(ha, hb) - np.eye(3)
    eps = 0.5 * (eps + eps.T)
    strain = 0.5 * np.sum((xa.get_volume() * matrix(sa) + xb.get_volume() * matrix(sb)) * eps)
    return eb - ea, atoms + strain


def main():
    calls = sys.argv[1]
    (ref, _, s_ref, _), _ = load(os.path.join(calls, "reference"))
    p = s_ref[:3].mean()
    vp = ref.get_volume() * p
    runs = [load(d if os.path.isabs(d) else os.path.join(calls, d), vp)[0] for d in sys.argv[2:]]
    for k in range(len(runs) - 1):
        de, tr = pair(runs[k], runs[k + 1], p)
        print(f"{sys.argv[2 + k]} -> {sys.argv[3 + k]}: dE {1000 * de:8.2f}  trapezoid "
              f"{1000 * tr:8.2f}  difference {1000 * (de - tr):7.2f} meV")


if __name__ == "__main__":
    main()
