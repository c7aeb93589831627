"""ase_runner.py - one first-principles call of heff's child engine
(dft_bridge/child_engine.h; protocol in docs/dft-bridge.md).

usage: /usr/bin/python3 ase_runner.py --settings SETTINGS.json
           [--simulate crash|sleep:SECONDS|unconverged|garbage|excess:X[@K]] STRUCTURE RESULT
       /usr/bin/python3 ase_runner.py --settings SETTINGS.json [--simulate ...] --ipi SOCKET

Reads STRUCTURE (extended XYZ: species, positions, cell; Angstrom), computes
energy, forces and stress with the calculator that SETTINGS names, and writes
RESULT (the text format below) atomically, plus result.xyz (ASE's extended
XYZ, for people).  The child engine runs this in the call directory.

RESULT format (one keyword per line; numbers with 17 significant digits):
    # heff child result 1
    converged true|false
    energy E                      eV, the whole supercell
    stress sxx syy szz syz sxz sxy  eV/Angstrom^3, ASE sign: (1/V) dE/d(strain)
    basis_excess X                optional: plane-wave basis count over its continuum value
    natoms N
    forces                        then N lines "fx fy fz", eV/Angstrom
    end

basis_excess (GPAW's plane waves; absent for other calculators) is
sum_k w_k N_k / Nbar - 1: the weighted number of plane waves of the k-points
against the continuum count Nbar = V (2 Ecut)^(3/2) / (6 pi^2) (atomic units).
At a fixed cutoff N_k jumps as the cell changes, and with it the energy; the
child engine removes that jump (docs/dft-bridge.md, "Plane-wave count").

SETTINGS (JSON): {"calculator": "lj", "sigma": .., "epsilon": .., "rc": ..[, "species":
{"Zr": {"sigma": .., "epsilon": ..}}]} (per-element Lennard-Jones, see species_lj)
or {"calculator": "gpaw", "ecut": 600, "kpts": [2, 2, 2], "xc": "PBEsol",
"maxiter": 300, "convergence": {...}, "setups": {...}, "mixer": {...}, "nbands": ..,
"gga_gradient": "axial"|"voronoi" (GPAW's own, the default; see use_axial_gga_gradient),
"parallel": {"domain": 2} (GPAW's parallelisation over the ranks of mpirun),
"warm_start": true (each converged call leaves its density and wavefunctions in the run
directory's warm_start.npz, and the next call starts its SCF from them; gpaw_warm_start)},
or calculator "cp2k",
"espresso" or "vasp" (engines/: each module's docstring lists its keys; file
mode only); a "simulate" key
there acts as --simulate.  --simulate fakes a failure (for the tests): exit
1, sleep first, report an unconverged SCF, or write a truncated result (with
--ipi: send a bad header); "excess:X" reports basis_excess X for a calculator
that has no plane-wave basis; "@K" limits it to the process's K-th call.

With --ipi the runner is the persistent client of heff's i-PI server
(dft_bridge/ipi_server.h): it connects to SOCKET (relative to its working
directory, the run directory), keeps one calculator for all calls (GPAW
starts each SCF from the previous wavefunctions when only positions
change), and per call: INIT carries the call directory's name, whose
structure.xyz gives the species (and is checked against the positions that
follow); the GPAW log goes to that directory's gpaw.txt, a marker line to
stdout and stderr; POSDATA brings the cell and positions; FORCEREADY returns
energy, forces, virial -V stress and the extra string (JSON: call, converged,
scf_iterations, seconds, cpu_seconds, new_calculator, cell_changed, basis_excess).  An unconverged SCF is sent with
"converged": false.  It exits on EXIT or when the server closes the socket."""
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


