#!/usr/bin/env bash
# XLM-R (bge-m3 shape, random weights) embedding throughput on CPU: dep's encoder_bench (length
# bucketing, and input order as the reference batches) against HF transformers XLMRobertaModel
# (eager) on the same weights and token ids, fp32 and bf16, in one run. Prints one JSON line each.
#   scripts/bench_encoder.sh [BUILD_DIR] [LAYERS=24] [TEXTS=16] [RUNS=3] [THREADS=2]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
layers="${2:-24}"; texts="${3:-16}"; runs="${4:-3}"; threads="${5:-2}"
python="${DEP_VENV:-$root/.venv}/bin/python3"
work="${DEP_BENCH_DIR:-$build/bench-encoder}"
mkdir -p "$work"
model="$work/bge-m3-L$layers"
inputs="$work/inputs-$texts.safetensors"
[ -f "$model/model.safetensors" ] || "$python" "$root/bench/hf_xlmr_bench.py" make-model "$model" --layers "$layers"
[ -f "$inputs" ] || "$python" "$root/bench/hf_xlmr_bench.py" make-inputs "$inputs" --texts "$texts" --mean 350
for dtype in fp32 bf16; do
  "$python" "$root/bench/hf_xlmr_bench.py" run "$model" "$inputs" --dtype "$dtype" --batch 8 --runs "$runs" \
      --threads "$threads" --save-dense "$work/hf-$dtype.safetensors"
  for mode in bucketed ordered; do
    "$build/bin/encoder_bench" --model "$model" --inputs "$inputs" --dtype "$dtype" --mode "$mode" --batch 8 \
        --runs "$runs" --threads "$threads" --save-dense "$work/dep-$mode-$dtype.safetensors"
  done
  # Same vectors? (max abs difference of the dense embeddings, dep bucketed vs HF)
  "$python" - "$work/dep-bucketed-$dtype.safetensors" "$work/hf-$dtype.safetensors" "$dtype" <<'PY'
import json, sys
from safetensors.torch import load_file
a, b = (load_file(p)["dense_embedding"] for p in sys.argv[1:3])
print(json.dumps({"check": "dense dep-bucketed vs hf", "dtype": sys.argv[3], "max_abs_diff": float((a - b).abs().max())}))
PY
done
