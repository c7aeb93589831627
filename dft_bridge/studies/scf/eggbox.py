"""eggbox.py - GPAW's egg-box effect: the cubic 5-atom BaTiO3 cell translated rigidly by t
along x (600 eV, PBEsol, 4x4x4 k, symmetry off, the fit's SCF settings and axial GGA
gradient).  A plane-wave energy is translation invariant; what changes comes from the
real-space grid (XC, compensation charges): energy E(t) and net force sum_i F_i(t).
Results 2026-11-26 (eggbox.log): t = 0, h/8, h/4, h/2 of the coarse grid h = a0/24 =
0.166 A: net force 0, 1.69, 2.87, 0.003 meV/A; energy 0, -0.018, -0.067, -0.151 meV per
formula unit, i.e. F = F0 sin(2 pi t/h) with F0 = 2.9 meV/A and a ripple F0 h/pi = 0.15 meV
(docs/dft-bridge.md, "The acoustic sum rule on GPAW data").
usage: /usr/bin/python3 dft_bridge/studies/scf/eggbox.py   (one process, ~10 min)"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "dft_bridge"))
import ase_runner  # noqa: E402  (make_calculator: the fit's GPAW set-up)

ase_runner.default_environment()  # before numpy loads (BLAS threads)
from ase import Atoms  # noqa: E402
s = json.load(open(os.path.join(ROOT, "examples", "dft", "gpaw_pbesol_600_k2.json")))
s["kpts"] = [4, 4, 4]  # the 5-atom mesh the 2x2x2 supercell's 2x2x2 k folds onto
a = 3.985
base = Atoms("BaTiO3", scaled_positions=[[0, 0, 0], [.5, .5, .5], [0, .5, .5], [.5, 0, .5],
                                         [.5, .5, 0]], cell=[a] * 3, pbc=True)
for t in [0.0, 0.0207, 0.0415, 0.0830]:  # 0, h/8, h/4, h/2 of the coarse grid h = a0/24
    at = base.copy()
    at.positions += [t, 0, 0]
    at.calc = ase_runner.make_calculator(s)
    at.calc.set(txt=f"eggbox_{t:.4f}.txt", symmetry="off")
    e = at.get_potential_energy()
    f = at.get_forces()
    print(f"t {t:.4f} E {e:.6f} sumF {f.sum(0)} maxF {abs(f).max():.2e}", flush=True)
