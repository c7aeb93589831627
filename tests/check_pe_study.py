"""check_pe_study.py - scripts/pe_study.py on ZVR BaTiO3 (6^3, 250 K, -4.8 GPa: the
tetragonal phase, P along a cube axis): the run files it writes differ from the
template only in the temperature, the loop direction, the output and the model;
an [001] loop switches both ways (coercive fields of opposite sign, remanent P of
opposite sign on the two branches); under 600 kV/cm P lies within 15 degrees of the
field along [001] and along [111], which no zero-field state of BaTiO3 does (54.7 and
35.3 degrees from [111] in the tetragonal and orthorhombic states; seeds 7-10 gave
0.6-13.9 degrees in 0.8 ps averages of 216 cells: the direction of P at E = 0 wanders
in so small a cell, so it is not checked); the table carries units and a row per loop,
the picture is written, and a bad direction is refused by name.
usage: check_pe_study.py HEFF SCRIPTS_DIR MODELS_DIR"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

heff, scripts, models = (os.path.abspath(p) for p in sys.argv[1:4])
sys.path.insert(0, scripts)
import pe_study  # noqa: E402
import yaml  # noqa: E402

with tempfile.TemporaryDirectory() as d:
    tpl = os.path.join(d, "loop.yaml")
    with open(tpl, "w") as f:
        f.write(f"model: {models}/BaTiO3_ZVR1995.yaml\nsupercell: [6, 6, 6]\nseed: 7\n"
                "method: md\npressure: -4.8\ntemperatures: [300]\nthermalize: 400\n"
                "average: 400\nmd: {dt: 2.0, thermostat: langevin, friction: 0.01, "
                "barostat: true}\ninitial: {state: uniform, u: [0, 0, 0.1]}\n"
                "field_loop: {direction: [0, 0, 1], max: 600, step: 150, cycles: 1}\n"
                "output: {dir: out, prefix: pe, vtk: false}\n")
    out = os.path.join(d, "study")
    rows = pe_study.main([tpl, out, "--temperatures", "250", "--directions", "001,111",
                          "--heff", heff])
    a = yaml.safe_load(open(tpl))
    b = yaml.safe_load(open(os.path.join(out, "T250_d111.yaml")))
    changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k) and k != "model")
    check(changed == ["field_loop", "output", "temperatures"]
          and b["temperatures"] == [250] and b["field_loop"]["direction"] == [1, 1, 1]
          and {k: v for k, v in b["field_loop"].items() if k != "direction"}
          == {k: v for k, v in a["field_loop"].items() if k != "direction"}
          and os.path.samefile(b["model"], os.path.join(models, "BaTiO3_ZVR1995.yaml")),
          f"run file: changed keys {changed}")
    z, w = rows
    print(f"[001]: Ec {z['Ec_desc']:.1f} / {z['Ec_asc']:.1f} kV/cm, Pr {z['Pr_desc']:.3f} / "
          f"{z['Pr_asc']:.3f} C/m^2, angle at 600 kV/cm {z['angle_max']:.1f} deg")
    print(f"[111]: angle {w['angle_max']:.1f} deg under {w['E_max']:.0f} kV/cm")
    check(z["Ec_desc"] < 0 < z["Ec_asc"] and z["Pr_desc"] > 0 > z["Pr_asc"],
          "the [001] loop switches both ways")
    check(z["angle_max"] < 15 and w["angle_max"] < 15, "P along the field at 600 kV/cm")
    lines = [x for x in open(os.path.join(out, "pe_study.tsv")) if not x.startswith("#")]
    head = open(os.path.join(out, "pe_study.tsv")).read()
    check("# units: T K, E kV/cm, P C/m^2, angles degrees" in head and len(lines) == 3
          and "Ec_desc_kV/cm" in lines[0], "table with units, a row per loop")
    check(os.path.getsize(os.path.join(out, "pe_study.png")) > 5000, "picture written")
    r = subprocess.run([sys.executable, os.path.join(scripts, "pe_study.py"), tpl, out,
                        "--temperatures", "250", "--directions", "1x1", "--heff", heff],
                       capture_output=True, text=True)
    check(r.returncode != 0 and "direction '1x1'" in r.stderr, f"bad direction: {r.stderr[-120:]}")
done()
