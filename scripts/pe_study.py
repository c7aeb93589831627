#!/usr/bin/python3
"""pe_study.py - field-driven switching: P-E loops of one heff run file at several
temperatures and field directions, with the coercive fields, the remanent
polarization, the field-induced rotation of the polarization and the phase of
the cells under field, as a table and a picture.

  pe_study.py TEMPLATE.yaml OUT --temperatures 100,250,400 --directions 001,111
              [--model MODEL.yaml] [--supercell L] [--heff PATH] [--threads N]

TEMPLATE is a heff run file with a `field_loop` (docs/run-format.md; e.g.
examples/BaTiO3_ZVR_PE_loop.yaml): for every temperature T and direction d this
writes OUT/T<T>_d<d>.yaml, the template with `temperatures: [T]`, the loop's
direction d (digits of a Miller direction, a minus sign before a negative one:
001, 111, 1-10), the output in OUT/T<T>_d<d>/ and, with --model, the model
replaced; runs heff on it (the run resumes from its checkpoint when OUT holds
one; --supercell L: an L^3 supercell instead of the template's); and reads its
tables.  Per loop (P and E along d; angles between P and d):
  - the coercive fields of the descending and ascending branches (where P along d
    changes sign, linear interpolation; none when the loop does not switch);
  - the remanent polarization at E = 0 on each branch;
  - the angle of P to d at the loop's first point (E = 0, the state before any
    field), P along d and its angle at the largest field: the difference of the
    angles is the rotation the field drives (a tetragonal state under a [111]
    field turns from 54.7 degrees toward 0), and the angle at E = 0 on the
    descending branch, how far P turns back once the field is gone;
  - the fractions of cells whose own u is C, T, O or R (the run's local table) at
    the largest field and at E = 0 on the descending branch.
Writes OUT/pe_study.tsv (units in its header) and OUT/pe_study.png (one panel
per direction, a loop per temperature).
Units: T K, E kV/cm, P C/m^2, angles degrees."""
import argparse
import math
import os
import re
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from heff_table import floats, read_table  # noqa: E402
from pe_loop import crossings, project, read, remanent  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHASES = "CTOR"


def direction(text):
    """'111' -> [1, 1, 1], '1-10' -> [1, -1, 0]."""
    m = re.fullmatch(r"(-?\d)(-?\d)(-?\d)", text)
    if not m or all(int(g) == 0 for g in m.groups()):
        raise SystemExit(f"pe_study.py: direction '{text}': expected three digits such as 001, "
                         "111 or 1-10, not all zero")
    return [int(g) for g in m.groups()]


def numbers(text, what):
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SystemExit(f"pe_study.py: --{what} '{text}': expected numbers separated by commas")


def make(template, out, T, d, model, supercell=None):
    """The run file of one loop; returns its path and output directory."""
    with open(template) as f:
        run = yaml.safe_load(f)
    if not isinstance(run, dict) or not isinstance(run.get("field_loop"), dict):
        raise SystemExit(f"pe_study.py: {template}: no field_loop mapping (docs/run-format.md)")
    base = os.path.dirname(os.path.abspath(template))
    run["model"] = os.path.abspath(model) if model else os.path.normpath(
        os.path.join(base, run["model"]))
    for key in ("occupation", "initial"):  # files named inside are relative to the template
        sub = run.get(key)
        if isinstance(sub, dict) and isinstance(sub.get("file"), str):
            sub["file"] = os.path.normpath(os.path.join(base, sub["file"]))
    run["temperatures"] = [T]
    run["field_loop"]["direction"] = d
    if supercell:
        run["supercell"] = [supercell] * 3
    name = f"T{T:g}_d{''.join(str(x) for x in d)}"
    outdir = os.path.abspath(os.path.join(out, name))
    run["output"] = dict(run.get("output") or {}, dir=outdir, prefix="pe")
    path = os.path.join(out, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"# pe_study.py: {template} at T = {T:g} K, field along {d}\n")
        yaml.safe_dump(run, f, default_flow_style=None, sort_keys=False)
    return path, outdir


def angle(P, d):
    n = math.sqrt(sum(x * x for x in P))
    dn = math.sqrt(sum(x * x for x in d))
    if n == 0:
        return float("nan")
    c = sum(a * b for a, b in zip(P, d)) / (n * dn)
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def analyse(outdir, d):
    """One loop's figures from OUT/<run>/pe.tsv and pe_local.tsv."""
    E, P, T = read(os.path.join(outdir, "pe.tsv"))
    e, p = project(E, P)
    loc = read_table(os.path.join(outdir, "pe_local.tsv"))
    frac = {k: floats(loc, f"frac_{k}") for k in PHASES}
    top = max(range(len(e)), key=lambda i: e[i])  # the first point at the largest field
    rem = next((i for i in range(top + 1, len(e)) if e[i] == 0), None)
    res = {"T": T, "d": d, "e": e, "p": p}
    cr, rr = crossings(e, p), remanent(e, p)
    res["Ec_desc"] = next((x for x, b in cr if b < 0), float("nan"))
    res["Ec_asc"] = next((x for x, b in cr if b > 0), float("nan"))
    res["Pr_desc"] = next((x for x, b in rr if b < 0), float("nan"))
    res["Pr_asc"] = next((x for x, b in rr if b > 0), float("nan"))
    res["E_max"], res["P_max"] = e[top], p[top]
    res["angle_0"], res["angle_max"] = angle(P[0], d), angle(P[top], d)
    res["angle_rem"] = angle(P[rem], d) if rem is not None else float("nan")
    res["frac_max"] = [frac[k][top] for k in PHASES]
    res["frac_rem"] = [frac[k][rem] for k in PHASES] if rem is not None else [float("nan")] * 4
    return res


