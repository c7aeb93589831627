#!/usr/bin/python3
"""zone_modes.py - the local mode's commensurate Fourier components: how much of a
configuration is uniform (Gamma) and how much alternates from cell to cell along one,
two or three axes (the X, M and R points of the simple-cubic zone).

  zone_modes.py RUN_T*.config [--range z=5:40] [--min 0.001]

For each of the 8 points q with components 0 or 1/2 (in units of 2 pi / a0) and each
Cartesian component a of u, prints the projection

  A_a(q) = (1/N) sum_i u_a(R_i) cos(2 pi q . R_i)   (Angstrom),

over the N cells of the supercell or of the box --range selects (AXIS=LO:HI, cell
indices, HI excluded, repeatable; e.g. the material layers of a film): a frozen pattern
u_a = A cos(2 pi q . R) gives A_a(q) = A.  A zone-boundary q needs an even number of
cells along every axis where its component is 1/2 (else it is skipped).  Rows with every
|A_a| below --min (Angstrom, default 0.001) are left out.  Domains of an antipolar order
with opposite phases cancel in A_a(q): select one with --range.

The antipolar orders of heff's learned PbTiO3 model show here: docs/validation.md,
"SrTiO3/PbTiO3 bilayer".  Units: Angstrom.
"""
import argparse
import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from domain_wall import read_config  # noqa: E402

AXES = "xyz"
POINTS = [q for q in itertools.product((0, 1), repeat=3)]  # 2q: 0 or 1 per axis


def point_name(q2):
    """Gamma, X(1/2,0,0), M(1/2,1/2,0), R for 2q in {0,1}^3."""
    kind = ["G", "X", "M", "R"][sum(q2)]
    if kind in "GR":
        return "Gamma" if kind == "G" else "R(1/2,1/2,1/2)"
    return kind + "(" + ",".join("1/2" if c else "0" for c in q2) + ")"


def parse_range(specs, L):
    box = [slice(0, n) for n in L]
    for s in specs or []:
        try:
            ax, rng = s.split("=")
            lo, hi = (int(v) for v in rng.split(":"))
            a = AXES.index(ax)
        except ValueError:
            raise SystemExit(f"--range {s}: expected AXIS=LO:HI with AXIS one of x, y, z")
        if not 0 <= lo < hi <= L[a]:
            raise SystemExit(f"--range {s}: expected 0 <= LO < HI <= {L[a]}")
        box[a] = slice(lo, hi)
    return tuple(box)


def projections(u):
    """{2q: A (3,)} for the commensurate points of u (shape (Lx, Ly, Lz, 3))."""
    L = u.shape[:3]
    idx = np.indices(L)
    out = {}
    for q2 in POINTS:
        if any(c and n % 2 for c, n in zip(q2, L)):
            continue
        sign = (-1.0) ** sum(c * i for c, i in zip(q2, idx))
        out[q2] = (u * sign[..., None]).mean(axis=(0, 1, 2))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--range", action="append", metavar="AXIS=LO:HI")
    ap.add_argument("--min", type=float, default=0.001)
    a = ap.parse_args(argv)
    for path in a.configs:
        L, u = read_config(path)
        box = parse_range(a.range, L)
        sub = u[box]
        print(f"# {path}: cells {' '.join(f'{s.start}:{s.stop}' for s in box)} "
              f"({sub.shape[0]}x{sub.shape[1]}x{sub.shape[2]})")
        print("# q\tA_x_A\tA_y_A\tA_z_A")
        for q2, A in projections(sub).items():
            if abs(A).max() >= a.min:
                print(point_name(q2) + "\t" + "\t".join(f"{v:+.4f}" for v in A))
    return 0


if __name__ == "__main__":
    sys.exit(main())
