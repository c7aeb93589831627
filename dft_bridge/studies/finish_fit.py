#!/usr/bin/env python3
"""finish_fit.py - from an on-the-fly GPAW fit to transition temperatures, in one command.

Works on a finished run and on one still going (an interim check: only the complete
frames of train.xyz are used, the running fit is not touched).  Steps, each written
to OUT (nothing in the run directory changes):

  1. refit   fit --refit RUN FIT.yaml, with FIT.yaml's output directory moved to
             OUT/refit and the acoustic sum rule on (whatever the run used; --no-asr
             keeps the file's setting; --run-weight W sets regression: run_weight, the
             weight of the run's own frames against its imported ones): model.yaml,
             summary.txt, parity and coefficients
  2. kcorr   (with --kcorr DIR) the k-point correction terms of DIR added:
             kpoint_correction.py DIR merge OUT/refit/model.yaml OUT/model.yaml;
             without it OUT/model.yaml is the refit model
  3. heat    heff on HEAT.yaml with its model replaced by OUT/model.yaml and its
             output directory by OUT/heat (supercell, sweep and pressure as in HEAT.yaml,
             or --supercell L; --threads N: heff's threads; --ranks N: under mpirun),
             then the phase transitions of the sweep table (and, with omega, the changes
             of the Glazer tilt label) and a picture of P, the phases and the tilt
             angles against T (OUT/heat/sweep_P_T.png)
             (before it, heff --soft-modes OUT/model.yaml: the lowest eigenvalue of the
             harmonic u matrix D(q) at Gamma, X, M, R and over a 12^3 q grid, in
             OUT/soft_modes.txt: a minimum well away from Gamma means a modulated order;
             and at the fit's pressure the T, O, R states relaxed on 2x2x2 with their
             unstable frozen patterns)
  4. report  OUT/report.txt (also when the sweep fails, which then ends the script with an
             error): engine calls, run time and the engine's share (from the
             run's summary.txt when the fit has finished, else from calls/calls.tsv),
             the refit's residuals and the transition temperatures

usage: /usr/bin/python3 dft_bridge/studies/finish_fit.py FIT.yaml RUN HEAT.yaml OUT
           [--kcorr DIR] [--supercell L] [--threads N] [--ranks N] [--build DIR] [--no-asr]
           [--run-weight W]
  FIT.yaml   the fit file of the run (reference, basis and regression settings)
  RUN        the run's output directory (train.xyz, calls/)
  HEAT.yaml  a heff run file (a heating sweep)
  --build    the meson build directory with fit/fit and heff/heff (build)
Units: K, GPa, eV, Angstrom."""
import argparse
import glob
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from transitions import tilt_transitions, transitions  # noqa: E402


def absolute(base_file, path):
    return path if os.path.isabs(path) else os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(base_file)), path))


def rewrite(src, dst, edit):
    """Loads YAML file src, applies edit(dict), writes dst; relative paths of src
    that the programs resolve against the file's directory are made absolute."""
    with open(src) as fh:
        d = yaml.safe_load(fh)
    if not isinstance(d, dict):
        raise SystemExit(f"{src}: expected a mapping at the top level")
    for key in ("reference", "model"):
        if isinstance(d.get(key), str):
            d[key] = absolute(src, d[key])
    reg = d.get("regression")
    if isinstance(reg, dict) and isinstance(reg.get("hold_model"), str):
        reg["hold_model"] = absolute(src, reg["hold_model"])
    eng = d.get("engine")
    if isinstance(eng, dict) and isinstance(eng.get("settings"), str):
        eng["settings"] = absolute(src, eng["settings"])
    edit(d)
    with open(dst, "w") as fh:
        fh.write(f"# {os.path.basename(src)}, rewritten by finish_fit.py\n")
        yaml.safe_dump(d, fh, sort_keys=False, width=100)


def run(cmd, log, must=True):
    """Runs cmd with its output in log; a failure ends the script (must) or
    returns the last line of the log (else None on success)."""
    print("+", " ".join(cmd), flush=True)
    with open(log, "w") as fh:
        p = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
    if p.returncode:
        if must:
            raise SystemExit(f"{cmd[0]} failed (exit {p.returncode}); see {log}")
        tail = open(log).read().strip().splitlines()
        return tail[-1] if tail else f"exit {p.returncode}"
    return None


