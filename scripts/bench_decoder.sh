#!/usr/bin/env bash
# bench_decoder.sh: CPU prefill/decode tokens per second of dep's Qwen2 decoder (bench/decoder_bench)
# against Hugging Face transformers' Qwen2ForCausalLM (eager attention) on the same random-weight
# Qwen2.5-0.5B-shape model, in the same run, plus the machine's memory bandwidth (the decode floor).
#
#   scripts/bench_decoder.sh                  # full 24 layers, batch 1 and 8, bf16, 2 threads
#   LAYERS=8 ROUNDS=3 scripts/bench_decoder.sh
# Env: DEP_BUILD_DIR (default build), DEP_VENV (default .venv), LAYERS (0 = all 24), ROUNDS
# (alternating dep/HF process pairs per batch size, default 2), REPS (timed repetitions per process,
# default 3), PROMPT (64), NEW (16), THREADS (2), BATCHES ("1 8"), LLAMA (auto: also time llama.cpp
# at batch 1 when llama_cpp is importable — scripts/setup_bench_anchors.sh installs it; 0: never),
# LLAMA_CONVERT (llama.cpp's convert_hf_to_gguf.py; default: the one setup_bench_anchors.sh unpacked).
# Every process runs under OMP_WAIT_POLICY=PASSIVE unless the caller set a policy (dep's default).
# Prints one JSON line per process and a summary table with medians and ratios (dep / HF, dep / llama.cpp).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${DEP_BUILD_DIR:-$ROOT/build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PY="${DEP_VENV:-$ROOT/.venv}/bin/python3"
LAYERS="${LAYERS:-0}"
ROUNDS="${ROUNDS:-2}"
REPS="${REPS:-3}"
PROMPT="${PROMPT:-64}"
NEW="${NEW:-16}"
THREADS="${THREADS:-2}"
BATCHES="${BATCHES:-1 8}"
LLAMA="${LLAMA:-auto}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
BENCH="$BUILD/bin/decoder_bench"
[ -x "$BENCH" ] || { echo "missing $BENCH: build the decoder_bench target first" >&2; exit 2; }

source "$ROOT/scripts/random_qwen2_model.sh"
MODEL="$(random_qwen2_model "$PY" "$BUILD/bench-models" "$LAYERS")"

# llama.cpp: the same weights as GGUF bf16, written once by llama.cpp's own converter (it needs a
# tokenizer beside the weights: the Qwen2.5 tokenizer fixture; the ids are random either way).
GGUF=""
if [ "$LLAMA" != 0 ] && "$PY" -c "import llama_cpp" 2>/dev/null; then
  GGUF="$MODEL/model-bf16.gguf"
  if [ ! -f "$GGUF" ]; then
    CONVERT="${LLAMA_CONVERT:-$(ls -d "$(dirname "$PY")"/../src/llama_cpp_python-*/vendor/llama.cpp/convert_hf_to_gguf.py 2>/dev/null | tail -n 1)}"
    [ -f "$CONVERT" ] || { echo "llama_cpp is installed but convert_hf_to_gguf.py was not found: set LLAMA_CONVERT" >&2; exit 2; }
    HFDIR="$(mktemp -d)"
    ln -s "$MODEL/config.json" "$MODEL/model.safetensors" "$HFDIR/"
    cp "$ROOT/../shared/fixtures/qwen2.5-tokenizer/tokenizer.json" "$ROOT/../shared/fixtures/qwen2.5-tokenizer/tokenizer_config.json" "$HFDIR/"
    "$PY" "$CONVERT" "$HFDIR" --outtype bf16 --outfile "$GGUF.tmp" >&2 && mv "$GGUF.tmp" "$GGUF"
    rm -rf "$HFDIR"
  fi
elif [ "$LLAMA" = 1 ]; then
  echo "LLAMA=1 but llama_cpp is not importable: run scripts/setup_bench_anchors.sh" >&2; exit 2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The anchor: the same greedy loop (prefill with logits of the last position, then one token at a
# time with the KV cache) through transformers' model forward, which is what generate() calls.
cat > "$WORK/hf_bench.py" <<'PY'
import json, statistics, sys, time
import torch
import transformers
from transformers import DynamicCache, Qwen2ForCausalLM
model_dir, batch, prompt, new, threads, reps = sys.argv[1], *map(int, sys.argv[2:7])
torch.set_num_threads(threads)
t0 = time.perf_counter()
model = Qwen2ForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, attn_implementation="eager").eval()
load_s = time.perf_counter() - t0
g = torch.Generator().manual_seed(0)
ids = torch.randint(0, model.config.vocab_size, (batch, prompt), generator=g)
pre, dec = [], []
with torch.no_grad():
    for r in range(reps + 1):
        cache = DynamicCache(config=model.config)
        t0 = time.perf_counter()
        out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
        nxt = out.logits[:, -1].float().argmax(-1, keepdim=True)
        t1 = time.perf_counter()
        for i in range(new):
            out = model(input_ids=nxt, past_key_values=out.past_key_values, use_cache=True)
            nxt = out.logits[:, -1].float().argmax(-1, keepdim=True)
        t2 = time.perf_counter()
        if r:
            pre.append(batch * prompt / (t1 - t0))
            dec.append(batch * new / (t2 - t1))
