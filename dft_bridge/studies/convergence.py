"""convergence.py - GPAW PBEsol convergence study on a cubic ABO3 perovskite (5 atoms):
BaTiO3 by default, another with --formula (e.g. PbTiO3, SrTiO3, PbZrO3; use one OUTDIR
per material) and --a, the lattice constant (Angstrom) its lattice stage gave, for the
phonon, ecut/kpts and born stages (BaTiO3: 3.99 as dft.md, 3.985 for born).

usage: /usr/bin/python3 convergence.py OUTDIR [--formula ABO3 --a A]
           [--xi phonon|relax|A,B,X_par,X_perp,X_perp] [--alloy EL:c1,c2,...] STAGE...
  --xi     the local-mode pattern of zstar: this material's Gamma soft mode (phonon), its
           relaxed P4mm pattern (relax), or five numbers (another material's, e.g. PbTiO3's
           on PbZrO3 for the Z* of PZT)
  --alloy  the lattice stages on the 2x2x2 supercell (40 atoms) with element EL on the
           B sites of cells c1, c2, ... (cell index 4x + 2y + z, heff's order), e.g.
           PbZr0.75Ti0.25O3: --formula PbTiO3 --alloy Zr:1,2,3,4,5,6 (Ti along the body
           diagonal); K then samples the supercell (2: the fits' 2x2x2 mesh)
  STAGE: lattice  E(a) scan (600 eV, 6x6x6 k) and a0 from a cubic fit
         lattice:ECUT:K  the same at other settings
         ecut     energy difference, forces, stress of a polar structure vs cutoff
         kpts     the same vs k-points
         phonon   Gamma-point z force constants by +-0.01 A displacements: soft mode
         polar_relax  the P4mm phase at the cubic a (internal coordinates relaxed, cell
                  fixed), its displacement pattern as xi (paper 003 for PbTiO3) and its
                  overlap with the phonon stage's soft mode
         kgamma   the same with Gamma-centred 4x4x4 and 6x6x6 meshes
         afd[:ECUT:K]  energy vs the R-point octahedral tilt about z (10-atom cell, k x k x k):
                  the antiferrodistortive double well (SrTiO3)
         elastic[:ECUT:K]  C11, C12, C44 of the cubic cell at --a from the stress of
                  +-0.5% strains (xx, and the engineering shear yz); in Pm-3m every atom
                  sits on an inversion centre, so clamped-ion is relaxed-ion; the central
                  difference cancels the Pulay stress.  K 4: the k density of the fits'
                  2x2x2 supercell with its 2x2x2 mesh
         super:ECUT:K  one 40-atom 2x2x2 call (K as for calc: n or ng), for timing
         born[:ECUT:K] Born effective charges Z_zz of Ba, Ti, O_perp, O_apical from the
                  Berry-phase polarization of +-0.01 A z displacements (a = 3.985, GPAW's
                  get_polarization_phase, no symmetry), their acoustic sum and the charge
                  of the local mode Z* = sum_k xi_k Z_k (xi normalised; paper 003 Eq. 3)
         zstar[:ECUT:K] the local-mode charge directly (paper 003's way): Berry phases
                  of the cell with the normalised soft mode at u = +-0.01 A along z
                  (--xi relax: the polar_relax pattern instead of the phonon one)
Every calculation is appended to OUTDIR/results.jsonl with its wall time
and is skipped when already there (so a killed study resumes).  Run with
Debian's python3 (python3-ase, gpaw); one process, one thread."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import ase_runner  # noqa: E402  (sets GPAW_SETUP_PATH and the thread counts)

import numpy as np  # noqa: E402
from ase import Atoms  # noqa: E402

from ase.data import atomic_masses, atomic_numbers  # noqa: E402

A_REF = 3.99  # dft.md's soft-mode reference
# soft-mode pattern (Ba, Ti, O_apical, O_perp, O_perp) of dft.md, for the polar structure
XI = np.array([0.006, 1.0, -1.556, -0.804, -0.804])
# the material: main() replaces these for --formula / --a
MAT = {"formula": "BaTiO3", "A": "Ba", "B": "Ti", "a": A_REF, "a_born": 3.985, "xi": "phonon",
       "alloy": None}


def cell(a, disp=None):
    """Ba at 0, Ti at the centre, O_x O_y O_z at the face centres Ti - a/2 e
    (the atom order of docs/dft-bridge.md); disp: 5x3 Angstrom."""
    pos = np.array([[0, 0, 0], [.5, .5, .5], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]]) * a
    if disp is not None:
        pos = pos + disp
    return Atoms(MAT["formula"], positions=pos, cell=[a, a, a], pbc=True)


def lattice_cell(a):
    """The cell of the lattice stages: the 5-atom cell, or with --alloy the 2x2x2
    supercell with the alloy element on the B sites of the listed cells."""
    if not MAT["alloy"]:
        return cell(a)
    el, cells = MAT["alloy"]
    sc = cell(a).repeat((2, 2, 2))  # cell 4x + 2y + z holds atoms 5c .. 5c + 4, B at 5c + 1
    sym = sc.get_chemical_symbols()
    for c in cells:
        sym[5 * c + 1] = el
    sc.set_chemical_symbols(sym)
    return sc


def polar(a, amp):
    """u along z with amplitude amp (Angstrom of Ti): apical O is O_z."""
    d = np.zeros((5, 3))
    d[:, 2] = amp * XI[[0, 1, 3, 3, 2]] / XI[1]
    return cell(a, d)


def calc(atoms, ecut, k, txt):
    from gpaw import GPAW, PW

    # k: n (Monkhorst-Pack n x n x n) or "ng" (Gamma-centred)
    kp = {"size": (int(k[:-1]),) * 3, "gamma": True} if str(k).endswith("g") else (k, k, k)
    return GPAW(mode=PW(ecut), xc="PBEsol", kpts=kp, txt=txt,
                convergence={"energy": 1e-6, "density": 1e-5, "forces": 1e-4},
                symmetry={"point_group": True})


class Store:
    def __init__(self, outdir):
        self.path = os.path.join(outdir, "results.jsonl")
        self.outdir = outdir
        self.done = {}
        if os.path.exists(self.path):
            for line in open(self.path):
                r = json.loads(line)
                self.done[r["key"]] = r

    def run(self, key, atoms, ecut, k):
        if key in self.done:
            return self.done[key]
        atoms.calc = calc(atoms, ecut, k, os.path.join(self.outdir, key + ".txt"))
        t0 = time.time()
        e = atoms.get_potential_energy()
        f = atoms.get_forces()
        s = atoms.get_stress(voigt=True)
        r = {"key": key, "ecut": ecut, "k": k, "natoms": len(atoms), "energy": e,
             "forces": f.tolist(), "stress_GPa": (s / 1e9 * 1.602176634e-19 / 1e-30).tolist(),
             "seconds": time.time() - t0, "cell": atoms.cell[0][0]}
        with open(self.path, "a") as fh:
            fh.write(json.dumps(r) + "\n")
        self.done[key] = r
        print(f"{key}: E {e:.6f} eV, {r['seconds']:.1f} s", flush=True)
        return r


def lattice(st, ecut=600, k=6):
    if MAT["formula"] == "BaTiO3":
        a = np.array([3.94, 3.97, 4.00, 4.03, 4.06])
    else:  # +-1.5% around the guess
        a = np.round(MAT["a"] * np.array([0.985, 0.9925, 1.0, 1.0075, 1.015]), 3)
    tag = "lat" if (ecut, k) == (600, 6) else f"lat_{ecut}_{k}"
    if MAT["alloy"]:
        tag = f"alloy_{MAT['alloy'][0]}_{'-'.join(map(str, MAT['alloy'][1]))}_{tag}"
    e = np.array([st.run(f"{tag}_{x:.3f}", lattice_cell(x), ecut, k)["energy"] for x in a])
    p = np.polyfit(a ** 3, e, 3)  # E(V), cubic polynomial
    v = np.roots(np.polyder(p))
    v = v[np.isreal(v)].real
    v = v[(v > a[0] ** 3) & (v < a[-1] ** 3)][0]
    print(f"a0 from E(a), {ecut} eV {k}x{k}x{k}: {v ** (1 / 3):.4f} A")
    print("stress (GPa) per a:", [round(st.done[f"{tag}_{x:.3f}"]["stress_GPa"][0], 2) for x in a])
    # stress at a0 from the scan: the Pulay stress of these settings
    sa = np.polyfit(a, [st.done[f"{tag}_{x:.3f}"]["stress_GPa"][0] for x in a], 2)
    print(f"stress at a0 (Pulay): {np.polyval(sa, v ** (1 / 3)):.2f} GPa; bulk modulus from E(V): "
          f"{v * np.polyval(np.polyder(p, 2), v) * 160.21766:.0f} GPa")


def compare(st, tag, settings):
    """E(polar) - E(cubic), largest force and stress of the polar structure."""
    for ecut, k in settings:
        r0 = st.run(f"{tag}_cub_{ecut}_{k}", cell(MAT["a"]), ecut, k)
        r1 = st.run(f"{tag}_pol_{ecut}_{k}", polar(MAT["a"], 0.05), ecut, k)
        f = np.array(r1["forces"])
        print(f"{ecut} eV k{k}: dE {1e3 * (r1['energy'] - r0['energy']):8.3f} meV, F_Ti_z "
              f"{f[1, 2]:.5f} F_Oz_z {f[4, 2]:.5f} eV/A, stress cubic {r0['stress_GPa'][0]:.3f}, "
              f"polar zz-xx {r1['stress_GPa'][2] - r1['stress_GPa'][0]:.3f} GPa, "
              f"{r0['seconds']:.0f}+{r1['seconds']:.0f} s")


def phonon(st, ecut, k, h=0.01):
    """Force constants for z displacements of A, B, O_x, O_y, O_z at Gamma; returns the
    displacement pattern of the lowest polar mode in that order, B = 1 (the lowest of the
    modes that are neither the acoustic translation nor the silent O_x - O_y mode, so a
    stable material such as SrTiO3 gets its soft TO mode, not the zero-frequency acoustic)."""
    order = [MAT["A"], MAT["B"], "O", "O", "O"]
    phi = np.zeros((5, 5))
    for j in (0, 1, 2, 4):  # O_y follows from O_x by the x<->y mirror
        fp = []
        for sgn in (1, -1):
            d = np.zeros((5, 3))
            d[j, 2] = sgn * h
            fp.append(np.array(st.run(f"ph_{ecut}_{k}_{j}_{sgn:+d}", cell(MAT["a"], d), ecut, k)
                               ["forces"])[:, 2])
        phi[:, j] = -(fp[0] - fp[1]) / (2 * h)
    perm = [0, 1, 3, 2, 4]
    phi[:, 3] = phi[perm, 2]
    phi = 0.5 * (phi + phi.T)
    phi -= np.diag(phi.sum(axis=1))  # acoustic sum rule
    m = np.array([atomic_masses[atomic_numbers[s]] for s in order])
    dyn = phi / np.sqrt(np.outer(m, m))
    w2, v = np.linalg.eigh(dyn)
    # eV/(A^2 amu) -> cm^-1
    conv = np.sqrt(1.602176634e-19 / 1e-20 / 1.66053906660e-27) / (2 * np.pi * 2.99792458e10)
    soft = None
    for i in range(5):
        freq = np.sign(w2[i]) * np.sqrt(abs(w2[i])) * conv
        acoustic = abs(v[:, i] @ np.sqrt(m)) / np.linalg.norm(np.sqrt(m)) > 0.99
        silent = abs(v[2, i] + v[3, i]) < 1e-6 * np.abs(v[:, i]).max()
        kind = "acoustic" if acoustic else "silent" if silent else "polar"
        x = v[:, i] / np.sqrt(m)
        x = x / x[1] if abs(x[1]) > 1e-6 else x
        print(f"{freq:9.1f} cm^-1 {kind:8s} eigvec ({MAT['A']}, {MAT['B']}, O_x, O_y, O_z): "
              + " ".join(f"{c:7.3f}" for c in x))
        if kind == "polar" and soft is None:
            soft = x
            print(f"   lowest polar mode: {freq:.1f} cm^-1 (negative = unstable)")
    return soft


def mode_from_displacement(disp, masses):
    """The polar pattern of a relaxed polar structure along z (paper 003: the local-mode
    basis fitted to the displacement between the cubic and the tetragonal phase).
    disp: 5x3 displacements from the cubic positions in cell order A, B, O_x, O_y, O_z;
    masses: the 5 atomic masses.  The uniform translation (free in a relaxation) is removed
    by fixing the centre of mass, the gauge of a Gamma phonon eigenvector, so the result
    compares directly with the phonon stage's.  Returns (xi, offaxis): xi in cell order with
    B = 1 (O_x, O_y averaged: equal by the 4mm symmetry), and the largest x, y or O_x - O_y
    difference, which a P4mm structure has none of."""
    disp = np.asarray(disp, float)
    m = np.asarray(masses, float)
    z = disp[:, 2] - (m @ disp[:, 2]) / m.sum()
    offaxis = max(np.abs(disp[:, :2] - (m @ disp[:, :2]) / m.sum()).max(), abs(z[2] - z[3]))
    z[2] = z[3] = 0.5 * (z[2] + z[3])
    return z / z[1], offaxis


def polar_relax(st, ecut=600, k=6, fmax=0.005):
    """The tetragonal (P4mm) polar phase at the cubic a (MAT['a']): internal coordinates
    relaxed by BFGS from a small polar start along z, the cell fixed.  Returns the
    displacement pattern (cell order, B = 1) from mode_from_displacement."""
    key = f"relax_fixed_{ecut}_{k}"
    a = MAT["a"]
    if key not in st.done:
        from ase.optimize import BFGS

        start = np.zeros((5, 3))  # A and B up, O down: any polar start relaxes to P4mm
        start[:, 2] = [0.10, 0.08, -0.08, -0.04, -0.04]
        atoms = cell(a, start)
        atoms.calc = calc(atoms, ecut, k, os.path.join(st.outdir, key + ".txt"))
        t0 = time.time()
        opt = BFGS(atoms, maxstep=0.05, logfile=os.path.join(st.outdir, key + ".bfgs"),
                   trajectory=os.path.join(st.outdir, key + ".traj"))
        opt.run(fmax=fmax, steps=60)
        f = atoms.get_forces()
        r = {"key": key, "ecut": ecut, "k": k, "a": a, "energy": atoms.get_potential_energy(),
             "positions": atoms.positions.tolist(), "forces": f.tolist(),
             "stress_GPa": (atoms.get_stress(voigt=True) / 1e9 * 1.602176634e-19 / 1e-30).tolist(),
             "steps": opt.nsteps, "fmax": float(np.abs(f).max()), "seconds": time.time() - t0}
        with open(st.path, "a") as fh:
            fh.write(json.dumps(r) + "\n")
        st.done[key] = r
    r = st.done[key]
    cub = cell(a)
    disp = np.array(r["positions"]) - cub.positions
    xi, off = mode_from_displacement(disp, cub.get_masses())
    e0 = st.run(f"cubic_{ecut}_{k}_{a:.3f}", cell(a), ecut, k)["energy"]
    zpar = disp[:, 2] - (cub.get_masses() @ disp[:, 2]) / cub.get_masses().sum()
    print(f"P4mm at a = {a:.3f} (cell fixed): E - E_cubic = {1e3 * (r['energy'] - e0):.1f} meV, "
          f"{r['steps']} BFGS steps, largest force {r['fmax']:.4f} eV/A, {r['seconds']:.0f} s")
    print(f"   displacements z, centre of mass fixed ({MAT['A']}, {MAT['B']}, O_x, O_y, O_z): "
          + " ".join(f"{c:7.4f}" for c in zpar) + f" A; off-axis {off:.1e} A")
    print("   stress (GPa, Voigt): " + " ".join(f"{c:.2f}" for c in r["stress_GPa"]))
    print("   pattern (B = 1): " + " ".join(f"{c:7.3f}" for c in xi))
    return xi


def fit_order(x):
    """Cell order (A, B, O_x, O_y, O_z) of a z pattern -> the fit file's xi order
    (A, B, X_par, X_perp, X_perp), normalised to unit length."""
    xi = np.asarray(x, float)[[0, 1, 4, 2, 3]]
    return xi / np.linalg.norm(xi)


XI_FIT = np.array([0.011, 1.0, -1.514, -0.786, -0.786])  # the phonon stage's soft mode


def berry_phase(st, key, atoms, ecut, k):
    """The z Berry phase (electronic + ionic, radians) of atoms, stored under key: GPAW
    without symmetry (the phase needs the full k mesh), wavefunctions dropped after."""
    if key not in st.done:
        from gpaw import GPAW, PW
        from gpaw.berryphase import get_polarization_phase

        gpw = os.path.join(st.outdir, key + ".gpw")
        atoms.calc = GPAW(mode=PW(ecut), xc="PBEsol", kpts=(k, k, k),
                          symmetry={"point_group": False, "time_reversal": False},
                          convergence={"energy": 1e-6, "density": 1e-6},
                          txt=os.path.join(st.outdir, key + ".txt"))
        t0 = time.time()
        atoms.get_potential_energy()
        atoms.calc.write(gpw, "all")
        phase = get_polarization_phase(gpw)  # radians per axis
        os.remove(gpw)  # the wavefunctions are large; the phases are kept
        r = {"key": key, "phase": phase.tolist(), "seconds": time.time() - t0}
        with open(st.path, "a") as fh:
            fh.write(json.dumps(r) + "\n")
        st.done[key] = r
        print(f"{key}: phase_z {phase[2]:.6f}, {r['seconds']:.0f} s", flush=True)
    return st.done[key]["phase"][2]


def charge(phases, h):
    """Z = V dP_z/dz from the phases at +h and -h: P_z = e phi_z a / (2 pi V) in a cubic
    cell, so Z = a dphi / (2 pi 2h), dphi taken on the branch of the small change."""
    dphi = phases[0] - phases[1]
    dphi -= 2 * np.pi * np.round(dphi / (2 * np.pi))
    return MAT["a_born"] * dphi / (2 * np.pi * 2 * h)


def born(st, ecut=600, k=6, h=0.01):
    """Z_zz per inequivalent atom from the Berry phase along z, by central differences."""
    names = {0: "A", 1: "B", 2: "O_perp", 4: "O_apical"}  # O_y equals O_x by symmetry
    z = {}
    for j, name in names.items():
        ph = []
        for sgn in (1, -1):
            d = np.zeros((5, 3))
            d[j, 2] = sgn * h
            ph.append(berry_phase(st, f"born_{ecut}_{k}_{j}_{sgn:+d}", cell(MAT["a_born"], d),
                                  ecut, k))
        z[name] = charge(ph, h)
        print(f"Z_zz({MAT.get(name, name)}) = {z[name]:+.3f} e")
    total = z["A"] + z["B"] + 2 * z["O_perp"] + z["O_apical"]
    print(f"acoustic sum Z_A + Z_B + 2 Z_O_perp + Z_O_apical = {total:+.3f} e (exact 0)")
    zk = np.array([z["A"], z["B"], z["O_perp"], z["O_perp"], z["O_apical"]])
    xi = mode_pattern(st)[[0, 1, 3, 4, 2]]  # cell order A, B, O_x, O_y, O_z; u along z
    print(f"local-mode charge Z* = sum_k xi_k Z_k = {abs(xi @ zk):.3f} e (xi normalised)")


def mode_pattern(st):
    """The soft mode (A, B, O_apical, O_perp, O_perp), normalised: BaTiO3's documented
    one, else this material's own Gamma soft mode (phonon stage) or, with --xi relax, the
    pattern of its relaxed P4mm phase (polar_relax stage; paper 003's choice for PbTiO3),
    or the five numbers given with --xi (another material's pattern)."""
    if isinstance(MAT["xi"], np.ndarray):
        return MAT["xi"] / np.linalg.norm(MAT["xi"])
    if MAT["formula"] == "BaTiO3" and MAT["xi"] == "phonon":
        return XI_FIT / np.linalg.norm(XI_FIT)
    x = polar_relax(st, 600, 6) if MAT["xi"] == "relax" else phonon(st, 600, 6)
    return fit_order(x)


def zstar(st, ecut=600, k=6, h=0.01):
    """The local-mode charge as paper 003 gets it: the polarization against the mode
    amplitude, Z* = V dP_z/du, u moving every atom of the normalised pattern by xi_k u."""
    xi = mode_pattern(st)
    ph = []
    for sgn in (1, -1):
        d = np.zeros((5, 3))
        d[:, 2] = sgn * h * xi[[0, 1, 3, 4, 2]]
        src = ("_xi" + "_".join(f"{v:.4f}" for v in xi) if isinstance(MAT["xi"], np.ndarray)
               else "" if MAT["xi"] == "phonon" else "_" + MAT["xi"])
        src += f"_a{MAT['a_born']:.3f}" if isinstance(MAT["xi"], np.ndarray) else ""
        ph.append(berry_phase(st, f"zstar_{ecut}_{k}{src}_{sgn:+d}", cell(MAT["a_born"], d),
                              ecut, k))
    zs = charge(ph, h)
    print(f"local-mode charge Z* = V dP/du = {abs(zs):.3f} e (xi normalised, u {h} A)")


def afd_cell(a, deg):
    """The 10-atom cell of the R-point tilt (fcc lattice a (0,1,1), a (1,0,1), a (1,1,0)):
    the 5-atom cells at 0 and a x, whose octahedra rotate about z by +deg and -deg (the
    a0a0c- pattern).  Each equatorial X moves by s (a/2) tan(deg) perpendicular to its B-X
    bond (s the parity of its cell; both B neighbours agree), the apical X stays."""
    base = np.array([[0, 0, 0], [.5, .5, .5], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]]) * a
    d = 0.5 * a * np.tan(np.radians(deg))
    pos, sym = [], []
    for s, origin in ((1, np.zeros(3)), (-1, np.array([a, 0, 0]))):
        p = base + origin
        p[2, 1] -= s * d  # X_x = B - a/2 x: z x (-x) = -y
        p[3, 0] += s * d  # X_y = B - a/2 y: z x (-y) = +x
        pos.extend(p)
        sym.extend([MAT["A"], MAT["B"], "O", "O", "O"])
    return Atoms(sym, positions=pos, cell=a * np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]]),
                 pbc=True)


