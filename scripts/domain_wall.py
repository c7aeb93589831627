#!/usr/bin/python3
"""domain_wall.py - profile, width and character of planar domain walls in a
heff configuration file (output: {config: true}, or any file that
'initial: {state: file}' reads).

  domain_wall.py RUN_T0001.00.config --normal z [--a 3.97 --zstar 10.0]
                 [--png profile.png] [--section section.png] [--out profile.tsv]

The local mode u is averaged over each plane perpendicular to the wall
normal (an axis x, y or z).  The domain polarization axis is the component
with the largest plane-averaged magnitude; walls are where it changes sign.
Each wall is fitted to u_p(s) = u0 tanh((s - s0) / d) over the half periods
on both sides, and its width reported as 2 d.  Inside a wall the other two
components tell its character: along the normal it is Neel, in the wall
plane (perpendicular to the domain polarization) Bloch; when both stay below
5% of u0 the wall is Ising.

Units: u in Angstrom, positions in cells (and Angstrom with --a), P in C/m^2
with --zstar and --a (P = 16.0218 Z* u / a^3).
"""
import argparse
import math
import sys

import numpy as np

AXES = "xyz"


def read_config(path):
    """(L, u) with u of shape (Lx, Ly, Lz, 3), Angstrom."""
    L = None
    with open(path) as f:
        first = f.readline()
    if "supercell" in first:
        L = [int(v) for v in first.split("supercell")[1].split(":")[0].split()[:3]]
    data = np.loadtxt(path, comments="#", ndmin=2)
    if data.shape[1] < 6:
        raise SystemExit(f"{path}: expected rows 'x y z ux uy uz ...', got {data.shape[1]} columns")
    idx = data[:, :3].astype(int)
    if L is None:
        L = list(idx.max(axis=0) + 1)
    u = np.zeros(tuple(L) + (3,))
    u[idx[:, 0], idx[:, 1], idx[:, 2]] = data[:, 3:6]
    if len(data) != L[0] * L[1] * L[2]:
        raise SystemExit(f"{path}: {len(data)} cells, supercell {L} has {L[0] * L[1] * L[2]}")
    return L, u


def plane_profile(u, normal):
    """Plane averages <u_a>(s), shape (L_normal, 3)."""
    ax = AXES.index(normal)
    other = tuple(a for a in range(3) if a != ax)
    return u.mean(axis=other)


def find_walls(p):
    """Planes s where p changes sign between s and s+1 (periodic): wall at s + 1/2."""
    n = len(p)
    return [s for s in range(n) if p[s] * p[(s + 1) % n] < 0]