def species_lj(s):
    """Lennard-Jones with per-element sigma and epsilon ("species": {"Zr":
    {"sigma": .., "epsilon": ..}}; elements not listed take the global
    values), Lorentz-Berthelot mixing (sigma_ij = (sigma_i + sigma_j)/2,
    epsilon_ij = sqrt(epsilon_i epsilon_j)), each pair shifted to zero at rc
    like ASE's LennardJones(smooth=False).  For the alloy tests: a second
    species that differs from the host."""
    import numpy as np
    from ase.calculators.calculator import Calculator, all_changes
    from ase.neighborlist import neighbor_list

    rc = float(s["rc"])
    base = {"sigma": float(s["sigma"]), "epsilon": float(s["epsilon"])}
    per = {el: {k: float(v.get(k, base[k])) for k in base} for el, v in s["species"].items()}

    class SpeciesLJ(Calculator):
        implemented_properties = ["energy", "free_energy", "forces", "stress"]

        def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
            Calculator.calculate(self, atoms, properties, system_changes)
            a = self.atoms
            sig = np.array([per.get(el, base)["sigma"] for el in a.get_chemical_symbols()])
            eps = np.array([per.get(el, base)["epsilon"] for el in a.get_chemical_symbols()])
            i, j, d, D = neighbor_list("ijdD", a, rc)  # both orders of every pair
            sij, eij = (sig[i] + sig[j]) / 2, np.sqrt(eps[i] * eps[j])
            sr6, sc6 = (sij / d) ** 6, (sij / rc) ** 6
            energy = 0.5 * np.sum(4 * eij * (sr6 * sr6 - sr6 - (sc6 * sc6 - sc6)))
            dphi = -24 * eij * (2 * sr6 * sr6 - sr6) / d  # d phi / d r
            pair = (dphi / d)[:, None] * D  # D = r_j - r_i
            forces = np.zeros((len(a), 3))
            np.add.at(forces, i, pair)
            virial = 0.5 * pair.T @ D  # sum over pairs of dphi/dr D D^T / r
            stress = virial / a.get_volume()
            self.results = {"energy": energy, "free_energy": energy, "forces": forces,
                            "stress": stress.flat[[0, 4, 8, 5, 2, 1]]}

    return SpeciesLJ()


def use_axial_gga_gradient():
    """GPAW's GGA density gradient (gpaw.xc.gga.get_gradient_ops) from the three grid
    axes only.  GPAW picks the finite-difference neighbours of a grid point from its
    Voronoi cell: a near-orthogonal cell gets one face-diagonal neighbour on the acute
    side, so when a cell angle crosses 90 degrees the stencil, and with it the XC
    energy, jumps (23 meV per 40-atom BaTiO3 cell at an angle change of 0.007 degrees;
    docs/dft-bridge.md, "XC gradient stencil").  Along the axes, with the same
    finite-difference weights, the gradient is grad f = H^-1 (h_c . grad f)_c (rows of
    H: the grid vectors h_c), which changes smoothly with the cell and equals GPAW's
    own stencil for an orthogonal cell.  Forces and the GGA stress use the same
    operators (gpaw/xc/gga.py), so they stay the derivatives of this energy."""
    import numpy as np
    from gpaw import fd_operators
    from gpaw.xc import gga

    def gradient_ops(gd, nn):
        weights = fd_operators.derivatives[nn - 1]
        inv = np.linalg.inv(gd.h_cv)  # d/dx_v = sum_c inv[v, c] (h_c . grad)
        ops = []
        for v in range(3):
            coefs, offsets = [], []
            for c in range(3):
                if inv[v, c] == 0:
                    continue
                for k, w in enumerate(weights, 1):
                    for sign in (1, -1):
                        offset = [0, 0, 0]
                        offset[c] = sign * k
                        offsets.append(offset)
                        coefs.append(sign * w * inv[v, c])
            ops.append(fd_operators.FDOperator(coefs, offsets, gd, float,
                                               f"axial d/d{'xyz'[v]}").apply)
        return ops

    gga.get_gradient_ops = gradient_ops


