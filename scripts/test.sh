#!/usr/bin/env bash
# The README's test command: set up, build, run every test with ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
export DEP_VENV="${DEP_VENV:-$root/.venv}"
cd "$build"
# --no-tests=error: a crashing Catch2 binary otherwise looks like "no tests" and passes.
ctest --no-tests=error --output-on-failure --timeout 1500 -j "$(nproc)"

# Reliability (docs/RELIABILITY.md): every parser fuzzed under ASan+UBSan, the long tools killed and
# resumed; both run to the end, then their figures are printed together and any failure fails CI.
reliability_ok=1
DEP_FUZZ_SECONDS="${DEP_FUZZ_SECONDS:-12}"
"$root/scripts/fuzz.sh" --seconds "$DEP_FUZZ_SECONDS" > "$build/ci-fuzz.log" 2>&1 || reliability_ok=0
DEP_BUILD_DIR="$build" "$root/scripts/fault_injection.sh" --quick > "$build/ci-fault-injection.log" 2>&1 \
  || reliability_ok=0
catalogue=$(grep -cE '^\| E-' "$root/docs/ERRORS.md")
catalogue_tested=$(ctest -N | grep -oE 'E-[A-Z-]+:' | sort -u | wc -l)
echo
echo "==== reliability figures ===="
sed -n '/^fuzzing (/,$p' "$build/ci-fuzz.log"
sed -n '/^fault injection (/,$p' "$build/ci-fault-injection.log"
echo "error catalogue (docs/ERRORS.md): $catalogue_tested of $catalogue entries tested (message and exit code), all passed above"
if [ "$reliability_ok" != 1 ]; then
  echo "reliability step FAILED: see $build/ci-fuzz.log and $build/ci-fault-injection.log" >&2
  exit 1
fi
