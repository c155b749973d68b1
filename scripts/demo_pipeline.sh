#!/usr/bin/env bash
# The DEP pipeline on the built-in default, end to end on tiny models and synthetic data that dep
# makes itself: synthetic DPL data -> tiny decoder + embedder -> decoder LM pretraining (then
# frozen) -> review embeddings -> DEP adapter training -> generation (DEP and Non-Perso) ->
# evaluation -> $out/summary.json and a results table. Needs a build (scripts/build.sh).
#   scripts/demo_pipeline.sh [--quick] [--out DIR]
# --quick is the reduced run the end-to-end test uses. DEP_BUILD_DIR picks the build,
# DEP_DEMO_THREADS the torch threads (default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_BUILD_DIR:-$root/build}"
bin="$build/bin"
out="$build/demo"
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out="$2"; shift ;;
    *) echo "demo_pipeline.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
threads="${DEP_DEMO_THREADS:-2}"
cfg="$root/configs/demo"
cd "$root"

# Reduced sizes for the end-to-end test; the default is the README demo.
if [ "$quick" = 1 ]; then
  users="[8,8,8]"; pretrain_steps=300; epochs=4; new_tokens=96
else
  users="[16,16,16]"; pretrain_steps=400; epochs=4; new_tokens=160
fi
# The tiny models run many small kernels: idle OpenMP workers should sleep, not spin (on a busy
# 2-core machine spinning made every stage ~3x slower).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

start=$(date +%s)
step() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

rm -rf "$out"
mkdir -p "$out/configs"
data="$out/data" models="$out/models" run="$out/runs/dep"
# The demo configs name build/demo/...; point them at this run's directory.
for f in "$cfg"/*.json; do sed "s#build/demo#$out#g" "$f" > "$out/configs/$(basename "$f")"; done
cfgs="$out/configs"

step "synthetic DPL data -> $data"
"$bin/dep-data" synth --config "$cfgs/synth.json" --set "users=$users" --out "$data"

step "tiny decoder + embedder (tokenizers learned on the train split) -> $models"
"$bin/dep-make-tiny" models --data "$data" --decoder "$models/decoder-init" --embedder "$models/embedder" --seed 1

step "review embeddings of every user's profile and targets: the test rows hold the longest profiles (dep-embed) -> $out/embeddings"
"$bin/dep-embed" --config "$cfgs/embed.json" --set "device.threads=$threads"

step "pretrain the tiny decoder on the train split's reviews ($pretrain_steps updates); it stays frozen afterwards"
# Every review in both prompt formats; DEP-format prompts show 2 earlier reviews and read their
# embeddings at [HIS_TOKEN_i], so the decoder knows where the writer can be read.
"$bin/dep-make-tiny" pretrain --data "$data" --model "$models/decoder-init" --out "$models/decoder" \
  --epochs 100 --max-steps "$pretrain_steps" --threads "$threads" --seed 1 --dep-fraction 1 --max-history 2 \
  --embeddings "$out/embeddings"

step "train the DEP adapter on the frozen decoder (dep-train, $epochs epochs) -> $run"
"$bin/dep-train" --config "$cfgs/train.json" --set "train.epochs=$epochs" --set "device.threads=$threads" \
  --set "samples.threads=$threads"
adapter="$run/$(cat "$run/best")/adapter.safetensors"
echo "best checkpoint by validation loss: $adapter"

step "held-out loss of the test reviews: DEP (adapter), Non-Perso (item-only prompt), DEP prompt without adapter"
"$bin/dep-make-tiny" heldout-loss --config "$cfgs/data.json" --model "$models/decoder" \
  --adapter "$adapter" --embeddings "$out/embeddings" --out "$out/loss_dep.json" --threads "$threads"
"$bin/dep-make-tiny" heldout-loss --config "$cfgs/data.json" --set prompt.variant=item_only \
  --model "$models/decoder" --out "$out/loss_non_perso.json" --threads "$threads"
# Ablation: the DEP prompt without the adapter (placeholders read their own, zero, token rows).
"$bin/dep-make-tiny" heldout-loss --config "$cfgs/data.json" --model "$models/decoder" \
  --out "$out/loss_dep_no_adapter.json" --threads "$threads"

step "generate the test split: DEP, then Non-Perso (dep-generate, T 0.8, top-p 0.95, <= $new_tokens tokens)"
"$bin/dep-generate" --config "$cfgs/generate.json" --set "model.adapter=$adapter" \
  --set "sampling.max_new_tokens=$new_tokens" --set "device.threads=$threads" --out "$out/generate/dep"
"$bin/dep-generate" --config "$cfgs/generate.json" --set model.adapter=none --set data.prompt.variant=item_only \
  --set embeddings= --set "sampling.max_new_tokens=$new_tokens" --set "device.threads=$threads" \
  --out "$out/generate/non_perso"

step "evaluate (dep-eval: METEOR, ROUGE, BLEU per category)"
for method in dep non_perso; do
  "$bin/dep-eval" "$out/generate/$method/generations.jsonl" --summary "$out/eval_$method.json" --bootstrap-seed 1
done

step "summary"
elapsed=$(( $(date +%s) - start ))
"$bin/dep-make-tiny" summary --out "$out/summary.json" --wall-seconds "$elapsed" \
  --method "dep=$out/eval_dep.json,$out/loss_dep.json" \
  --method "non_perso=$out/eval_non_perso.json,$out/loss_non_perso.json" \
  --method "dep_no_adapter=,$out/loss_dep_no_adapter.json"
echo "wrote $out/summary.json (${elapsed}s)"
