"""test_file_engine.py - CP2K or Quantum ESPRESSO through ase_runner.py
(dft_bridge/engines/), checked against finite differences of their own
energies.  Exit 77 (skipped) when the code or its data is not installed
(scripts/install-dft.sh --cp2k --espresso installs both).

usage: /usr/bin/python3 test_file_engine.py RUNNER cp2k|espresso

A water molecule in a small orthorhombic box, LDA, low cutoff, Gamma only:
a few seconds per call (the perovskite numbers are in docs/dft-bridge.md,
from dft_bridge/studies/engine_check.py; this test checks the plumbing:
units, signs, atom order, failure detection), bent and stretched so that
every force is sizeable:
  - the x force on O equals -dE/dx by central differences (h = 0.002 A),
  - sigma_zz - sigma_xx and sigma_xz equal (1/V) dE/d eps by central
    differences for the volume-preserving strains diag(-eps, 0, eps) and
    eps_xz = eps_zx = eps/2 (eps = 0.001; atoms at fixed fractional
    coordinates),
  - CP2K: the reported forces sum to zero and engine.json records the mean
    force removed, equal to CP2K's own 'SUM OF ATOMIC FORCES' / N,
  - an SCF stopped after 2 iterations gives 'converged false', exit 0,
  - a bad settings key gives exit 1 with a message naming it.
Work directories stay in ./file_engine_ENGINE/ for inspection."""
import json
import os
import shutil
import sys

import numpy as np
from ase import Atoms

RUNNER = os.path.abspath(sys.argv[1])
ENGINE = sys.argv[2]
sys.path.insert(0, os.path.join(os.path.dirname(RUNNER), "studies"))
from engine_check import read_result, run_runner  # noqa: E402

HARTREE_PER_BOHR = 27.211386245988 / 0.529177210903  # eV/A per atomic unit of force (CODATA 2018)
PSEUDO = "/usr/share/espresso/pseudo"
CASES = {
    "cp2k": dict(program="cp2k", files=[],
                 settings={"calculator": "cp2k", "xc": "LDA", "basis_set": "DZVP-MOLOPT-SR-GTH",
                           "potential": "GTH-PADE", "cutoff_ry": 150, "rel_cutoff_ry": 30,
                           "scf": "ot", "eps_scf": 1e-9},
                 unconverged={"max_scf": 2}, bad=({"xc": "B3LYP"}, "key 'xc'")),
    "espresso": dict(program="pw.x", files=["H.pz-vbc.UPF", "O.pz-rrkjus.UPF"],
                     settings={"calculator": "espresso", "pseudo_dir": PSEUDO,
                               "pseudopotentials": {"H": "H.pz-vbc.UPF", "O": "O.pz-rrkjus.UPF"},
                               "ecutwfc_ry": 25, "ecutrho_ry": 200, "conv_thr_ry": 1e-12},
                     unconverged={"electron_maxstep": 2},
                     bad=({"pseudopotentials": {"O": "O.pz-rrkjus.UPF"}}, "no file for H")),
}
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def call(name, atoms, **extra):
    d = os.path.abspath(os.path.join(f"file_engine_{ENGINE}", name))
    os.makedirs(d)
    s = dict(CASES[ENGINE]["settings"], **extra)
    with open(os.path.join(d, "settings.json"), "w") as f:
        json.dump(s, f)
    p = run_runner(os.path.join(d, "settings.json"), d, atoms, nice=False)
    err = open(os.path.join(d, "stderr.log")).read().strip()
    return p.returncode, (read_result(d, len(atoms)) if p.returncode == 0 else None), err, d


def water(dx=0.0, strain=None):
    """O-H 1.0 and 0.95 A, 104.5 degrees, tilted out of the xz plane; O moved
    by dx along x; the cell (and positions) deformed by (1 + strain)."""
    t = np.radians(104.5 / 2)
    pos = np.array([[dx, 0, 0], [np.sin(t), 0, np.cos(t)],
                    [-0.95 * np.sin(t), 0.05, 0.95 * np.cos(t)]])
    at = Atoms("OH2", positions=pos + [2.5, 2.6, 2.2], cell=[5.0, 5.2, 5.4], pbc=True)
    if strain is not None:
        at.set_cell(at.cell.array @ (np.eye(3) + strain).T, scale_atoms=True)
    return at


def main():
    c = CASES[ENGINE]
    if not shutil.which(c["program"]) or not all(os.path.exists(os.path.join(PSEUDO, f))
                                                 for f in c["files"]):
        print(f"{c['program']} or its data not installed (scripts/install-dft.sh): skipped")
        sys.exit(77)
    shutil.rmtree(f"file_engine_{ENGINE}", ignore_errors=True)
    base = water()
    rc, r, err, d = call("base", base)
    check(rc == 0 and r is not None, f"water: converged ({err[-200:]})")
    if r is None:
        sys.exit(1)
    e0, f, s, info = r
    raw = f.copy()
    if ENGINE == "cp2k":
        mean = np.array(info["mean_force_removed_eV_per_A"])
        raw = f + mean
        line = [ln for ln in open(os.path.join(d, "cp2k.out")) if "SUM OF ATOMIC FORCES" in ln][-1]
        cp2k_sum = np.array(line.split()[4:7], float) * HARTREE_PER_BOHR
        check(np.abs(f.sum(axis=0)).max() < 1e-10, f"forces sum to zero after removing the mean "
                                                    f"{mean} eV/A")
        check(np.abs(mean * len(base) - cp2k_sum).max() < 1e-6,
              f"recorded mean x N = CP2K's SUM OF ATOMIC FORCES {cp2k_sum}")
    h = 0.002
    em = call("o_minus", water(dx=-h))[1][0]
    ep = call("o_plus", water(dx=+h))[1][0]
    fd = -(ep - em) / (2 * h)
    check(abs(fd - raw[0, 0]) < 1e-3 * abs(fd),
          f"F_x(O) {raw[0, 0]:.6f} = -dE/dx {fd:.6f} eV/A (central differences, h = {h})")
    # volume-preserving strains (to first order): a plane-wave basis at fixed
    # cutoff changes discontinuously with the volume (Pulay stress), which
    # finite differences of E would pick up; these test the stress components,
    # their signs and Voigt places (xx 0, zz 2, xz 4)
    eps, vol = 0.001, base.get_volume()
    shear = np.zeros((3, 3))
    shear[0, 2] = shear[2, 0] = eps / 2
    for name, strain, want in (("zz-xx", np.diag([-eps, 0, eps]), s[2] - s[0]),
                               ("xz", shear, s[4])):
        es = [call(f"strain_{name}_{sign:+d}", water(strain=sign * strain))[1][0]
              for sign in (-1, 1)]
        sfd = (es[1] - es[0]) / (2 * eps) / vol  # symmetric shear: dE = V (s_xz + s_zx) eps/2
        check(abs(sfd - want) < 1e-3 * np.abs(s).max(),
              f"sigma_{name} {want:.8f} = (1/V) dE/d eps {sfd:.8f} eV/A^3 (eps = {eps})")
    rc, r, err, d = call("unconverged", base, **c["unconverged"])
    check(rc == 0 and r is None and "not converged" in err, "SCF stopped early -> converged false")
    bad, want = c["bad"]
    rc, r, err, d = call("bad_settings", base, **bad)
    check(rc == 1 and want in err and "settings.json" in err,
          f"bad settings -> exit 1 ({err[-120:]})")
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
