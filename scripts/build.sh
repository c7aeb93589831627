#!/usr/bin/env bash
# Installs missing Debian packages and builds heff into ./build (release,
# -Werror).  Usage: scripts/build.sh [extra meson options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -d build ]; then
  meson setup build --buildtype=release -Dwerror=true "$@"
fi
ninja -C build
