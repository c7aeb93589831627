#!/usr/bin/env bash
# Installs the Debian packages that building and testing heff needs, only
# those that are missing. Safe to run repeatedly; needs root or sudo.
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build
  libfftw3-dev libfftw3-mpi-dev # libfftw3-dev also carries libfftw3_omp (FFTW's OpenMP threads)
  libgomp1                      # OpenMP runtime (comes with gcc; listed for the threads option)
  liblapacke-dev libopenblas-dev
  libgsl-dev
  libopenmpi-dev openmpi-bin
  libyaml-dev
  python3-ase  # reads the fit training set in the tests; drives GPAW in dft_bridge
  python3-numpy python3-scipy python3-matplotlib # the analysis scripts and their tests
  python3-yaml # model files in Python (dft_bridge/studies/kpoint_correction.py merge)
)

"$(dirname "$0")/apt-install-missing.sh" install-deps "${packages[@]}"
