"""check_frozen_curvatures.py - dft_bridge/studies/frozen_curvatures.py on a constructed
run: a base state (u_x 0.75 A on a strained 2x2x2 cell, with a force of its own) and
three patterns frozen on it at 0.2 and 0.1 A, each frame's energy per cell
e0 + k A^2 / 2 + b A^4 and its mode forces the base's plus -(k A + 4 b A^3) e cos(pi q.R)
(one k, b per pattern); imported frames at the same steps must be ignored.  The script
gives back every k and b from the energies and k from the forces to round-off, and a
model's k and b from a parity table whose predictions follow other coefficients.
usage: check_frozen_curvatures.py STUDIES_DIR"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

sys.path.insert(0, os.path.abspath(sys.argv[1]))
import frozen_curvatures as fc  # noqa: E402

edges = np.array([8.34, 7.90, 7.90])  # a strained 2x2x2 cell, Angstrom
cells = [(x, y, z) for x in range(2) for y in range(2) for z in range(2)]
base = np.array([0.75, 0, 0])
f0 = np.array([0.059, 0.0, 0.0])
e0 = 0.0081
# name, q (units of pi / a), unit direction, (k, b) of the engine, (k, b) of the model
pats = [("Gamma [001]", (0, 0, 0), (0, 0, 1), (0.41, 2.5), (0.30, 1.0)),
        ("M [001]", (1, 1, 0), (0, 0, 1), (0.27, 0.8), (-0.02, 0.5)),
        ("R [110]", (1, 1, 1), (1, 1, 0), (0.95, 0.3), (1.10, 0.2))]


def frame(f, step, A, q, d, k, b, imported=False):
    s = np.array([-1.0 if (q[0] * c[0] + q[1] * c[1] + q[2] * c[2]) % 2 else 1.0 for c in cells])
    d = np.array(d, float) / np.linalg.norm(d)
    e = e0 + 0.5 * k * A * A + b * A ** 4
    f.write("8\nLattice=\"%.4f 0 0 0 %.4f 0 0 0 %.4f\" Properties=species:S:1:pos:R:3:u:R:3:"
            "f_u:R:3 energy=%.15g heff_step=%d%s\n"
            % (*edges, 8 * e, step, " heff_imported=1" if imported else ""))
    for c, sc in zip(cells, s):
        u = base + A * sc * d
        fu = f0 - (k * A + 4 * b * A ** 3) * sc * d
        f.write("X %.6f %.6f %.6f %.15g %.15g %.15g %.15g %.15g %.15g\n"
                % (*(np.array(c) * edges / 2), *u, *fu))
    return e


with tempfile.TemporaryDirectory() as run:
    log = ["# step 0: harmonic frame 1 of 7: the base state on u (0.7500 0.0000 0.0000) A"]
    model = {}
    with open(run + "/train.xyz", "w") as f:
        # imported frames first (steps that collide with the run's own)
        frame(f, 1, 0.2, (1, 1, 0), (0, 0, 1), 5.0, 5.0, imported=True)
        frame(f, 0, 0.0, (0, 0, 0), (0, 0, 1), 0, 0, imported=True)
        idx = 2
        frame(f, 0, 0.0, (0, 0, 0), (0, 0, 1), 0, 0)
        model[idx] = e0 + 0.003
        for j, A in enumerate([0.2, 0.1]):
            for i, (name, q, d, kb, mb) in enumerate(pats):
                step = 1 + j * len(pats) + i
                idx += 1
                frame(f, step, A, q, d, *kb)
                model[idx] = e0 + 0.003 + 0.5 * mb[0] * A * A + mb[1] * A ** 4
                log.append("# step %d: harmonic frame %d of 7: u along %s at %.3f Angstrom on u "
                           "(0.7500 0.0000 0.0000) A" % (step, step + 1, name, A))
    with open(run + "/learning.tsv", "w") as f:
        f.write("\n".join(log) + "\n")
    with open(run + "/parity.tsv", "w") as f:
        f.write("# frame\tstep\tsupercell\ttype\trow\tengine\tpredicted\tbayes_err\n")
        for i, e in model.items():
            f.write("%d\t0\t2x2x2\tenergy\t0\t0\t%.15g\t0\n" % (i, e))
            f.write("%d\t0\t2x2x2\tforce_u\t1\t0\t99\t0\n" % i)
    got = {r[0]: r for r in fc.curvatures(run, run + "/parity.tsv")}
    check(sorted(got) == sorted(p[0] for p in pats), "patterns found: %s" % sorted(got))
    for name, q, d, kb, mb in pats:
        if name not in got:
            continue
        _, A, e1, e2, k, b, kf, km, bm = got[name]
        err = max(abs(k - kb[0]), abs(b - kb[1]) * 1e-2, abs(kf - kb[0]), abs(km - mb[0]),
                  abs(bm - mb[1]) * 1e-2)
        check(A == 0.2 and err < 1e-9,
              "%s: k_E %.6f b_E %.4f k_F %.6f (engine %g %g), model %.6f %.4f (%g %g)"
              % (name, k, b, kf, *kb, km, bm, *mb))
done()
