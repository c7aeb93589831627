"""heff_table.py - reads a heff TSV table (comment lines start with '#', then
one header row of column names with units, then data rows) for the scripts
next to it."""


def read_table(path):
    """Columns as a dict name -> list of strings, in row order."""
    names, cols = None, {}
    for line in open(path):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if names is None:
            names = f
            cols = {n: [] for n in names}
            continue
        for n, v in zip(names, f):
            cols[n].append(v)
    return cols


def floats(cols, name):
    return [float(v) for v in cols[name]]
