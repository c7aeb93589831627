#!/usr/bin/env bash
# Set-up command 2: install, build with -Werror and run the whole test suite,
# then build again with AddressSanitizer + UndefinedBehaviorSanitizer and run
# the suite once more.  Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1

passed=0
failed=0
run_suite() { # dir, label, meson test options, meson setup options...
  local dir=$1 label=$2 test_opts=$3
  shift 3
  if [ ! -d "$dir" ]; then
    meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 || {
      cat "$dir.setup.log"
      failed=$((failed + 1))
      return
    }
  fi
  if ! ninja -C "$dir"; then
    echo "$label: build failed"
    failed=$((failed + 1))
    return
  fi
  local out
  out=$(mktemp)
  # shellcheck disable=SC2086 # test_opts: zero or more words
  meson test -C "$dir" --print-errorlogs --num-processes 2 $test_opts 2>&1 | tee "$out"
  local ok fail
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$out" | tail -n 1)
  fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$out" | tail -n 1)
  local timeouts
  timeouts=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$out" | tail -n 1)
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${fail:-0} + ${timeouts:-0}))
  if [ -z "$ok" ]; then failed=$((failed + 1)); fi
  rm -f "$out"
  echo "$label: ${ok:-0} ok, ${fail:-?} failed"
}

# Both suites build with MPI (-Dmpi=enabled: a missing MPI is an error) and
# run the MPI tests under mpirun -np 2 (docs/mpi.md).
run_suite build-test "release -Werror" "" --buildtype=release -Dmpi=enabled
# Sanitizers: -march=native off so the checks see portable code paths too.
# The dft suite (Python engines of dft_bridge, CP2K and pw.x when installed)
# runs no C code: once, in the release pass.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_suite build-sanitize "address,undefined sanitizers" "--no-suite dft" --buildtype=debugoptimized \
  -Db_sanitize=address,undefined -Db_lundef=false -Dnative_arch=false -Dmpi=enabled

# The build without MPI must stay clean (-Werror); its code paths are the
# one-rank ones the suites above run, so building is the check.
if [ ! -d build-nompi ]; then
  meson setup build-nompi -Dwerror=true -Dmpi=disabled >build-nompi.setup.log 2>&1 || {
    cat build-nompi.setup.log
    failed=$((failed + 1))
  }
fi
if [ -d build-nompi ]; then
  if ninja -C build-nompi; then
    passed=$((passed + 1))
    echo "no-MPI build: ok"
  else
    failed=$((failed + 1))
    echo "no-MPI build: failed"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
