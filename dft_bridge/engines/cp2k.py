"""cp2k.py - CP2K (Quickstep, GPW) as a file engine: writes cp2k.inp, runs
`cp2k -i cp2k.inp -o cp2k.out` as a child (argv, no shell), reads energy,
forces and the analytical stress from cp2k.out.

Settings (JSON; units in the key names where CP2K's differ from eV/Angstrom):
    calculator      "cp2k"
    command         argv prefix, default ["cp2k"] (Debian: cp2k.psmp; under
                    MPI e.g. ["mpirun", "-np", "2", "cp2k"])
    xc              "PBESOL" (default), "PBE" or "LDA"
    basis_set_file  default "BASIS_MOLOPT" (Debian cp2k-data, /usr/share/cp2k)
    potential_file  default "GTH_POTENTIALS"
    basis_set       default "DZVP-MOLOPT-SR-GTH"; a string for every element or
                    {"Ba": "...", ...}
    potential       default "GTH-PBE" (string or per-element dict)
    cutoff_ry       plane-wave cutoff of the density grid, Ry (default 600)
    rel_cutoff_ry   default 60
    kpts            null: Gamma only; [n1, n2, n3]: Monkhorst-Pack
    scf             "diag" (default; needed with k-points) or "ot" (Gamma only)
    eps_scf         default 1e-7 (Hartree, CP2K's SCF criterion)
    max_scf         default 100
    eps_default     default 1e-12
    remove_mean_force  default true: subtract the mean atomic force (CP2K's
                    forces do not sum to zero on a finite grid; dft.md)

Units read: energy Hartree (ENERGY| line), forces Hartree/Bohr, stress GPa
with CP2K's sign (positive = compressed, wants to expand), converted here.
An 'SCF run NOT converged' is reported as not converged."""
import re

import numpy as np
from ase.units import GPa, Bohr, Hartree

from . import EngineError, EngineResult, command, execute, fresh, remove_mean_force

XC = {
    "PBESOL": "&PBE\n        PARAMETRIZATION PBESOL\n      &END PBE",
    "PBE": "&PBE\n      &END PBE",
    "LDA": "&PADE\n      &END PADE",
}


def per_element(value, symbol, key):
    if isinstance(value, dict):
        if symbol not in value:
            raise EngineError(f"settings: key '{key}': no entry for element {symbol}")
        return value[symbol]
    return value