def make_calculator(s):
    kind = s.get("calculator")
    if kind == "lj" and "species" in s:
        return species_lj(s)
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
        if "mixer" in s:  # e.g. {"beta": 0.1, "history": 5, "weight": 50}
            kw["mixer"] = s["mixer"]
        if "nbands" in s:  # an int, or "110%" of the occupied bands (GPAW's default ~120% + 4)
            kw["nbands"] = s["nbands"]
        if "parallel" in s:  # GPAW's own, e.g. {"domain": 2}
            kw["parallel"] = s["parallel"]
        gradient = s.get("gga_gradient", "voronoi")
        if gradient == "axial":
            use_axial_gga_gradient()
        elif gradient != "voronoi":
            raise SystemExit(f"ase_runner: gga_gradient {gradient!r}: expected axial or voronoi")
        return GPAW(**kw)
    raise SystemExit(f"ase_runner: unknown calculator {kind!r} (lj, gpaw, cp2k, espresso, vasp)")


def gpaw_atomic_density(calc):
    """The superposition of the free atoms' valence pseudo-densities at the current
    positions, on the density grid (as GPAW's cold start builds it)."""
    from gpaw.lfc import BasisFunctions

    wfs, d = calc.wfs, calc.density
    bf = BasisFunctions(wfs.gd, [setup.phit_j for setup in wfs.setups], wfs.kd,
                        dtype=wfs.dtype, cut=True)
    bf.set_positions(calc.spos_ac)
    nt = d.gd.zeros(d.ncomponents)
    bf.add_to_density(nt, {a: d.get_initial_occupations(a) for a in bf.atom_indices})
    return nt


