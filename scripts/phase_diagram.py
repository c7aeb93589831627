#!/usr/bin/python3
"""phase_diagram.py - temperature-composition (T-x) phase diagrams of solid
solutions from heff composition sweeps.

  phase_diagram.py make TEMPLATE.yaml --x 0.1,0.2,0.3 [--dir DIR]
      Writes one run file per composition next to TEMPLATE (or into DIR):
      the template's `occupation: {composition: ...}` set to x and its
      output prefix suffixed with _x<x>.  The template must have an
      occupation mapping with a composition (random, core_shell or sro).
  phase_diagram.py plot RUN_x*.tsv [--png diagram.png] [--out diagram.tsv]
      Reads the sweep tables (the composition is the "occupation x" of each
      table's header), prints the transitions of each composition (the
      midpoint of the temperature interval where the phase label changes,
      as scripts/transitions.py) and draws the phase of every (x, T) point
      with the transition lines.

Units: T in K, x the fraction of sigma = 1 sites.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from heff_table import floats, read_table  # noqa: E402
from transitions import transitions  # noqa: E402

COLOURS = {"C": "#bbbbbb", "T": "#6fa8dc", "O": "#93c47d", "R": "#f6b26b"}


def composition(path):
    with open(path) as f:
        head = f.readline()
    m = re.search(r"occupation x ([0-9.]+)", head)
    if not m:
        raise SystemExit(f"{path}: the header names no 'occupation x': not an alloy sweep table")
    return float(m.group(1))


def cmd_make(a):
    text = open(a.template).read()
    if not re.search(r"composition:\s*[0-9.eE+-]+", text):
        raise SystemExit(f"{a.template}: no 'composition: <x>' to vary (occupation mapping)")
    if not re.search(r"prefix:\s*[A-Za-z0-9_.-]+", text):
        raise SystemExit(f"{a.template}: set output: {{prefix: NAME}} so that each x gets its own")
    out_dir = a.dir or os.path.dirname(os.path.abspath(a.template))
    base = os.path.splitext(os.path.basename(a.template))[0]
    written = []
    for xs in a.x.split(","):
        x = float(xs)
        if not 0 <= x <= 1:
            raise SystemExit(f"--x: composition {x} outside 0..1")
        t = re.sub(r"(composition:\s*)[0-9.eE+-]+", rf"\g<1>{x:g}", text, count=1)
        t = re.sub(r"(prefix:\s*)([A-Za-z0-9_.-]+)", rf"\g<1>\g<2>_x{x:g}", t, count=1)
        path = os.path.join(out_dir, f"{base}_x{x:g}.yaml")
        with open(path, "w") as f:
            f.write(t)
        written.append(path)
        print(f"wrote {path}")
    return written


def cmd_plot(a):
    data = []
    for path in a.tables:
        cols = read_table(path)
        data.append((composition(path), floats(cols, "T_K"), cols["phase"], transitions(path)))
    data.sort(key=lambda d: d[0])
    for x, T, ph, tr in data:
        print(f"x = {x:g}: " + (", ".join(f"{k} {v:.1f} K" for k, v in tr.items()) or "no transition"))
    if a.out:
        with open(a.out, "w") as f:
            f.write("# T-x phase diagram: transition temperatures (K) per composition\n")
            f.write("x\ttransition\tT_K\n")
            for x, _, _, tr in data:
                for k, v in tr.items():
                    f.write(f"{x:g}\t{k}\t{v:.2f}\n")
        print(f"wrote {a.out}")
    if a.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.0, 4.4))
        for x, T, ph, _ in data:
            ax.scatter([x] * len(T), T, c=[COLOURS.get(p, "k") for p in ph], s=30, marker="s")
        for key in sorted({k for d in data for k in d[3]}):
            pts = [(d[0], d[3][key]) for d in data if key in d[3]]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "k-", lw=1)
            ax.annotate(key, pts[-1], textcoords="offset points", xytext=(4, 2), fontsize=8)
        for p, c in COLOURS.items():
            ax.scatter([], [], c=c, marker="s", label=p)
        ax.set_xlabel("composition x")
        ax.set_ylabel("T (K)")
        ax.legend(title="phase", fontsize=8)
        fig.tight_layout()
        fig.savefig(a.png, dpi=120)
        print(f"wrote {a.png}")
    return data


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="run files for a list of compositions")
    m.add_argument("template")
    m.add_argument("--x", required=True, help="comma-separated compositions")
    m.add_argument("--dir", help="where to write them (default: next to the template)")
    m.set_defaults(func=cmd_make)
    p = sub.add_parser("plot", help="T-x diagram from the sweep tables")
    p.add_argument("tables", nargs="+")
    p.add_argument("--png")
    p.add_argument("--out")
    p.set_defaults(func=cmd_plot)
    a = ap.parse_args(argv)
    return a.func(a)


if __name__ == "__main__":
    main()
