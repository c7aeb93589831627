"""check_transitions.py - scripts/transitions.py and scripts/plot_sweep.py on constructed
sweep and local tables (the columns heff writes):
1. the polar phase changes T -> C and the Glazer tilt changes a0a0c- -> a0a0a0 come back
   at the midpoints of the intervals where the labels change, in the order visited;
2. a sweep without a local table (a model without omega) gives only the polar changes;
3. plot_sweep draws three rows (P, u and tilt angles) with a local table, two without.
usage: check_transitions.py SCRIPTS_DIR"""
import os
import subprocess
import sys
import tempfile

import matplotlib.image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

SCRIPTS = os.path.abspath(sys.argv[1])
sys.path.insert(0, SCRIPTS)
from transitions import tilt_transitions, transitions  # noqa: E402

T = [10, 50, 90, 130, 170, 210]
PHASE = ["T", "T", "T", "C", "C", "C"]  # T -> C between 90 and 130 K: 110 K
GLAZER = ["a0a0c-", "a0a0c-", "a0a0c-", "a0a0c-", "a0a0a0", "a0a0a0"]  # 150 K


def write_sweep(path):
    with open(path, "w") as f:
        f.write("# heff temperature sweep (constructed)\n")
        f.write("T_K\tu1_sorted_A\tu2_sorted_A\tu3_sorted_A\tPx_C/m2\tPy_C/m2\tPz_C/m2\tphase\n")
        for t, ph in zip(T, PHASE):
            uz = 0.2 if ph == "T" else 0.01
            f.write(f"{t}\t0.01\t0.01\t{uz}\t0\t0\t{uz * 2}\t{ph}\n")


def write_local(path):
    with open(path, "w") as f:
        f.write("# heff local structure per temperature (constructed)\n")
        f.write("T_K\tsamples\ttilt_x_deg\ttilt_y_deg\ttilt_z_deg\tglazer\n")
        for t, g in zip(T, GLAZER):
            tz = 4.0 if g.endswith("c-") else 0.1
            f.write(f"{t}\t100\t0.1\t0.1\t{tz}\t{g}\n")


with tempfile.TemporaryDirectory() as tmp:
    sweep = os.path.join(tmp, "sweep.tsv")
    write_sweep(sweep)
    check(transitions(sweep) == {"T-C": 110.0}, f"polar change T-C at 110 K: {transitions(sweep)}")
    check(tilt_transitions(sweep) == {}, "no local table: no tilt changes")
    png2 = os.path.join(tmp, "two.png")
    subprocess.run(["/usr/bin/python3", os.path.join(SCRIPTS, "plot_sweep.py"), png2, sweep],
                   check=True)
    write_local(os.path.join(tmp, "sweep_local.tsv"))
    tt = tilt_transitions(sweep)
    check(tt == {"tilt a0a0c- -> a0a0a0": 150.0}, f"tilt change a0a0c- -> a0a0a0 at 150 K: {tt}")
    out = subprocess.run(["/usr/bin/python3", os.path.join(SCRIPTS, "transitions.py"), sweep],
                         check=True, capture_output=True, text=True).stdout
    check("T-C 110.0 K" in out and "tilt a0a0c- -> a0a0a0 150.0 K" in out,
          f"transitions.py prints both: {out.strip()}")
    png3 = os.path.join(tmp, "three.png")
    subprocess.run(["/usr/bin/python3", os.path.join(SCRIPTS, "plot_sweep.py"), png3, sweep],
                   check=True)
    h2, h3 = (matplotlib.image.imread(p).shape[0] for p in (png2, png3))
    check(abs(h3 / h2 - 1.5) < 0.02, f"plot: three rows with tilts, two without (heights {h3}, {h2})")
done()
