#!/usr/bin/env bash
# Set-up command 1: install, build, and run the main job: a BaTiO3
# (Zhong-Vanderbilt-Rabe) cooling sweep by hybrid Monte Carlo that prints
# T, polarization and phase (C, T, O, R).  About half a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
./build/heff/heff examples/BaTiO3_ZVR_cooling.yaml
