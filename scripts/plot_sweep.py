#!/usr/bin/python3
"""plot_sweep.py - PNG of a heff temperature sweep: the sorted components of
the averaged local mode |<u_a>| (Angstrom) and the polarization components
(C/m^2) against temperature, with the phase of each temperature as coloured
bands (C cubic, T tetragonal, O orthorhombic, R rhombohedral).  Several
tables are drawn side by side (e.g. two models or seeds).  For a model with
omega a third row shows the octahedral tilt angles (degrees, R- or M-point
pattern per axis) of the local table next to each sweep table, with the
Glazer label where it changes.
Needs Debian's python3-matplotlib (pulled in by python3-ase).
usage: scripts/plot_sweep.py OUT.png sweep.tsv [sweep2.tsv ...] [--labels A,B]"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from heff_table import floats, read_table  # noqa: E402
from transitions import local_table  # noqa: E402

COLORS = {"C": "#dddddd", "T": "#c6dbef", "O": "#c7e9c0", "R": "#fdd0a2"}


def read(path):
    c = read_table(path)
    return {
        "T": floats(c, "T_K"),
        "u": [floats(c, f"u{k}_sorted_A") for k in (1, 2, 3)],
        "P": [floats(c, f"P{a}_C/m2") for a in "xyz"],
        "phase": c["phase"],
        "tilts": read_tilts(local_table(path)),
    }


def read_tilts(path):
    """T, tilt angles per axis (degrees) and Glazer labels of a local table, or None."""
    try:
        c = read_table(path)
    except OSError:
        return None
    if "glazer" not in c:
        return None
    return {"T": floats(c, "T_K"), "angle": [floats(c, f"tilt_{a}_deg") for a in "xyz"],
            "glazer": c["glazer"]}


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
    data = [read(p) for p in paths]
    rows = 3 if any(d["tilts"] for d in data) else 2
    fig, axes = plt.subplots(rows, len(paths), figsize=(5.2 * len(paths), 3.25 * rows),
                             squeeze=False, sharex="col")
    for j, (d, lab) in enumerate(zip(data, labels)):
        for ax in axes[:, j]:
            bands(ax, d)
        for k, mark in enumerate("o^s"):
            axes[0, j].plot(d["T"], d["u"][k], mark + "-", ms=3, label=f"|<u>| sorted {k + 1}")
        for k, comp in enumerate("xyz"):
            axes[1, j].plot(d["T"], d["P"][k], "o-", ms=3, label=f"P{comp}")
        axes[0, j].set_title(lab, fontsize=9)
        axes[0, j].set_ylabel("|<u_a>| sorted (Angstrom)")
        axes[1, j].set_ylabel("P (C/m$^2$)")
        axes[0, j].legend(fontsize=7, loc="upper right")
        axes[1, j].legend(fontsize=7, loc="upper right")
        if d["tilts"]:
            tl = d["tilts"]
            for k, comp in enumerate("xyz"):
                axes[2, j].plot(tl["T"], tl["angle"][k], "o-", ms=3, label=f"tilt about {comp}")
            top = max(max(a) for a in tl["angle"])
            for i, g in enumerate(tl["glazer"]):  # the label where it changes
                if i == 0 or g != tl["glazer"][i - 1]:
                    axes[2, j].annotate(g, (tl["T"][i], max(a[i] for a in tl["angle"])),
                                        xytext=(2, 4), textcoords="offset points", fontsize=7)
            axes[2, j].set_ylim(bottom=0, top=1.3 * top + 0.2)  # room for the labels
            axes[2, j].set_ylabel("tilt angle (degrees)")
            axes[2, j].legend(fontsize=7, loc="upper right")
        axes[rows - 1, j].set_xlabel("T (K)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLORS.values()]
    fig.legend(handles, list(COLORS), loc="lower center", ncol=4, fontsize=8,
               title="phase bands", title_fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1:])
