#!/usr/bin/env bash
# bench_train.sh: training tokens/s and peak memory of one DEP micro-batch — dep's frozen Qwen2
# decoder forward + backward with the fp32 DEP adapter injected, gradients into the adapter only
# (bench/train_bench) — against Hugging Face transformers' frozen Qwen2ForCausalLM with
# inputs_embeds that require grad and the reference's labels (-100 over the prompt), on the same
# random-weight Qwen2.5-0.5B-shape model, in the same run, with activation checkpointing off and on.
#
#   scripts/bench_train.sh                    # 8 of 24 layers, 512-token samples, bf16, 2 threads
#   LAYERS=0 REPS=2 scripts/bench_train.sh    # all 24 layers (slow on a 2-core VM)
# Env: DEP_BUILD_DIR (default build), DEP_VENV (default .venv), MODELS (random model directory
# parent, default BUILD/bench-models), LAYERS (0 = all 24; default 8), LENGTH (tokens per sample,
# 512), TARGET (label tokens, 64), BATCH (1), THREADS (2), REPS (timed steps per process after one
# warm-up, 3), ROUNDS (alternating dep/HF process pairs per setting, 1), ATTN (HF attention: sdpa
# or eager, default sdpa), CHECKPOINTING ("off on"), HF_HEAD (all: the reference's full-sequence lm
# head; labels: a second anchor that runs HF's lm head on the labelled rows only, as dep does, to
# compare the decoders alone; default "all labels").
# Prints one JSON line per process and a summary table with medians and ratios (dep / HF).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${DEP_BUILD_DIR:-$ROOT/build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PY="${DEP_VENV:-$ROOT/.venv}/bin/python3"
MODELS="${MODELS:-$BUILD/bench-models}"
LAYERS="${LAYERS:-8}"
LENGTH="${LENGTH:-512}"
TARGET="${TARGET:-64}"
BATCH="${BATCH:-1}"
THREADS="${THREADS:-2}"
REPS="${REPS:-3}"
ROUNDS="${ROUNDS:-1}"
ATTN="${ATTN:-sdpa}"
CHECKPOINTING="${CHECKPOINTING:-off on}"
HF_HEAD="${HF_HEAD:-all labels}"
BENCH="$BUILD/bin/train_bench"
[ -x "$BENCH" ] || { echo "missing $BENCH: build the train_bench target first" >&2; exit 2; }

source "$ROOT/scripts/random_qwen2_model.sh"
MODEL="$(random_qwen2_model "$PY" "$MODELS" "$LAYERS")"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The anchor: what the reference's HF Trainer runs per micro-batch on a frozen LLM — forward with
# inputs_embeds (requiring grad, as the injected soft prompts make them) and labels, loss.backward().
# Same sample layout as train_bench: LENGTH - TARGET - 1 prompt tokens, TARGET + 1 labelled ones.
cat > "$WORK/hf_train.py" <<'PY'
import json, resource, statistics, sys, time
import torch
import transformers
from transformers import Qwen2ForCausalLM
model_dir, attn = sys.argv[1], sys.argv[2]
batch, length, target, threads, reps, ckpt = map(int, sys.argv[3:9])
head = sys.argv[9]  # all | labels
torch.set_num_threads(threads)
t0 = time.perf_counter()
model = Qwen2ForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, attn_implementation=attn)
model.requires_grad_(False)
if ckpt:
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
model.train()  # as the Trainer; Qwen2 has no dropout, and HF checkpoints only in training mode
load_s = time.perf_counter() - t0
g = torch.Generator().manual_seed(0)
ids = torch.randint(0, 151643, (batch, length), generator=g)
labels = ids.clone()
labels[:, : length - target - 1] = -100
mask = torch.ones_like(ids)
rates, cpu_rates, loss = [], [], 0.0
for r in range(reps + 1):
    t0, c0 = time.perf_counter(), time.process_time()
    emb = model.get_input_embeddings()(ids).detach().requires_grad_(True)
    if head == "all":  # the reference: logits (upcast to fp32 in the loss) for every position
        loss_t = model(inputs_embeds=emb, attention_mask=mask, labels=labels, use_cache=False).loss
    else:  # logits only where a label is predicted (no padding here: the last target + 1 rows)
        logits = model(inputs_embeds=emb, attention_mask=mask, use_cache=False, logits_to_keep=target + 2).logits
        loss_t = torch.nn.functional.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]),
                                                   labels[:, -(target + 1):].reshape(-1))
    loss_t.backward()
    dt, ct = time.perf_counter() - t0, time.process_time() - c0
    assert emb.grad is not None
    loss = loss_t.item()
    if r:
        rates.append(batch * length / dt)
        cpu_rates.append(batch * length / ct)