def gpaw_atomic_matrices(d):
    """All atoms' density matrices D_asp on every rank of the grid communicator (the
    atoms are spread over its ranks under domain decomposition): {a: array}."""
    import numpy as np

    comm = d.gd.comm
    shapes = [(d.ncomponents, s.ni * (s.ni + 1) // 2) for s in d.setups]
    offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    flat = np.zeros(offsets[-1])
    for a, D in d.D_asp.items():
        flat[offsets[a]:offsets[a + 1]] = D.ravel()
    comm.sum(flat)  # each atom has one owner: the sum is a gather
    return {a: flat[offsets[a]:offsets[a + 1]].reshape(shapes[a]) for a in range(len(shapes))}


def gpaw_gather_wavefunctions(wfs):
    """{"psitK": coefficients (bands x plane waves), "QK": their FFT-grid indices} of every
    irreducible k-point K on world rank 0 ({} elsewhere): each k-point's plane waves are
    gathered over the grid's ranks (domain decomposition) to its group's first rank, which
    sends them over the k-point communicator to rank 0 (k-point parallelisation, GPAW's
    choice for 2 ranks and several irreducible k-points).  Collective."""
    import numpy as np

    kd, gd = wfs.kd, wfs.gd
    out, local = {}, {}
    for kpt in wfs.kpt_u:
        psit = kpt.psit.array  # complex view even for real (gamma-point) coefficients
        rows = np.empty((psit.shape[0], len(wfs.pd.Q_qG[kpt.q])), complex)
        for n in range(psit.shape[0]):  # gather returns its own buffer: copy each band
            row = wfs.pd.gather(np.ascontiguousarray(psit[n]), kpt.q)
            if row is not None:
                rows[n] = row
        local[kpt.k] = (rows, np.ascontiguousarray(wfs.pd.Q_qG[kpt.q], dtype=np.int64))
    if gd.comm.rank != 0:  # the grid's first rank of each k-point group holds them now
        return out
    # who has which k-point, and its plane-wave count (each k-point has one owner)
    owner = np.zeros(kd.nibzkpts, int)
    count = np.zeros(kd.nibzkpts, int)
    for k, (rows, Q) in local.items():
        owner[k], count[k] = kd.comm.rank, len(Q)
    kd.comm.sum(owner)
    kd.comm.sum(count)
    nbands = wfs.bd.nbands
    for k in range(kd.nibzkpts):
        if owner[k] == 0 and kd.comm.rank == 0:
            out[f"psit{k}"], out[f"Q{k}"] = local[k]
        elif kd.comm.rank == owner[k]:
            rows, Q = local[k]
            kd.comm.send(Q, 0, tag=2 * k)
            kd.comm.send(np.ascontiguousarray(rows), 0, tag=2 * k + 1)
        elif kd.comm.rank == 0:
            Q = np.empty(count[k], np.int64)
            rows = np.empty((nbands, count[k]), complex)
            kd.comm.receive(Q, owner[k], tag=2 * k)
            kd.comm.receive(rows, owner[k], tag=2 * k + 1)
            out[f"psit{k}"], out[f"Q{k}"] = rows, Q
    return out


def gpaw_save_state(calc, path):
    """Keeps what a later call needs to start its SCF warm (gpaw_warm_start) in PATH
    (numpy .npz, written atomically by rank 0): the converged pseudo-density less the parts
    that follow the atoms (core and free-atom valence), the atomic density matrices D_asp and
    the plane-wave coefficients of every k-point with their FFT-grid indices.  Under domain
    decomposition the grid, the atoms and the plane waves are gathered from the ranks, and
    under k-point parallelisation the k-points (collective); the coefficients are kept
    only when no rank splits the bands."""
    import numpy as np
    from ase.parallel import world

    d, wfs = calc.density, calc.wfs
    if d.D_asp is None:  # no converged density
        return
    # the bonding part: what the atoms do not carry along when they move
    nt = d.gd.collect(d.nt_sG - d.nct_G - gpaw_atomic_density(calc))
    arrays = {"nt": nt, "numbers": calc.atoms.numbers}
    for a, D in gpaw_atomic_matrices(d).items():
        arrays[f"D{a}"] = D
    if wfs.bd.comm.size == 1 and wfs.collinear and wfs.nspins == 1:
        arrays["ibzk"] = wfs.kd.ibzk_kc
        arrays.update(gpaw_gather_wavefunctions(wfs))
    if world.rank == 0:
        with open(path + ".tmp", "wb") as f:
            np.savez(f, **arrays)
        os.replace(path + ".tmp", path)


def gpaw_warm_start(calc, atoms, path):
    """Starts GPAW's SCF from the state gpaw_save_state kept for another structure of the
    same atoms and grid: an earlier call of the fit, whose MD moves the atoms by hundredths
    of an Angstrom and the cell by a few per mil between calls.  The density: the saved
    bonding part (valence pseudo-density minus the free atoms' at the old positions) on the
    same grid points (fractional coordinates), plus the free atoms' valence and core parts
    at the new positions (the atoms carry their own density along), and the saved D_asp.
    The wavefunctions (the same irreducible k-points): the saved coefficient of each plane
    wave with the same Miller indices, 0 for plane waves that entered the cutoff sphere;
    GPAW orthonormalises them in the new cell before the first iteration.  Under domain
    decomposition every rank reads its own part of the grid, its atoms and its plane waves
    from the file, under k-point parallelisation its own k-points (the ranks agree before
    anything is changed).  This skips the LCAO start
    and most SCF iterations; the converged result does not depend on the start (to the SCF
    tolerance).  Returns a note for the log, or None when the saved state does not fit
    (GPAW then starts as usual)."""
    import numpy as np
    from gpaw.wavefunctions.arrays import PlaneWaveExpansionWaveFunctions

    data = np.load(path)
    if list(data["numbers"]) != list(atoms.numbers):
        return None
    calc.initialize(atoms)
    calc.initialize_positions(atoms)
    d, ham, wfs = calc.density, calc.hamiltonian, calc.wfs
    gd = d.gd
    if data["nt"].shape != (d.ncomponents,) + tuple(gd.N_c):
        return None
    same_k = ("ibzk" in data and data["ibzk"].shape == wfs.kd.ibzk_kc.shape
              and np.allclose(data["ibzk"], wfs.kd.ibzk_kc)
              and all(f"psit{kpt.k}" in data and data[f"psit{kpt.k}"].shape[0] == wfs.bd.nbands
                      for kpt in wfs.kpt_u))
    local = (slice(None),) + tuple(slice(b, e) for b, e in zip(gd.beg_c, gd.end_c))
    try:  # this rank's part, read before anything changes
        nt = np.array(data["nt"][local])
        D = {a: data[f"D{a}"] for a in range(len(atoms))}
        psit = {}
        for kpt in wfs.kpt_u if same_k else []:
            old, oldQ = data[f"psit{kpt.k}"], data[f"Q{kpt.k}"]
            newQ = wfs.pd.myQ_qG[kpt.q]  # this rank's plane waves
            order = np.argsort(oldQ)
            src = order[np.searchsorted(oldQ, newQ, sorter=order).clip(0, len(oldQ) - 1)]
            hit = oldQ[src] == newQ  # the same Miller indices
            psit[kpt.k] = (hit, old[:, src[hit]])
        ok = 1
    except Exception as e:  # a damaged file: every rank must take the same way
        print(f"ase_runner: reading {path} failed ({e!r})")
        ok = 0
    world = wfs.world  # every rank must take the same way (k-points: each reads its own)
    if world.sum(ok) != world.size:
        return None
    if world.sum(int(bool(same_k))) != world.size:  # called on every rank
        psit, same_k = {}, False
    d.update_atomic_density_matrices(d.setups.empty_atomic_matrix(d.ncomponents,
                                                                  d.atom_partition))
    for a in d.D_asp:
        d.D_asp[a][:] = D[a]
    d.nt_xG = nt + gpaw_atomic_density(calc) + d.nct_G
    d.calculate_normalized_charges_and_mix()
    ham.update(d)
    note = f"SCF started from the density of {path}"
    if same_k:
        for kpt in wfs.kpt_u:
            hit, coefficients = psit[kpt.k]
            kpt.psit = PlaneWaveExpansionWaveFunctions(
                wfs.bd.nbands, wfs.pd, wfs.dtype, kpt=kpt.q, dist=(wfs.bd.comm, -1, 1),
                spin=kpt.s, collinear=True)
            kpt.psit.array[:] = 0.0
            kpt.psit.array[:, hit] = coefficients
        wfs.set_orthonormalized(False)
        note += " and the wavefunctions"
    else:  # no wavefunctions to reuse: LCAO in the new density
        wfs.initialize(d, ham, calc.spos_ac)
    wfs.eigensolver.reset()
    calc.scf.reset()
    calc.atoms = atoms.copy()  # so that ASE sees no change left to initialise
    return note


def basis_excess(calc):
    """GPAW plane-wave mode: sum_k w_k N_k / Nbar - 1 (see the module docstring), from
    the calculator's own basis (initialised: after a calculation, or calc.initialize);
    None for anything else."""
    import numpy as np

    wfs = getattr(calc, "wfs", None)
    if getattr(wfs, "ng_k", None) is None or getattr(wfs, "pd", None) is None:
        return None
    n = float(np.dot(wfs.kd.weight_k, wfs.ng_k)) / float(np.sum(wfs.kd.weight_k))
    nbar = wfs.gd.volume * (2 * wfs.pd.ecut) ** 1.5 / (6 * np.pi ** 2)  # bohr^3, hartree
    return n / nbar - 1


def simulated_excess(simulate):
    """--simulate excess:X (tests): report basis_excess X for a calculator without one."""
    kind, arg, _ = parse_simulate(simulate) if simulate else ("", "", None)
    return float(arg) if kind == "excess" else None


def unconverged_errors():
    """Exceptions that mean 'SCF did not converge' (not a crash)."""
    try:
        from gpaw import KohnShamConvergenceError

        return (KohnShamConvergenceError,)
    except ImportError:
        return ()


# atomic units of the socket: the numbers of dft_bridge/ipi_server.h (CODATA
# 2018), not ase.units, so that the server's conversion is undone exactly
BOHR = 0.529177210903  # Angstrom
HARTREE = 27.211386245988  # eV


def parse_simulate(text):
    """'kind[:arg][@K]' -> (kind, arg, K or None)."""
    kind, _, at = text.partition("@")
    kind, _, arg = kind.partition(":")
    return kind, arg, int(at) if at else None


def write_result(path, converged, energy=None, stress=None, forces=None, truncate=False,
                 excess=None):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("# heff child result 1\n")
        # CPU time of this process (rank 0) so far: start, set-up and SCF
        f.write(f"# cpu_seconds {time.process_time():.2f}\n")
        f.write(f"converged {'true' if converged else 'false'}\n")
        if converged:
            f.write(f"energy {energy!r}\n")
            f.write("stress " + " ".join(repr(float(x)) for x in stress) + "\n")
            if excess is not None:
                f.write(f"basis_excess {float(excess)!r}\n")
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


def read_result(path):
    """What write_result wrote: {'converged', 'energy' (eV), 'stress' (eV/A^3, ASE Voigt),
    'forces' (list of [fx, fy, fz], eV/A), 'cpu_seconds', 'basis_excess' (None if
    absent)}; the Python side of
    dft_bridge/child_io.c's reader, for studies and tests."""
    out = {"converged": False, "energy": None, "stress": None, "forces": [], "cpu_seconds": None,
           "basis_excess": None}
    inside = False
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "#":
                if len(w) > 2 and w[1] == "cpu_seconds":
                    out["cpu_seconds"] = float(w[2])
            elif inside and w[0] != "end":
                out["forces"].append([float(x) for x in w[:3]])
            elif w[0] == "converged":
                out["converged"] = w[1] == "true"
            elif w[0] == "energy":
                out["energy"] = float(w[1])
            elif w[0] == "stress":
                out["stress"] = [float(x) for x in w[1:7]]
            elif w[0] == "basis_excess":
                out["basis_excess"] = float(w[1])
            elif w[0] == "forces":
                inside = True
            elif w[0] == "end":
                inside = False
    return out


class IpiSocket:
    """The client end of the i-PI byte stream (rank 0 only)."""

    def __init__(self, path):
        import socket

        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)

    def recv(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("the server closed the connection")
            buf += chunk
        return bytes(buf)

    def header(self):
        return self.recv(12).decode("ascii", "replace").strip()

    def send_header(self, msg):
        self.s.sendall(msg.encode("ascii").ljust(12))

    def array(self, dtype, count):
        import numpy as np

        return np.frombuffer(self.recv(np.dtype(dtype).itemsize * count), dtype=dtype).copy()

    def send_array(self, a, dtype):
        import numpy as np

        self.s.sendall(np.ascontiguousarray(a, dtype=dtype).tobytes())


class PersistentCalculation:
    """One calculator for all calls; GPAW keeps its wavefunctions."""

    def __init__(self, settings, simulate):
        self.settings = settings
        self.simulate = parse_simulate(simulate) if simulate else None
        self.atoms = None
        self.calls = 0
        self.base = os.getcwd()
        self.cpu = 0.0  # process CPU time at the end of the last call

    def failure(self, kind):
        """Is the simulated failure `kind` due at this call?"""
        sim = self.simulate
        return bool(sim) and sim[0] == kind and sim[2] in (None, self.calls)

    def compute(self, name, cell, positions):
        """Energy, forces, virial (eV, eV/A, eV) and the extra dictionary."""
        import numpy as np
        from ase.io import read, write
        from ase.parallel import world

        self.calls += 1
        calldir = os.path.join(self.base, name)
        os.chdir(calldir)
        if world.rank == 0:
            for stream in (sys.stdout, sys.stderr):
                print(f"=== heff ipi call {self.calls}: {name} "
                      f"({time.strftime('%Y-%m-%d %H:%M:%S')}, {world.size} ranks) ===",
                      file=stream, flush=True)
        given = read("structure.xyz", format="extxyz")
        if (len(given) != len(positions) or np.abs(given.positions - positions).max() > 1e-8
                or np.abs(given.cell[:] - cell).max() > 1e-8):
            raise SystemExit(f"ase_runner: {name}: the positions sent differ from structure.xyz")
        if self.failure("crash"):
            print("ase_runner: simulated crash", file=sys.stderr, flush=True)
            sys.exit(1)
        if self.failure("sleep"):
            with open("sleeping.pid", "w") as f:
                f.write(f"{os.getpid()}\n")
            time.sleep(float(self.simulate[1]))
        kept = self.atoms is not None and list(self.atoms.numbers) == list(given.numbers)
        if not kept:
            self.atoms = given
            self.atoms.calc = make_calculator(self.settings)
        # GPAW keeps its wavefunctions only if the cell stays (bit for bit)
        cell_changed = not kept or not np.array_equal(self.atoms.cell[:], cell)
        self.atoms.set_cell(cell, scale_atoms=False)
        self.atoms.positions = positions
        calc = self.atoms.calc
        if hasattr(calc, "get_number_of_iterations"):  # GPAW: this call's log here
            calc.set(txt=os.path.join(calldir, "gpaw.txt"))
        t0 = time.time()
        extra = {"call": name, "new_calculator": not kept, "cell_changed": cell_changed}
        try:
            try:
                energy, forces, stress = evaluate(self.atoms)
            except RuntimeError as e:  # GPAW: lower symmetry than the last structure
                if "symmetry" not in str(e).lower():
                    raise
                print(f"ase_runner: {e}: new calculator", file=sys.stderr, flush=True)
                self.atoms.calc = make_calculator(self.settings)
                calc = self.atoms.calc
                calc.set(txt=os.path.join(calldir, "gpaw.txt"))
                extra["new_calculator"] = True
                energy, forces, stress = evaluate(self.atoms)
        except unconverged_errors() as e:
            print(f"ase_runner: SCF not converged: {e}", file=sys.stderr, flush=True)
            extra.update(converged=False, seconds=time.time() - t0)
            return 0.0, np.zeros((len(given), 3)), np.zeros((3, 3)), extra
        extra["converged"] = not self.failure("unconverged")
        extra["seconds"] = round(time.time() - t0, 3)
        # CPU time since the last call ended (the first: since the process started)
        extra["cpu_seconds"] = round(time.process_time() - self.cpu, 2)
        self.cpu = time.process_time()
        if hasattr(calc, "get_number_of_iterations"):
            extra["scf_iterations"] = int(calc.get_number_of_iterations())
        excess = basis_excess(calc)
        if excess is None and self.failure("excess"):
            excess = float(self.simulate[1])
        if excess is not None:
            extra["basis_excess"] = excess
        # every rank: ASE's write is collective (rank 0 writes, then broadcasts)
        write("result.xyz", self.atoms, format="extxyz")
        virial = -self.atoms.get_volume() * voigt_to_3x3(stress)
        return energy, forces, virial, extra


def evaluate(atoms):
    return atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress(voigt=True)


def voigt_to_3x3(s):
    import numpy as np

    xx, yy, zz, yz, xz, xy = s
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


def ipi_client(path, settings, simulate):
    """The client loop; rank 0 talks, all ranks compute (ASE's world)."""
    import numpy as np
    from ase.parallel import world

    rank = os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "0"))
    if world.size == 1 and rank != "0":
        return  # an MPI rank of a serial calculator: rank 0 does the work
    calc = PersistentCalculation(settings, simulate)
    if world.rank != 0:  # follow rank 0: a name (empty: stop), cell, positions
        while True:
            name = broadcast_text(None)
            if not name:
                return
            cell = bcast(np.zeros((3, 3)))
            n = int(bcast(np.zeros(1, dtype=np.int64))[0])
            calc.compute(name, cell, bcast(np.zeros((n, 3))))
    sock = IpiSocket(path)
    state, name, result = "NEEDINIT", "", None
    try:
        while True:
            try:
                msg = sock.header()
            except EOFError:
                msg = "EXIT"
            if msg == "STATUS":
                sock.send_header(state)
            elif msg == "INIT":
                sock.array(np.int32, 1)  # bead index
                nbytes = int(sock.array(np.int32, 1)[0])
                name = sock.recv(nbytes).decode("utf-8") if nbytes > 0 else ""
                state = "READY"
            elif msg == "POSDATA":
                h = sock.array(np.float64, 9).reshape(3, 3)
                sock.array(np.float64, 9)  # h^-1
                n = int(sock.array(np.int32, 1)[0])
                positions = sock.array(np.float64, 3 * n).reshape(n, 3) * BOHR
                cell = np.ascontiguousarray(h.T) * BOHR  # h: the cell vectors as columns
                broadcast_text(name)
                bcast(cell)
                bcast(np.array([n], dtype=np.int64))
                bcast(positions)
                result = calc.compute(name, cell, positions)
                state = "HAVEDATA"
            elif msg == "GETFORCE":
                energy, forces, virial, extra = result
                if calc.failure("garbage"):
                    sock.send_header("NONSENSE")
                    continue
                sock.send_header("FORCEREADY")
                sock.send_array([energy / HARTREE], np.float64)
                sock.send_array([len(forces)], np.int32)
                sock.send_array(np.asarray(forces) * (BOHR / HARTREE), np.float64)
                sock.send_array((np.asarray(virial) / HARTREE).T, np.float64)
                text = json.dumps(extra).encode("utf-8")
                sock.send_array([len(text)], np.int32)
                sock.s.sendall(text)
                state = "NEEDINIT"
            elif msg == "EXIT":
                return
            else:
                raise SystemExit(f"ase_runner: unexpected message {msg!r} from the server")
    finally:
        broadcast_text("")  # the other ranks stop


