"""check_topology.py - scripts/topology.py on constructed textures with known
charges: a Neel skyrmion (core -z in a +z background: Q = -1), a Bloch
skyrmion (-1), an antiskyrmion (+1), a uniform layer (0) and a
skyrmion-antiskyrmion pair (0), in the layers of one configuration file;
the same textures turned so that the layers are normal to x give the same
charges; a layer with a zero mode is undefined (NaN); the charge of the mode
averaged over layers (--average) is that of a skyrmion stacked with different
amplitudes and of a single layer's own, and the layer-by-layer mean of two
different textures is the mean field's, not the mean of their charges.
usage: check_topology.py SCRIPTS_DIR"""
import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

sys.path.insert(0, os.path.abspath(sys.argv[1]))
import topology  # noqa: E402



def texture(L, cx, cy, R, helicity, vorticity):
    """Unit vectors of a skyrmion centred at (cx, cy): theta from pi (core) to 0 at R."""
    X, Y = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    x, y = X - cx, Y - cy
    r = np.hypot(x, y)
    th = np.where(r < R, math.pi * (1 - r / R), 0.0)
    ph = vorticity * np.arctan2(y, x) + helicity
    return np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1)


L = 24
layers = [
    (texture(L, 11.3, 12.2, 7, 0, 1), -1, "Neel skyrmion"),
    (texture(L, 12.6, 11.1, 8, math.pi / 2, 1), -1, "Bloch skyrmion"),
    (texture(L, 11.5, 11.5, 6, 0, -1), +1, "antiskyrmion"),
    (np.tile([0.0, 0.0, 1.0], (L, L, 1)), 0, "uniform"),
]
pair = texture(L, 6.2, 6.1, 5, 0, 1)
anti = texture(L, 17.8, 17.3, 5, 0, -1)
pair[12:, 12:] = anti[12:, 12:]  # each texture lives in its own quadrant
layers.append((pair, 0, "skyrmion + antiskyrmion"))
u = np.stack([0.3 * lay for lay, _, _ in layers], axis=2)  # (Lx, Ly, Lz, 3), Angstrom
with tempfile.TemporaryDirectory() as d:
    for axis in "zx":
        v = u if axis == "z" else np.moveaxis(u, (0, 1, 2), (1, 2, 0))[..., [2, 0, 1]]
        path = os.path.join(d, f"tex_{axis}_T0010.00.config")
        with open(path, "w") as f:
            f.write("# heff configuration, supercell %d %d %d: cell x y z, then u (Angstrom)\n"
                    % v.shape[:3])
            for i in np.ndindex(v.shape[:3]):
                f.write("%d %d %d %.12g %.12g %.12g\n" % (*i, *v[i]))
        rows = topology.main([path, "--axis", axis, "--out", os.path.join(d, "q.tsv"),
                              "--average", "2:2"])
        T, _, q, tot, qa = rows[0]
        check(abs(qa - 1) < 1e-9, f"normal to {axis}: the mean of layer 2 alone: {qa:+.12f} (+1)")
        check(T == 10.0, f"temperature from the file name: {T}")
        for k, (_, want, name) in enumerate(layers):
            check(abs(q[k] - want) < 1e-9, f"layers normal to {axis}: {name}: Q = {q[k]:+.12f} (exact {want:+d})")
        check(abs(tot - (-1)) < 1e-9, f"total over layers {tot:+.9f} (exact -1)")
    z = u.copy()
    z[3, 4, 3] = 0
    q = topology.layer_charges(z, "z")
    check(math.isnan(q[3]) and not math.isnan(q[2]), "a layer with a zero mode is undefined")
    # a Neel skyrmion stacked with amplitudes 0.1, 0.3, 0.5 A: its mean is the same texture
    stack = np.stack([amp * layers[0][0] for amp in (0.1, 0.3, 0.5)], axis=2)
    qa = topology.layer_charges(topology.layer_mean(stack, "z", 0, 2), "z")[0]
    check(abs(qa + 1) < 1e-9, f"mean of a stacked skyrmion: Q = {qa:+.12f} (exact -1)")
    # a skyrmion over a uniform +z layer of twice its amplitude: their mean has a core of
    # u_z = (-0.3 + 0.6) / 2 > 0, no reversal, so Q = 0 where the layers hold -1 and 0
    two = np.stack([0.3 * layers[0][0], 0.6 * layers[3][0]], axis=2)
    qs = topology.layer_charges(two, "z")
    qa = topology.layer_charges(topology.layer_mean(two, "z", 0, 1), "z")[0]
    check(abs(qs[0] + 1) < 1e-9 and abs(qs[1]) < 1e-9 and abs(qa) < 1e-9,
          f"skyrmion over a stronger uniform layer: layers {qs[0]:+.3f}, {qs[1]:+.3f}; mean {qa:+.9f} (0)")
done()
