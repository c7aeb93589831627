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
    gives B's energy;
  - under domain decomposition (mpirun -np 2, GPAW parallel domain 2): a state saved on
    2 ranks has the serial file's arrays and shapes, and B starts warm from it on 2 ranks
    and on 1, and on 2 ranks from a serial state, each with B cold's result;
  - the same under k-point parallelisation (GPAW parallel kpt 2: the 4 irreducible
    k-points of A and B split over the ranks).
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


def call(run, name, atoms, ranks=1, settings=None):
    d = os.path.join(run, name)
    settings = settings or (SETTINGS_PATH if ranks == 1 else SETTINGS_DD_PATH)
    if run_runner(settings, d, atoms, nice=False, ranks=ranks).returncode:
        raise SystemExit(f"{name}: the runner failed: see {d}/stderr.log")
    r = ase_runner.read_result(os.path.join(d, "result.txt"))
    log = open(os.path.join(d, "stdout.log")).read()
    iters = len(re.findall(r"^iter:", open(os.path.join(d, "gpaw.txt")).read(), re.M))
    return r, log, iters


work = os.path.abspath("gpaw_warm_start")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
SETTINGS_PATH = os.path.join(work, "settings.json")
SETTINGS_DD_PATH = os.path.join(work, "settings_domains.json")
SETTINGS_KP_PATH = os.path.join(work, "settings_kpoints.json")
with open(SETTINGS_PATH, "w") as f:
    json.dump(SETTINGS, f)
with open(SETTINGS_DD_PATH, "w") as f:
    json.dump(dict(SETTINGS, parallel={"domain": 2}), f)
with open(SETTINGS_KP_PATH, "w") as f:
    json.dump(dict(SETTINGS, parallel={"kpt": 2}), f)
a, b = perovskite("BaTiO3", 0.02, 0.0), perovskite("BaTiO3", 0.04, 0.001)
warm, cold, other = (os.path.join(work, n) for n in ("warm", "cold", "other"))
serial_state = os.path.join(work, "A_serial_state")
call(warm, "A", a)
os.makedirs(serial_state)
shutil.copy(os.path.join(warm, "warm_start.npz"), serial_state)  # A's state, one rank
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
def parallel_case(kind, settings):
    """A on 2 ranks of GPAW parallelisation `kind`, then B on 2 ranks, on 1 rank and on 2
    ranks from the serial state, each warm with B cold's result."""
    dd, dd_serial, serial_dd = (os.path.join(work, kind + n) for n in ("", "_serial", "_from1"))
    os.makedirs(serial_dd)
    shutil.copy(os.path.join(serial_state, "warm_start.npz"), serial_dd)  # A's state, one rank
    call(dd, "A", a, ranks=2, settings=settings)
    layout = {"domains": "Domain decomposition: 2 x", "kpoints": "Parallelization over k-points: 2"}
    check(layout[kind] in open(os.path.join(dd, "A", "gpaw.txt")).read(),
          f"{kind}: GPAW's log says \"{layout[kind]}\"")
    with np.load(os.path.join(dd, "warm_start.npz")) as s2, \
            np.load(os.path.join(serial_dd, "warm_start.npz")) as s1:
        same = sorted(s2.files) == sorted(s1.files) and all(s2[k].shape == s1[k].shape
                                                            for k in s1.files)
        dn = np.abs(s2["nt"] - s1["nt"]).max() / np.abs(s1["nt"]).max()

        def cosines(k):  # the 20 occupied bands span the same space: cosines of 1
            q1, q2 = (np.linalg.qr(s[k][:20].T)[0] for s in (s1, s2))
            return np.linalg.svd(q1.conj().T @ q2, compute_uv=False)

        du = max(np.abs(cosines(k) - 1).max() for k in s1.files if k.startswith("psit")) \
            if same else 1.0
        nk = sum(k.startswith("psit") for k in s1.files)
    check(same, f"{kind}: the state saved on 2 ranks has the serial file's arrays and shapes "
          f"({nk} k-points)")
    check(dn < 1e-3, f"{kind}: saved density, 2 ranks against 1: {dn:.1e} of its largest value")
    check(du < 1e-6, f"{kind}: saved occupied bands, 2 ranks against 1: principal angles' "
          f"cosines within {du:.1e} of 1")
    os.makedirs(dd_serial)
    shutil.copy(os.path.join(dd, "warm_start.npz"), dd_serial)
    for run, ranks, what in ((dd, 2, "2 ranks from a 2-rank state"),
                             (dd_serial, 1, "1 rank from a 2-rank state"),
                             (serial_dd, 2, "2 ranks from a 1-rank state")):
        r, log, n = call(run, "B", b, ranks=ranks, settings=settings if ranks == 2 else None)
        dE = abs(r["energy"] - rc["energy"])
        dF = np.abs(np.array(r["forces"]) - np.array(rc["forces"])).max()
        dS = np.abs(np.array(r["stress"]) - np.array(rc["stress"])).max() * 160.21766
        check("wavefunctions" in log and n < nc and dE < 2e-5 and dF < 0.01 and dS < 0.05,
              f"{kind}: B warm on {what}: {n} SCF iterations (cold {nc}), energy {dE:.1e} eV, "
              f"forces {dF:.1e} eV/A, stress {dS:.1e} GPa from B cold")


parallel_case("domains", SETTINGS_DD_PATH)
parallel_case("kpoints", SETTINGS_KP_PATH)
sys.exit(1 if failures else 0)