def write_input(path, atoms, s):
    xc = str(s.get("xc", "PBESOL")).upper()
    if xc not in XC:
        raise EngineError(f"settings: key 'xc': expected one of {sorted(XC)}, got {xc!r}")
    scf = s.get("scf", "diag")
    kpts = s.get("kpts")
    if scf not in ("diag", "ot") or (scf == "ot" and kpts):
        raise EngineError("settings: key 'scf': expected \"diag\" or \"ot\" (ot: Gamma only)")
    L = []
    L += ["&GLOBAL", "  PROJECT heff", "  RUN_TYPE ENERGY_FORCE", "  PRINT_LEVEL MEDIUM",
          "&END GLOBAL", "&FORCE_EVAL", "  METHOD QS", "  STRESS_TENSOR ANALYTICAL", "  &DFT"]
    L += [f"    BASIS_SET_FILE_NAME {s.get('basis_set_file', 'BASIS_MOLOPT')}",
          f"    POTENTIAL_FILE_NAME {s.get('potential_file', 'GTH_POTENTIALS')}",
          "    &MGRID", f"      CUTOFF {float(s.get('cutoff_ry', 600))}",
          f"      REL_CUTOFF {float(s.get('rel_cutoff_ry', 60))}", "    &END MGRID",
          "    &QS", f"      EPS_DEFAULT {float(s.get('eps_default', 1e-12))}", "    &END QS"]
    if kpts:
        n = [int(k) for k in kpts]
        L += ["    &KPOINTS", f"      SCHEME MONKHORST-PACK {n[0]} {n[1]} {n[2]}",
              "    &END KPOINTS"]
    L += ["    &SCF", f"      EPS_SCF {float(s.get('eps_scf', 1e-7))}",
          f"      MAX_SCF {int(s.get('max_scf', 100))}", "      SCF_GUESS ATOMIC"]
    if scf == "ot":
        L += ["      &OT", "        MINIMIZER DIIS", "        PRECONDITIONER FULL_SINGLE_INVERSE",
              "      &END OT"]
    else:
        L += ["      ADDED_MOS 10", "      &DIAGONALIZATION", "        ALGORITHM STANDARD",
              "      &END DIAGONALIZATION", "      &MIXING", "        METHOD BROYDEN_MIXING",
              "        ALPHA 0.4", "        NBROYDEN 8", "      &END MIXING"]
    # no wavefunction restart files (30 MB per call for 5 atoms with k-points)
    L += ["      &PRINT", "        &RESTART OFF", "        &END RESTART", "      &END PRINT",
          "    &END SCF", "    &XC", "      &XC_FUNCTIONAL", "      " + XC[xc],
          "      &END XC_FUNCTIONAL", "    &END XC", "  &END DFT", "  &SUBSYS", "    &CELL"]
    for name, v in zip("ABC", atoms.cell):
        L.append(f"      {name} {v[0]!r} {v[1]!r} {v[2]!r}")
    L += ["      PERIODIC XYZ", "    &END CELL", "    &COORD"]
    for sym, p in zip(atoms.get_chemical_symbols(), atoms.positions):
        L.append(f"      {sym} {p[0]!r} {p[1]!r} {p[2]!r}")
    L.append("    &END COORD")
    basis, potential = s.get("basis_set", "DZVP-MOLOPT-SR-GTH"), s.get("potential", "GTH-PBE")
    for sym in sorted(set(atoms.get_chemical_symbols())):
        L += [f"    &KIND {sym}", f"      BASIS_SET {per_element(basis, sym, 'basis_set')}",
              f"      POTENTIAL {per_element(potential, sym, 'potential')}", "    &END KIND"]
    L += ["  &END SUBSYS", "  &PRINT", "    &FORCES ON", "    &END FORCES",
          "    &STRESS_TENSOR ON", "    &END STRESS_TENSOR", "  &END PRINT", "&END FORCE_EVAL"]
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def parse_output(path, natoms):
    """(converged, energy eV, forces eV/A, stress ASE eV/A^3, scf steps) from
    cp2k.out; EngineError if a part is missing (a crash or a truncated file)."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise EngineError(f"{path}: {e}") from e
    text_ok = any("PROGRAM ENDED AT" in ln for ln in lines)
    unconverged = any("SCF run NOT converged" in ln for ln in lines)
    steps = [int(m.group(1)) for ln in lines
             for m in [re.search(r"SCF run converged in\s+(\d+)\s+steps", ln)] if m]
    energy = forces = stress = None
    for i, ln in enumerate(lines):
        if "ENERGY| Total FORCE_EVAL ( QS ) energy" in ln:
            energy = float(ln.split()[-1]) * Hartree
        elif "ATOMIC FORCES in [a.u.]" in ln:
            rows = []
            for row in lines[i + 1:]:
                parts = row.split()
                if len(parts) == 6 and parts[0].isdigit():
                    rows.append([float(x) for x in parts[3:6]])
                elif "SUM OF ATOMIC FORCES" in row or len(rows) == natoms:
                    break
            forces = np.array(rows) * Hartree / Bohr
        elif "STRESS| Analytical stress tensor [GPa]" in ln:
            rows = []
            for row in lines[i + 2:i + 5]:
                parts = row.split()
                rows.append([float(x) for x in parts[2:5]])
            t = -np.array(rows) * GPa  # CP2K: positive = compressed
            stress = np.array([t[0, 0], t[1, 1], t[2, 2], t[1, 2], t[0, 2], t[0, 1]])
    if unconverged:
        return False, None, None, None, steps
    if not text_ok:
        raise EngineError(f"{path}: no 'PROGRAM ENDED' line: CP2K stopped early (truncated output)")
    for name, v in (("energy", energy), ("forces", forces), ("stress", stress)):
        if v is None:
            raise EngineError(f"{path}: no {name} found")
    if forces.shape != (natoms, 3):
        raise EngineError(f"{path}: expected forces on {natoms} atoms, read {len(forces)}")
    return True, energy, forces, stress, steps


def compute(atoms, s):
    fresh("cp2k.out", "engine.json")
    write_input("cp2k.inp", atoms, s)
    argv = command(s, ["cp2k"]) + ["-i", "cp2k.inp", "-o", "cp2k.out"]
    execute(argv, "cp2k.stdout")
    ok, energy, forces, stress, steps = parse_output("cp2k.out", len(atoms))
    info = {"input": "cp2k.inp", "output": "cp2k.out", "scf_steps": steps}
    if not ok:
        return EngineResult(False, info=info)
    if s.get("remove_mean_force", True):
        forces, mean = remove_mean_force(forces)
        info["mean_force_removed_eV_per_A"] = mean.tolist()
        info["mean_force_norm_x_natoms_eV_per_A"] = float(np.linalg.norm(mean) * len(atoms))
    return EngineResult(True, energy, forces, stress, info)
