#!/usr/bin/python3
"""topology.py - topological charge of the polarization texture, layer by layer.

  topology.py RUN_T*.config [--axis z] [--layers 5:40] [--average 5:14] [--out charges.tsv]
              [--map RUN_T0010.00.config:LAYER|avg --png map.png]
              [--section RUN_T0010.00.config:INDEX --section-png cut.png]

For every layer perpendicular to --axis the local mode is normalized,
n = u / |u|, and the Pontryagin charge Q = (1/4 pi) int n . (d1 n x d2 n)
is summed on the lattice with the Berg-Luscher construction: each square
plaquette is split into two triangles whose signed solid angles
Omega = 2 atan2(n1 . (n2 x n3), 1 + n1.n2 + n2.n3 + n3.n1) add up to 4 pi Q,
an integer on a periodic layer (a polar skyrmion has |Q| = 1).  The in-plane
axes are taken in cyclic order (for --axis z: x then y, for x: y then z), so a
skyrmion whose core points along -axis in a +axis background counts -1 (Neel
or Bloch alike) and its antiskyrmion +1.

--average lo:hi also gives the charge of the mode averaged over those layers, cell by
cell (paper 003's Fig. 4a: the top 10 PbTiO3 layers of the bilayer), and --map
CONFIG:avg draws that averaged layer.

--section CONFIG:INDEX draws the cut through the film at INDEX along the second in-plane
axis (for --axis z the plane y = INDEX: x across, z up; paper 003's Fig. 4b), arrows the
mode's components in that plane and colour its component along --axis, in Angstrom.

Cells with |u| below --umin (Angstrom, default 1e-6) count as undefined and
make the layer's charge NaN.  Each input is one temperature (the T in its
file name, as heff writes them with output: {config: true}).
"""
import argparse
import math
import re
import sys

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from domain_wall import read_config  # noqa: E402

AXES = "xyz"


def solid_angle(n1, n2, n3):
    num = np.einsum("...i,...i", n1, np.cross(n2, n3))
    den = 1 + np.einsum("...i,...i", n1, n2) + np.einsum("...i,...i", n2, n3) \
        + np.einsum("...i,...i", n3, n1)
    return 2 * np.arctan2(num, den)


def charge_density(layer):
    """Per-plaquette charge of a periodic layer of unit vectors, shape (La, Lb, 3)."""
    n00 = layer
    n10 = np.roll(layer, -1, axis=0)
    n01 = np.roll(layer, -1, axis=1)
    n11 = np.roll(np.roll(layer, -1, axis=0), -1, axis=1)
    return (solid_angle(n00, n10, n11) + solid_angle(n00, n11, n01)) / (4 * math.pi)


def layer_charges(u, axis, umin=1e-6):
    """Q of every layer perpendicular to axis; u has shape (Lx, Ly, Lz, 3)."""
    ax = AXES.index(axis)
    a, b = [(ax + 1) % 3, (ax + 2) % 3]  # cyclic: the layer's own right-handed frame
    v = np.moveaxis(u, (a, b, ax), (0, 1, 2))
    norm = np.linalg.norm(v, axis=-1)
    out = []
    for k in range(v.shape[2]):
        if np.any(norm[:, :, k] < umin):
            out.append(float("nan"))
            continue
        n = v[:, :, k] / norm[:, :, k, None]
        out.append(float(charge_density(n).sum()))
    return np.array(out)


def layer_mean(u, axis, lo, hi):
    """The mode averaged over layers lo..hi (inclusive) normal to axis, as one layer
    of shape (La, Lb, 1, 3) in the same frame as u's."""
    ax = AXES.index(axis)
    sl = [slice(None)] * 3
    sl[ax] = slice(lo, hi + 1)
    return u[tuple(sl)].mean(axis=ax, keepdims=True)


