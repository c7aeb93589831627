"""vasp.py - VASP as a file engine: writes POSCAR, INCAR, KPOINTS (and POTCAR
from the user's POTCAR files) into the call directory, runs the configured
command (argv, no shell), reads vasprun.xml (preferred) or OUTCAR.

Settings (JSON):
    calculator   "vasp"
    command      required: argv, e.g. ["mpirun", "-np", "4", "vasp_std"]
    incar        INCAR tags (VASP names and units: ENCUT eV, EDIFF eV, SIGMA eV),
                 over the defaults below; IBRION = -1 and NSW = 0 (one static
                 step) are forced, ISIF must be >= 1 (stress)
    kpts         [n1, n2, n3] (default [1, 1, 1])
    gamma        true (default): Gamma-centred mesh; false: Monkhorst-Pack
    potcar_dir   directory of POTCAR files: POTCAR = the concatenation of
                 potcar_dir/NAME/POTCAR per species in POSCAR order (the
                 layout of VASP's potpaw_* distributions); absent: no POTCAR
                 is written (the command must provide one)
    potcars      {"Ba": "Ba_sv", ...}: NAME per element (default: the symbol)
    read         "auto" (default: vasprun.xml if VASP wrote one, else
                 OUTCAR), "vasprun" or "outcar"

Atoms are grouped by species for VASP (POSCAR order: species in order of
first appearance, stable within a species); forces come back in the input
order.  Energy: the free energy TOTEN (e_fr_energy), the quantity whose
derivatives VASP's forces and stress are (equal to the energy for an
insulator with ISMEAR = 0 and small SIGMA).  Stress: VASP prints kBar with
the opposite sign (positive = compressed); converted to ASE's eV/A^3 by
ASE's readers (-0.1 GPa per kB, Voigt xx yy zz yz xz xy).  Electronic
convergence: the SCF reached NELM steps (vasprun.xml: NELM scsteps; OUTCAR:
no 'aborting loop because EDIFF is reached') = not converged."""
import os
import xml.etree.ElementTree as ET

import numpy as np
from ase.io import read, write

from . import EngineError, EngineResult, command, execute, fresh, need

INCAR_DEFAULTS = {"PREC": "Accurate", "ENCUT": 550, "EDIFF": 1e-6, "ISMEAR": 0, "SIGMA": 0.05,
                  "GGA": "PS", "LREAL": False, "NELM": 100, "LWAVE": False, "LCHARG": False,
                  "ISIF": 2}


def incar_value(v):
    if isinstance(v, bool):
        return ".TRUE." if v else ".FALSE."
    if isinstance(v, (list, tuple)):
        return " ".join(incar_value(x) for x in v)
    return str(v)


def write_incar(path, s):
    tags = dict(INCAR_DEFAULTS)
    user = s.get("incar", {})
    if not isinstance(user, dict):
        raise EngineError("settings: key 'incar': expected a mapping of INCAR tags")
    tags.update({k.upper(): v for k, v in user.items()})
    for k, want in (("IBRION", -1), ("NSW", 0)):
        if k in tags and tags[k] != want:
            raise EngineError(f"settings: incar: {k} = {tags[k]}: one static step needs {want}")
        tags[k] = want
    if int(tags["ISIF"]) < 1:
        raise EngineError("settings: incar: ISIF must be >= 1 (the stress is needed)")
    with open(path, "w") as f:
        f.write("".join(f"{k} = {incar_value(v)}\n" for k, v in tags.items()))
    return tags


def write_kpoints(path, s):
    n = [int(k) for k in s.get("kpts", [1, 1, 1])]
    if len(n) != 3 or min(n) < 1:
        raise EngineError("settings: key 'kpts': expected three integers >= 1")
    style = "Gamma" if s.get("gamma", True) else "Monkhorst-Pack"
    with open(path, "w") as f:
        f.write(f"heff k-points\n0\n{style}\n{n[0]} {n[1]} {n[2]}\n0 0 0\n")


def write_potcar(path, species, s):
    if "potcar_dir" not in s:
        return
    names = s.get("potcars", {})
    with open(path, "w") as out:
        for sym in species:
            src = os.path.join(s["potcar_dir"], names.get(sym, sym), "POTCAR")
            try:
                with open(src) as f:
                    out.write(f.read())
            except OSError as e:
                raise EngineError(f"settings: potcar_dir: POTCAR of {sym}: {e}") from e