print(json.dumps({"impl": "hf", "torch": torch.__version__, "transformers": transformers.__version__,
                  "dtype": "bf16", "threads": threads, "attention": "eager", "batch": batch, "prompt": prompt,
                  "new": new, "load_s": round(load_s, 2), "prefill_tok_s": round(statistics.median(pre), 2),
                  "decode_tok_s": round(statistics.median(dec), 2)}))
PY

# Memory bandwidth: a large numpy copy (read + write bytes), best of 5.
"$PY" - > "$WORK/bandwidth.json" <<'PY'
import json, time
import numpy as np
a = np.ones(256 * 1024 * 1024 // 8)
b = np.empty_like(a)
best = 0.0
for _ in range(5):
    t0 = time.perf_counter(); np.copyto(b, a); t = time.perf_counter() - t0
    best = max(best, 2 * a.nbytes / t / 1e9)
print(json.dumps({"copy_gb_s": round(best, 2)}))
PY
cat "$WORK/bandwidth.json"

: > "$WORK/results.jsonl"
for batch in $BATCHES; do
  for round in $(seq "$ROUNDS"); do
    "$BENCH" "$MODEL" --dtype bf16 --threads "$THREADS" --batch "$batch" --prompt "$PROMPT" --new "$NEW" \
      --reps "$REPS" | tee -a "$WORK/results.jsonl"
    "$PY" "$WORK/hf_bench.py" "$MODEL" "$batch" "$PROMPT" "$NEW" "$THREADS" "$REPS" 2>/dev/null | tail -n 1 \
      | tee -a "$WORK/results.jsonl"
    if [ -n "$GGUF" ] && [ "$batch" = 1 ]; then
      "$PY" "$ROOT/bench/llamacpp_bench.py" "$GGUF" "$batch" "$PROMPT" "$NEW" "$THREADS" "$REPS" 2>/dev/null \
        | tail -n 1 | tee -a "$WORK/results.jsonl"
    fi
  done
done

"$PY" - "$WORK/results.jsonl" "$WORK/bandwidth.json" "$MODEL" <<'PY'
import json, os, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bw = json.load(open(sys.argv[2]))["copy_gb_s"]
cfg = json.load(open(sys.argv[3] + "/config.json"))
# Batch-1 decode reads every weight of the layers and the lm head once per token (bf16): the
# memory-bandwidth floor is the copy bandwidth over those bytes.
H, I, L, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"], cfg["vocab_size"]
nH, nKV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
D = cfg.get("head_dim") or H // nH
per_layer = (nH + 2 * nKV) * D * (H + 1) + nH * D * H + 3 * I * H + 2 * H
weight_gb = 2 * (L * per_layer + V * H + H) / 1e9
floor = bw / weight_gb
print(f"\nmodel {sys.argv[3]} ({cfg['num_hidden_layers']} layers), bf16, memory bandwidth (numpy copy) {bw} GB/s, "
      f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'default')} on every side")
print(f"weights read per decode token {weight_gb:.3f} GB: batch-1 decode floor {floor:.2f} tok/s")
print("| batch | metric | dep tok/s | HF eager tok/s | ratio |")
print("|---|---|---|---|---|")
for batch in sorted({r["batch"] for r in rows}):
    for metric in ("prefill_tok_s", "decode_tok_s"):
        d = statistics.median(r[metric] for r in rows if r["impl"] == "dep" and r["batch"] == batch)
        h = statistics.median(r[metric] for r in rows if r["impl"] == "hf" and r["batch"] == batch)
        print(f"| {batch} | {metric[:-6]} | {d:.2f} | {h:.2f} | {d / h:.2f}x |")
        if batch == 1 and metric == "decode_tok_s":
            print(f"| 1 | decode vs floor | {d:.2f} | floor {floor:.2f} | {100 * d / floor:.0f}% (HF {100 * h / floor:.0f}%) |")
head = [r["lm_head_read_gb_s"] for r in rows if r["impl"] == "dep" and r["batch"] == 1 and "lm_head_read_gb_s" in r]
if head:
    # Splits the gap to the floor: the kernel's own read bandwidth, then the rest of the step.
    kernel_bw = statistics.median(head)
    d = statistics.median(r["decode_tok_s"] for r in rows if r["impl"] == "dep" and r["batch"] == 1)
    print(f"\ndep's bf16 decode kernel alone (lm head, batch 1) reads {kernel_bw:.2f} GB/s = {100 * kernel_bw / bw:.0f}% of "
          f"the copy bandwidth; at that rate a step would take {1e3 * weight_gb / kernel_bw:.1f} ms "
          f"({kernel_bw / weight_gb:.2f} tok/s); batch-1 decode reaches {100 * d * weight_gb / kernel_bw:.0f}% of that "
          f"(the rest: the step's other ops)")
llama = [r for r in rows if r["impl"] == "llama.cpp"]
if llama:
    print(f"\nllama.cpp anchor (llama-cpp-python {llama[0]['llama_cpp_python']}, GGUF bf16, batch 1)")
    print("| metric | dep tok/s | llama.cpp tok/s | ratio |")
    print("|---|---|---|---|")
    for metric in ("prefill_tok_s", "decode_tok_s"):
        d = statistics.median(r[metric] for r in rows if r["impl"] == "dep" and r["batch"] == 1)
        l = statistics.median(r[metric] for r in llama)
        extra = f" (llama.cpp {100 * l / floor:.0f}% of the floor)" if metric == "decode_tok_s" else ""
        print(f"| {metric[:-6]} | {d:.2f} | {l:.2f} | {d / l:.2f}x{extra} |")
PY
