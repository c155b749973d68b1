#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (docs/RELIABILITY.md, tests/fuzz): builds the libFuzzer
# targets with clang, AddressSanitizer and UBSan (torch-free, build dir build-fuzz/ or
# $DEP_FUZZ_BUILD_DIR), runs each for N seconds from its seed corpus (tests/fuzz/corpus/<target>,
# the dictionary tests/fuzz/json.dict), replays every seed and committed crash input once, runs
# the parsers' unit tests under the sanitizers, and prints per target: executions, corpus size,
# crashes. Exits 1 when anything crashed or a replay failed.
#   scripts/fuzz.sh [--seconds N] [--target NAME] [--no-build]
# Crash inputs land in build-fuzz/fuzz-work/<target>/crashes/; reproduce one with
#   build-fuzz/fuzz/<target> <file>
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds=60
only=""
build_it=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --target) only="$2"; shift ;;
    --no-build) build_it=0 ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
start=$(date +%s)
log() { echo "[fuzz $(( $(date +%s) - start ))s] $*"; }

if [ "$build_it" = 1 ]; then
  clangxx="${DEP_FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}"
  if [ -z "$clangxx" ]; then echo "fuzz.sh: clang++ not found (scripts/setup.sh installs clang)" >&2; exit 2; fi
  generator=()
  command -v ninja > /dev/null && generator=(-G Ninja)
  log "building the fuzz targets in $build ($clangxx)"
  mkdir -p "$build"
  cmake -S "$root" -B "$build" "${generator[@]}" -DDEP_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="$clangxx" > "$build/configure.log" 2>&1 \
    || { cat "$build/configure.log"; exit 1; }
  cmake --build "$build" --parallel "${DEP_JOBS:-$(nproc)}" --target fuzz_all test_core_sanitized \
    || exit 1
fi

targets=()
for dir in "$root"/tests/fuzz/corpus/*/; do
  name=$(basename "$dir")
  if [ -z "$only" ] || [ "$only" = "$name" ]; then targets+=("$name"); fi
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failures=0
declare -A execs corpus_size crashes replay
for name in "${targets[@]}"; do
  bin="$build/fuzz/$name"
  seeds="$root/tests/fuzz/corpus/$name"
  work="$build/fuzz-work/$name"
  mkdir -p "$work/corpus" "$work/crashes"
  # Every seed (the committed crash inputs among them) once: under the sanitizers, a regression is
  # a failed replay even when fuzzing would not reach it again in N seconds.
  if "$bin" -runs=0 "$seeds" > "$work/replay.log" 2>&1; then replay[$name]=ok
  else replay[$name]=FAILED; failures=$(( failures + 1 )); log "$name: seed replay failed (see $work/replay.log)"; fi
  if [ "$seconds" -gt 0 ]; then
    log "$name: fuzzing ${seconds}s"
    before=$(ls "$work/crashes" | wc -l)
    "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
      -dict="$root/tests/fuzz/json.dict" -artifact_prefix="$work/crashes/" "$work/corpus" "$seeds" \
      > "$work/fuzz.log" 2>&1
    execs[$name]=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
    after=$(ls "$work/crashes" | wc -l)
    crashes[$name]=$(( after - before ))
    if [ "${crashes[$name]}" != 0 ]; then
      failures=$(( failures + 1 ))
      log "$name: CRASH (input in $work/crashes/):"
      grep -m3 -E "ERROR|fuzz: |runtime error|terminate" "$work/fuzz.log"
    fi
  fi
  corpus_size[$name]=$(( $(ls "$work/corpus" | wc -l) + $(ls "$seeds" | wc -l) ))
done

# The parsers' unit tests (json, safetensors, config, atomic files) under ASan + UBSan.
sanitized="skipped"
if [ -z "$only" ]; then
  if (cd "$root" && "$build/test_core_sanitized" > "$build/test_core_sanitized.log" 2>&1); then
    sanitized="passed ($(grep -oE 'All tests passed \([0-9]+ assertions in [0-9]+ test cases\)' \
      "$build/test_core_sanitized.log" | grep -oE '[0-9]+ test cases'))"
  else
    sanitized="FAILED (see $build/test_core_sanitized.log)"; failures=$(( failures + 1 ))
  fi
fi

total=0
echo
echo "fuzzing (${seconds}s per target, $(( $(date +%s) - start ))s in all):"
printf '  %-26s %12s %8s %8s %8s\n' target executions corpus crashes replay
for name in "${targets[@]}"; do
  printf '  %-26s %12s %8s %8s %8s\n' "$name" "${execs[$name]:--}" "${corpus_size[$name]}" "${crashes[$name]:--}" \
    "${replay[$name]}"
  total=$(( total + ${execs[$name]:-0} ))
done
echo "  total executions $total; sanitizer unit tests (test_core under ASan+UBSan): $sanitized"
[ "$failures" = 0 ]
