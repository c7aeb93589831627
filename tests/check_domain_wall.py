"""check_domain_wall.py - scripts/domain_wall.py on constructed walls:
1. an Ising wall pair u_x = u0 tanh((z - z0)/d) (periodic, two walls) with a
   uniform u_z tilt: width 2d and the Ising label come back;
2. the same with a Bloch component u_y = b / cosh((z - z0)/d) added (and noise):
   the Bloch label and its size at the wall centre come back;
3. a configuration without a sign change is refused.
usage: check_domain_wall.py SCRIPTS_DIR"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

sys.path.insert(0, os.path.abspath(sys.argv[1]))
import domain_wall  # noqa: E402



def write(path, L, u):
    with open(path, "w") as f:
        f.write(f"# heff configuration, supercell {L[0]} {L[1]} {L[2]}: cell x y z, then u (Angstrom)\n")
        for x in range(L[0]):
            for y in range(L[1]):
                for z in range(L[2]):
                    f.write(f"{x} {y} {z} {u[x, y, z, 0]:.10g} {u[x, y, z, 1]:.10g} {u[x, y, z, 2]:.10g}\n")


L, u0, d, b = (4, 4, 24), 0.3, 1.5, 0.06
z = np.arange(L[2])
# walls at 5.5 and 17.5: the product of two tanh profiles is periodic over 24 cells
prof = u0 * np.tanh((z - 5.5) / d) * -np.tanh((z - 17.5) / d)
rng = np.random.default_rng(3)
with tempfile.TemporaryDirectory() as tmp:
    for case, bloch in (("Ising", 0.0), ("Bloch", b)):
        u = np.zeros(L + (3,))
        u[..., 0] = prof
        u[..., 2] = 0.05  # a uniform tilt the domains share: not a wall feature
        u[..., 1] = bloch * (1 / np.cosh((z - 5.5) / d) + 1 / np.cosh((z - 17.5) / d))
        u += 1e-4 * rng.standard_normal(u.shape)
        path = os.path.join(tmp, f"{case}.config")
        write(path, L, u)
        *_, res = domain_wall.analyse(path, "z")
        check(len(res) == 2, f"{case}: two walls found ({len(res)})")
        for r in res:
            check(abs(r["width"] / (2 * d) - 1) < 0.02 and r["kind"] == case,
                  f"{case}: wall at {r['s0']:.2f}: width {r['width']:.3f} (exact {2 * d}), {r['kind']}")
        if case == "Bloch":
            # u_y at the centre (linear between the planes 5 and 6 around it) minus
            # its mean over the planes >= L/8 from both walls
            uy = lambda s: bloch * (1 / np.cosh((s - 5.5) / d) + 1 / np.cosh((s - 17.5) / d))  # noqa
            far = [q for q in z if min(abs(q - w) for w in (5.5, 17.5, -6.5, 29.5)) >= L[2] / 8]
            want = (uy(5) + uy(6)) / 2 - np.mean(uy(np.array(far)))
            got = res[0]["bloch"]
            check(abs(got / want - 1) < 0.01, f"Bloch component at the centre {got:.5f} vs {want:.5f}")
    flat = np.zeros(L + (3,))
    flat[..., 0] = 0.3
    path = os.path.join(tmp, "flat.config")
    write(path, L, flat)
    try:
        domain_wall.analyse(path, "z")
        check(False, "a single domain refused")
    except SystemExit as e:
        check("no wall" in str(e), f"a single domain refused: {e}")
done()
