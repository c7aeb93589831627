"""compare_results.py REF RESULT...: energy, force and stress differences of
heff child result files (dft_bridge/ase_runner.py output) against REF.
Units: meV per cell, eV/Angstrom, GPa.  Used for the SCF-settings study in
docs/dft-bridge.md ("SCF settings")."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import ase_runner  # noqa: E402

EV_A3_TO_GPA = 160.21766


def read_result(path):
    """energy (eV), stress (eV/A^3, Voigt), forces (eV/A) of a result file."""
    r = ase_runner.read_result(path)
    return r["energy"], np.array(r["stress"]), np.array(r["forces"])


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
