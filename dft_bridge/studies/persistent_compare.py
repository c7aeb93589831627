"""persistent_compare.py - file-based against persistent child-engine calls
(the output of build/bench/bench_dft_engine; docs/dft-bridge.md).

usage: /usr/bin/python3 persistent_compare.py RUN [RUN...]

For every call_NNNN present in both RUN/file and RUN/persistent: the wall
time of each (RUN/*/calls.tsv, s), the client's CPU time (result.txt: the
whole process in file mode, the call since the previous one ended in
persistent mode), GPAW's SCF iterations (gpaw.txt,
"Converged after N iterations"), and the differences of the results
(result.txt): energy (meV), largest force component (meV/Angstrom), largest
stress component (GPa).  Prints a markdown table."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import ase_runner  # noqa: E402  (read_result: the child's result file)

EV_A3_GPA = 160.21766208  # eV/Angstrom^3 in GPa


def read_result(path):
    r = ase_runner.read_result(path)
    return r["energy"], r["stress"], [x for f in r["forces"] for x in f]


def seconds(run):
    out = {}
    with open(os.path.join(run, "calls.tsv")) as f:
        for line in f:
            w = line.rstrip("\n").split("\t")
            if not line.startswith("#") and len(w) > 2:
                out[w[0]] = float(w[2])
    return out


def cpu_seconds(result):
    """CPU s of the call: file mode '# cpu_seconds X', persistent '"cpu_seconds": X'."""
    with open(result) as f:
        for line in f:
            m = re.search(r'cpu_seconds"?:? ([0-9.]+)', line)
            if line.startswith("#") and m:
                return float(m.group(1))
    return None


def iterations(path):
    try:
        with open(path) as f:
            found = re.findall(r"Converged after (\d+) iterations", f.read())
        return int(found[-1]) if found else None
    except OSError:
        return None


def compare(run):
    fdir, pdir = os.path.join(run, "file"), os.path.join(run, "persistent")
    tf, tp = seconds(fdir), seconds(pdir)
    print(f"\n{run}\n")
    print("| call | wall s file/pers. | CPU s file/pers. | SCF iter. file/pers. | dE meV | "
          "max dF meV/A | max dsigma GPa |")
    print("|---|---|---|---|---|---|---|")
    for name in sorted(set(tf) & set(tp)):
        ef, sf, ff = read_result(os.path.join(fdir, name, "result.txt"))
        ep, sp, fp = read_result(os.path.join(pdir, name, "result.txt"))
        df = max(abs(a - b) for a, b in zip(ff, fp))
        ds = max(abs(a - b) for a, b in zip(sf, sp)) * EV_A3_GPA
        it = (iterations(os.path.join(fdir, name, "gpaw.txt")),
              iterations(os.path.join(pdir, name, "gpaw.txt")))
        cpu = (cpu_seconds(os.path.join(fdir, name, "result.txt")),
               cpu_seconds(os.path.join(pdir, name, "result.txt")))
        print(f"| {name} | {tf[name]:.0f}/{tp[name]:.0f} | {cpu[0]}/{cpu[1]} | {it[0]}/{it[1]} | "
              f"{1e3 * abs(ef - ep):.2g} | {1e3 * df:.2g} | {ds:.2g} |")


if __name__ == "__main__":
    for r in sys.argv[1:]:
        compare(r)
