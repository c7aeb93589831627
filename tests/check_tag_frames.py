#!/usr/bin/env python3
"""check_tag_frames.py - dft_bridge/studies/tag_frames.py against the kinds fit itself
wrote.  A ZVR fit (2x2x2, 100 -> 300 K, noisy model engine) with pattern_frames,
strain_frames and descent probes writes heff_kind on every frame; a second fit imports
its train.xyz (initial_training) and makes MD calls of its own.  With every heff_kind
removed from both files, tag_frames.py on the first run (from its learning.tsv) and on
the second (its own frames from its log, the imported ones from the first run) must give
back every frame's kind as fit wrote it, each kind present, and leave every other byte
as it was; a second pass changes nothing.

usage: check_tag_frames.py BUILD_DIR SOURCE_DIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

build, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(src, "dft_bridge", "studies"))
import tag_frames  # noqa: E402

FIT = os.path.join(build, "fit", "fit")
TAG = os.path.join(src, "dft_bridge", "studies", "tag_frames.py")
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok


def write_fit(root, name, extra):
    with open(os.path.join(root, name + ".yaml"), "w") as f:
        f.write(f"reference: {src}/models/BaTiO3_ZVR1995.yaml\n"
                f"engine: {{type: model, model: {src}/models/BaTiO3_ZVR1995.yaml, "
                "noise: {force: 0.05}}\n"
                "pressure: -4.8\ntemperatures: [100, 300]\nsupercell: [2, 2, 2]\nsteps: 300\n"
                f"seed: 4\noutput: {{dir: {name}, checkpoint_every: 100, log_every: 10, "
                "progress: false}\n" + extra)
    subprocess.run([FIT, os.path.join(root, name + ".yaml")], check=True,
                   stdout=subprocess.DEVNULL)


def kinds(path):
    return [tag_frames.key(c, "heff_kind") for c, _ in tag_frames.frames(path)]


def strip(path):
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(re.sub(r" heff_kind=\S+", "", text))
    return text


root = tempfile.mkdtemp(prefix="check_tag_frames_")
try:
    write_fit(root, "first", "pattern_frames: 0.2\nstrain_frames: 0.01\n"
              "threshold: {descent: 0.5}\n")
    write_fit(root, "second", f"initial_training: {root}/first/train.xyz\n")
    runs = [os.path.join(root, n) for n in ("first", "second")]
    truth, written = {}, {}
    for run in runs:
        path = os.path.join(run, "train.xyz")
        truth[run] = kinds(path)
        written[run] = strip(path)
    every = truth[runs[0]] + truth[runs[1]]
    for k in ("md", "harmonic", "elastic", "descent"):
        check(k in every, f"the fits wrote frames of kind {k} ({every.count(k)})")
    check(None not in every, "fit wrote heff_kind on every frame")
    n_imp = sum(tag_frames.key(c, "heff_imported") == "1"
                for c, _ in tag_frames.frames(os.path.join(runs[1], "train.xyz")))
    check(n_imp > 0, f"the second run imported frames ({n_imp})")
    # the first run is tagged in place after the second, which reads it as a source
    subprocess.run([sys.executable, TAG, runs[1], runs[0]], check=True)
    subprocess.run([sys.executable, TAG, runs[0]], check=True)
    for run in runs:
        path = os.path.join(run, "train.xyz")
        got = kinds(path)
        bad = [i for i, (a, b) in enumerate(zip(got, truth[run])) if a != b]
        check(len(got) == len(truth[run]) and not bad,
              f"{os.path.basename(run)}: {len(got)} frames, kinds as fit wrote them "
              f"(differing at {bad[:5]})")
        with open(path) as f:
            check(f.read() == written[run], f"{os.path.basename(run)}: the file is the one fit "
                  "wrote, byte for byte")
        subprocess.run([sys.executable, TAG, run, runs[0]], check=True)
        with open(path) as f:
            check(f.read() == written[run], f"{os.path.basename(run)}: a second pass changes "
                  "nothing")
finally:
    shutil.rmtree(root)
print(f"check_tag_frames: {fails} failed")
sys.exit(1 if fails else 0)
