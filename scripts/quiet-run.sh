#!/usr/bin/env bash
# quiet-run.sh CMD [ARG...] - runs CMD with the background on-the-fly fits
# (scripts/resume-fits.sh: `fit` and its GPAW children) paused, so that a
# benchmark has the machine's cores to itself; the fits continue when CMD ends,
# however it ends.  A pause of minutes costs a fit nothing but the wall time.
# The engine's `timeout` counts wall time, pauses included: a pause longer than
# what is left of it fails the running call, which is then retried from scratch
# (PZT25's call_0038, paused 2 h 10 min against 7200 s, 2026-11-30).
set -euo pipefail
[ $# -gt 0 ] || { sed -n '2,8p' "$0"; exit 2; }
# the session ids of running fits: each was started by setsid, so its GPAW
# children (mpirun, python3) share the fit's session; none running: nothing to pause
sids=$({ pgrep -x fit || true; } | xargs -r -n1 ps -o sid= -p | sort -u | tr -d ' ')
signal() { for s in $sids; do pkill "-$1" -s "$s" || true; done; }
trap 'signal CONT' EXIT
signal STOP
sleep 1
"$@"
