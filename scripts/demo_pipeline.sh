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
  users="[8,8,8]"; pretrain_steps=30
else
  users="[16,16,16]"; pretrain_steps=120
fi

start=$(date +%s)
step() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }
failed=()
# Stages whose tools are still being integrated: a missing tool or a failure is reported (and
# recorded in the summary as nulls) instead of stopping the demo.
optional() {
  local name="$1"; shift
  if [ ! -x "$bin/$1" ]; then echo "   ($1 is not built: $name skipped)"; failed+=("$name:not-built"); return 0; fi
  if ! "$bin/$@"; then echo "   $name FAILED"; failed+=("$name:failed"); fi
}

rm -rf "$out"
mkdir -p "$out/configs"
data="$out/data" models="$out/models"
# The demo configs name build/demo/...; point them at this run's directory.
for f in "$cfg"/*.json; do sed "s#build/demo#$out#g" "$f" > "$out/configs/$(basename "$f")"; done
cfgs="$out/configs"

step "synthetic DPL data -> $data"
"$bin/dep-data" synth --config "$cfgs/synth.json" --set "users=$users" --out "$data"

step "tiny decoder + embedder (tokenizers learned on the train split) -> $models"
"$bin/dep-make-tiny" models --data "$data" --decoder "$models/decoder-init" --embedder "$models/embedder" --seed 1

step "pretrain the tiny decoder on the train split's reviews ($pretrain_steps updates); it stays frozen afterwards"
"$bin/dep-make-tiny" pretrain --data "$data" --model "$models/decoder-init" --out "$models/decoder" \
  --epochs 100 --max-steps "$pretrain_steps" --threads "$threads" --seed 1

step "review embeddings of every test profile (dep-embed) -> $out/embeddings"
optional embed dep-embed --config "$cfgs/embed.json" --set "model.threads=$threads"

step "held-out loss of Non-Perso (frozen decoder, item-only prompt)"
"$bin/dep-make-tiny" heldout-loss --data-config "$cfgs/data.json" --set prompt.variant=item_only \
  --model "$models/decoder" --out "$out/loss_non_perso.json" --threads "$threads"

# Not wired yet (see docs/demo.md): dep-train on $cfgs/data.json + the embeddings, dep-generate for
# dep and non_perso, dep-eval, and heldout-loss --adapter for dep.
failed+=("train:not-wired" "generate:not-wired" "evaluate:not-wired")

step "summary"
elapsed=$(( $(date +%s) - start ))
"$bin/dep-make-tiny" summary --out "$out/summary.json" --wall-seconds "$elapsed" \
  --method "dep=$out/eval_dep.json,$out/loss_dep.json" \
  --method "non_perso=$out/eval_non_perso.json,$out/loss_non_perso.json"
echo "wrote $out/summary.json (${elapsed}s)"
if [ ${#failed[@]} -gt 0 ]; then echo "incomplete stages: ${failed[*]}"; fi
