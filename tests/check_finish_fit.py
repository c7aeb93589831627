"""check_finish_fit.py - dft_bridge/studies/finish_fit.py end to end on a fit whose
"DFT" is the ZVR model itself (in-process engine, noise-free, ZVR's terms in the basis):
the refit model it hands to heff must carry ZVR's coefficients (the independent
reference: the hidden model's file), the heating sweep must run on it with one row per
temperature, and the report must give calls, run time, the transitions and the softest
polar mode (ZVR's is at Gamma); for a second
fit started on the first one's frames (initial_training) the report names the earlier run
and the refit counts its frames.
usage: check_finish_fit.py BUILD_DIR MODELS_DIR FINISH_FIT_PY"""
import os
import subprocess
import sys
import tempfile

import yaml

build, models, script = (os.path.abspath(a) for a in sys.argv[1:4])
zvr = os.path.join(models, "BaTiO3_ZVR1995.yaml")
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok


with tempfile.TemporaryDirectory() as d:
    fit_yaml = os.path.join(d, "fit.yaml")
    with open(fit_yaml, "w") as f:
        f.write(f"""reference: {zvr}
engine: {{type: model, model: {zvr}}}
basis: default
supercell: [4, 4, 4]
steps: 200
pressure: -4.8
temperatures: [100, 300]
output: {{dir: run, progress: false}}
""")
    subprocess.run([os.path.join(build, "fit", "fit"), "--quiet", fit_yaml], check=True,
                   stdout=subprocess.DEVNULL, cwd=d)
    heat_yaml = os.path.join(d, "heat.yaml")
    with open(heat_yaml, "w") as f:
        f.write("""model: unused.yaml
supercell: [12, 12, 12]
seed: 7
method: hmc
pressure: -4.8
temperatures: {start: 150, stop: 350, step: 100}
thermalize: 20
average: 20
hmc: {steps: 10, dt: 4.0, strain: true}
initial: {state: uniform, u: [0.1, 0.1, 0.1]}
output: {dir: heat, prefix: sweep}
""")
    out = os.path.join(d, "finish")
    p = subprocess.run(["/usr/bin/python3", script, fit_yaml, os.path.join(d, "run"), heat_yaml,
                        out, "--supercell", "4", "--build", build],
                       capture_output=True, text=True)
    print(p.stdout, p.stderr)
    check(p.returncode == 0, f"finish_fit.py exits 0 ({p.returncode})")
    # the refit decomposes the engine model (ZVR's file) in the basis: coefficients.tsv
    worst, n = 0.0, 0
    for ln in open(os.path.join(out, "refit", "coefficients.tsv")):
        f = ln.split("\t")
        if ln.startswith("#") or len(f) < 6 or f[5] == "nan":
            continue
        worst, n = max(worst, abs(float(f[5]))), n + 1
    check(n >= 15 and worst < 1e-6,
          f"refit model = ZVR decomposed in the basis ({n} terms, worst relative {worst:.2e})")
    fitted = yaml.safe_load(open(os.path.join(out, "model.yaml")))
    check(len(fitted["terms"]) == 25, f"heff ran the refit model ({len(fitted['terms'])} terms)")
    rows = [ln for ln in open(os.path.join(out, "heat", "sweep.tsv"))
            if ln[0] not in "#T"]
    check(len(rows) == 3, f"heating table: {len(rows)} rows for 150, 250, 350 K")
    head = open(os.path.join(out, "heat", "sweep.tsv")).read()
    check("4x4x4" in head, "the sweep ran on --supercell 4 (header)")
    png = os.path.join(out, "heat", "sweep_P_T.png")
    check(os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
          "P(T) picture written (PNG)")
    rep = open(os.path.join(out, "report.txt")).read()
    for key in ("MD steps 200", "run time", "engine", "final fit", "transitions on heating"):
        check(key in rep, f"report names '{key}'")
    # the refit model is ZVR's, whose polar instability is at the zone centre
    check("softest polar mode: at Gamma" in rep,
          "report: the refit ZVR model's softest polar mode at Gamma (heff --soft-modes)")
    # at the fit's pressure the three relaxed states, each with its instabilities
    check(all(f"state {s}" in rep for s in ("T [001]", "O [110]", "R [111]")) and
          "polar states:" in rep, "report: the T, O, R states relaxed at the fit's pressure")
    # a second fit on the first one's frames
    fit2 = os.path.join(d, "fit2.yaml")
    with open(fit2, "w") as f:
        f.write(open(fit_yaml).read().replace("steps: 200", "steps: 30")
                .replace("dir: run,", "dir: run2,") + "initial_training: run/train.xyz\n")
    subprocess.run([os.path.join(build, "fit", "fit"), "--quiet", fit2], check=True,
                   stdout=subprocess.DEVNULL, cwd=d)
    nfirst = open(os.path.join(d, "run", "train.xyz")).read().count("heff_step=")
    out2 = os.path.join(d, "finish2")
    p = subprocess.run(["/usr/bin/python3", script, fit2, os.path.join(d, "run2"), heat_yaml,
                        out2, "--supercell", "4", "--build", build],
                       capture_output=True, text=True)
    check(p.returncode == 0, f"finish_fit.py on the second fit exits 0 ({p.returncode})")
    rep = open(os.path.join(out2, "report.txt")).read() if p.returncode == 0 else ""
    check("started from the frames of " + os.path.join(d, "run") in rep,
          "report names the run the second fit started from")
    check(f"training set: {nfirst} frames imported from an earlier fit" in rep,
          f"the refit counts the {nfirst} imported frames")
    # a third on the second one's: the report follows the chain back to the first run
    fit3 = os.path.join(d, "fit3.yaml")
    with open(fit3, "w") as f:
        f.write(open(fit2).read().replace("dir: run2,", "dir: run3,")
                .replace("initial_training: run/train.xyz", "initial_training: run2/train.xyz"))
    subprocess.run([os.path.join(build, "fit", "fit"), "--quiet", fit3], check=True,
                   stdout=subprocess.DEVNULL, cwd=d)
    out3 = os.path.join(d, "finish3")
    p = subprocess.run(["/usr/bin/python3", script, fit3, os.path.join(d, "run3"), heat_yaml,
                        out3, "--supercell", "4", "--build", build],
                       capture_output=True, text=True)
    rep = open(os.path.join(out3, "report.txt")).read() if p.returncode == 0 else ""
    check(all("started from the frames of " + os.path.join(d, r) in rep for r in ("run2", "run")),
          "the third fit's report names both earlier runs (initial_training, then theirs)")
    summary2 = open(os.path.join(d, "run2", "summary.txt")).read()
    check("MD steps 30;" in summary2 and "refit of" not in summary2,
          "the second fit's summary gives its MD steps and calls (and is no refit)")
sys.exit(1 if failures else 0)