def afd(st, ecut=600, k=4, angles=(0, 2, 4, 6, 8)):
    """Energy per formula unit against the R-point tilt angle about z at the cubic a
    (the 10-atom cell, k x k x k Monkhorst-Pack in it): a double well where the cubic
    phase is unstable to octahedral rotations (SrTiO3's 105 K transition)."""
    e = {x: st.run(f"afd_{ecut}_{k}_{x}", afd_cell(MAT["a"], x), ecut, k)["energy"] / 2
         for x in angles}
    for x in angles:
        print(f"tilt {x:4.1f} deg: E - E(0) = {1e3 * (e[x] - e[0]):8.2f} meV/f.u., "
              f"{st.done[f'afd_{ecut}_{k}_{x}']['seconds']:.0f} s")
    # E = c2 t^2 + c4 t^4 through the points (t in degrees): depth and angle of the minimum
    t = np.array([x for x in angles if x])
    c2, c4 = np.linalg.lstsq(np.column_stack([t ** 2, t ** 4]),
                             np.array([e[x] - e[0] for x in t]), rcond=None)[0]
    if c2 < 0 < c4:
        tm = np.sqrt(-c2 / (2 * c4))
        print(f"double well: minimum at {tm:.1f} deg, depth {1e3 * c2 ** 2 / (4 * c4):.2f} meV/f.u."
              f" (fit E = c2 t^2 + c4 t^4: c2 {1e3 * c2:.3f}, c4 {1e3 * c4:.5f} meV/deg^n)")
    else:
        print(f"no double well in this range (c2 {1e3 * c2:.3f}, c4 {1e3 * c4:.5f} meV/deg^n)")


