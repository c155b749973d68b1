#!/usr/bin/env bash
# One command for the GPU machine (docs/cuda.md): configure dep against that machine's own LibTorch
# with the carried bundle of small libraries (scripts/device/bundle.sh), build only what the GPU
# checks need with every core, run the [cuda] tests, run the GPU benchmarks against HF transformers,
# and write each result to $OUT as it goes, so a run cut short keeps what it had.
#
# On the device (one `run` call; the bundle travels as a carried path):
#   scripts/device/run.sh                     # OUT=$OUT, python3 = the machine's torch
# Here, without a GPU (same configure and build; CUDA tests run their checks on the CPU; the
# benchmarks at tiny shapes):
#   DEP_VENV=$HOME/.cache/dep/venv scripts/device/run.sh --rehearse
# Options: --rehearse, --budget SECONDS (whole run, default 560: a device command may run 600;
#   rehearsal 3600, with every step's budget scaled by DEP_BUDGET_SCALE, default 8),
#   --steps "env configure build tests bench" (a subset), --bench-only "decode,train,embed,decode-sdpa".
# Env: OUT (results; default BUILD/out), DEP_DEVICE_BUILD (default build-device, or build-rehearse),
#   DEP_DEVICE_BUNDLE (default build/device-bundle), DEP_PYTHON (default python3, rehearsal: the venv's).
# Files in OUT (at most 8 come back from the device): run.log, steps.tsv, env.txt, tests.txt,
# bench.jsonl, bench.md.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rehearse=0
budget=""
steps="env configure build tests bench"
bench_only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rehearse) rehearse=1 ;;
    --budget) budget="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --bench-only) bench_only="$2"; shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
# This 2-core shared machine is far slower than the device's 16 cores: the rehearsal scales every
# budget (default 8x) and the whole run's (default 3600 s) so it finishes and times each step.
scale=1
if [ "$rehearse" = 1 ]; then scale="${DEP_BUDGET_SCALE:-8}"; fi
[ -n "$budget" ] || budget=$([ "$rehearse" = 1 ] && echo 3600 || echo 560)
start=$(date +%s)
deadline=$((start + budget))
if [ "$rehearse" = 1 ]; then
  build="${DEP_DEVICE_BUILD:-$root/build-rehearse}"
  py="${DEP_PYTHON:-${DEP_VENV:-$root/.venv}/bin/python3}"
  jobs="${DEP_JOBS:-2}"
else
  build="${DEP_DEVICE_BUILD:-$root/build-device}"
  py="${DEP_PYTHON:-python3}"
  jobs="${DEP_JOBS:-$(nproc)}"
fi
bundle="${DEP_DEVICE_BUNDLE:-$root/build/device-bundle}"
out="${OUT:-$build/out}"
mkdir -p "$out" "$build"
log="$out/run.log"
exec > >(tee -a "$log") 2>&1
printf 'step\trc\tseconds\tbudget_s\n' > "$out/steps.tsv"

# Budgets per step (seconds), each cut to what is left of the whole run. The build is the
# longest: ~110 translation units with every core; the benchmarks stop starting new processes
# when the run's deadline nears.
declare -A step_budget=([env]=20 [configure]=120 [build]=300 [tests]=120 [bench]=420)

left() { echo $((deadline - $(date +%s))); }
run_step() {  # name, command...
  local name="$1"; shift
  local b=$((step_budget[$name] * scale)) l
  l=$(left)
  [ "$l" -lt "$b" ] && b="$l"
  if [ "$b" -le 5 ]; then
    printf '%s\tskipped\t0\t%s\n' "$name" "$b" >> "$out/steps.tsv"
    echo "run.sh: [$name] skipped: no time left"
    return 1
  fi
  echo "run.sh: [$name] start (budget ${b} s, $(left) s left of the run)"
  local t0=$(date +%s)
  # Steps are exported shell functions, so timeout can run (and stop) each in its own bash.
  timeout --kill-after=10 "$b" bash -c "$*"
  local rc=$?
  local dt=$(($(date +%s) - t0))
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$dt" "$b" >> "$out/steps.tsv"
  echo "run.sh: [$name] rc=$rc in ${dt} s"
  return $rc
}

step_env() {
  {
    echo "date: $(date -u +%FT%TZ)"
    echo "mode: $([ "$rehearse" = 1 ] && echo rehearse || echo device)"
    echo "commit: $(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
    echo "host: $(uname -srm), $(nproc) cores"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader
    echo "python: $py"
    "$py" -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), "cxx11_abi", torch._C._GLIBCXX_USE_CXX11_ABI); print("torch cmake prefix", torch.utils.cmake_prefix_path)'
    "$py" -c 'import transformers; print("transformers", transformers.__version__)' 2>&1 | tail -1
    echo "cmake: $(cmake --version | head -1)"
    echo "ninja: $(ninja --version 2>/dev/null || echo none)"
    echo "c++: $(c++ --version | head -1)"
    echo "nvcc: $(nvcc_path) $($(nvcc_path) --version 2>/dev/null | tail -1)"
    echo "bundle: $bundle"; cat "$bundle/PACKAGES" 2>/dev/null
    df -h /dev/shm "$build" 2>/dev/null
  } > "$out/env.txt" 2>&1
  cat "$out/env.txt"
}