def bcast(a):
    """rank 0's array a (contiguous) on every rank."""
    from ase.parallel import world

    if world.size > 1:
        world.broadcast(a, 0)
    return a


def broadcast_text(text):
    """rank 0's text (<= 255 bytes) on every rank; '' is 'stop'."""
    import numpy as np
    from ase.parallel import world

    if world.size == 1:
        return text
    buf = np.zeros(256, dtype=np.uint8)
    if world.rank == 0:
        raw = text.encode("utf-8")[:255]
        buf[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    world.broadcast(buf, 0)
    return bytes(buf).rstrip(b"\0").decode("utf-8")


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
    p.add_argument("--simulate", default=None)
    p.add_argument("--ipi", metavar="SOCKET")
    p.add_argument("structure", nargs="?")
    p.add_argument("result", nargs="?")
    a = p.parse_args()
    from ase.io import read, write
    from ase.parallel import world

    with open(a.settings) as f:
        settings = json.load(f)
    simulate = a.simulate if a.simulate is not None else settings.get("simulate", "")
    if settings.get("calculator") == "gpaw":
        # load _gpaw before ASE's world is first used (ase.io.read uses it): else ASE
        # takes a serial world and GPAW refuses to run under mpirun
        import gpaw  # noqa: F401
    if a.ipi:
        ipi_client(a.ipi, settings, simulate)
        return
    if not a.structure or not a.result:
        p.error("STRUCTURE and RESULT are required without --ipi")
    a.simulate = simulate
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
    state = os.path.join("..", "warm_start.npz")  # the run directory's, from the last call
    if settings.get("warm_start") and settings.get("calculator") == "gpaw" and os.path.exists(state):
        try:
            note = gpaw_warm_start(atoms.calc, atoms, state)
        except Exception as e:  # a damaged or foreign file must not cost the call
            note = None
            print(f"ase_runner: warm start from {state} failed ({e!r})")
        if note is None:  # a calculator untouched by the attempt
            atoms.calc = make_calculator(settings)
        print(f"ase_runner: {note or 'cold start (the saved state does not fit)'}")
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
    write("result.xyz", atoms, format="extxyz")  # collective: rank 0 writes
    excess = basis_excess(atoms.calc)
    if excess is None:
        excess = simulated_excess(a.simulate)
    if converged and settings.get("calculator") == "gpaw" and settings.get("warm_start"):
        gpaw_save_state(atoms.calc, os.path.join("..", "warm_start.npz"))
    if world.rank == 0:
        write_result(a.result, converged, energy, stress, forces, a.simulate == "garbage", excess)


if __name__ == "__main__":
    main()
