"""test_vasp_engine.py - the VASP file engine (dft_bridge/engines/vasp.py)
through ase_runner.py, with tests/data/vasp/fake_vasp.py in place of VASP
copying shipped sample outputs (tests/data/vasp/README.md: their numbers).

usage: /usr/bin/python3 test_vasp_engine.py RUNNER DATA_DIR
Needs python3-ase only.  Checks: the inputs VASP reads (static INCAR, mesh,
POSCAR grouped by species, POTCAR in POSCAR order); energy (free energy
TOTEN), forces back in input order and stress (kBar with VASP's sign ->
eV/A^3 with ASE's) from vasprun.xml and from OUTCAR; NELM reached ->
'converged false'; truncated and missing outputs, a stale output and bad
settings -> exit 1 with a message naming the problem."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
from ase import Atoms
from ase.io import write

RUNNER, DATA = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.dirname(RUNNER))
import ase_runner  # noqa: E402  (read_result: the child's result file)
WORK = os.path.abspath("vasp_engine_test")  # one directory per case, kept for inspection
failures = []

# the sample outputs' numbers (tests/data/vasp/README.md), VASP order Ba Ba Ti Ti O x 6
E_FREE = -81.23456789  # e_fr_energy / TOTEN; e_0_energy is -81.23453395
F_VASP = np.array([[0.0101, -0.0202, 0.0303], [-0.0101, 0.0202, -0.0153], [0, 0, -0.4321],
                   [0, 0, -0.2100], [0.0123, 0, 0.1111], [0, -0.0123, 0.1111], [0, 0, 0.2345],
                   [-0.0123, 0, 0.0500], [0, 0.0123, 0.0500], [0, 0, 0.0704]])
KBAR = {"xx": 12.5, "yy": -3.0, "zz": 7.25, "xy": 1.5, "yz": -0.75, "zx": 2.25}
EV_PER_A3_PER_GPA = 1 / 160.21766208  # 1 GPa = 1e9 J/m^3; e = 1.602176634e-19 J
# ASE Voigt xx yy zz yz xz xy, sign flipped (VASP: positive = compressed), 1 kB = 0.1 GPa
S_ASE = -0.1 * EV_PER_A3_PER_GPA * np.array([KBAR[k] for k in ("xx", "yy", "zz", "yz", "zx", "xy")])
# heff order (A B X_x X_y X_z per cell) -> VASP order: input atom perm[k] is VASP atom k
PERM = [0, 5, 1, 6, 2, 3, 4, 7, 8, 9]


def structure(shift=0.0):
    """The 2x1x1 BaTiO3 cell of the samples, in heff's atom order."""
    a = 4.0
    pos = []
    for c, (dti, doz) in enumerate(((0.05, -0.08), (0.03, 0.0))):
        x = a * c
        pos += [[x, 0, 0], [x + 2, 2, 2 + dti], [x, 2, 2], [x + 2, 0, 2], [x + 2, 2, doz]]
    pos[0][0] += shift
    return Atoms("BaTiO3BaTiO3", positions=pos, cell=[2 * a, a, a], pbc=True)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(name, settings, atoms=None, sample="converged", files=()):
    d = os.path.join(WORK, name)
    os.makedirs(d)
    s = {"calculator": "vasp", "kpts": [1, 2, 2], "incar": {"ENCUT": 600, "LASPH": True},
         "potcar_dir": os.path.join(DATA, "potcars"), "potcars": {"Ba": "Ba_sv", "Ti": "Ti_sv"},
         "command": ["/usr/bin/python3", os.path.join(DATA, "fake_vasp.py"),
                     os.path.join(DATA, sample)] + list(files)}
    s.update(settings)
    with open(os.path.join(d, "settings.json"), "w") as f:
        json.dump(s, f)
    write(os.path.join(d, "structure.xyz"), atoms or structure(), format="extxyz")
    p = subprocess.run([sys.executable, RUNNER, "--settings", "settings.json", "structure.xyz",
                        "result.txt"], cwd=d, capture_output=True, text=True)
    return d, p


def result(d):
    r = ase_runner.read_result(os.path.join(d, "result.txt"))
    if not r["converged"]:
        return None
    return r["energy"], np.array(r["forces"], float), np.array(r["stress"], float)


