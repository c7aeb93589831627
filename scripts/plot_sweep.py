#!/usr/bin/python3
"""plot_sweep.py - PNG of a heff temperature sweep: the sorted components of
the averaged local mode |<u_a>| (Angstrom) and the polarization components
(C/m^2) against temperature, with the phase of each temperature as coloured
bands (C cubic, T tetragonal, O orthorhombic, R rhombohedral).  Several
tables are drawn side by side (e.g. two models or seeds).
Needs Debian's python3-matplotlib (pulled in by python3-ase).
usage: scripts/plot_sweep.py OUT.png sweep.tsv [sweep2.tsv ...] [--labels A,B]"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from heff_table import floats, read_table  # noqa: E402

COLORS = {"C": "#dddddd", "T": "#c6dbef", "O": "#c7e9c0", "R": "#fdd0a2"}


def read(path):
    c = read_table(path)
    return {
        "T": floats(c, "T_K"),
        "u": [floats(c, f"u{k}_sorted_A") for k in (1, 2, 3)],
        "P": [floats(c, f"P{a}_C/m2") for a in "xyz"],
        "phase": c["phase"],
    }


def bands(ax, d):
    T = d["T"]
    for i, (t, ph) in enumerate(zip(T, d["phase"])):
        lo = 0.5 * (t + T[i - 1]) if i > 0 else t
        hi = 0.5 * (t + T[i + 1]) if i + 1 < len(T) else t
        ax.axvspan(min(lo, hi), max(lo, hi), color=COLORS.get(ph, "white"), lw=0)


def main(argv):
    labels = None
    if "--labels" in argv:
        k = argv.index("--labels")
        labels = argv[k + 1].split(",")
        argv = argv[:k] + argv[k + 2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    out, paths = argv[0], argv[1:]
    labels = labels or paths
    fig, axes = plt.subplots(2, len(paths), figsize=(5.2 * len(paths), 6.5), squeeze=False,
                             sharex="col")
    for j, (p, lab) in enumerate(zip(paths, labels)):
        d = read(p)
        for ax in axes[:, j]:
            bands(ax, d)
        for k, mark in enumerate("o^s"):
            axes[0, j].plot(d["T"], d["u"][k], mark + "-", ms=3, label=f"|<u>| sorted {k + 1}")
        for k, comp in enumerate("xyz"):
            axes[1, j].plot(d["T"], d["P"][k], "o-", ms=3, label=f"P{comp}")
        axes[0, j].set_title(lab, fontsize=9)
        axes[0, j].set_ylabel("|<u_a>| sorted (Angstrom)")
        axes[1, j].set_ylabel("P (C/m$^2$)")
        axes[1, j].set_xlabel("T (K)")
        axes[0, j].legend(fontsize=7, loc="upper right")
        axes[1, j].legend(fontsize=7, loc="upper right")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLORS.values()]
    fig.legend(handles, list(COLORS), loc="lower center", ncol=4, fontsize=8,
               title="phase bands", title_fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1:])
