#!/usr/bin/env python3
"""tag_frames.py - heff_kind for the frames of a training set written before fit wrote it.

fit writes `heff_kind=md|harmonic|elastic|descent|probe` on every frame of its train.xyz
(fit/training_set.h); `regression: kind_weights` weighs frames by it.  Frames of older
runs carry no kind (they read as `untagged`).  This adds it, from what the runs logged:

  * a run's own frames (no heff_imported): the learning.tsv lines `# step S: harmonic
    frame`, `elastic frame`, `descent probe`, `probe:` give the kind of the frame at step
    S, in order (a probe whose call failed has a line and no frame: it is skipped when
    the next frame at step S is not its configuration: harmonic, elastic and pattern
    probe frames hold v = omega = 0 exactly, an MD frame never does); every other own
    frame is an MD frame;
  * imported frames (heff_imported=1): the kind of the same frame (the same energy,
    step and temperature, printed to 17 digits) among the own frames of the SOURCE
    runs, tagged the same way; a frame no source holds stays untagged.

usage: tag_frames.py RUN [SOURCE ...] [--dry-run]
  RUN, SOURCE  fit output directories (train.xyz, learning.tsv)
RUN/train.xyz is rewritten in place (through a temporary file and a rename) with only
the heff_kind key added; nothing else changes, so the frames read back bit for bit.
Do not run it on the directory of a fit that is running.  Prints the count per kind.
Units: none (labels)."""
import argparse
import os
import re
import sys

KINDS = (("harmonic frame", "harmonic"), ("elastic frame", "elastic"),
         ("descent probe", "descent"), ("probe:", "probe"))
STEP_LINE = re.compile(r"# step (\d+): (.*)")


def frames(path):
    """[(comment line, atom lines)] of an extended-XYZ file."""
    with open(path) as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        if i + 2 + n > len(lines):
            raise SystemExit(f"{path}: frame at line {i + 1} is cut short")
        out.append((lines[i + 1], lines[i + 2:i + 2 + n]))
        i += 2 + n
    return out


def key(comment, name):
    m = re.search(r"(?:^| )" + name + r'=("[^"]*"|\S+)', comment)
    return m.group(1) if m else None


def modes_zero(comment, atoms):
    """True when every v and omega component of the frame is exactly 0."""
    props = key(comment, "Properties").split(":")
    col, zero_cols = 0, []
    for k in range(0, len(props), 3):
        width = int(props[k + 2])
        if props[k] in ("v", "w"):
            zero_cols += range(col, col + width)
        col += width
    for a in atoms:
        f = a.split()
        if any(float(f[c]) != 0.0 for c in zero_cols):
            return False
    return True


def own_kinds(run):
    """Kinds of run's own frames, in train.xyz order, from its learning.tsv."""
    logged = []  # (step, kind) in log order
    with open(os.path.join(run, "learning.tsv")) as f:
        for line in f:
            m = STEP_LINE.match(line)
            if not m:
                continue
            for text, kind in KINDS:
                if m.group(2).startswith(text):
                    logged.append((int(m.group(1)), kind))
    out = []
    for comment, atoms in frames(os.path.join(run, "train.xyz")):
        if key(comment, "heff_imported") == "1":
            out.append(None)
            continue
        step, kind = int(key(comment, "heff_step")), "md"
        for j, (s, k) in enumerate(logged):
            if s > step:
                break
            if s == step and (k == "descent" or modes_zero(comment, atoms)):
                kind = k
                del logged[: j + 1]  # lines before it are failed calls
                break
        out.append(kind)
    return out


def identity(comment):
    return tuple(key(comment, k) for k in ("energy", "heff_step", "heff_T"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("run")
    ap.add_argument("sources", nargs="*")
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    known = {}
    for src in a.sources:
        for (comment, _), kind in zip(frames(os.path.join(src, "train.xyz")), own_kinds(src)):
            if kind:
                known[identity(comment)] = kind
    path = os.path.join(a.run, "train.xyz")
    counts, lines = {}, []
    for (comment, atoms), kind in zip(frames(path), own_kinds(a.run)):
        have = key(comment, "heff_kind")
        if have:
            kind = have
        else:
            kind = kind or known.get(identity(comment), "untagged")
            if kind != "untagged":
                comment = re.sub(r"( heff_pred_err=\S+( heff_imported=1)?)",
                                 r"\1 heff_kind=" + kind, comment, count=1)
                if key(comment, "heff_kind") != kind:
                    raise SystemExit(f"{path}: no heff_pred_err key to place heff_kind after")
        counts[kind] = counts.get(kind, 0) + 1
        lines += [str(len(atoms)), comment] + atoms
    print(f"{path}: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    if a.dry_run:
        return
    tmp = path + ".tagging"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
