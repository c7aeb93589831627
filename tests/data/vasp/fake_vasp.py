"""fake_vasp.py - stands in for VASP in tests/test_vasp_engine.py.

usage: fake_vasp.py SAMPLE_DIR [FILE...]

Checks that the current directory holds what VASP reads (INCAR with
IBRION = -1 and NSW = 0, KPOINTS, POSCAR whose species line matches the
TITEL order of POTCAR), exits 1 like VASP if not, then copies FILE...
(default: vasprun.xml OUTCAR) from SAMPLE_DIR, as VASP would write them."""
import os
import shutil
import sys


def main():
    sample, files = sys.argv[1], sys.argv[2:] or ["vasprun.xml", "OUTCAR"]
    incar = {}
    for line in open("INCAR"):
        k, v = line.split("=", 1)
        incar[k.strip()] = v.strip()
    if incar.get("IBRION") != "-1" or incar.get("NSW") != "0":
        sys.exit("fake_vasp: INCAR is not a static step")
    kp = open("KPOINTS").read().split("\n")
    if kp[1].strip() != "0" or kp[2] not in ("Gamma", "Monkhorst-Pack"):
        sys.exit("fake_vasp: KPOINTS is not an automatic mesh")
    species = open("POSCAR").read().split("\n")[5].split()
    titel = [ln.split("=")[1].split()[1].split("_")[0] for ln in open("POTCAR") if "TITEL" in ln]
    if titel != species:
        sys.exit(f"fake_vasp: POTCAR {titel} does not match POSCAR {species}")
    for f in files:
        if f != "none":
            shutil.copy(os.path.join(sample, f), f)


if __name__ == "__main__":
    main()
