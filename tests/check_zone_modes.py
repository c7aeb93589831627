"""check_zone_modes.py - scripts/zone_modes.py on constructed configurations: a
tetragonal state (u_z 0.7 A) with u_x at M (0, 1/2, 1/2) of 0.10 A and u_y at
(1/2, 0, 1/2) of 0.08 A (the learned PbTiO3 model's antipolar order) gives exactly those
projections and nothing at the other points; u_y at X (0, 0, 1/2) of 0.05 A whose phase
flips between two domains along x cancels (A = 0), and --range picks one domain's; a
--range box sees only its cells (a film's material layers under vacuum); an odd axis
skips the points that alternate along it; a malformed --range is refused.
usage: check_zone_modes.py SCRIPTS_DIR"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

scripts = os.path.abspath(sys.argv[1])
sys.path.insert(0, scripts)
import zone_modes  # noqa: E402


def write(path, u):
    L = u.shape[:3]
    with open(path, "w") as f:
        f.write(f"# heff configuration, supercell {L[0]} {L[1]} {L[2]}: cell x y z, then u\n")
        for i in np.ndindex(*L):
            f.write("%d %d %d %.10f %.10f %.10f 0 0 0\n" % (*i, *u[i]))


L = (4, 6, 8)
x, y, z = np.indices(L)
u = np.zeros(L + (3,))
u[..., 2] = 0.7
u[..., 0] += 0.10 * (-1.0) ** (y + z)
u[..., 1] += 0.08 * (-1.0) ** (x + z)
p = zone_modes.projections(u)
want = {(0, 0, 0): (0, 0, 0.7), (0, 1, 1): (0.10, 0, 0), (1, 0, 1): (0, 0.08, 0)}
worst = max(abs(p[q] - np.array(want.get(q, (0, 0, 0)))).max() for q in p)
check(len(p) == 8 and worst < 1e-12,
      f"T + M antipolar pattern: the 8 projections exact (worst {worst:.1e} A)")

d = np.where(x < 2, 1.0, -1.0)  # two domains along x
u2 = np.zeros(L + (3,))
u2[..., 1] = 0.05 * d * (-1.0) ** z
A = zone_modes.projections(u2)[(0, 0, 1)]
A1 = zone_modes.projections(u2[zone_modes.parse_range(["x=2:4"], L)])[(0, 0, 1)]
check(abs(A[1]) < 1e-12 and abs(A1[1] + 0.05) < 1e-12,
      f"X (0, 0, 1/2) in two domains of opposite phase: A_y {A[1]:.1e}; in x = 2..3 {A1[1]:+.4f}")

with tempfile.TemporaryDirectory() as tmp:
    film = np.zeros((4, 4, 10, 3))
    film[:, :, :6] = u[:, :4, :6]  # material z < 6: the same pattern, vacuum above
    path = os.path.join(tmp, "film_T0010.00.config")
    write(path, film)
    out = subprocess.run([sys.executable, os.path.join(scripts, "zone_modes.py"), path,
                          "--range", "z=0:6"], capture_output=True, text=True)
    rows = {r.split("\t")[0]: [float(v) for v in r.split("\t")[1:4]]
            for r in out.stdout.splitlines() if r and not r.startswith("#")}
    ok = (rows.get("Gamma") == [0, 0, 0.7] and rows.get("M(0,1/2,1/2)") == [0.1, 0, 0] and
          rows.get("M(1/2,0,1/2)") == [0, 0.08, 0] and len(rows) == 3)
    check(ok, f"--range z=0:6 of a film: the material's projections only ({rows})")
    write(path, np.zeros((3, 4, 4, 3)) + 0.1)
    names = zone_modes.projections(np.zeros((3, 4, 4, 3))).keys()
    check(sorted(names) == [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)],
          "an odd x axis: only the points with q_x = 0")
    bad = subprocess.run([sys.executable, os.path.join(scripts, "zone_modes.py"), path,
                          "--range", "z=3:9"], capture_output=True, text=True)
    check(bad.returncode != 0 and "expected 0 <= LO < HI <= 4" in bad.stderr,
          f"--range beyond the supercell refused ({bad.stderr.strip()})")
done()
