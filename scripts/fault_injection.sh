#!/usr/bin/env bash
# Fault injection on the demo world (docs/RELIABILITY.md): dep-embed, dep-train and dep-generate
# are SIGKILLed at random points and resumed, and the final outputs must equal an uninterrupted
# run's (byte-identical files; the final checkpoint's adapter and optimizer tensors byte-equal).
# Also: SIGTERM during training (exit 130, exact resume), a full disk during a checkpoint write
# (exit 2 "no space left", no temp directory left), a read-only output directory (exit 2, nothing
# written). Prints its counts at the end; exits 1 when any cycle failed.
#   scripts/fault_injection.sh [--quick] [--cycles N] [--seed S] [--out DIR]
# --quick (CI): 2 kill cycles per tool, one SIGTERM cycle, two early SIGTERMs, two disk-full limits;
# default 20 kill cycles per tool, 5 SIGTERM cycles, 3 early SIGTERMs, 3 disk-full limits.
# DEP_BUILD_DIR picks the build.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_BUILD_DIR:-$root/build}"
bin="$build/bin"
out="$build/fault-injection"
cycles=20
quick=0
seed="${RANDOM}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) cycles=2; quick=1 ;;
    --cycles) cycles="$2"; shift ;;
    --seed) seed="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "fault_injection.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
RANDOM="$seed"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
threads=2
cfg="$root/configs/demo"
start=$(date +%s)
log() { echo "[fault-injection $(( $(date +%s) - start ))s] $*"; }

declare -A passed failed
count() {  # count NAME ok|fail [detail]
  if [ "$2" = ok ]; then passed[$1]=$(( ${passed[$1]:-0} + 1 ))
  else failed[$1]=$(( ${failed[$1]:-0} + 1 )); log "FAIL $1: ${3:-}"; fi
}

