"""basis_excess.py SETTINGS.json RUN_DIR: bring a GPAW fit run made before the
plane-wave count correction (docs/dft-bridge.md, "Plane-wave count") up to date.

usage: /usr/bin/python3 dft_bridge/basis_excess.py SETTINGS.json RUN_DIR [--dry-run]

- RUN_DIR/calls/*/result.txt (the reference's included) without a basis_excess
  line get one: sum_k w_k N_k / Nbar - 1 for the cell of the call's structure.xyz,
  the cutoff and k mesh of SETTINGS (what ase_runner.py now writes itself);
- RUN_DIR/train.xyz and heldout.xyz: each frame's energy (E - E_ref of the
  supercell, eV) gets V_ref p_ref (x - x_ref), the correction the child engine
  now applies with pulay_correction: true (x from the frame's cell; V_ref,
  p_ref and x_ref from RUN_DIR/calls/reference).  The files before the change
  are kept as *.before-basis-excess; a second run changes nothing.

The count is done here with numpy over the full Monkhorst-Pack mesh (GPAW's
irreducible k-points carry the same counts, symmetry keeps |k + G|) and checked
against GPAW's own basis (GPAW.initialize, no SCF) for the reference cell.
Units: eV, Angstrom."""
import glob
import json
import os
import re
import shutil
import sys

import numpy as np
from ase.io import read
from ase.units import Bohr, Ha

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ase_runner import basis_excess, make_calculator, read_result  # noqa: E402

MARK = ".before-basis-excess"


def kpoints(kpts):
    """Scaled k-points of GPAW's mesh: [n1, n2, n3] (Monkhorst-Pack) or
    {"size": [...], "gamma": true}."""
    size, gamma = (kpts["size"], kpts.get("gamma", False)) if isinstance(kpts, dict) else (kpts,
                                                                                         False)
    axes = []
    for n in size:
        k = (2 * np.arange(n) - n + 1) / (2 * n)
        if gamma and n % 2 == 0:
            k = k + 1 / (2 * n)
        axes.append(k)
    return np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)


def excess(cell, settings):
    """sum_k N_k / Nbar - 1 over the mesh (equal weights) for a cell (Angstrom)."""
    ecut = float(settings.get("ecut", 600)) / Ha
    b = 2 * np.pi * np.linalg.inv(np.asarray(cell) / Bohr).T  # rows: reciprocal vectors
    gmax = np.sqrt(2 * ecut)
    nmax = [int(np.ceil(gmax * np.linalg.norm(cell[i]) / Bohr / (2 * np.pi))) + 2 for i in range(3)]
    r = [np.arange(-m, m + 1) for m in nmax]
    g = np.stack(np.meshgrid(*r, indexing="ij"), -1).reshape(-1, 3).astype(float)
    counts = [int(((((g + k) @ b) ** 2).sum(1) <= 2 * ecut).sum())
              for k in kpoints(settings.get("kpts", (1, 1, 1)))]
    volume = abs(np.linalg.det(np.asarray(cell) / Bohr))
    return np.mean(counts) / (volume * (2 * ecut) ** 1.5 / (6 * np.pi ** 2)) - 1


def add_to_result(path, x):
    """Insert 'basis_excess x' before the natoms line of a result.txt."""
    lines = open(path).read().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("natoms "))
    lines.insert(at, f"basis_excess {x!r}\n")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(lines)
    os.replace(tmp, path)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    settings = json.load(open(sys.argv[1]))
    run, dry = sys.argv[2], "--dry-run" in sys.argv[3:]
    if settings.get("calculator") != "gpaw":
        raise SystemExit(f"{sys.argv[1]}: calculator {settings.get('calculator')!r}: only gpaw")
    ref_dir = os.path.join(run, "calls", "reference")
    ref_atoms = read(os.path.join(ref_dir, "structure.xyz"))
    ref = read_result(os.path.join(ref_dir, "result.txt"))
    x_ref = excess(ref_atoms.cell.array, settings)
    # the count against GPAW's own basis for the reference cell
    calc = make_calculator(settings)
    calc.set(txt=None)
    calc.initialize(ref_atoms)
    x_gpaw = basis_excess(calc)
    print(f"reference: x = {x_ref:.12e} (GPAW's basis: {x_gpaw:.12e})")
    if abs(x_ref - x_gpaw) > 1e-12:
        raise SystemExit("basis_excess: the count here disagrees with GPAW's; nothing changed")
    vp = ref_atoms.get_volume() * np.mean(ref["stress"][:3])
    print(f"V_ref p_ref = {vp:.6f} eV (energy per unit relative excess)")
    for path in sorted(glob.glob(os.path.join(run, "calls", "*", "result.txt"))):
        r = read_result(path)
        if not r["converged"] or r["basis_excess"] is not None:
            continue
        x = excess(read(os.path.join(os.path.dirname(path), "structure.xyz")).cell.array, settings)
        print(f"{path}: basis_excess {x:.6e}")
        if not dry:
            add_to_result(path, x)
    for name in ("train.xyz", "heldout.xyz"):
        path = os.path.join(run, name)
        if not os.path.exists(path) or os.path.exists(path + MARK):
            continue
        text = open(path).read().splitlines(keepends=True)
        out, k, i = [], 0, 0
        while i < len(text):  # edit the comment lines only: all else stays byte for byte
            n, head = int(text[i]), text[i + 1]
            cell = np.array(re.search(r'Lattice="([^"]*)"', head).group(1).split(), float)
            energy = re.search(r"(?<![A-Za-z_])energy=(\S+)", head)
            e_old = float(energy.group(1))
            shift = vp * (excess(cell.reshape(3, 3), settings) - x_ref)
            head = head[:energy.start(1)] + repr(e_old + shift) + head[energy.end(1):]
            print(f"{name} frame {k}: energy {e_old:+.6f} -> {e_old + shift:+.6f} eV "
                  f"({1000 * shift:+.2f} meV)")
            out += [text[i], head] + text[i + 2:i + 2 + n]
            i, k = i + 2 + n, k + 1
        if not dry:
            shutil.copy2(path, path + MARK)
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.writelines(out)
            os.replace(tmp, path)


if __name__ == "__main__":
    main()
