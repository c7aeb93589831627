#!/usr/bin/env python3
"""frozen_curvatures.py - the curvatures a fit's harmonic frames measure.

A fit with `pattern_frames` (docs/fit-format.md, "Harmonic frames" and "Frames on a
polar state") logs each frame as `# step S: harmonic frame k of n: ...` in
RUN/learning.tsv and writes it to RUN/train.xyz (heff_step=S, not imported).  For every
pattern frozen at A and A/2 (on the cubic cell or on a base state, whose own frame is
the reference energy) this prints, per cell:

  dE(A), dE(A/2)  the engine's energy above the base (meV per cell)
  k_E, b_E        the harmonic and quartic coefficients of dE = k A^2/2 + b A^4 from
                  the two energies (eV/A^2, eV/A^4)
  k_F             the harmonic coefficient from the forces along the pattern,
                  F(A) = -(k A + 4 b A^3) per cell, from F(A) - F(0) and F(A/2) - F(0)
                  (eV/A^2): an independent estimate, its distance from k_E the data's noise

Only patterns even in A are meant (every zone-boundary pattern, a transverse Gamma one
on a state it leaves symmetric): for an odd one k_E and k_F carry the cubic term.
With --parity FILE (a `fit --refit` parity_train.tsv of the same train.xyz) it also
gives a model's k_E and b_E from its predicted energies of the same frames.

usage: frozen_curvatures.py RUN [--parity parity_train.tsv]
Units: eV, Angstrom."""
import re
import sys

import numpy as np

QVEC = {"Gamma": (0, 0, 0), "X": (1, 0, 0), "M": (1, 1, 0), "R": (1, 1, 1)}
LINE = re.compile(r"# step (\d+): harmonic frame (\d+) of (\d+): "
                  r"(?:the base state|u along (\w+) \[(\d)(\d)(\d)\] at ([0-9.]+) Angstrom)")


def harmonic_frames(log_path):
    """[(step, pattern name or None for the base, q, unit direction, A)] from the log."""
    out = []
    with open(log_path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            step = int(m.group(1))
            if m.group(4) is None:
                out.append((step, None, None, None, 0.0))
                continue
            d = np.array([int(m.group(k)) for k in (5, 6, 7)], float)
            name = "%s [%s%s%s]" % (m.group(4), m.group(5), m.group(6), m.group(7))
            out.append((step, name, QVEC[m.group(4)], d / np.linalg.norm(d), float(m.group(8))))
    return out


def read_frames(xyz_path):
    """Every frame of an extended-XYZ training set in order: dict with index, step,
    imported, energy per cell (eV), cell positions (Angstrom), u and f_u."""
    frames = []
    with open(xyz_path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        hdr = lines[i + 1]
        rows = np.array([[float(x) for x in r.split()[1:]] for r in lines[i + 2:i + 2 + n]])
        step = re.search(r"heff_step=(-?\d+)", hdr)
        frames.append({
            "index": len(frames),
            "step": int(step.group(1)) if step else -1,
            "imported": "heff_imported=1" in hdr,
            "energy": float(re.search(r" energy=(\S+)", hdr).group(1)) / n,
            "pos": rows[:, 0:3], "u": rows[:, 3:6], "f_u": rows[:, 6:9]})
        i += 2 + n
    return frames


def signs(fr, q):
    """cos(pi q . R) on each cell of a frame; a cell's index along an axis is the rank
    of its position among the frame's distinct positions (any strain)."""
    c = np.stack([np.unique(np.round(fr["pos"][:, a], 8), return_inverse=True)[1]
                  for a in range(3)], axis=1)
    return np.where((c @ np.array(q)) % 2, -1.0, 1.0)


def coefficients(e1, e2, A):
    """k, b of e = k A^2 / 2 + b A^4 from e(A) = e1, e(A/2) = e2."""
    k = (16 * e2 - e1) / (1.5 * A * A)
    return k, (e1 - 0.5 * k * A * A) / A ** 4


def curvatures(run, parity=None):
    """Per pattern: name, A, dE(A), dE(A/2) (eV per cell), k_E, b_E, k_F and, with a
    parity table, the model's k_E and b_E."""
    logged = harmonic_frames(run + "/learning.tsv")
    frames = {f["step"]: f for f in read_frames(run + "/train.xyz") if not f["imported"]}
    pred = {}
    if parity:
        with open(parity) as f:
            for line in f:
                c = line.split()
                if line.startswith("#") or len(c) < 7 or c[3] != "energy":
                    continue
                pred[int(c[0])] = float(c[6])
    base = next((frames.get(s) for s, name, *_ in logged if name is None), None)
    e0 = base["energy"] if base else 0.0
    f0 = base["f_u"] if base else None
    p0 = pred.get(base["index"], 0.0) if base else 0.0
    rows = {}
    for step, name, q, d, A in logged:
        if name is None or step not in frames:
            continue
        fr = frames[step]
        s = signs(fr, q)
        f = fr["f_u"] - (f0 if f0 is not None else 0.0)
        force = float(np.mean(s * (f @ d)))  # -dE/dA per cell
        r = rows.setdefault(name, {})
        r[A] = (fr["energy"] - e0, force, pred.get(fr["index"], np.nan) - p0)
    out = []
    for name, r in rows.items():
        if len(r) != 2:
            continue
        A, A2 = max(r), min(r)
        (e1, f1, m1), (e2, f2, m2) = r[A], r[A2]
        k, b = coefficients(e1, e2, A)
        kf = -(8 * f2 - f1) / (3 * A)
        km, bm = coefficients(m1, m2, A) if parity else (np.nan, np.nan)
        out.append((name, A, e1, e2, k, b, kf, km, bm))
    return out


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        sys.exit(__doc__)
    run = argv[1]
    parity = argv[argv.index("--parity") + 1] if "--parity" in argv else None
    print("# harmonic frames of %s: per cell, dE (meV) above the base frame; k (eV/A^2), "
          "b (eV/A^4)" % run)
    print("# pattern\tA_A\tdE_A_meV\tdE_A/2_meV\tk_E\tb_E\tk_F" +
          ("\tk_model\tb_model" if parity else ""))
    for name, A, e1, e2, k, b, kf, km, bm in curvatures(run, parity):
        line = "%s\t%.3f\t%.4f\t%.4f\t%.4f\t%.3f\t%.4f" % (name, A, 1e3 * e1, 1e3 * e2, k, b, kf)
        if parity:
            line += "\t%.4f\t%.3f" % (km, bm)
        print(line)


if __name__ == "__main__":
    main(sys.argv)
