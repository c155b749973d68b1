#!/usr/bin/env bash
# The DEP pipeline on the built-in default, end to end on tiny models and synthetic data that dep
# makes itself (docs/demo.md): synthetic DPL data -> tiny decoder + embedder -> review embeddings ->
# decoder LM pretraining (then frozen) -> adapters trained with dep-train (DEP with text, and the
# "no text" ablations) -> held-out loss, generation and evaluation of every method on the same test
# samples -> $out/summary.json, summary.md, summary.svg (+ .png) and a results table with paired
# bootstrap intervals. Needs a build (scripts/build.sh).
#   scripts/demo_pipeline.sh [--quick] [--seed N] [--out DIR]
# --quick is the reduced run of the end-to-end test; --seed changes the world (data, models,
# pretraining). DEP_BUILD_DIR picks the build, DEP_DEMO_THREADS the torch threads (default 2),
# DEP_DEMO_JOBS how many independent stages (adapter trainings, per-method evaluations) run at once
# (default: DEP_DEMO_THREADS, each job with DEP_DEMO_THREADS / DEP_DEMO_JOBS threads). The tiny
# models are overhead-bound, so one-thread processes side by side finish sooner than one
# two-thread process after another (docs/demo.md, "Time").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_BUILD_DIR:-$root/build}"
bin="$build/bin"
out="$build/demo"
quick=0
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out="$2"; shift ;;
    --seed) seed="$2"; shift ;;
    *) echo "demo_pipeline.sh: unknown argument $1 (use --quick, --seed N, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done
case "$seed" in ''|*[!0-9]*) echo "demo_pipeline.sh: --seed needs a non-negative integer, got '$seed'" >&2; exit 2 ;; esac
threads="${DEP_DEMO_THREADS:-2}"
parallel="${DEP_DEMO_JOBS:-$threads}"
case "$threads$parallel" in *[!0-9]*) echo "demo_pipeline.sh: DEP_DEMO_THREADS and DEP_DEMO_JOBS must be positive integers" >&2; exit 2 ;; esac
[ "$threads" -ge 1 ] && [ "$parallel" -ge 1 ] || { echo "demo_pipeline.sh: DEP_DEMO_THREADS and DEP_DEMO_JOBS must be >= 1" >&2; exit 2; }
job_threads=$(( threads / parallel > 0 ? threads / parallel : 1 ))
cfg="$root/configs/demo"
cd "$root"

# Reduced sizes for the end-to-end test; the default is the README demo. --quick trains the adapters
# for 3 epochs to stay within its 3 minutes (docs/demo.md, "Time").
if [ "$quick" = 1 ]; then
  users="[12,12,12]"; pretrain_steps=500; epochs=3; new_tokens=96; rows=all
else
  users="[16,16,16]"; pretrain_steps=600; epochs=4; new_tokens=144; rows=all
fi
# Share of the DEP prompt's history entries that pretraining shows without their text, so that the
# frozen decoder reads the soft vectors also beside review text (docs/demo.md).
dep_text_dropout=0.5
# The tiny models run many small kernels: idle OpenMP workers should sleep, not spin (on a busy
# 2-core machine spinning made every stage ~3x slower).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

start=$(date +%s)
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
step() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

