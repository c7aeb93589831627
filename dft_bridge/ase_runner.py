"""ase_runner.py - one first-principles call of heff's child engine
(dft_bridge/child_engine.h; protocol in docs/dft-bridge.md).

usage: /usr/bin/python3 ase_runner.py --settings SETTINGS.json
           [--simulate crash|sleep:SECONDS|unconverged|garbage] STRUCTURE RESULT

Reads STRUCTURE (extended XYZ: species, positions, cell; Angstrom), computes
energy, forces and stress with the calculator that SETTINGS names, and writes
RESULT (the text format below) atomically, plus result.xyz (ASE's extended
XYZ, for people).  The child engine runs this in the call directory.

RESULT format (one keyword per line; numbers with 17 significant digits):
    # heff child result 1
    converged true|false
    energy E                      eV, the whole supercell
    stress sxx syy szz syz sxz sxy  eV/Angstrom^3, ASE sign: (1/V) dE/d(strain)
    natoms N
    forces                        then N lines "fx fy fz", eV/Angstrom
    end

SETTINGS (JSON): {"calculator": "lj", "sigma": .., "epsilon": .., "rc": ..}
or {"calculator": "gpaw", "ecut": 600, "kpts": [2, 2, 2], "xc": "PBEsol",
"maxiter": 300, "convergence": {...}, "setups": {...}}, or calculator "cp2k",
"espresso" or "vasp" (engines/: each module's docstring lists its keys).  --simulate fakes a
failure (for the tests): exit 1, sleep first, report an unconverged SCF, or
write a truncated result."""
import argparse
import json
import os
import sys
import time


def default_environment():
    """Environment GPAW needs, unless the caller set it: the PBEsol setups of
    scripts/install-dft.sh, and one BLAS/OpenMP thread per process (MPI ranks
    do the parallelism; threads would oversubscribe 2 cores).  Must run
    before numpy is imported (the BLAS reads its thread count at load)."""
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    setups = os.environ.get("HEFF_GPAW_SETUPS") or os.path.join(data, "heff", "gpaw-setups")
    os.environ.setdefault("GPAW_SETUP_PATH", setups + os.pathsep + "/usr/share/gpaw-setups")
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, "1")


default_environment()


def make_calculator(s):
    kind = s.get("calculator")
    if kind == "lj":
        from ase.calculators.lj import LennardJones

        # shifted energy at rc: choose rc between neighbour shells so that
        # no pair crosses it (forces jump there)
        return LennardJones(sigma=float(s["sigma"]), epsilon=float(s["epsilon"]),
                            rc=float(s["rc"]), smooth=False)
    if kind == "gpaw":
        from gpaw import GPAW, PW

        kpts = s.get("kpts", (1, 1, 1))  # [n1, n2, n3] or {"size": [...], "gamma": true}
        kw = dict(mode=PW(float(s.get("ecut", 600))), xc=s.get("xc", "PBEsol"),
                  kpts=kpts if isinstance(kpts, dict) else tuple(kpts), txt="gpaw.txt",
                  maxiter=int(s.get("maxiter", 300)))
        if "convergence" in s:
            kw["convergence"] = s["convergence"]
        if "setups" in s:
            kw["setups"] = s["setups"]
        return GPAW(**kw)
    raise SystemExit(f"ase_runner: unknown calculator {kind!r} (lj, gpaw, cp2k, espresso, vasp)")


def unconverged_errors():
    """Exceptions that mean 'SCF did not converge' (not a crash)."""
    try:
        from gpaw import KohnShamConvergenceError

        return (KohnShamConvergenceError,)
    except ImportError:
        return ()


def write_result(path, converged, energy=None, stress=None, forces=None, truncate=False):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("# heff child result 1\n")
        f.write(f"converged {'true' if converged else 'false'}\n")
        if converged:
            f.write(f"energy {energy!r}\n")
            f.write("stress " + " ".join(repr(float(x)) for x in stress) + "\n")
            f.write(f"natoms {len(forces)}\n")
            f.write("forces\n")
            for i, fr in enumerate(forces):
                if truncate and i == len(forces) // 2:
                    break
                f.write(" ".join(repr(float(x)) for x in fr) + "\n")
            if not truncate:
                f.write("end\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def run_file_engine(a, settings, atoms):
    """CP2K, Quantum ESPRESSO, VASP: a module of dft_bridge/engines/ writes the
    code's input, runs it and reads its output (engines/__init__.py)."""
    import engines
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    # N runners would start N codes: MPI belongs in settings.command (the size
    # from mpirun's environment: without GPAW, ASE's world is serial)
    ranks = os.environ.get("OMPI_COMM_WORLD_SIZE") or os.environ.get("PMI_SIZE") or "1"
    if int(ranks) > 1:
        raise SystemExit(f"ase_runner: {settings['calculator']} under MPI: run the runner alone "
                         "(fit: ranks 1) and put mpirun into the settings' command")
    try:
        r = engines.run(settings["calculator"], atoms, settings)
    except engines.EngineError as e:
        raise SystemExit(f"ase_runner: {a.settings}: {e}")
    if not r.converged:
        print(f"ase_runner: SCF not converged ({settings['calculator']})", file=sys.stderr)
        write_result(a.result, False)
        return
    atoms.calc = SinglePointCalculator(atoms, energy=r.energy, forces=r.forces, stress=r.stress)
    write("result.xyz", atoms, format="extxyz")
    write_result(a.result, a.simulate != "unconverged", r.energy, r.stress, r.forces,
                 a.simulate == "garbage")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--settings", required=True)
    p.add_argument("--simulate", default="")
    p.add_argument("structure")
    p.add_argument("result")
    a = p.parse_args()
    from ase.io import read, write
    from ase.parallel import world

    with open(a.settings) as f:
        settings = json.load(f)
    atoms = read(a.structure, format="extxyz")
    if a.simulate == "crash":
        print("ase_runner: simulated crash", file=sys.stderr)
        sys.exit(1)
    if a.simulate.startswith("sleep:"):
        with open("sleeping.pid", "w") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(float(a.simulate[6:]))
    import engines  # dft_bridge/engines/: CP2K, pw.x, VASP through their files

    if settings.get("calculator") in engines.ENGINES:
        return run_file_engine(a, settings, atoms)
    atoms.calc = make_calculator(settings)
    try:
        energy = atoms.get_potential_energy()
        forces = atoms.get_forces()
        stress = atoms.get_stress(voigt=True)  # xx yy zz yz xz xy
    except unconverged_errors() as e:
        print(f"ase_runner: SCF not converged: {e}", file=sys.stderr)
        if world.rank == 0:
            write_result(a.result, False)
        return
    converged = a.simulate != "unconverged"
    if world.rank == 0:
        write("result.xyz", atoms, format="extxyz")
        write_result(a.result, converged, energy, stress, forces, a.simulate == "garbage")


if __name__ == "__main__":
    main()