def engine_time(run_dir):
    """Calls and seconds of the child engine's own log (reference calls included), and
    the seconds of attempts that gave no result (killed at a stop, crashed, unconverged)."""
    path = os.path.join(run_dir, "calls", "calls.tsv")
    n, sec, lost = 0, 0.0, 0.0
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(f) < 3:
            continue
        if f[1] == "ok":
            n += 1
            sec += float(f[2])
        else:
            lost += float(f[2])
    return n, sec, lost


def earlier_runs(fit_yaml):
    """The run directories whose frames fit_yaml's run imported (initial_training), then
    theirs in turn: an earlier run's own fit file is found among the fit files next to
    fit_yaml by its output.dir."""
    def load(path):
        with open(path) as fh:
            return yaml.safe_load(fh) or {}

    def out_dir(path, doc):
        d = (doc.get("output") or {}).get("dir")
        return os.path.realpath(os.path.join(os.path.dirname(path), d)) if d else None

    by_dir = {}
    for f in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(fit_yaml)), "*.yaml"))):
        try:
            doc = load(f)
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict) and "engine" in doc:  # a fit file
            d = out_dir(f, doc)
            if d:
                by_dir.setdefault(d, (f, doc))
    runs, path, doc = [], fit_yaml, load(fit_yaml)
    while doc.get("initial_training"):
        edir = os.path.realpath(os.path.dirname(os.path.join(os.path.dirname(path),
                                                             doc["initial_training"])))
        if edir in runs:
            break
        runs.append(edir)
        path, doc = by_dir.get(edir, (None, {}))
    return runs


