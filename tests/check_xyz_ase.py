"""check_xyz_ase.py - the fit training set is extended XYZ that ASE reads:
runs `fit` on a small model-engine fit, reads train.xyz with ase.io, and
checks that ASE's energy, stress and per-cell arrays agree with the exact
regression rows stored in the heff_* keys (energy = N * E_cell; stress =
-rows * N / V on the diagonal) and with the number of engine calls.
usage: check_xyz_ase.py FIT_PROGRAM MODELS_DIR"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from ase.io import read

fit, models = sys.argv[1], os.path.abspath(sys.argv[2])


def fit_frames(d, out, engine, extra=""):
    """Runs a 60-step fit on 2x3x2 cells with the given engine line in d;
    returns the frames ASE reads from out/train.xyz."""
    path = os.path.join(d, f"{out}.yaml")
    with open(path, "w") as f:
        f.write(f"""reference: {models}/BaTiO3_ZVR1995.yaml
engine: {engine}
{extra}supercell: [2, 3, 2]
steps: 60
pressure: -4.8
output: {{dir: {out}, progress: false}}
""")
    subprocess.run([fit, "--quiet", path], check=True, stdout=subprocess.DEVNULL)
    return read(os.path.join(d, out, "train.xyz"), index=":")


with tempfile.TemporaryDirectory() as d:
    frames = fit_frames(d, "out", f"{{type: model, model: {models}/BaTiO3_ZVR1995.yaml}}")
    calls = sum(1 for line in open(os.path.join(d, "out", "calls.tsv")) if not line.startswith("#"))
    bad = 0
    assert len(frames) == calls and calls >= 6, (len(frames), calls)
    for a in frames:
        n = len(a)
        assert n == 12, n
        e = a.get_potential_energy()
        ecell = float(a.info["heff_energy_per_cell"])
        rows = np.array(a.info["heff_stress_rows"], dtype=float)
        s = a.get_stress(voigt=True)  # xx yy zz yz xz xy
        v = a.get_volume()
        bad += abs(e - n * ecell) > 1e-12 * max(1.0, abs(e))
        bad += np.max(np.abs(s[:3] + rows[:3] * n / v)) > 1e-12 * max(1.0, np.max(np.abs(s)))
        assert a.arrays["u"].shape == (n, 3) and a.arrays["f_v"].shape == (n, 3)
        assert a.pbc.all()
    print(f"ASE read {len(frames)} frames = {calls} engine calls; energy/stress mismatches: {bad}")
    # an alloy (ZVR with Ba/Sr on A): the sigma column, exactly round(x N) = 3 of 12 per frame
    zvr = open(f"{models}/BaTiO3_ZVR1995.yaml").read()
    alloy = os.path.join(d, "alloy.yaml")
    with open(alloy, "w") as f:
        f.write(zvr.replace("dof: [u, v, eta]", "dof: [u, v, eta, sigma]")
                .replace("sites: {u: B, v: A}", "sites: {u: B, v: A, sigma: A}"))
    frames = fit_frames(d, "alloy_out", f"{{type: model, model: {alloy}}}",
                        "occupation: {site: A, composition: 0.25, every: 20}\n")
    sums = [float(a.arrays["sigma"].sum()) for a in frames]
    arrangements = {tuple(a.arrays["sigma"]) for a in frames}
    print(f"alloy: ASE read {len(frames)} frames, Sr per frame {sorted(set(sums))}, "
          f"{len(arrangements)} arrangements")
    bad += any(x != 3 for x in sums) + (len(arrangements) < 2)
    sys.exit(1 if bad else 0)