print(json.dumps({"impl": "hf" if head == "all" else "hf-labels-head", "torch": torch.__version__, "transformers": transformers.__version__,
                  "dtype": "bf16", "threads": threads, "layers": model.config.num_hidden_layers, "batch": batch,
                  "length": length, "target": target, "checkpointing": bool(ckpt), "attention": attn,
                  "load_s": round(load_s, 2), "loss": round(loss, 4),
                  "train_tok_s": round(statistics.median(rates), 2),
                  "train_tok_cpu_s": round(statistics.median(cpu_rates), 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
PY

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$WORK/results.jsonl"
for mode in $CHECKPOINTING; do
  flag=""; ckpt=0
  [ "$mode" = on ] && { flag="--checkpointing"; ckpt=1; }
  for round in $(seq "$ROUNDS"); do
    "$BENCH" "$MODEL" --dtype bf16 --threads "$THREADS" --batch "$BATCH" --length "$LENGTH" --target "$TARGET" \
      --reps "$REPS" $flag | tee -a "$WORK/results.jsonl"
    for head in $HF_HEAD; do
      "$PY" "$WORK/hf_train.py" "$MODEL" "$ATTN" "$BATCH" "$LENGTH" "$TARGET" "$THREADS" "$REPS" "$ckpt" "$head" \
        2>/dev/null | tail -n 1 | tee -a "$WORK/results.jsonl"
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$WORK/results.jsonl" "$MODEL" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cfg = json.load(open(sys.argv[2] + "/config.json"))
r0 = rows[0]
print(f"\nmodel {sys.argv[2]} ({cfg['num_hidden_layers']} layers), bf16, {r0['threads']} threads, "
      f"batch {r0['batch']} x {r0['length']} tokens ({r0['target']} + 1 labelled)")
print("| checkpointing | dep tok/s (tok/CPU-s) | HF anchor | HF tok/s (tok/CPU-s) | ratio wall (CPU) | dep peak RSS MB | HF peak RSS MB |")
print("|---|---|---|---|---|---|---|")
med = lambda rs, k: statistics.median(r[k] for r in rs)
for ckpt in (False, True):
    d = [r for r in rows if r["impl"] == "dep" and r["checkpointing"] == ckpt]
    for impl, name in (("hf", "lm head on all rows (reference)"), ("hf-labels-head", "lm head on labelled rows")):
        h = [r for r in rows if r["impl"] == impl and r["checkpointing"] == ckpt]
        if not d or not h:
            continue
        dt, dc, ht, hc = med(d, "train_tok_s"), med(d, "train_tok_cpu_s"), med(h, "train_tok_s"), med(h, "train_tok_cpu_s")
        print(f"| {'on' if ckpt else 'off'} | {dt:.2f} ({dc:.2f}) | {name} | {ht:.2f} ({hc:.2f}) | {dt / ht:.2f}x ({dc / hc:.2f}x) | "
              f"{max(r['peak_rss_mb'] for r in d):.0f} | {max(r['peak_rss_mb'] for r in h):.0f} |")
PY