def write_table(path, rows, template):
    with open(path, "w") as f:
        f.write(f"# pe_study.py: P-E loops of {template}; along the loop direction d: E, P; "
                "Ec coercive field of the descending / ascending branch (none: nan); Pr "
                "remanent P at E = 0; *_0 at the first point (E = 0, before any field); *_max at "
                "the largest field; *_rem at E = 0 on the descending branch; angle of P to d; "
                "rotation = angle_0 - angle_max; "
                "frac_* fraction of cells whose own u is C/T/O/R\n")
        f.write("# units: T K, E kV/cm, P C/m^2, angles degrees\n")
        cols = ["T_K", "direction", "E_max_kV/cm", "Ec_desc_kV/cm", "Ec_asc_kV/cm",
                "Pr_desc_C/m2", "Pr_asc_C/m2", "P_max_C/m2", "angle_0_deg", "angle_max_deg",
                "angle_rem_deg", "rotation_deg"]
        cols += [f"frac_{k}_max" for k in PHASES] + [f"frac_{k}_rem" for k in PHASES]
        f.write("\t".join(cols) + "\n")
        for r in rows:
            v = [f"{r['T']:g}", "[" + " ".join(str(x) for x in r["d"]) + "]"]
            v += [f"{r[k]:.1f}" for k in ("E_max", "Ec_desc", "Ec_asc")]
            v += [f"{r[k]:.4f}" for k in ("Pr_desc", "Pr_asc", "P_max")]
            v += [f"{r['angle_0']:.2f}", f"{r['angle_max']:.2f}", f"{r['angle_rem']:.2f}",
                  f"{r['angle_0'] - r['angle_max']:.2f}"]
            v += [f"{x:.3f}" for x in r["frac_max"] + r["frac_rem"]]
            f.write("\t".join(v) + "\n")


def draw(path, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    dirs = []
    for r in rows:
        if r["d"] not in dirs:
            dirs.append(r["d"])
    fig, axes = plt.subplots(1, len(dirs), figsize=(5.0 * len(dirs), 4.2), squeeze=False)
    for ax, d in zip(axes[0], dirs):
        for k, r in enumerate(x for x in rows if x["d"] == d):
            ax.plot(r["e"], r["p"], "o-", ms=2.5, lw=1, color=f"C{k}",
                    label=f"{r['T']:g} K: Ec {r['Ec_desc']:.0f} / {r['Ec_asc']:.0f} kV/cm, "
                    f"rotation {r['angle_0'] - r['angle_max']:.0f} deg")
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_xlabel(f"E along [{' '.join(str(x) for x in d)}] (kV/cm)")
        ax.set_ylabel(f"P along [{' '.join(str(x) for x in d)}] (C/m$^2$)")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv):
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("template")
    a.add_argument("out")
    a.add_argument("--temperatures", required=True)
    a.add_argument("--directions", default="001,111")
    a.add_argument("--model")
    a.add_argument("--supercell", type=int)
    a.add_argument("--heff", default=os.path.join(ROOT, "build", "heff", "heff"))
    a.add_argument("--threads", type=int, default=0)
    o = a.parse_args(argv)
    temps = numbers(o.temperatures, "temperatures")
    dirs = [direction(x) for x in o.directions.split(",") if x.strip()]
    if not os.access(o.heff, os.X_OK):
        raise SystemExit(f"pe_study.py: {o.heff}: no heff program (build first, or --heff)")
    os.makedirs(o.out, exist_ok=True)
    env = dict(os.environ)
    if o.threads > 0:
        env["OMP_NUM_THREADS"] = str(o.threads)
    rows = []
    for d in dirs:
        for T in temps:
            path, outdir = make(o.template, o.out, T, d, o.model, o.supercell)
            resume = ["--resume"] if os.path.isdir(outdir) else []
            r = subprocess.run([o.heff, *resume, "--quiet", path], env=env,
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"pe_study.py: heff {path} failed:\n{r.stderr.strip()}")
            rows.append(analyse(outdir, d))
            x = rows[-1]
            print(f"T {x['T']:g} K, [{' '.join(str(v) for v in d)}]: Ec {x['Ec_desc']:+.1f} / "
                  f"{x['Ec_asc']:+.1f} kV/cm, Pr {x['Pr_desc']:+.4f} / {x['Pr_asc']:+.4f} C/m^2, "
                  f"angle {x['angle_0']:.1f} -> {x['angle_max']:.1f} deg under "
                  f"{x['E_max']:g} kV/cm, {x['angle_rem']:.1f} back at E = 0, cells C/T/O/R "
                  "there "
                  + "/".join(f"{v:.2f}" for v in x["frac_rem"]), flush=True)
    write_table(os.path.join(o.out, "pe_study.tsv"), rows, o.template)
    draw(os.path.join(o.out, "pe_study.png"), rows)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