def fit_wall(prof_main, s_wall):
    """tanh fit around the wall between planes s_wall and s_wall+1; returns u0, s0, d and errors."""
    from scipy.optimize import curve_fit

    n = len(prof_main)
    # the planes within a quarter of the supercell on each side, unwrapped
    half = max(2, n // 4)
    s = np.arange(s_wall - half + 1, s_wall + half + 1)
    y = prof_main[s % n]
    sign = np.sign(y[-1] - y[0])
    f = lambda s, u0, s0, d: u0 * np.tanh((s - s0) / d)  # noqa: E731
    p0 = [sign * np.max(np.abs(y)), s_wall + 0.5, 1.0]
    p, cov = curve_fit(f, s, y, p0=p0, maxfev=20000)
    return p, np.sqrt(np.diag(cov)), s, y


def analyse(path, normal, a=None, zstar=None):
    L, u = read_config(path)
    prof = plane_profile(u, normal)
    ax_n = AXES.index(normal)
    cand = [c for c in range(3) if c != ax_n]
    main = max(cand, key=lambda c: np.mean(np.abs(prof[:, c])))
    bloch = [c for c in cand if c != main][0]
    walls = find_walls(prof[:, main])
    if not walls:
        raise SystemExit(f"{path}: u_{AXES[main]} does not change sign along {normal}: no wall")
    results = []
    for s_w in walls:
        p, pe, s, y = fit_wall(prof[:, main], s_w)
        u0, s0, d = p
        n = len(prof)
        # the domains' own values of the other components (planes L/8 or more
        # from every wall) against their values at the wall centre s0
        # (interpolated between the two planes around it): only what the wall
        # itself adds counts
        far = [q for q in range(n)
               if min(min(abs(q - w - 0.5), n - abs(q - w - 0.5)) for w in walls) >= n / 8]
        base = prof[far].mean(axis=0) if far else np.zeros(3)
        lo = int(math.floor(s0)) % n
        frac = s0 - math.floor(s0)
        centre = (1 - frac) * prof[lo] + frac * prof[(lo + 1) % n]
        neel = abs(centre[ax_n] - base[ax_n])
        blo = abs(centre[bloch] - base[bloch])
        rel_n, rel_b = neel / abs(u0), blo / abs(u0)
        if max(rel_n, rel_b) < 0.05:
            kind = "Ising"
        elif rel_b > 2 * rel_n:
            kind = "Bloch"
        elif rel_n > 2 * rel_b:
            kind = "Neel"
        else:
            kind = "mixed Bloch-Neel"
        results.append(dict(s0=s0 % n, u0=u0, width=2 * abs(d), width_err=2 * pe[2],
                            neel=neel, bloch=blo, kind=kind, base=base))
    return L, u, prof, main, bloch, ax_n, results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("config")
    ap.add_argument("--normal", choices=list(AXES), required=True, help="wall normal axis")
    ap.add_argument("--a", type=float, help="lattice constant, Angstrom (widths in Angstrom, P)")
    ap.add_argument("--zstar", type=float, help="Born charge of the mode, e (P in C/m^2)")
    ap.add_argument("--out", help="TSV of the plane-averaged profile")
    ap.add_argument("--png", help="PNG of the profile")
    ap.add_argument("--section", help="PNG of a cross-section with arrows")
    a = ap.parse_args(argv)
    L, u, prof, main_c, bloch_c, ax_n, res = analyse(a.config, a.normal, a.a, a.zstar)
    conv = 16.0218 * a.zstar / a.a**3 if a.zstar and a.a else None
    n, m, b = AXES[ax_n], AXES[main_c], AXES[bloch_c]
    print(f"{a.config}: supercell {L}, walls normal to {n}, domains polarized along "
          f"+-{m}; Bloch component u_{b}, Neel component u_{n}")
    others = ", ".join(f"<u_{AXES[c]}> = {res[0]['base'][c]:+.4f} A" for c in (bloch_c, ax_n))
    print(f"  inside the domains (planes >= L/8 from a wall): {others}")
    for k, r in enumerate(res):
        w = f"{r['width']:.2f} +- {r['width_err']:.2f} cells"
        if a.a:
            w += f" ({r['width'] * a.a:.2f} A)"
        extra = f", P0 = {abs(r['u0']) * conv:.3f} C/m^2" if conv else ""
        print(f"  wall {k + 1} at {n} = {r['s0']:.2f}: u0 = {abs(r['u0']):.4f} A{extra}; width 2d = "
              f"{w}; at its centre u_{b} - <u_{b}> = {r['bloch']:.4f} A ({r['bloch'] / abs(r['u0']):.1%}), "
              f"u_{n} - <u_{n}> = {r['neel']:.4f} A ({r['neel'] / abs(r['u0']):.1%}): {r['kind']}")
    if a.out:
        with open(a.out, "w") as f:
            f.write(f"# plane averages of u along {n} from {a.config}; u in Angstrom\n")
            f.write(f"{n}_cell\tux_A\tuy_A\tuz_A\n")
            for s in range(len(prof)):
                f.write(f"{s}\t{prof[s, 0]:.6f}\t{prof[s, 1]:.6f}\t{prof[s, 2]:.6f}\n")
    if a.png or a.section:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    if a.png:
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
        s = np.arange(len(prof))
        for c, col in zip(range(3), ("tab:blue", "tab:orange", "tab:green")):
            role = "domain" if c == main_c else "Bloch" if c == bloch_c else "Neel"
            ax.plot(s, prof[:, c], "o-", ms=3, color=col, label=f"$u_{AXES[c]}$ ({role})")
        for r in res:
            ss = np.linspace(r["s0"] - len(prof) / 4, r["s0"] + len(prof) / 4, 200)
            fit = r["u0"] * np.tanh((ss - r["s0"]) / (r["width"] / 2))
            wrap = np.floor(ss / len(prof))  # periodic: one piece per image of the cell
            for k in np.unique(wrap):
                part = wrap == k
                ax.plot(ss[part] - k * len(prof), fit[part], "k:", lw=0.8)
        ax.axhline(0, color="0.7", lw=0.5)
        ax.set_xlabel(f"{n} (cells)")
        ax.set_ylabel("plane-averaged u (Angstrom)")
        ax.set_title(", ".join(f"{r['kind']}, 2d = {r['width']:.1f} cells" for r in res),
                     fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(a.png, dpi=120)
        print(f"wrote {a.png}")
    if a.section:
        # the plane spanned by the normal (horizontal) and the Bloch axis (vertical),
        # through the middle of the domain axis: arrows (u_n, u_b), colour u_main
        sl = [slice(None)] * 3
        sl[main_c] = L[main_c] // 2
        cut = u[tuple(sl)]  # remaining axes in increasing order
        rem = [c for c in range(3) if c != main_c]
        if rem[0] != ax_n:
            cut = cut.transpose(1, 0, 2)
        X, Y = np.meshgrid(np.arange(L[ax_n]), np.arange(L[bloch_c]), indexing="ij")
        fig, ax = plt.subplots(figsize=(7.0, 4.0))
        im = ax.pcolormesh(X, Y, cut[:, :, main_c], cmap="RdBu_r", shading="nearest")
        # arrow length 1 cell = the largest |u| of the cut: small components look small
        umax = np.max(np.linalg.norm(cut, axis=-1))
        ax.quiver(X, Y, cut[:, :, ax_n], cut[:, :, bloch_c], angles="xy", scale_units="xy",
                  scale=umax, width=0.003)
        fig.colorbar(im, ax=ax, label=f"$u_{m}$ (Angstrom)")
        ax.set_xlabel(f"{n} (cells)")
        ax.set_ylabel(f"{b} (cells)")
        ax.set_title(f"cut at {m} = {L[main_c] // 2}: arrows ($u_{n}$, $u_{b}$; 1 cell = "
                     f"{umax:.2f} A), colour $u_{m}$", fontsize=9)
        ax.set_aspect("equal")
        fig.tight_layout()
        fig.savefig(a.section, dpi=120)
        print(f"wrote {a.section}")
    return res


if __name__ == "__main__":
    main()
