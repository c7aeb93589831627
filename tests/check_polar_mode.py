"""check_polar_mode.py - the local-mode patterns of dft_bridge/studies/convergence.py
without GPAW: (1) the pattern extracted from a relaxed polar structure
(mode_from_displacement, polar_relax) recovers a known pattern from its displacement
plus an arbitrary translation, in the centre-of-mass gauge of a phonon eigenvector, and
reports off-axis motion; (2) the phonon stage, fed the exact forces of a force-constant
matrix built from chosen modes and frequencies, returns the lowest *polar* mode and its
order, also when it is stable (SrTiO3: the acoustic mode at 0 and the silent mode lie
lower) and when the silent mode is the lowest; (3) the 10-atom tilted cell of the afd
stage: cubic at 0, and at a tilt every B-X bond in the plane turns by exactly the angle,
in opposite senses on the two B, with the bond lengths equal.
usage: check_polar_mode.py"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "dft_bridge", "studies"))
import convergence as cv  # noqa: E402

cv.MAT.update(formula="PbTiO3", A="Pb", B="Ti", a=3.88, a_born=3.88)
m = cv.cell(3.88).get_masses()  # Pb, Ti, O, O, O
sm = np.sqrt(m)

# (1) a centre-of-mass-free pattern (cell order A, B, O_x, O_y, O_z, O_x = O_y), B = 1
p = np.array([1.9, 1.0, -0.6, -0.6, -1.2])
p = p - (m @ p) / m.sum()
p = p / p[1]
u, t = 0.17, np.array([0.013, -0.021, 0.35])
disp = np.outer(np.ones(5), t)
disp[:, 2] += u * p
xi, off = cv.mode_from_displacement(disp, m)
check(np.abs(xi - p).max() < 1e-12 and off < 1e-12,
      f"pattern from u xi + translation: max error {np.abs(xi - p).max():.1e}, off-axis {off:.1e}")
check(abs(m @ xi) < 1e-12 * m.sum(), f"centre of mass fixed: sum m xi = {m @ xi:.1e}")
bad = disp.copy()
bad[2, 2] += 0.004  # O_x and O_y no longer equal
bad[1, 0] += 0.002  # Ti off the z axis
_, off = cv.mode_from_displacement(bad, m)
check(abs(off - 0.004) < 1e-12, f"off-axis motion reported: {off:.4f} (O_x - O_y 0.004 A)")
check(np.allclose(cv.fit_order(p), np.array([p[0], p[1], p[4], p[2], p[3]])
                  / np.linalg.norm(p), atol=1e-15),
      "fit order (A, B, X_par = O_z, X_perp = O_x, O_y), unit length")

with tempfile.TemporaryDirectory() as tmp:
    st = cv.Store(tmp)
    a = cv.MAT["a"]
    st.done["relax_fixed_600_6"] = {"positions": (cv.cell(a).positions + disp).tolist(),
                                    "energy": -1.0, "steps": 3, "fmax": 1e-3,
                                    "seconds": 0.0, "stress_GPa": [0.0] * 6}
    st.done[f"cubic_600_6_{a:.3f}"] = {"energy": 0.0}
    xr = cv.polar_relax(st)
    check(np.abs(xr - p).max() < 1e-12, f"polar_relax on a stored structure: error "
          f"{np.abs(xr - p).max():.1e}")

# (2) force constants from chosen modes: acoustic (sqrt m), silent (O_x - O_y), and three
# polar modes spanning the rest of the x<->y-symmetric space
conv = np.sqrt(1.602176634e-19 / 1e-20 / 1.66053906660e-27) / (2 * np.pi * 2.99792458e10)
e_ac = sm / np.linalg.norm(sm)
e_si = np.array([0, 0, 1, -1, 0]) / np.sqrt(2)
sym = np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 1, 0]], float).T  # O_x = O_y
q, _ = np.linalg.qr(np.column_stack([e_ac, sym]))
polar = [q[:, i] for i in range(1, 4)]  # orthonormal, O_x = O_y, orthogonal to e_ac
for freqs, case in [((40.0, 180.0, 520.0, 260.0), "stable lowest polar 40 cm^-1"),
                    ((-150.0, 170.0, 480.0, 290.0), "unstable polar -150 cm^-1"),
                    ((120.0, 300.0, 520.0, 60.0), "silent mode lowest (60 cm^-1)")]:
    w2 = np.sign(freqs) * (np.array(freqs) / conv) ** 2
    dyn = sum(w * np.outer(v, v) for w, v in zip(w2[:3], polar)) + w2[3] * np.outer(e_si, e_si)
    phi = dyn * np.outer(sm, sm)
    with tempfile.TemporaryDirectory() as tmp:
        st = cv.Store(tmp)
        h = 0.01
        for j in range(5):
            for sgn in (1, -1):
                d = np.zeros(5)
                d[j] = sgn * h
                f = np.zeros((5, 3))
                f[:, 2] = -phi @ d
                st.done[f"ph_600_6_{j}_{sgn:+d}"] = {"forces": f.tolist()}
        x = cv.phonon(st, 600, 6)
    want = polar[0] / sm
    want = want / want[1]
    check(x is not None and np.abs(x - want).max() < 1e-9,
          f"{case}: phonon returns that mode, error {np.abs(x - want).max():.1e}")
    xi, off = cv.mode_from_displacement(np.outer(x, [0, 0, 1]), m)
    check(np.abs(xi - x).max() < 1e-9 and off < 1e-9,
          f"{case}: the phonon mode is in the centre-of-mass gauge already")

# (3) the R-point tilt cell
a = 3.9
cub = cv.afd_cell(a, 0)
ref = np.vstack([cv.cell(a).positions, cv.cell(a).positions + [a, 0, 0]])
check(np.abs(cub.positions - ref).max() < 1e-14 and abs(cub.get_volume() - 2 * a ** 3) < 1e-9,
      "tilt 0: two cubic cells, volume 2 a^3")
for deg in (3.0, 7.5):
    at = cv.afd_cell(a, deg)
    sym = at.get_chemical_symbols()
    b = [i for i, x in enumerate(sym) if x == "Ti"]
    worst, lengths = 0.0, []
    for j in [i for i, x in enumerate(sym) if x == "O"]:
        for s, i in zip((1, -1), b):
            v = at.get_distance(i, j, mic=True, vector=True)  # B -> X
            if abs(v[2]) > 1e-9:
                continue  # apical: stays on the axis
            lengths.append(np.linalg.norm(v))
            axis = np.round(v / np.linalg.norm(v))  # the cubic bond direction, +-x or +-y
            turn = np.degrees(np.arctan2(np.cross(axis, v)[2], axis @ v))
            worst = max(worst, abs(turn - s * deg))
    check(worst < 1e-9 and np.ptp(lengths) < 1e-12 and len(lengths) == 8,
          f"tilt {deg} deg: the 8 in-plane B-X bonds turn by +-{deg} deg (error {worst:.1e}), "
          f"equal lengths")

done()
