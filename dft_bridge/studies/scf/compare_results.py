"""compare_results.py REF RESULT...: energy, force and stress differences of
heff child result files (dft_bridge/ase_runner.py output) against REF.
Units: meV per cell, eV/Angstrom, GPa.  Used for the SCF-settings study in
docs/dft-bridge.md ("SCF settings")."""
import sys

import numpy as np

EV_A3_TO_GPA = 160.21766


def read_result(path):
    energy, stress, forces = None, None, []
    in_forces = False
    for line in open(path):
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        if w[0] == "energy":
            energy = float(w[1])
        elif w[0] == "stress":
            stress = np.array([float(x) for x in w[1:7]])
        elif w[0] == "forces":
            in_forces = True
        elif in_forces and len(w) == 3:
            forces.append([float(x) for x in w])
    return energy, stress, np.array(forces)


def main():
    e0, s0, f0 = read_result(sys.argv[1])
    for path in sys.argv[2:]:
        e, s, f = read_result(path)
        df = f - f0
        print(f"{path}: dE {1000 * (e - e0):+.4f} meV/cell, max |dF| {np.abs(df).max():.2e} eV/A, "
              f"rms dF {np.sqrt((df ** 2).mean()):.2e} eV/A, "
              f"max |dstress| {EV_A3_TO_GPA * np.abs(s - s0).max():.2e} GPa ({len(f)} atoms)")


if __name__ == "__main__":
    main()