def elastic(st, ecut=600, k=4, h=0.005):
    """Cubic elastic constants (GPa) from central differences of the stress."""
    a = MAT["a"]
    s = {}
    for name, (i, j) in (("xx", (0, 0)), ("yz", (1, 2))):
        for sign in (1, -1):
            eps = np.eye(3)
            if i == j:
                eps[i, i] += sign * h
            else:  # engineering shear sign*h: eps_yz = eps_zy = sign*h/2
                eps[i, j] += sign * h / 2
                eps[j, i] += sign * h / 2
            at = cell(a)
            at.set_cell(at.cell @ eps, scale_atoms=True)
            s[name, sign] = np.array(st.run(f"el_{name}_{sign:+d}_{ecut}_{k}", at, ecut, k)["stress_GPa"])
    d_xx = (s["xx", 1] - s["xx", -1]) / (2 * h)  # ASE stress: positive = tensile
    d_yz = (s["yz", 1] - s["yz", -1]) / (2 * h)
    c11, c12, c44 = d_xx[0], 0.5 * (d_xx[1] + d_xx[2]), d_yz[3]
    print(f"{ecut} eV, k {k}: C11 {c11:.1f}  C12 {c12:.1f}  C44 {c44:.1f} GPa; "
          f"B = (C11 + 2 C12)/3 {(c11 + 2 * c12) / 3:.1f} GPa; "
          f"per cell (eV, E = c1 sum eta_i^2 + c2 sum eta_i eta_j + c4 sum eta_4..6^2): "
          f"c1 {c11 / 2 * a ** 3 / 160.21766:.2f} c2 {c12 * a ** 3 / 160.21766:.2f} "
          f"c4 {c44 / 2 * a ** 3 / 160.21766:.2f}")


