#!/usr/bin/python3
"""pe_loop.py - a P-E hysteresis loop from a heff table written with
`field_loop` (docs/run-format.md): the polarization along the field
direction against the field, the coercive fields (where P changes sign on
the descending and the ascending branch, linear interpolation) and the
remanent polarization (P at E = 0 on each branch), printed and drawn.
Needs Debian's python3-matplotlib (pulled in by python3-ase) for the PNG.
usage: scripts/pe_loop.py pe.tsv [OUT.png]"""
import math
import sys

from heff_table import floats, read_table


def read(path):
    c = read_table(path)
    E = list(zip(*[floats(c, f"E_{a}_kV/cm") for a in "xyz"]))
    P = list(zip(*[floats(c, f"P{a}_C/m2") for a in "xyz"]))
    T = float(c["T_K"][0]) if c.get("T_K") else float("nan")
    return E, P, T


def project(E, P):
    """Field magnitude along the loop direction and P along it."""
    d = max(E, key=lambda e: sum(x * x for x in e))
    n = math.sqrt(sum(x * x for x in d))
    if n == 0:
        sys.exit("pe_loop.py: no applied field in this table")
    d = [x / n for x in d]
    e = [sum(a * b for a, b in zip(v, d)) for v in E]
    p = [sum(a * b for a, b in zip(v, d)) for v in P]
    return e, p


def crossings(e, p):
    """(field, branch) where P changes sign; branch -1 while E decreases."""
    out = []
    for i in range(1, len(e)):
        if p[i - 1] * p[i] < 0 and e[i] != e[i - 1]:
            f = p[i - 1] / (p[i - 1] - p[i])
            out.append((e[i - 1] + f * (e[i] - e[i - 1]), 1 if e[i] > e[i - 1] else -1))
    return out


def remanent(e, p):
    """P at E = 0 on the descending (-1) and ascending (+1) branches, after the first point."""
    out = []
    for i in range(1, len(e)):
        if e[i] == 0:
            out.append((p[i], 1 if e[i] > e[i - 1] else -1))
    return out


def main(argv):
    if not argv:
        sys.exit(__doc__)
    E, P, T = read(argv[0])
    e, p = project(E, P)
    cr, rem = crossings(e, p), remanent(e, p)
    print(f"# P-E loop of {argv[0]} at T = {T:g} K ({len(e)} field points)")
    for x, b in cr:
        print(f"coercive field ({'descending' if b < 0 else 'ascending'} branch): {x:+.1f} kV/cm")
    for x, b in rem:
        print(f"remanent P at E = 0 ({'descending' if b < 0 else 'ascending'} branch): {x:+.4f} C/m^2")
    if len(argv) > 1:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        ax.plot(e, p, "o-", ms=3, lw=1)
        for k in range(1, len(e)):
            if k % 6 == 0:  # arrows show the sense of the loop
                ax.annotate("", (e[k], p[k]), (e[k - 1], p[k - 1]),
                            arrowprops=dict(arrowstyle="->", color="C3"))
        for x, _ in cr:
            ax.axvline(x, color="grey", ls=":", lw=1)
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_xlabel("E along the loop direction (kV/cm)")
        ax.set_ylabel("P along the loop direction (C/m$^2$)")
        ax.set_title(f"P-E loop, T = {T:g} K", fontsize=10)
        fig.tight_layout()
        fig.savefig(argv[1], dpi=110)


if __name__ == "__main__":
    main(sys.argv[1:])