rm -rf "$out"
mkdir -p "$out/configs"
for f in "$cfg"/*.json; do sed "s#build/demo#$out#g" "$f" > "$out/configs/$(basename "$f")"; done
cfgs="$out/configs"
data="$out/data" models="$out/models"

log "demo world (small): data, tiny models (the untrained decoder stays frozen: outputs need not be good)"
"$bin/dep-data" synth --config "$cfgs/synth.json" --set "users=[6,6,6]" --out "$data" > /dev/null 2>&1 || exit 1
"$bin/dep-make-tiny" models --data "$data" --decoder "$models/decoder" --embedder "$models/embedder" --seed 1 \
  > /dev/null 2>&1 || exit 1

# The tools replace the (sub)shell that runs these functions (exec), so that a background call's $!
# is the tool itself, the process the signals must reach; foreground calls run them in ( ).
embed_cmd() { exec "$bin/dep-embed" --config "$cfgs/embed.json" --set "device.threads=$threads" --set "output_dir=$1" \
  --set shard_size=16; }
train_cmd() {
  exec "$bin/dep-train" --config "$cfgs/train.json" --set train.epochs=2 --set "device.threads=$threads" \
    --set "samples.threads=$threads" --set samples.max_val=8 --set "samples.embeddings=$out/ref/embeddings" \
    --set checkpoint.every_steps=3 --set checkpoint.keep_last=2 --set "checkpoint.dir=$1" --resume
}
gen_cmd() {
  exec "$bin/dep-generate" --config "$cfgs/generate.json" --set "model.adapter=$adapter" \
    --set "embeddings=$out/ref/embeddings" --set sampling.max_new_tokens=24 --set "device.threads=$threads" \
    --set output.fsync_every=1 --set engine.chunk=4 --set engine.max_batch=4 --out "$1"
}

# Times a reference run; sets $ref_seconds.
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  ( "$@" ) > /dev/null 2>> "$out/ref.log" || { log "reference run failed: $*"; tail -5 "$out/ref.log"; exit 1; }
  t1=$(date +%s.%N)
  ref_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
}

# A random delay in (0, $1 seconds).
random_delay() { awk -v r="$RANDOM" -v d="$1" 'BEGIN { printf "%.2f", 0.05 + (r / 32768.0) * d }'; }

# (dep-train always gets --resume: on an empty directory it starts fresh.)
# Runs "$@" in the background, SIGKILLs it after a random delay, then reruns it to completion.
kill_and_resume() {
  local bound="$1"; shift
  "$@" > /dev/null 2>&1 &
  local pid=$!
  sleep "$(random_delay "$bound")"
  kill -KILL "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  ( "$@" ) > /dev/null 2>> "$out/resume.log"
}

same_files() {  # same_files REF_DIR DIR FILE...
  local a="$1" b="$2"; shift 2
  for f in "$@"; do cmp -s "$a/$f" "$b/$f" || { echo "$f differs"; return 1; }; done
}

log "reference runs (uninterrupted)"
timed embed_cmd "$out/ref/embeddings"; embed_seconds=$ref_seconds
timed train_cmd "$out/ref/run"; train_seconds=$ref_seconds
last=$(cat "$out/ref/run/latest")
adapter="$out/ref/run/$last/adapter.safetensors"
timed gen_cmd "$out/ref/gen"; gen_seconds=$ref_seconds
log "reference: embed ${embed_seconds}s, train ${train_seconds}s, generate ${gen_seconds}s; $cycles cycles per tool"

store_files=$(cd "$out/ref/embeddings" && ls index.json shard-*.safetensors)
gen_files=$(cd "$out/ref/gen" && ls generations.jsonl generations.header.json predictions_*.txt)

for i in $(seq 1 "$cycles"); do
  dir="$out/cycle/embed"; rm -rf "$dir"
  if kill_and_resume "$embed_seconds" embed_cmd "$dir"; then
    # shellcheck disable=SC2086
    why=$(same_files "$out/ref/embeddings" "$dir" $store_files) && count embed ok || count embed fail "cycle $i: $why"
  else count embed fail "cycle $i: resume exited non-zero"; fi

  dir="$out/cycle/run"; rm -rf "$dir"
  if kill_and_resume "$train_seconds" train_cmd "$dir"; then
    why=$(same_files "$out/ref/run/$last" "$dir/$last" adapter.safetensors optimizer.safetensors) \
      && count train ok || count train fail "cycle $i: $why"
  else count train fail "cycle $i: resume exited non-zero"; fi

  dir="$out/cycle/gen"; rm -rf "$dir"
  if kill_and_resume "$gen_seconds" gen_cmd "$dir"; then
    # shellcheck disable=SC2086
    why=$(same_files "$out/ref/gen" "$dir" $gen_files) && count generate ok || count generate fail "cycle $i: $why"
  else count generate fail "cycle $i: resume exited non-zero"; fi
done

log "SIGTERM during training: exit 130, then an exact resume"
term_cycles=$(( quick ? 1 : (cycles < 5 ? cycles : 5) ))
for i in $(seq 1 "$term_cycles"); do
  dir="$out/cycle/term"; rm -rf "$dir"
  train_cmd "$dir" > /dev/null 2>&1 &
  pid=$!
  sleep "$(random_delay "$train_seconds")"
  kill -TERM "$pid" 2> /dev/null
  wait "$pid"; code=$?
  if [ "$code" != 130 ] && [ "$code" != 0 ]; then count sigterm fail "cycle $i: exit $code, expected 130"; continue; fi
  if ( train_cmd "$dir" ) > /dev/null 2>> "$out/resume.log"; then
    why=$(same_files "$out/ref/run/$last" "$dir/$last" adapter.safetensors optimizer.safetensors) \
      && count sigterm ok || count sigterm fail "cycle $i: $why"
  else count sigterm fail "cycle $i: resume exited non-zero"; fi
done

log "SIGTERM within the first 0.3 s of a tool: the documented exit code, not a kill"
for i in $(seq 1 $(( quick ? 2 : 3 ))); do
  dir="$out/cycle/early"; rm -rf "$dir"
  train_cmd "$dir" > /dev/null 2>&1 &
  pid=$!
  sleep "0.$(( (RANDOM % 3) + 1 ))"
  kill -TERM "$pid" 2> /dev/null
  wait "$pid"; code=$?
  # 130 at any moment: the launcher blocks the signal until the tool's handlers are in, also while
  # the dynamic loader maps LibTorch (docs/RELIABILITY.md, "Signals").
  [ "$code" = 130 ] && count early_sigterm ok || count early_sigterm fail "exit $code, expected 130"
done

log "disk full during a checkpoint write (DEP_TEST_WRITE_LIMIT, the atomic writer's test hook)"
limits="2000 20000 200000"
[ "$quick" = 1 ] && limits="2000 200000"
for limit in $limits; do
  dir="$out/cycle/full"; rm -rf "$dir"
  err=$(export DEP_TEST_WRITE_LIMIT=$limit; train_cmd "$dir" 2>&1 > /dev/null); code=$?
  leftovers=$(find "$dir" -name '*.tmp*' 2> /dev/null | head -3)
  if [ "$code" = 2 ] && grep -q "no space left" <<< "$err" && [ -z "$leftovers" ]; then count disk_full ok
  else count disk_full fail "limit $limit: exit $code, leftovers '$leftovers', $(tail -1 <<< "$err")"; fi
done

log "read-only output directory: exit 2 naming it, nothing written"
ro="$out/readonly"; mkdir -p "$ro"; chmod 555 "$ro"
# root ignores permission bits: there the directory is made immutable (chattr +i), which binds root too.
immutable=0
if [ "$(id -u)" = 0 ]; then
  if chattr +i "$ro" 2> /dev/null; then immutable=1; else log "skipped: root, and chattr +i is not available here"; fi
fi
if [ "$(id -u)" != 0 ] || [ "$immutable" = 1 ]; then
  for tool in data eval generate; do
    case $tool in
      data) cmd=("$bin/dep-data" prompts --config "$cfgs/data.json" --split test --out "$ro/prompts.jsonl") ;;
      eval) cmd=("$bin/dep-eval" "$out/ref/gen/generations.jsonl" --summary "$ro/summary.json") ;;
      generate) cmd=("$bin/dep-generate" --config "$cfgs/generate.json" --set "model.adapter=$adapter" \
                     --set "embeddings=$out/ref/embeddings" --out "$ro/gen") ;;
    esac
    err=$("${cmd[@]}" 2>&1 > /dev/null); code=$?
    if [ "$code" = 2 ] && grep -q "$ro" <<< "$err" && [ -z "$(ls -A "$ro")" ]; then count readonly ok
    else count readonly fail "$tool: exit $code, $(tail -1 <<< "$err")"; fi
  done
fi
[ "$immutable" = 1 ] && chattr -i "$ro"
chmod 755 "$ro"

total_ok=0 total_fail=0
echo
echo "fault injection (seed $seed, $cycles kill cycles per tool, $(( $(date +%s) - start ))s):"
for name in embed train generate sigterm early_sigterm disk_full readonly; do
  ok=${passed[$name]:-0} bad=${failed[$name]:-0}
  total_ok=$(( total_ok + ok )); total_fail=$(( total_fail + bad ))
  printf '  %-14s %3d passed %3d failed\n' "$name" "$ok" "$bad"
done
echo "  total          $total_ok passed $total_fail failed"
[ "$total_fail" = 0 ]