def refit_model(fit_yaml, run_dir, out, kcorr, fit_exe, asr=True, run_weight=None):
    """Steps 1 and 2: fit --refit of run_dir's frames with fit_yaml (output in OUT/refit,
    the acoustic sum rule on when asr, regression: run_weight when given), plus kcorr's
    k-point correction terms when given;
    returns OUT/model.yaml.  Also what tests/check_learned_models.py checks a shipped
    model against."""
    refit_dir = os.path.join(out, "refit")
    fit_copy = os.path.join(out, "fit.yaml")

    def fit_edit(d):
        d.setdefault("output", {})["dir"] = refit_dir
        reg = d.get("regression") or {}
        if asr:
            reg["acoustic_sum_rule"] = True
        if run_weight is not None:
            reg["run_weight"] = run_weight
        if reg:
            d["regression"] = reg

    rewrite(fit_yaml, fit_copy, fit_edit)
    run([fit_exe, "--refit", os.path.abspath(run_dir), fit_copy], os.path.join(out, "refit.log"))
    model = os.path.join(out, "model.yaml")
    if kcorr:
        run(["/usr/bin/python3", os.path.join(HERE, "kpoint_correction.py"), kcorr,
             "merge", os.path.join(refit_dir, "model.yaml"), model],
            os.path.join(out, "kcorr.log"))
    else:
        with open(os.path.join(refit_dir, "model.yaml")) as fi, open(model, "w") as fo:
            fo.write(fi.read())
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("fit_yaml")
    ap.add_argument("run_dir")
    ap.add_argument("heat_yaml")
    ap.add_argument("out")
    ap.add_argument("--kcorr")
    ap.add_argument("--supercell", type=int)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--no-asr", dest="asr", action="store_false")
    ap.add_argument("--run-weight", type=float)
    a = ap.parse_args()
    opt = vars(a)
    fit_yaml, run_dir, heat_yaml, out = a.fit_yaml, a.run_dir, a.heat_yaml, a.out
    os.makedirs(out, exist_ok=True)
    out = os.path.abspath(out)
    fit_exe = os.path.join(opt["build"], "fit", "fit")
    heff_exe = os.path.join(opt["build"], "heff", "heff")

    # 1. refit and 2. k-point correction
    refit_dir = os.path.join(out, "refit")
    model = refit_model(fit_yaml, run_dir, out, opt["kcorr"], fit_exe, opt["asr"],
                        opt["run_weight"])

    # where the model's harmonic polar instability lies (heff --soft-modes): a
    # minimum of D(q) well away from Gamma means a modulated order, not a uniform P;
    # at the fit's pressure, the relaxed T, O, R states and their instabilities
    soft_log = os.path.join(out, "soft_modes.txt")
    with open(fit_yaml) as fh:
        pressure = float((yaml.safe_load(fh) or {}).get("pressure", 0))
    run([heff_exe, "--soft-modes", model, "12", "--pressure", str(pressure)], soft_log)
    # D(q) at Gamma, X, M, R and its minimum; of the frozen patterns only the
    # unbounded ones and the verdict; of the polar states each state and its
    # unstable patterns
    soft = [ln for ln in open(soft_log).read().splitlines()
            if not ln.startswith("#") and not ln.endswith("\tbounded") and
            (not ln.startswith("  q ") or ln.endswith("UNSTABLE"))]

    # 3. heating sweep
    heat_dir = os.path.join(out, "heat")

    def heat_edit(d):
        d["model"] = model
        d.setdefault("output", {})["dir"] = heat_dir
        if opt["supercell"]:
            d["supercell"] = [opt["supercell"]] * 3
        if opt["threads"]:
            d["threads"] = opt["threads"]

    heat_copy = os.path.join(out, "heat.yaml")
    rewrite(heat_yaml, heat_copy, heat_edit)
    mpi = []
    if opt["ranks"] > 1:  # the same numbers as one rank, to round-off (docs/mpi.md)
        mpi = ["mpirun", "-np", str(opt["ranks"])]
        if os.geteuid() == 0:
            os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    heat_failed = run(mpi + [heff_exe, "--quiet", heat_copy], os.path.join(out, "heat.log"),
                      must=False)
    with open(heat_copy) as fh:
        prefix = (yaml.safe_load(fh).get("output") or {}).get("prefix", "sweep")
    table = os.path.join(heat_dir, prefix + ".tsv")
    tr = {**transitions(table), **tilt_transitions(table)} if os.path.exists(table) else {}
    picture = os.path.join(heat_dir, prefix + "_P_T.png")
    if not heat_failed:
        run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "plot_sweep.py"), picture, table],
            os.path.join(out, "plot.log"))

    # 4. report
    lines = [f"fit file: {fit_yaml}; run: {run_dir}; heating run: {heat_yaml}"]
    summary = os.path.join(run_dir, "summary.txt")
    if os.path.exists(summary):
        lines += ["run summary (" + summary + "):"]
        lines += ["  " + s for s in open(summary).read().splitlines()
                  if s.startswith(("MD steps", "run time", "threshold set"))]
    elif os.path.exists(os.path.join(run_dir, "calls", "calls.tsv")):
        n, sec, lost = engine_time(run_dir)
        lines.append(f"run still going: {n} engine calls so far (reference calls included), "
                     f"{sec:.0f} s = {sec / 3600:.2f} h of engine time (calls/calls.tsv), and "
                     f"{lost / 3600:.2f} h in attempts without a result")
    else:
        lines.append("run still going (no child-engine log: an in-process engine)")
    learning = os.path.join(run_dir, "learning.tsv")
    if os.path.exists(learning):  # why the calls were made, beyond the threshold's
        text = open(learning).read()
        lines.append(f"calls for extrapolation: {text.count(': call for extrapolation')}; "
                     f"probes along frozen patterns: {text.count(': probe: ')} (learning.tsv)")
    for edir in earlier_runs(fit_yaml):  # the frames this run started from, and their cost
        if os.path.exists(os.path.join(edir, "calls", "calls.tsv")):
            n, sec, lost = engine_time(edir)
            lines.append(f"started from the frames of {edir} (initial_training): {n} engine "
                         f"calls there (reference included), {sec:.0f} s = {sec / 3600:.2f} h "
                         f"of engine time, and {lost / 3600:.2f} h in attempts without a result")
        else:
            lines.append(f"started from the frames of {edir} (initial_training; no engine log)")
    lines += ["refit (" + os.path.join(refit_dir, "summary.txt") + "):"]
    lines += ["  " + s for s in open(os.path.join(refit_dir, "summary.txt")).read().splitlines()
              if s.startswith(("refit of", "final fit", "acoustic", "energy change", "training",
                                "held-out", "coefficients vs"))]
    lines.append("model: " + model + (" (with the k-point correction of " + opt["kcorr"] + ")"
                                      if opt["kcorr"] else ""))
    lines += ["harmonic u matrix D(q), lowest eigenvalue (eV/A^2; heff --soft-modes, " +
              soft_log + "):"] + ["  " + ln for ln in soft]
    if heat_failed:
        lines.append("heating sweep FAILED (" + os.path.join(out, "heat.log") + "): " + heat_failed)
    else:
        lines.append("polarization and phases against T: " + picture)
    lines.append("transitions on heating (K): " +
                 (", ".join(f"{k} {v:.1f}" for k, v in tr.items()) or "none"))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "report.txt"), "w") as fh:
        fh.write(text)
    print(text, end="")
    if heat_failed:
        raise SystemExit(f"{heff_exe} failed on the heating sweep; see {os.path.join(out, 'heat.log')}")


if __name__ == "__main__":
    main()