def super40(st, ecut, k):
    sc = cell(MAT["a"]).repeat((2, 2, 2))
    rng = np.random.default_rng(1)
    sc.positions += rng.normal(0, 0.03, sc.positions.shape)
    r = st.run(f"super_{ecut}_{k}", sc, ecut, k)
    print(f"40 atoms, {ecut} eV, k {k}: {r['seconds']:.0f} s")


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    outdir = args.pop(0)
    while args and args[0].startswith("--"):
        key, val = args.pop(0), args.pop(0)
        if key == "--formula":
            import re

            m = re.fullmatch(r"([A-Z][a-z]?)([A-Z][a-z]?)O3", val)
            if not m:
                raise SystemExit(f"--formula {val}: expected ABO3, e.g. PbTiO3")
            MAT.update(formula=val, A=m.group(1), B=m.group(2))
        elif key == "--a":
            MAT["a"] = MAT["a_born"] = float(val)
        elif key == "--alloy":
            el, _, cells = val.partition(":")
            try:
                cs = sorted({int(c) for c in cells.split(",")})
            except ValueError:
                cs = []
            if not el or not cs or not all(0 <= c < 8 for c in cs):
                raise SystemExit(f"--alloy {val}: expected EL:c1,c2,... with cells 0..7")
            MAT["alloy"] = (el, cs)
        elif key == "--xi":
            try:
                vals = [float(v) for v in val.split(",")]
            except ValueError:
                vals = []
            if val not in ("phonon", "relax") and len(vals) != 5:
                raise SystemExit(f"--xi {val}: expected phonon, relax or five numbers "
                                 "A,B,X_par,X_perp,X_perp")
            MAT["xi"] = np.array(vals) if len(vals) == 5 else val
        else:
            raise SystemExit(f"unknown option {key}")
    os.makedirs(outdir, exist_ok=True)
    st = Store(outdir)
    for stage in args:
        print(f"== {stage}", flush=True)
        if stage == "lattice":
            lattice(st)
        elif stage.startswith("lattice:"):
            ecut, k = (int(x) for x in stage.split(":")[1:3])
            lattice(st, ecut, k)
        elif stage == "ecut":
            compare(st, "ec", [(e, 4) for e in (400, 500, 550, 600, 700, 800)])
        elif stage == "kpts":
            compare(st, "kp", [(600, k) for k in (2, 4, 6, 8)])
        elif stage == "kgamma":  # the k-points of a 2x2x2 supercell with 2x2x2 / 3x3x3 meshes
            compare(st, "kg", [(600, "4g"), (600, "6g")])
        elif stage == "phonon":
            x = phonon(st, 600, 6)
            print("xi (A, B, X_par, X_perp, X_perp), normalised: "
                  + " ".join(f"{c:.4f}" for c in fit_order(x)))
        elif stage == "polar_relax":
            x = polar_relax(st, 600, 6)
            xi = fit_order(x)
            print("xi (A, B, X_par, X_perp, X_perp), normalised: "
                  + " ".join(f"{c:.4f}" for c in xi))
            xp = fit_order(phonon(st, 600, 6))
            print(f"overlap with the Gamma soft mode |xi . xi_phonon| = {abs(xi @ xp):.4f}")
        elif stage == "born" or stage.startswith("born:"):
            born(st, *(int(x) for x in stage.split(":")[1:3]))
        elif stage == "zstar" or stage.startswith("zstar:"):
            zstar(st, *(int(x) for x in stage.split(":")[1:3]))
        elif stage == "afd" or stage.startswith("afd:"):
            afd(st, *(int(x) for x in stage.split(":")[1:3]))
        elif stage == "elastic" or stage.startswith("elastic:"):
            elastic(st, *(int(x) for x in stage.split(":")[1:3]))
        elif stage.startswith("super"):
            ecut, k = stage.split(":")[1:3]
            super40(st, int(ecut), k if k.endswith("g") else int(k))
        else:
            raise SystemExit(f"unknown stage {stage}")


if __name__ == "__main__":
    main()
