"""check_phase_diagram.py - scripts/phase_diagram.py: `make` writes one run
file per composition with only the composition and the prefix changed, and
heff accepts them; `plot` reads the composition from each table header and
finds the transitions of constructed tables where they were put.
usage: check_phase_diagram.py HEFF SCRIPTS_DIR MODELS_DIR"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

heff, scripts, models = (os.path.abspath(p) for p in sys.argv[1:4])
sys.path.insert(0, scripts)
import phase_diagram  # noqa: E402



with tempfile.TemporaryDirectory() as d:
    tpl = os.path.join(d, "alloy.yaml")
    with open(tpl, "w") as f:
        f.write(f"model: {models}/BaTiO3_ZVR1995.yaml\nsupercell: [4, 4, 4]\ntemperatures: [300]\n"
                "occupation: {pattern: random, composition: 0.5}\n"
                "output: {dir: out, prefix: sweep}\n")
    paths = phase_diagram.main(["make", tpl, "--x", "0.1,0.25"])
    check([os.path.basename(p) for p in paths] == ["alloy_x0.1.yaml", "alloy_x0.25.yaml"],
          f"run files {paths}")
    t = open(paths[1]).read()
    check("composition: 0.25}" in t and "prefix: sweep_x0.25}" in t
          and t.replace("composition: 0.25}", "composition: 0.5}").replace(
              "prefix: sweep_x0.25}", "prefix: sweep}") == open(tpl).read(),
          "only the composition and the prefix changed")
    # heff reads it (and refuses sigma with a model without it: the error names the model)
    r = subprocess.run([heff, paths[1]], capture_output=True, text=True)
    check(r.returncode != 0 and "sigma" in r.stderr, f"heff parses the file: {r.stderr.strip()[:120]}")

    # constructed tables: C above 300 K (x=0.1) / 250 K (x=0.3), then T, then O below 150 K
    rows = {0.1: [(350, "C"), (310, "C"), (290, "T"), (200, "T"), (140, "O")],
            0.3: [(350, "C"), (260, "C"), (240, "T"), (160, "T"), (140, "T")]}
    tables = []
    for x, rr in rows.items():
        p = os.path.join(d, f"t_x{x}.tsv")
        with open(p, "w") as f:
            f.write(f"# heff temperature sweep: model M, method hmc, supercell 4x4x4, seed 1, "
                    f"pressure 0 GPa+0 GPa/K*T, occupation x {x:.4f}, Warren-Cowley alpha1..3 "
                    "0 0 0\n# units\nT_K\tphase\n")
            for T, ph in rr:
                f.write(f"{T}\t{ph}\n")
        tables.append(p)
    data = phase_diagram.main(["plot", *tables, "--png", os.path.join(d, "pd.png"),
                               "--out", os.path.join(d, "pd.tsv")])
    got = {x: tr for x, _, _, tr in data}
    check(got == {0.1: {"C-T": 300.0, "T-O": 170.0}, 0.3: {"C-T": 250.0}}, f"transitions {got}")
    check(os.path.getsize(os.path.join(d, "pd.png")) > 1000, "picture written")
done()
