"""engine_check.py - checks a file engine (dft_bridge/engines/) on a 5-atom
ABO3 cell through ase_runner.py, the path fit uses.

usage: /usr/bin/python3 engine_check.py SETTINGS.json OUTDIR [A B] [A0]
  default species Ba Ti, a0 3.99 Angstrom (dft.md's soft-mode reference).
Runs, one at a time under nice, in OUTDIR/NAME/: cubic at a0 - 0.01, a0,
a0 + 0.01; the polar structure of docs/dft-bridge.md (Ti +0.05 Angstrom
along z with dft.md's soft-mode pattern) and that structure with Ti moved
+-0.01 Angstrom along z.  Prints dE(polar - cubic) per formula unit, the z
forces on Ti and apical O, the pressure against -dE/dV by central
differences, and F_Ti against -dE/dz by central differences.  A finished
call (result.txt there) is not run again."""
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
from ase import Atoms
from ase.io import write
from ase.units import GPa

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ase_runner.py")
sys.path.insert(0, os.path.dirname(RUNNER))
import ase_runner  # noqa: E402  (read_result: the child's result file)
XI = np.array([0.006, 1.0, -1.556, -0.804, -0.804])  # Ba Ti O_ap O_perp O_perp (dft.md)


def cell(species, a, disp=None):
    """A at 0, B at the centre, O_x O_y O_z at B - a/2 e (docs/dft-bridge.md order)."""
    pos = np.array([[0, 0, 0], [.5, .5, .5], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]]) * a
    return Atoms(species[0] + species[1] + "O3", positions=pos + (0 if disp is None else disp),
                 cell=[a, a, a], pbc=True)


def polar(species, a, amp=0.05, dti=0.0):
    d = np.zeros((5, 3))
    d[:, 2] = amp * XI[[0, 1, 3, 3, 2]] / XI[1]
    d[1, 2] += dti
    return cell(species, a, d)


def run_runner(settings, d, atoms, nice=True, ranks=1):
    """ase_runner.py on atoms in directory d (made; structure.xyz written), under
    mpirun when ranks > 1; returns the CompletedProcess (stderr.log and stdout.log
    are in d)."""
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, "structure.xyz"), atoms, format="extxyz")
    with open(os.path.join(d, "stdout.log"), "w") as o, \
            open(os.path.join(d, "stderr.log"), "w") as e:
        argv = ["/usr/bin/python3", RUNNER, "--settings", os.path.abspath(settings),
                "structure.xyz", "result.txt"]
        if ranks > 1:
            argv = ["mpirun", "--oversubscribe", "-np", str(ranks)] + argv
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        return subprocess.run((["nice"] if nice else []) + argv, cwd=d, stdout=o, stderr=e,
                              env=env)


def read_result(d, natoms):
    """(energy eV, forces eV/A, stress eV/A^3 ASE Voigt, engine.json) from d,
    or None when the child reported an unconverged SCF."""
    r = ase_runner.read_result(os.path.join(d, "result.txt"))
    if not r["converged"]:
        return None
    f = np.array(r["forces"][:natoms], float)
    return r["energy"], f, np.array(r["stress"]), json.load(open(os.path.join(d, "engine.json")))


def result(settings, outdir, name, atoms):
    d = os.path.join(outdir, name)
    if not os.path.exists(os.path.join(d, "result.txt")):
        t, cpu = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        if run_runner(settings, d, atoms).returncode:
            raise SystemExit(f"{name}: the runner failed: see {d}/stderr.log")
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"{name}: {time.time() - t:.1f} s wall, "
              f"{ru.ru_utime + ru.ru_stime - cpu.ru_utime - cpu.ru_stime:.1f} s CPU", flush=True)
    r = read_result(d, len(atoms))
    if r is None:
        raise SystemExit(f"{name}: not converged")
    return r


def main():
    settings, outdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    sp = sys.argv[3:5] if len(sys.argv) >= 5 else ["Ba", "Ti"]
    a0 = float(sys.argv[5]) if len(sys.argv) >= 6 else 3.99
    h, dz = 0.01, 0.01
    ec, fc, sc, _ = result(settings, outdir, "cubic", cell(sp, a0))
    em, _, _, _ = result(settings, outdir, "cubic_minus", cell(sp, a0 - h))
    ep, _, _, _ = result(settings, outdir, "cubic_plus", cell(sp, a0 + h))
    epo, fpo, spo, info = result(settings, outdir, "polar", polar(sp, a0))
    e1, _, _, _ = result(settings, outdir, "polar_ti_minus", polar(sp, a0, dti=-dz))
    e2, _, _, _ = result(settings, outdir, "polar_ti_plus", polar(sp, a0, dti=+dz))
    dEdV = (ep - em) / ((a0 + h) ** 3 - (a0 - h) ** 3)
    print(f"a0 {a0} {sp}: E_cubic {ec:.6f} eV")
    print(f"pressure from stress  {-np.mean(sc[:3]) / GPa:.4f} GPa,  -dE/dV {-dEdV / GPa:.4f} GPa")
    print(f"dE polar-cubic {1000 * (epo - ec):.3f} meV/f.u.")
    print(f"F_z Ti {fpo[1, 2]:.5f}  O_apical {fpo[4, 2]:.5f} eV/A;  "
          f"-dE/dz(Ti) {-(e2 - e1) / (2 * dz):.5f}")
    print(f"sigma_zz polar - cubic {(spo[2] - sc[2]) / GPa:.4f} GPa")
    if "mean_force_removed_eV_per_A" in info:
        print(f"polar: mean force removed {info['mean_force_removed_eV_per_A']} eV/A")


if __name__ == "__main__":
    main()
