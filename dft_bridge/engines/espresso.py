"""espresso.py - Quantum ESPRESSO pw.x as a file engine: writes espresso.pwi
with ASE's writer, runs `pw.x -in espresso.pwi` as a child (argv, no shell;
output to espresso.pwo), reads energy, forces and stress with ASE's reader.

Settings (JSON; QE's units, Ry and Bohr, in the key names):
    calculator        "espresso"
    command           argv prefix, default ["pw.x"] (Debian quantum-espresso;
                      under MPI e.g. ["mpirun", "-np", "2", "pw.x"])
    pseudo_dir        directory of the UPF files (default
                      /usr/share/espresso/pseudo, Debian's quantum-espresso-data)
    pseudopotentials  required: {"Pb": "Pb.pz-d-van.UPF", ...}, one per element
    ecutwfc_ry        wave-function cutoff, Ry (default 40)
    ecutrho_ry        density cutoff, Ry (default 8 x ecutwfc_ry: ultrasoft/PAW)
    conv_thr_ry       SCF convergence, Ry for the whole cell (default 1e-9)
    electron_maxstep  SCF iterations before giving up (default 100)
    kpts              [n1, n2, n3] Monkhorst-Pack (default [1, 1, 1])
    koffset           [0|1, 0|1, 0|1] half-step shifts (default [0, 0, 0]:
                      Gamma-centred)
    input_data        further pw.x namelist variables, e.g.
                      {"system": {"occupations": "smearing", ...}}

The functional is the pseudopotentials' (QE reads it from the UPF files):
Debian ships LDA (pz) and a few PBE/PBEsol ones, no Ba (docs/dft-bridge.md).
Energy: '!    total energy' (with smearing the free energy, which the forces
differentiate).  pw.x's outdir (pw_scratch/) is removed after the run.  'convergence NOT achieved' is reported as not converged."""
import shutil

import numpy as np
from ase.io.espresso import read_espresso_out, write_espresso_in

from . import EngineError, EngineResult, command, execute, fresh, need

DEBIAN_PSEUDO = "/usr/share/espresso/pseudo"
SCRATCH = "pw_scratch"  # pw.x's outdir, removed after the run (9 MB for 5 atoms)


def input_data(s):
    ecut = float(s.get("ecutwfc_ry", 40))
    data = {
        "control": {"calculation": "scf", "tstress": True, "tprnfor": True, "prefix": "heff",
                    "outdir": SCRATCH, "pseudo_dir": s.get("pseudo_dir", DEBIAN_PSEUDO),
                    "disk_io": "low"},
        "system": {"ecutwfc": ecut, "ecutrho": float(s.get("ecutrho_ry", 8 * ecut))},
        "electrons": {"conv_thr": float(s.get("conv_thr_ry", 1e-9)),
                      "electron_maxstep": int(s.get("electron_maxstep", 100))},
    }
    extra = s.get("input_data", {})
    if not isinstance(extra, dict) or not all(isinstance(v, dict) for v in extra.values()):
        raise EngineError("settings: key 'input_data': expected {namelist: {variable: value}}")
    for name, block in extra.items():
        data.setdefault(name, {}).update(block)
    return data


def compute(atoms, s):
    pseudos = need(s, "pseudopotentials", 'one UPF file per element, e.g. {"O": "O.pz-rrkjus.UPF"}')
    missing = sorted(set(atoms.get_chemical_symbols()) - set(pseudos))
    if missing:
        raise EngineError(f"settings: key 'pseudopotentials': no file for {', '.join(missing)}")
    fresh("espresso.pwo", "engine.json")
    with open("espresso.pwi", "w") as f:
        write_espresso_in(f, atoms, input_data=input_data(s), pseudopotentials=pseudos,
                          kpts=tuple(int(k) for k in s.get("kpts", [1, 1, 1])),
                          koffset=tuple(int(k) for k in s.get("koffset", [0, 0, 0])))
    code = execute(command(s, ["pw.x"]) + ["-in", "espresso.pwi"], "espresso.pwo", check=False)
    shutil.rmtree(SCRATCH, ignore_errors=True)  # charge density and copies of the UPF files
    with open("espresso.pwo") as f:
        text = f.read()
    steps = text.count("iteration #")
    info = {"input": "espresso.pwi", "output": "espresso.pwo", "scf_steps": steps,
            "exit_code": code}
    if "convergence NOT achieved" in text:
        return EngineResult(False, info=info)
    if code != 0 or "JOB DONE" not in text:
        done = "" if "JOB DONE" in text else ", no JOB DONE"
        raise EngineError(f"pw.x failed (exit code {code}{done}); see espresso.pwo")
    with open("espresso.pwo") as f:
        out = list(read_espresso_out(f, index=slice(None)))
    if not out:
        raise EngineError("espresso.pwo: no results")
    r = out[-1]
    if len(r) != len(atoms):
        raise EngineError(f"espresso.pwo: {len(r)} atoms, expected {len(atoms)}")
    try:
        energy, forces, stress = r.get_potential_energy(), r.get_forces(), r.get_stress(voigt=True)
    except Exception as e:  # ASE's SinglePointCalculator: PropertyNotImplementedError
        raise EngineError(f"espresso.pwo: energy, forces or stress missing ({e})") from e
    return EngineResult(True, energy, np.asarray(forces), np.asarray(stress), info)