def check_numbers(name, d):
    e, f, s = result(d)
    check(abs(e - E_FREE) < 1e-9, f"{name}: energy {e} = free energy TOTEN {E_FREE}")
    want = np.empty_like(F_VASP)
    want[PERM] = F_VASP
    check(np.abs(f - want).max() < 1e-9, f"{name}: forces in input order (max err "
                                         f"{np.abs(f - want).max():.1e})")
    check(np.abs(s - S_ASE).max() < 1e-12, f"{name}: stress kB -> eV/A^3, sign and Voigt order "
                                            f"(max err {np.abs(s - S_ASE).max():.1e})")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    d, p = run("vasprun", {})
    check(p.returncode == 0, f"vasprun.xml run exits 0 ({p.stderr.strip()[-200:]})")
    incar = open(os.path.join(d, "INCAR")).read()
    check("IBRION = -1\n" in incar and "NSW = 0\n" in incar and "ENCUT = 600\n" in incar
          and "LASPH = .TRUE.\n" in incar and "GGA = PS\n" in incar,
          "INCAR: static step, user tags over defaults, booleans")
    check(open(os.path.join(d, "KPOINTS")).read() == "heff k-points\n0\nGamma\n1 2 2\n0 0 0\n",
          "KPOINTS: Gamma-centred 1x2x2")
    poscar = open(os.path.join(d, "POSCAR")).read().splitlines()
    check(poscar[5].split() == ["Ba", "Ti", "O"] and poscar[6].split() == ["2", "2", "6"],
          "POSCAR: species grouped in order of first appearance")
    titel = [ln for ln in open(os.path.join(d, "POTCAR")) if "TITEL" in ln]
    check(len(titel) == 3 and "Ba_sv" in titel[0] and "Ti_sv" in titel[1] and " O " in titel[2],
          "POTCAR: the user's files concatenated in POSCAR order")
    info = json.load(open(os.path.join(d, "engine.json")))
    check(info["output"] == "vasprun.xml" and info["scf_steps"] == 14 and info["NELM"] == 100,
          "engine.json: vasprun.xml read, 14 SCF steps of NELM 100")
    check_numbers("vasprun.xml", d)
    xyz = open(os.path.join(d, "result.xyz")).read()
    check("energy=-81.23456789" in xyz, "result.xyz written with the energy")

    d, p = run("outcar", {}, files=["OUTCAR"])
    check(p.returncode == 0, "OUTCAR-only run exits 0")
    info = json.load(open(os.path.join(d, "engine.json")))
    check(info["output"] == "OUTCAR", "auto reads OUTCAR")
    check_numbers("OUTCAR", d)
    d, p = run("outcar_forced", {"read": "outcar"})
    check_numbers("read: outcar", d)

    for f in ("vasprun.xml", "OUTCAR"):
        d, p = run("nelm_" + f, {}, sample="unconverged", files=[f])
        check(p.returncode == 0 and result(d) is None and "not converged" in p.stderr,
              f"{f}: NELM reached -> converged false")
        d, p = run("trunc_" + f, {}, sample="truncated", files=[f])
        check(p.returncode == 1 and "truncated" in p.stderr and not os.path.exists(
            os.path.join(d, "result.txt")), f"{f}: truncated -> exit 1 ({p.stderr.strip()[-90:]})")
    d, p = run("missing", {}, files=["none"])
    check(p.returncode == 1 and "VASP wrote no output" in p.stderr, "no output -> exit 1")
    d, p = run("missing_vasprun", {"read": "vasprun"}, files=["OUTCAR"])
    check(p.returncode == 1 and "vasprun.xml: VASP wrote no output" in p.stderr,
          "read: vasprun without vasprun.xml -> exit 1")
    d, p = run("stale", {}, atoms=structure(shift=0.1))
    check(p.returncode == 1 and "positions differ" in p.stderr,
          "output of another structure -> exit 1")
    d, p = run("nsw", {"incar": {"NSW": 5}})
    check(p.returncode == 1 and "settings.json: settings: incar: NSW = 5" in p.stderr,
          f"INCAR NSW 5 -> error naming the file and tag ({p.stderr.strip()[-80:]})")
    d, p = run("shell", {"command": "vasp_std > out"})
    check(p.returncode == 1 and "key 'command'" in p.stderr, "a shell string as command -> error")
    d, p = run("crash", {"command": ["/bin/false"]})
    check(p.returncode == 1 and "/bin/false failed (exit code 1)" in p.stderr,
          "VASP crash -> exit 1")
    d, p = run("badpotcar", {"potcars": {"Ba": "Ba_nope"}})
    check(p.returncode == 1 and "POTCAR of Ba" in p.stderr, "missing POTCAR -> error naming it")

    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
