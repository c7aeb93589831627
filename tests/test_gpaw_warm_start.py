"""test_gpaw_warm_start.py - ase_runner.py's "warm_start" for GPAW (gpaw_warm_start):
a call that starts its SCF from the density and wavefunctions an earlier call left in
the run directory must give the cold start's result to the SCF tolerance, in fewer
iterations, and a state that does not fit (other atoms) must fall back to a cold start.
Exit 77 (skipped) when GPAW or its PBEsol setups are not installed
(scripts/install-dft.sh).

usage: /usr/bin/python3 test_gpaw_warm_start.py RUNNER

Cubic BaTiO3 (5 atoms), PBEsol, 350 eV, 2x2x2 k: a few seconds per call.  Structure A,
then B (Ti and O moved by a few hundredths of an Angstrom, the cell strained by 1e-3,
as between two calls of a fit) warm, and B cold in a separate run directory:
  - B warm logs that it started from the density and the wavefunctions,
  - energy within 2e-5 eV, forces within 0.01 eV/A, stress within 0.05 GPa of B cold,
  - B warm needs fewer SCF iterations than B cold,
  - with a state of SrTiO3 in the run directory the call starts cold and still
    gives B's energy.
Work directories stay in ./gpaw_warm_start/ for inspection."""
import json
import os
import re
import shutil
import sys

import numpy as np
from ase import Atoms

RUNNER = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(RUNNER))
sys.path.insert(0, os.path.join(os.path.dirname(RUNNER), "studies"))
import ase_runner  # noqa: E402  (sets GPAW_SETUP_PATH as the runner does)
from engine_check import run_runner  # noqa: E402

try:
    from gpaw.setup_data import search_for_file

    search_for_file("Ba.PBEsol")
except Exception as e:  # not installed: skipped
    print(f"skipped: GPAW or its PBEsol setups are missing ({e!r})")
    sys.exit(77)

SETTINGS = {"calculator": "gpaw", "ecut": 350, "kpts": [2, 2, 2], "xc": "PBEsol",
            "convergence": {"energy": 1e-6, "density": 1e-5},
            "mixer": {"beta": 0.1, "history": 5, "weight": 50}, "gga_gradient": "axial",
            "warm_start": True}
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok


def perovskite(species, d, e):
    a = 3.99
    at = Atoms(species, scaled_positions=[(0, 0, 0), (.5, .5, .5), (.5, .5, 0), (.5, 0, .5),
                                          (0, .5, .5)], cell=[a, a, a], pbc=True)
    at.set_cell(np.diag([a * (1 + e), a * (1 + e), a * (1 - e)]), scale_atoms=True)
    p = at.get_positions()
    p[1, 2] += d
    p[2, 2] -= 0.8 * d
    p[0, 0] += 0.3 * d
    at.set_positions(p)
    return at


def call(run, name, atoms):
    d = os.path.join(run, name)
    if run_runner(SETTINGS_PATH, d, atoms, nice=False).returncode:
        raise SystemExit(f"{name}: the runner failed: see {d}/stderr.log")
    r = ase_runner.read_result(os.path.join(d, "result.txt"))
    log = open(os.path.join(d, "stdout.log")).read()
    iters = len(re.findall(r"^iter:", open(os.path.join(d, "gpaw.txt")).read(), re.M))
    return r, log, iters


work = os.path.abspath("gpaw_warm_start")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
SETTINGS_PATH = os.path.join(work, "settings.json")
with open(SETTINGS_PATH, "w") as f:
    json.dump(SETTINGS, f)
a, b = perovskite("BaTiO3", 0.02, 0.0), perovskite("BaTiO3", 0.04, 0.001)
warm, cold, other = (os.path.join(work, n) for n in ("warm", "cold", "other"))
call(warm, "A", a)
rw, logw, nw = call(warm, "B", b)
rc, logc, nc = call(cold, "B", b)
print(f"B: warm {nw} SCF iterations, cold {nc}; energies {rw['energy']:.8f} {rc['energy']:.8f} eV")
check("started from the density" in logw and "wavefunctions" in logw,
      "the warm call started from the saved density and wavefunctions")
check("SCF started" not in logc, "a call with no saved state in its run directory starts cold")
dE = abs(rw["energy"] - rc["energy"])
dF = np.abs(np.array(rw["forces"]) - np.array(rc["forces"])).max()
dS = np.abs(np.array(rw["stress"]) - np.array(rc["stress"])).max() * 160.21766
check(dE < 2e-5, f"energy warm vs cold {dE:.2e} eV")
check(dF < 0.01, f"forces warm vs cold {dF:.2e} eV/A")
check(dS < 0.05, f"stress warm vs cold {dS:.2e} GPa")
check(nw < nc, f"warm start: {nw} SCF iterations against {nc} cold")
# a state of other atoms: a cold start, the same result
call(other, "S", perovskite("SrTiO3", 0.02, 0.0))
ro, logo, _ = call(other, "B", b)
check("cold start" in logo, "a state of other atoms is not used")
check(abs(ro["energy"] - rc["energy"]) < 2e-5,
      f"after refusing it: energy {ro['energy']:.8f} eV (cold {rc['energy']:.8f})")
sys.exit(1 if failures else 0)
