#!/usr/bin/env bash
# resume-fits.sh FIT.yaml... - (re)start on-the-fly fits in the background after a
# reboot or a lost session: each FIT.yaml resumes from its checkpoint (or starts when
# it has none), detached, at nice 10, its output appended to LOGDIR/<name>.log
# (LOGDIR: $HEFF_FIT_LOGS or models/training, committed with the fits).  A fit already running is left alone.
# GPAW under mpirun as root needs Open MPI's two permissions; they are set here.
# Usage: scripts/resume-fits.sh examples/dft/BaTiO3_gpaw_fit_k2.yaml examples/dft/PbTiO3_gpaw_fit_k2.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { sed -n '2,7p' "$0"; exit 2; }
fit=build/fit/fit
[ -x "$fit" ] || { echo "resume-fits: $fit missing: run scripts/build.sh first" >&2; exit 1; }
logs=${HEFF_FIT_LOGS:-models/training}
mkdir -p "$logs"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for f in "$@"; do
  [ -f "$f" ] || { echo "resume-fits: $f: no such fit file" >&2; exit 1; }
  if pgrep -f -- "$fit (--resume )?$f\$" > /dev/null; then
    echo "resume-fits: $f is running already"
    continue
  fi
  log="$logs/$(basename "$f" .yaml).log"
  setsid nohup nice -n 10 "$fit" --resume "$f" >> "$log" 2>&1 < /dev/null &
  echo "resume-fits: $f -> $log (pid $!)"
done