rm -rf "$out"
mkdir -p "$out/configs"
data="$out/data" models="$out/models"
# The demo configs name build/demo/...; point them at this run's directory.
for f in "$cfg"/*.json; do sed "s#build/demo#$out#g" "$f" > "$out/configs/$(basename "$f")"; done
cfgs="$out/configs"

step "synthetic DPL data (seed $seed) -> $data"
"$bin/dep-data" synth --config "$cfgs/synth.json" --set "users=$users" --set "seed=$seed" --out "$data"

step "tiny decoder + embedder (tokenizers learned on the train split) -> $models"
"$bin/dep-make-tiny" models --data "$data" --decoder "$models/decoder-init" --embedder "$models/embedder" --seed "$seed"

step "review embeddings of every user's profile and targets: the test rows hold the longest profiles (dep-embed) -> $out/embeddings"
"$bin/dep-embed" --config "$cfgs/embed.json" --set "device.threads=$threads"
"$bin/dep-make-tiny" identify --config "$cfgs/data.json" --embeddings "$out/embeddings" --out "$out/identification.json"

step "pretrain the tiny decoder on the train split's reviews ($pretrain_steps updates); it stays frozen afterwards"
# Every review with the item-only prompt, and in a personalized prompt (DEP, or a no-text
# ablation) whose his/diff vectors the decoder reads through linear maps that are then discarded.
"$bin/dep-make-tiny" pretrain --config "$cfgs/data.json" --model "$models/decoder-init" --out "$models/decoder" \
  --epochs 100 --max-steps "$pretrain_steps" --threads "$threads" --seed "$seed" --embeddings "$out/embeddings" \
  --dep-text-dropout "$dep_text_dropout"

# Each method: prompt variant, history K, injected streams.
declare -A variant=([non_perso]=item_only [rag]=item_and_reviews [dep]=dep [dep_no_text]=no_text
                    [his_only_no_text]=his_only_no_text [diff_only_no_text]=diff_only_no_text [dep_zero_soft]=dep)
declare -A history_k=([non_perso]=2 [rag]=2 [dep]=2 [dep_no_text]=8 [his_only_no_text]=8 [diff_only_no_text]=8
                      [dep_zero_soft]=2)
declare -A inject=([dep]=both [dep_no_text]=both [his_only_no_text]=his [diff_only_no_text]=diff)
methods=(non_perso rag dep dep_no_text his_only_no_text diff_only_no_text dep_zero_soft)
adapter_of() { case "$1" in dep_zero_soft) echo dep ;; non_perso|rag) echo "" ;; *) echo "$1" ;; esac; }
exec 3>&1  # progress lines of background jobs go to the terminal; their tools' output to logs/

train_adapter() {
  local m="$1"
  "$bin/dep-train" --config "$cfgs/train.json" --set "train.epochs=$epochs" --set "train.rows=$rows" \
    --set "data.prompt.variant=${variant[$m]}" --set "data.history.k=${history_k[$m]}" --set "adapter.inject=${inject[$m]}" \
    --set "checkpoint.dir=$out/runs/$m" --set "device.threads=$job_threads" --set "samples.threads=$job_threads"
  echo "== [$(( $(date +%s) - start ))s] $m adapter trained; best checkpoint by validation loss: $out/runs/$m/$(cat "$out/runs/$m/best")" >&3
}

evaluate_method() {
  local m="$1" dir="$out/methods/$1" a adapter=none zero=false
  mkdir -p "$dir"
  a="$(adapter_of "$m")"
  [ -n "$a" ] && adapter="$out/runs/$a/$(cat "$out/runs/$a/best")/adapter.safetensors"
  [ "$m" = dep_zero_soft ] && zero=true
  local loss_args=() gen_args=()
  [ "$adapter" != none ] && loss_args+=(--adapter "$adapter" --embeddings "$out/embeddings")
  [ "$zero" = true ] && loss_args+=(--zero-soft)
  "$bin/dep-make-tiny" heldout-loss --config "$cfgs/data.json" --set "prompt.variant=${variant[$m]}" \
    --set "history.k=${history_k[$m]}" --model "$models/decoder" "${loss_args[@]}" --out "$dir/loss.json" \
    --threads "$job_threads" > /dev/null
  [ "$adapter" = none ] && gen_args+=(--set embeddings=)
  "$bin/dep-generate" --config "$cfgs/generate.json" --set "model.adapter=$adapter" --set "model.zero_soft_prompt=$zero" \
    --set "data.prompt.variant=${variant[$m]}" --set "data.history.k=${history_k[$m]}" "${gen_args[@]}" \
    --set "sampling.max_new_tokens=$new_tokens" --set "device.threads=$job_threads" --out "$dir/generate"
  ln -sf generate/generations.jsonl "$dir/generations.jsonl"
  "$bin/dep-eval" "$dir/generate/generations.jsonl" --summary "$dir/eval.json" --per-sample "$dir/eval_per_sample.jsonl" \
    --bootstrap-seed 1 > /dev/null
  echo "== [$(( $(date +%s) - start ))s] $m evaluated: held-out loss $(sed -n 's/.*"loss": \([0-9.]*\).*/\1/p' "$dir/loss.json" | head -1)" >&3
}

# An adapter's training, then the methods that use it.
train_and_evaluate() {
  local m="$1"
  shift
  train_adapter "$m"
  for e in "$m" "$@"; do evaluate_method "$e"; done
}

# Runs "$@" in the background once fewer than $parallel jobs run; its output goes to logs/NAME.log
# and its exit status to logs/NAME.rc (checked by wait_jobs).
logs="$out/logs"
mkdir -p "$logs"
job() {
  local name="$1"
  shift
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n 2> /dev/null || true; done
  echo "== [$(( $(date +%s) - start ))s] start $name (log: $logs/$name.log)"
  ( trap 'echo $? > "$logs/$name.rc"' EXIT; "$@" > "$logs/$name.log" 2>&1 ) &
}
wait_jobs() {
  wait
  local failed=0 f
  for f in "$logs"/*.rc; do
    [ "$(cat "$f")" = 0 ] && continue
    failed=1
    echo "demo_pipeline.sh: $(basename "$f" .rc) failed (exit $(cat "$f")); the end of $logs/$(basename "$f" .rc).log:" >&2
    tail -n 20 "$logs/$(basename "$f" .rc).log" >&2
  done
  [ "$failed" = 0 ] || exit 1
}

step "adapters (dep-train, $rows train rows, $epochs epochs) and every method's held-out loss, generation (T 0.8, top-p 0.95, <= $new_tokens tokens) and evaluation; $parallel jobs at a time, $job_threads thread(s) each"
# Longest first: the DEP prompt shows review text.
job dep train_and_evaluate dep dep_zero_soft
job dep_no_text train_and_evaluate dep_no_text
job his_only_no_text train_and_evaluate his_only_no_text
job diff_only_no_text train_and_evaluate diff_only_no_text
job rag evaluate_method rag
job non_perso evaluate_method non_perso
wait_jobs

step "summary"
elapsed=$(( $(date +%s) - start ))
specs=()
for m in "${methods[@]}"; do specs+=(--method "$m=$out/methods/$m"); done
"$bin/dep-make-tiny" summary --out "$out/summary.json" --wall-seconds "$elapsed" \
  --identification "$out/identification.json" "${specs[@]}"
if command -v rsvg-convert > /dev/null; then
  rsvg-convert -o "$out/summary.png" "$out/summary.svg" && echo "wrote $out/summary.png"
fi
load_end=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
times > "$out/.times"  # not in a pipe: a subshell would report its own (zero) children
cpu=$(tail -n 1 "$out/.times")
rm -f "$out/.times"
echo "wrote $out/summary.json, summary.md, summary.svg (${elapsed}s wall; children's CPU user/system: $cpu; load average $load_start at the start, $load_end at the end)"
