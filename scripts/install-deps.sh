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
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
