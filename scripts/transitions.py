#!/usr/bin/env python3
"""transitions.py - phase-transition temperatures from heff sweep tables.

For each sweep.tsv given, prints the temperature of every change of the
phase label (C, T, O, R) in the order the sweep visited the temperatures:
the midpoint of the interval where the label changes, in K.  With several
tables (seeds), also the mean and standard error of each transition.
usage: scripts/transitions.py runs/A/sweep.tsv [runs/B/sweep.tsv ...]"""
import statistics
import sys

from heff_table import floats, read_table


def transitions(path):
    cols = read_table(path)
    rows = list(zip(floats(cols, "T_K"), cols["phase"]))
    out = {}
    for (t0, p0), (t1, p1) in zip(rows, rows[1:]):
        if p0 != p1 and f"{p0}-{p1}" not in out:
            out[f"{p0}-{p1}"] = 0.5 * (t0 + t1)
    return out


def main(paths):
    found = [transitions(p) for p in paths]
    for p, tr in zip(paths, found):
        print(f"{p}: " + ", ".join(f"{k} {v:.1f} K" for k, v in tr.items()))
    if len(paths) > 1:
        for key in sorted({k for tr in found for k in tr}, key=lambda k: -max(
                tr.get(k, 0) for tr in found)):
            vals = [tr[key] for tr in found if key in tr]
            err = statistics.stdev(vals) / len(vals) ** 0.5 if len(vals) > 1 else float("nan")
            print(f"{key}: mean {statistics.mean(vals):.1f} K +- {err:.1f} K over {len(vals)} runs")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
