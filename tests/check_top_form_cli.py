#!/usr/bin/env python3
"""check_top_form_cli.py - heff --soft-modes on a model with terms above fourth order.
ZVR's BaTiO3 (models/BaTiO3_ZVR1995.yaml, on-site to fourth order) plus -|u|^6 and
p |u|^8: its degree-8 form is p sum_i |u_i|^8, which on sum |u_i|^2 = N is lowest at the
uniform |u_i| = 1 for p > 0 (kappa = p) and in one cell for p < 0 (kappa = p N^3: -128 on
2x2x2 for p = -1/4).  heff must report the degree-8 form, its kappa on 2^3, and say
bounded or NEGATIVE accordingly; the quartic form (ZVR's own, positive) is reported as
before.  With --pressure the polar states section (polar_states.h) follows: ZVR at -4.8 GPa
relaxes to R lowest, T and O unstable at Gamma, no instability in R; --epitaxial without
--pressure and a flag without its number are refused.
usage: check_top_form_cli.py HEFF MODELS_DIR
Units: eV, Angstrom."""
import os
import subprocess
import sys
import tempfile

from checklib import check, done

heff, models = sys.argv[1:3]
zvr = open(os.path.join(models, "BaTiO3_ZVR1995.yaml")).read()

with tempfile.TemporaryDirectory() as tmp:
    for p, want, word in ((0.25, 0.25, "positive"), (-0.25, -128.0, "NEGATIVE")):
        path = os.path.join(tmp, f"zvr_u8_{p}.yaml")
        with open(path, "w") as f:
            f.write(zvr)
            f.write('  - name: u6\n    coef: -1\n    expr: "(ux^2+uy^2+uz^2)^3"\n'
                    '    symmetrize: orbit\n')
            f.write(f'  - name: u8\n    coef: {p}\n    expr: "(ux^2+uy^2+uz^2)^4"\n'
                    '    symmetrize: orbit\n')
        out = subprocess.run([heff, "--soft-modes", path, "2"], check=True,
                             capture_output=True, text=True).stdout
        lines = out.splitlines()
        head = [i for i, l in enumerate(lines) if l.startswith("# top part S")]
        kappa = None
        if head:
            row = next((l for l in lines[head[0]:] if l.startswith("2\t")), None)
            kappa = float(row.split("\t")[1]) if row else None
        print(f"p = {p}: top-form kappa on 2^3 {kappa} (exact {want})")
        check(bool(head) and "terms of degree 8" in lines[head[0]],
              f"p = {p}: the degree-8 form reported")
        check(kappa is not None and abs(kappa - want) < 1e-6 * abs(want),
              f"p = {p}: kappa {kappa}, exact {want}")
        check(f"degree-8 form: {word}" in out, f"p = {p}: reported {word}")
        check("quartic form: positive over every configuration found" in out,
              f"p = {p}: ZVR's quartic form positive")

zvr_path = os.path.join(models, "BaTiO3_ZVR1995.yaml")
out = subprocess.run([heff, "--soft-modes", zvr_path, "2", "--pressure", "-4.8"], check=True,
                     capture_output=True, text=True).stdout
states, blocks = {}, out.split("\nstate ")[1:]
for b in blocks:
    name = b[:7]
    states[name] = (float(b.split(" H ")[1].split()[0]), b.count("UNSTABLE"),
                    "UNSTABLE" in b.splitlines()[1])
print("ZVR at -4.8 GPa:", states)
check(sorted(states) == ["O [110]", "R [111]", "T [001]"] and
      min(states, key=lambda k: states[k][0]) == "R [111]",
      "--pressure: three relaxed states, R the lowest")
check(states.get("T [001]", (0, 0, False))[2] and states.get("O [110]", (0, 0, False))[2] and
      states.get("R [111]", (0, 1, True))[1] == 0,
      "--pressure: T and O unstable at Gamma, R stable at every q")
for args, msg in ((["--epitaxial", "0.01"], "--epitaxial needs --pressure"),
                  (["--pressure"], "--pressure expects a number"),
                  (["--pressure", "x"], "--pressure expects a number")):
    r = subprocess.run([heff, "--soft-modes", zvr_path] + args, capture_output=True, text=True)
    check(r.returncode == 2 and msg in r.stderr, f"{' '.join(args)}: refused ({r.stderr.strip()})")
done()