nvcc_path() {
  if command -v nvcc >/dev/null; then command -v nvcc
  elif [ -x /usr/local/cuda/bin/nvcc ]; then echo /usr/local/cuda/bin/nvcc
  fi
}

step_configure() {
  [ -f "$bundle/dep-bundle.cmake" ] || { echo "run.sh: no bundle at $bundle (run scripts/device/bundle.sh here and carry it)"; return 2; }
  # The Debian libraries in the bundle use the C++11 ABI; a LibTorch without it cannot link them.
  local abi
  abi=$("$py" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))') || return 2
  [ "$abi" = 1 ] || { echo "run.sh: this LibTorch uses the pre-C++11 ABI; the bundle's libraries need the C++11 one"; return 2; }
  # The tests read ../shared/fixtures beside the checkout; on the device it comes from the bundle.
  if [ ! -d "$root/../shared/fixtures" ] && [ -d "$bundle/fixtures" ]; then
    mkdir -p "$root/../shared" && ln -sfn "$bundle/fixtures" "$root/../shared/fixtures"
  fi
  local cuda_args=()
  local nvcc; nvcc="$(nvcc_path)"
  if [ -n "$nvcc" ]; then
    cuda_args=(-DCMAKE_CUDA_COMPILER="$nvcc")
    # The arch of the machine's GPU (sm_90 on H100/H200), for any CUDA code torch's CMake compiles.
    local arch
    arch=$("$py" -c 'import torch; c = torch.cuda.get_device_capability() if torch.cuda.is_available() else None; print(f"{c[0]}.{c[1]}" if c else "")' 2>/dev/null)
    [ -n "$arch" ] && cuda_args+=(-DTORCH_CUDA_ARCH_LIST="$arch")
  fi
  cmake -S "$root" -B "$build" -G Ninja -C "$bundle/dep-bundle.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DDEP_PYTHON="$(command -v "$py" || echo "$py")" -DDEP_BUILD_TESTS=ON -DDEP_BUILD_BENCH=ON "${cuda_args[@]}" || return $?
  # Every library the bundle provides must come from it (a system copy here would hide a gap).
  local missing=0
  for v in CLI11_DIR nlohmann_json_DIR spdlog_DIR fmt_DIR Catch2_DIR pkgcfg_lib_PCRE2_pcre2-8 pkgcfg_lib_UTF8PROC_utf8proc; do
    local val; val=$(grep "^$v:" "$build/CMakeCache.txt" | cut -d= -f2-)
    echo "run.sh: $v = $val"
    case "$val" in "$bundle"*) ;; *) echo "run.sh: $v is not from the bundle"; missing=1 ;; esac
  done
  return $missing
}

step_build() {
  # Only what the GPU checks run: the [cuda] test binary and three benchmarks (and the libraries
  # they link); no apps, no other test binaries.
  cmake --build "$build" --parallel "$jobs" --target test_cuda decoder_bench train_bench encoder_bench
}

step_tests() {
  local bin="$build/tests/cuda/test_cuda"
  local env_args=()
  [ "$rehearse" = 1 ] && env_args=(DEP_CUDA_TESTS_ON_CPU=1)
  # Every case, with its duration and the WARN of any that skipped, into tests.txt.
  (cd "$root" && env "${env_args[@]}" "$bin" --durations yes) > "$out/tests.txt" 2>&1
  local rc=$?
  cat "$out/tests.txt"
  return $rc
}

step_bench() {
  local preset=device
  [ "$rehearse" = 1 ] && preset=rehearse
  PYTHONUNBUFFERED=1 "$py" "$root/scripts/device/gpu_bench.py" --build "$build" --out "$out" --preset "$preset" \
    --deadline "$deadline" --scratch "$build" ${bench_only:+--only "$bench_only"}
  local rc=$?
  [ -f "$out/bench.md" ] && cat "$out/bench.md"
  return $rc
}

export root build py out bundle rehearse jobs deadline bench_only
export -f step_env step_configure step_build step_tests step_bench nvcc_path
status=0
for s in $steps; do
  run_step "$s" "step_$s" || { status=1; [ "$s" = configure ] || [ "$s" = build ] && break; }
done
echo "run.sh: done in $(($(date +%s) - start)) s (status $status); results in $out"
column -t "$out/steps.tsv"
exit $status
