#!/usr/bin/env bash
# save-fits.sh - commits the DFT results of the running fits (models/training/)
# so that they outlive the machine: only the fits' files are staged, whatever
# else the working tree holds.  The message counts each run's engine calls.
# Run it every ~30 minutes while fits run (and before a session ends).
set -euo pipefail
cd "$(dirname "$0")/.."
git add models/training
if git diff --cached --quiet -- models/training; then
  echo "save-fits: nothing new"
  exit 0
fi
msg="fit data:"
for d in models/training/*/; do
  [ -f "$d/calls.tsv" ] || continue
  msg="$msg $(basename "$d") $(grep -vc '^#' "$d/calls.tsv" || true) calls;"
done
git commit -q -m "${msg%;}" -- models/training
git log --oneline -1
