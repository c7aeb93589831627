"""engines - first-principles codes that ase_runner.py drives through files.

Each module here runs one code as a child process in the current directory
(the call directory of dft_bridge/child_engine.c), from an argv list (never
a shell string), and returns an EngineResult in the units of the child
protocol (docs/dft-bridge.md):

    energy  eV, the whole structure
    forces  eV/Angstrom, one row per atom in the order of the input Atoms
    stress  eV/Angstrom^3, ASE sign and Voigt order (xx yy zz yz xz xy):
            (1/V) dE/d(strain), positive = tensile

A crash of the code (nonzero exit, missing or truncated output) raises
EngineError; an SCF that stopped unconverged returns converged=False.
Every engine leaves its raw input and output files in the directory and
writes engine.json there (settings used, files, SCF steps, corrections)."""
import json
import os
import subprocess
from dataclasses import dataclass, field

# calculator name in the settings JSON -> module of this package
ENGINES = {"cp2k": "cp2k", "espresso": "espresso", "vasp": "vasp"}


class EngineError(RuntimeError):
    """The code crashed or its output cannot be read."""


@dataclass
class EngineResult:
    converged: bool
    energy: float = float("nan")
    forces: object = None  # numpy (natoms, 3)
    stress: object = None  # numpy (6,)
    info: dict = field(default_factory=dict)  # for engine.json


def run(kind, atoms, settings):
    """Runs engine `kind` (a key of ENGINES) on atoms in the current directory."""
    import importlib

    mod = importlib.import_module(__name__ + "." + ENGINES[kind])
    res = mod.compute(atoms, settings)
    record = {"engine": kind, "converged": res.converged, "settings": settings}
    if res.converged:
        record["energy_eV"] = float(res.energy)
    record.update(res.info)
    with open("engine.json", "w") as f:
        json.dump(record, f, indent=1, default=float)
        f.write("\n")
    return res


def command(settings, default):
    """The code's argv prefix from settings["command"] (a list of strings)."""
    cmd = settings.get("command", default)
    if not isinstance(cmd, list) or not cmd or not all(isinstance(a, str) and a for a in cmd):
        raise EngineError(f"settings: key 'command': expected a non-empty list of strings "
                          f"(argv, no shell), e.g. {default!r}, got {cmd!r}")
    return list(cmd)


def execute(argv, stdout_path, check=True):
    """Runs argv in the current directory, stdin /dev/null, stdout to
    stdout_path, stderr to the runner's stderr (the call's stderr.log).  No
    shell; the timeout is the parent's (child_engine.c kills the whole process
    group).  check: a nonzero exit raises EngineError naming the program and
    the output file; otherwise the exit code is returned."""
    with open(stdout_path, "w") as out:
        try:
            code = subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=out)
        except OSError as e:
            raise EngineError(f"cannot run {argv[0]}: {e}") from e
    if code != 0 and check:
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        raise EngineError(f"{argv[0]} failed ({how}); see {os.path.abspath(stdout_path)}")
    return code


def fresh(*paths):
    """Removes outputs of an earlier attempt in the same directory (the
    reference call reruns in place; CP2K appends to an existing -o file)."""
    for p in paths:
        if os.path.exists(p):
            os.remove(p)


def remove_mean_force(forces):
    """Subtracts the mean atomic force (codes whose forces do not sum to zero,
    dft.md: CP2K); returns the corrected forces and the mean removed."""
    mean = forces.mean(axis=0)
    return forces - mean, mean


def need(settings, key, what):
    if key not in settings:
        raise EngineError(f"settings: missing key '{key}': {what}")
    return settings[key]