def vasprun_scf(path):
    """(SCF steps of the last ionic step, NELM); EngineError if vasprun.xml
    is incomplete (VASP died or was killed while writing it)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise EngineError(f"{path}: truncated or not XML ({e})") from e
    calcs = root.findall("calculation")
    if not calcs or calcs[-1].find("energy") is None or \
            calcs[-1].find("varray[@name='forces']") is None:
        raise EngineError(f"{path}: no finished <calculation> with energy and forces")
    nelm = root.find(".//parameters//i[@name='NELM']")
    if nelm is None:
        raise EngineError(f"{path}: no NELM in <parameters>")
    return len(calcs[-1].findall("scstep")), int(nelm.text)


def outcar_scf(path):
    """(converged, SCF steps of the last ionic step, NELM) from OUTCAR."""
    with open(path) as f:
        text = f.read()
    if "General timing and accounting" not in text:
        raise EngineError(f"{path}: truncated (no 'General timing and accounting' at the end)")
    steps_text = text.split("FREE ENERGIE OF THE ION-ELECTRON SYSTEM")
    if len(steps_text) < 2:
        raise EngineError(f"{path}: no final energy ('FREE ENERGIE OF THE ION-ELECTRON SYSTEM')")
    last = steps_text[-2]  # from the previous ionic step's energy to the last one
    steps = sum(1 for ln in last.splitlines() if "Iteration" in ln and "----" in ln)
    nelm = [ln.split("=")[1].split(";")[0] for ln in text.splitlines()
            if ln.strip().startswith("NELM")]
    if not nelm:
        raise EngineError(f"{path}: no NELM line")
    return "aborting loop because EDIFF is reached" in last, steps, int(nelm[0])


def compute(atoms, s):
    need(s, "command", 'the VASP argv, e.g. ["mpirun", "-np", "4", "vasp_std"]')
    argv = command(s, None)
    fresh("vasprun.xml", "OUTCAR", "engine.json")
    symbols = atoms.get_chemical_symbols()
    species = list(dict.fromkeys(symbols))  # order of first appearance
    perm = sorted(range(len(atoms)), key=lambda i: species.index(symbols[i]))  # stable
    sorted_atoms = atoms[perm]
    write("POSCAR", sorted_atoms, format="vasp", direct=True, vasp5=True, sort=False)
    tags = write_incar("INCAR", s)
    write_kpoints("KPOINTS", s)
    write_potcar("POTCAR", species, s)
    execute(argv, "vasp.stdout")

    how = s.get("read", "auto")
    if how not in ("auto", "vasprun", "outcar"):
        raise EngineError("settings: key 'read': expected \"auto\", \"vasprun\" or \"outcar\"")
    path = "vasprun.xml" if how == "vasprun" or (how == "auto" and os.path.exists("vasprun.xml")) \
        else "OUTCAR"
    if not os.path.exists(path):
        raise EngineError(f"{os.path.abspath(path)}: VASP wrote no output")
    if path == "vasprun.xml":
        steps, nelm = vasprun_scf(path)
        converged = steps < nelm
        out = read(path, index=-1, format="vasp-xml")
    else:
        converged, steps, nelm = outcar_scf(path)
        out = read(path, index=-1, format="vasp-out")
    info = {"input": ["POSCAR", "INCAR", "KPOINTS"] + (["POTCAR"] if "potcar_dir" in s else []),
            "output": path, "scf_steps": steps, "NELM": nelm, "incar": tags,
            "energy": "free energy TOTEN (e_fr_energy)"}
    if not converged:
        return EngineResult(False, info=info)
    if out.get_chemical_symbols() != sorted_atoms.get_chemical_symbols():
        raise EngineError(f"{path}: species {out.get_chemical_formula()} differ from the POSCAR's")
    d = out.get_scaled_positions() - sorted_atoms.get_scaled_positions()
    if np.abs(d - np.round(d)).max() > 1e-5:
        raise EngineError(f"{path}: the positions differ from the POSCAR's (a stale output?)")
    forces = np.empty((len(atoms), 3))
    forces[perm] = out.get_forces()
    return EngineResult(True, out.get_potential_energy(force_consistent=True), forces,
                        out.get_stress(voigt=True), info)