def temperature_of(path):
    m = re.search(r"_T(\d+(?:\.\d+)?)\.config$", path)
    return float(m.group(1)) if m else float("nan")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--axis", choices=list(AXES), default="z", help="layer normal (z)")
    ap.add_argument("--layers", help="layer range lo:hi (inclusive) summed as 'total' (default all)")
    ap.add_argument("--average", help="layer range lo:hi whose mean mode's charge to give too")
    ap.add_argument("--umin", type=float, default=1e-6)
    ap.add_argument("--out", help="TSV of Q per temperature and layer")
    ap.add_argument("--map", help="CONFIG:LAYER whose charge density to draw (with --png)")
    ap.add_argument("--png")
    ap.add_argument("--section", help="CONFIG:INDEX of a cut normal to the second in-plane axis")
    ap.add_argument("--section-png")
    a = ap.parse_args(argv)
    rows = []
    for path in a.configs:
        L, u = read_config(path)
        q = layer_charges(u, a.axis, a.umin)
        lo, hi = (0, len(q) - 1) if not a.layers else map(int, a.layers.split(":"))
        qa = float("nan")
        if a.average:
            alo, ahi = map(int, a.average.split(":"))
            qa = float(layer_charges(layer_mean(u, a.axis, alo, ahi), a.axis, a.umin)[0])
        rows.append((temperature_of(path), path, q, float(np.nansum(q[lo : hi + 1])), qa))
    rows.sort(key=lambda r: -r[0] if not math.isnan(r[0]) else 0)
    for T, path, q, tot, qa in rows:
        qs = " ".join(f"{v:+.2f}" for v in q)
        avg = f"; of the mean over layers {a.average}: {qa:+.3f}" if a.average else ""
        print(f"T = {T:g} K ({path}): total Q = {tot:+.3f}{avg}; per layer along {a.axis}: {qs}")
    if a.out:
        with open(a.out, "w") as f:
            f.write(f"# topological charge per layer normal to {a.axis} (Berg-Luscher, "
                    "normalized u); T in K" + (f"; layer 'mean' is the mode averaged over layers "
                                               f"{a.average}" if a.average else "") + "\n")
            f.write("T_K\tlayer\tQ\n")
            for T, path, q, tot, qa in rows:
                for k, v in enumerate(q):
                    f.write(f"{T:g}\t{k}\t{v:.6f}\n")
                if a.average:
                    f.write(f"{T:g}\tmean\t{qa:.6f}\n")
        print(f"wrote {a.out}")
    if a.map and a.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        path, layer = a.map.rsplit(":", 1)
        L, u = read_config(path)
        ax_i = AXES.index(a.axis)
        ia, ib = (ax_i + 1) % 3, (ax_i + 2) % 3
        if layer == "avg":
            if not a.average:
                raise SystemExit("--map CONFIG:avg needs --average lo:hi")
            u, layer = layer_mean(u, a.axis, *map(int, a.average.split(":"))), 0
            title = f"mean of layers {a.average}"
        else:
            title = f"layer {layer}"
        v = np.moveaxis(u, (ia, ib, ax_i), (0, 1, 2))[:, :, int(layer)]
        n = v / np.linalg.norm(v, axis=-1)[..., None]
        rho = charge_density(n)
        X, Y = np.meshgrid(np.arange(v.shape[0]), np.arange(v.shape[1]), indexing="ij")
        fig, axs = plt.subplots(1, 2, figsize=(10, 4.4))
        im = axs[0].pcolormesh(X, Y, n[..., 2], cmap="RdBu_r", vmin=-1, vmax=1, shading="nearest")
        axs[0].quiver(X, Y, n[..., 0], n[..., 1], width=0.003)
        fig.colorbar(im, ax=axs[0], label=f"$n_{a.axis}$")
        axs[0].set_title(f"{title}: arrows in-plane n, colour $n_{a.axis}$", fontsize=9)
        im2 = axs[1].pcolormesh(X + 0.5, Y + 0.5, rho, cmap="PuOr", shading="nearest")
        fig.colorbar(im2, ax=axs[1], label="charge per plaquette")
        axs[1].set_title(f"topological charge density, Q = {rho.sum():+.3f}", fontsize=9)
        for ax in axs:
            ax.set_xlabel(f"{AXES[ia]} (cells)")
            ax.set_ylabel(f"{AXES[ib]} (cells)")
            ax.set_aspect("equal")
        fig.tight_layout()
        fig.savefig(a.png, dpi=120)
        print(f"wrote {a.png}")
    if a.section and a.section_png:
        draw_section(a.section, a.axis, a.section_png)
    return rows


def draw_section(spec, axis, png):
    """The cut at INDEX along the second in-plane axis: across the first, up the normal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path, index = spec.rsplit(":", 1)
    L, u = read_config(path)
    ax_n = AXES.index(axis)
    ia, ib = (ax_n + 1) % 3, (ax_n + 2) % 3
    v = np.moveaxis(u, (ia, ib, ax_n), (0, 1, 2))[:, int(index), :, :]  # (La, Ln, 3)
    X, Z = np.meshgrid(np.arange(v.shape[0]), np.arange(v.shape[1]), indexing="ij")
    un = v[..., ax_n]
    lim = max(float(np.abs(un).max()), 1e-12)
    fig, ax = plt.subplots(figsize=(10, 10 * v.shape[1] / v.shape[0] + 1))
    im = ax.pcolormesh(X, Z, un, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="nearest")
    big = max(float(np.hypot(v[..., ia], v[..., ax_n]).max()), 1e-12)  # the longest: 0.9 cell
    ax.quiver(X, Z, v[..., ia], v[..., ax_n], angles="xy", scale_units="xy", scale=big / 0.9,
              width=0.0015)
    fig.colorbar(im, ax=ax, label=f"$u_{axis}$ (Angstrom)")
    ax.set_title(f"{path.split('/')[-1]}: {AXES[ib]} = {index}, arrows ($u_{AXES[ia]}$, "
                 f"$u_{axis}$)", fontsize=9)
    ax.set_xlabel(f"{AXES[ia]} (cells)")
    ax.set_ylabel(f"{axis} (cells)")
    ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
