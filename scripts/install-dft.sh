#!/usr/bin/env bash
# Installs what the GPAW engine of dft_bridge needs (Debian packages, only
# those missing) and generates the PBEsol PAW setups, which Debian does not
# ship, into a project-owned directory.  Safe to run repeatedly; apt needs
# root or sudo.  Prints the GPAW_SETUP_PATH to use (ase_runner.py uses the
# same directory by default).  Optional engines (dft_bridge/engines/):
# --cp2k adds CP2K 2023.1 with its basis sets and GTH potentials
# (/usr/share/cp2k), --espresso Quantum ESPRESSO's pw.x with Debian's
# pseudopotentials (/usr/share/espresso/pseudo: no Ba, Sr or Zr).
#   usage: scripts/install-dft.sh [--cp2k] [--espresso] [ELEMENT...]
#          (elements of the GPAW setups; default: Ba Ti O Pb Sr Zr)
set -euo pipefail

packages=(
  gpaw gpaw-data python3-ase openmpi-bin
  libopenblas0-serial # single-threaded BLAS: 2 cores, MPI ranks do the parallelism
)
elements=()
for arg in "$@"; do
  case $arg in
  --cp2k) packages+=(cp2k cp2k-data) ;;
  --espresso) packages+=(quantum-espresso quantum-espresso-data) ;;
  -*) echo "install-dft: unknown option $arg (--cp2k, --espresso)" >&2; exit 2 ;;
  *) elements+=("$arg") ;;
  esac
done
if [ ${#elements[@]} -eq 0 ]; then elements=(Ba Ti O Pb Sr Zr); fi
setup_dir="${HEFF_GPAW_SETUPS:-${XDG_DATA_HOME:-$HOME/.local/share}/heff/gpaw-setups}"

"$(dirname "$0")/apt-install-missing.sh" install-dft "${packages[@]}"

# gpaw-setup writes SYMBOL.PBEsol into the current directory; one element at a
# time so that a failure names it.  Serial and single-threaded: cheap.
mkdir -p "$setup_dir"
cd "$setup_dir"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
for el in "${elements[@]}"; do
  if [ -s "$el.PBEsol" ] || [ -s "$el.PBEsol.gz" ]; then continue; fi
  echo "install-dft: generating the PBEsol setup of $el" >&2
  gpaw-setup -f PBEsol "$el" >"$el.setup.log" 2>&1 ||
    { echo "install-dft: gpaw-setup failed for $el (log: $setup_dir/$el.setup.log)" >&2; exit 1; }
  [ -s "$el.PBEsol" ] || { echo "install-dft: no $el.PBEsol written (log: $setup_dir/$el.setup.log)" >&2; exit 1; }
done

# The Debian gpaw-data setups (LDA, PBE) stay usable next to ours.
echo "export GPAW_SETUP_PATH=$setup_dir:/usr/share/gpaw-setups"
