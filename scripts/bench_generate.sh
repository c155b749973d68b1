#!/usr/bin/env bash
# bench_generate.sh: generated tokens/s of dep's generation engine (bench/generate_bench: DEP
# sampling — T 0.8, top-p 0.95, per-request seeds — 16 soft-prompt vectors injected per request,
# every request running to NEW tokens) against Hugging Face `generate` on the same work
# (bench/generate_hf.py), on the same random-weight Qwen2.5-0.5B-shape model, in the same run:
# dep/HF process pairs alternate ROUNDS times, medians per batch size.
#
#   scripts/bench_generate.sh                      # all 24 layers, 8 requests, batch 1 and 8
#   LAYERS=4 ROUNDS=3 scripts/bench_generate.sh    # quicker on a loaded machine
# Env: DEP_BUILD_DIR (default build), DEP_VENV (default .venv), MODELS (default BUILD/bench-models),
# LAYERS (0 = all 24; default 0), REQUESTS (8), PROMPT (128), NEW (32), BATCHES ("1 8"),
# THREADS (2), ROUNDS (3). Both sides run under the same OMP_WAIT_POLICY (dep's tools default to
# PASSIVE; this script exports PASSIVE unless the caller set a policy), which both print.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${DEP_BUILD_DIR:-$ROOT/build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PY="${DEP_VENV:-$ROOT/.venv}/bin/python3"
MODELS="${MODELS:-$BUILD/bench-models}"
LAYERS="${LAYERS:-0}"
REQUESTS="${REQUESTS:-8}"
PROMPT="${PROMPT:-128}"
NEW="${NEW:-32}"
BATCHES="${BATCHES:-1 8}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
BENCH="$BUILD/bin/generate_bench"
[ -x "$BENCH" ] || { echo "missing $BENCH: build the generate_bench target first" >&2; exit 2; }

source "$ROOT/scripts/random_qwen2_model.sh"
MODEL="$(random_qwen2_model "$PY" "$MODELS" "$LAYERS")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$WORK/results.jsonl"
for round in $(seq "$ROUNDS"); do
  # shellcheck disable=SC2086
  "$BENCH" "$MODEL" --threads "$THREADS" --requests "$REQUESTS" --prompt "$PROMPT" --new "$NEW" --batch $BATCHES \
    | tee -a "$WORK/results.jsonl"
  # shellcheck disable=SC2086
  "$PY" "$ROOT/bench/generate_hf.py" "$MODEL" --threads "$THREADS" --requests "$REQUESTS" --prompt "$PROMPT" \
    --new "$NEW" --batch $BATCHES 2>/dev/null | tee -a "$WORK/results.jsonl"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$WORK/results.jsonl" "$MODEL" <<'PY'
import json, statistics, sys
import torch, transformers
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cfg = json.load(open(sys.argv[2] + "/config.json"))
r0 = rows[0]
print(f"\nmodel {sys.argv[2]} ({cfg['num_hidden_layers']} layers), bf16, {r0['requests']} requests x prompt "
      f"{r0['prompt']} x {r0['new']} new, OMP_WAIT_POLICY {r0['omp_wait_policy']}, torch {torch.__version__}, "
      f"transformers {transformers.__version__}")
print("| max_batch | dep gen tok/s | HF generate tok/s | ratio |")
print("|---|---|---|---|")
for b in sorted({r["batch"] for r in rows}):
    d = statistics.median(r["gen_tok_s"] for r in rows if r["impl"] == "dep" and r["batch"] == b)
    h = statistics.median(r["gen_tok_s"] for r in rows if r["impl"] == "hf" and r["batch"] == b)
    print(f"| {b} | {d:.2f} | {h:.2f} | {d / h:.2f}x |")
PY
