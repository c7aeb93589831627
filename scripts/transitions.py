#!/usr/bin/env python3
"""transitions.py - phase-transition temperatures from heff sweep tables.

For each sweep.tsv given, prints the temperature of every change of the
phase label (C, T, O, R) in the order the sweep visited the temperatures:
the midpoint of the interval where the label changes, in K.  With several
tables (seeds), also the mean and standard error of each transition.
For a model with omega, also every change of the Glazer tilt label of the
local table next to each sweep table (<prefix>_local.tsv: a0a0a0 -> a0a0c-,
the antiferrodistortive transition), written "tilt a0a0c- -> a0a0a0".
usage: scripts/transitions.py runs/A/sweep.tsv [runs/B/sweep.tsv ...]"""
import os
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


def local_table(sweep_path):
    """The local table heff writes next to a sweep table (sweep.tsv -> sweep_local.tsv)."""
    root, ext = os.path.splitext(sweep_path)
    return root + "_local" + ext


def tilt_transitions(sweep_path):
    """Changes of the Glazer tilt label, midpoints in K, from the local table next to
    sweep_path; {} when there is none or the model has no omega."""
    path = local_table(sweep_path)
    if not os.path.exists(path):
        return {}
    cols = read_table(path)
    if "glazer" not in cols:
        return {}
    rows = list(zip(floats(cols, "T_K"), cols["glazer"]))
    out = {}
    for (t0, g0), (t1, g1) in zip(rows, rows[1:]):
        key = f"tilt {g0} -> {g1}"
        if g0 != g1 and key not in out:
            out[key] = 0.5 * (t0 + t1)
    return out


def main(paths):
    found = [{**transitions(p), **tilt_transitions(p)} for p in paths]
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
