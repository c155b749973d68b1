#!/usr/bin/env bash
# Tokenizer throughput, dep vs Hugging Face `tokenizers` (Rust core through its Python binding),
# single thread, same corpus, same run. Builds a >= 20 MB corpus from the fixture case strings
# (repeated), runs bench/tokenizer_bench and ../shared/bench/hf_tokenizers_bench.py (batch mode,
# TOKENIZERS_PARALLELISM=false), checks that both counted the same tokens, prints the ratio.
#
#   scripts/bench_tokenizer.sh [tokenizer.json]       env: DEP_BUILD_DIR (build), DEP_VENV (.venv),
#                                                      BENCH_MB (20), BENCH_RUNS (5), BENCH_THREADS (1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DEP_BUILD_DIR:-$root/build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
python=${DEP_VENV:-$root/.venv}/bin/python3
fixtures=$root/../shared/fixtures/qwen2.5-tokenizer
tokenizer=${1:-$fixtures/tokenizer.json}
mb=${BENCH_MB:-20}
runs=${BENCH_RUNS:-5}
threads=${BENCH_THREADS:-1}

[ -x "$python" ] || { echo "error: no Python at $python (run scripts/setup.sh or set DEP_VENV)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --build "$build" --target tokenizer_bench >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
corpus=$work/corpus.txt

# One sequence per line: Python reads the file with universal newlines, so CR and LF inside a
# case split it into lines here already (both sides then see the same lines).
"$python" - "$fixtures/cases.jsonl" "$corpus" "$mb" <<'PY'
import json, sys
cases, out, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
lines = []
for l in open(cases, encoding="utf-8"):
    text = json.loads(l)["text"].replace("\r\n", "\n").replace("\r", "\n")
    lines.extend(s for s in text.split("\n") if s)
block = "\n".join(lines) + "\n"
content = sum(len(s.encode("utf-8")) for s in lines)  # what both sides count: bytes without the newlines
with open(out, "w", encoding="utf-8", newline="\n") as f:
    for _ in range(int(mb * 1e6 // content) + 1):
        f.write(block)
PY

dep_json=$("$build/bin/tokenizer_bench" --tokenizer "$tokenizer" --corpus "$corpus" --runs "$runs" --threads "$threads")
hf_json=$(TOKENIZERS_PARALLELISM=false "$python" "$root/../shared/bench/hf_tokenizers_bench.py" \
          "$tokenizer" "$corpus" "$runs" batch)
echo "dep: $dep_json"
echo "hf:  $hf_json"
"$python" - "$dep_json" "$hf_json" <<'PY'
import json, sys
d, h = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if d["tokens"] != h["tokens"] or d["lines"] != h["lines"] or d["bytes"] != h["bytes"]:
    sys.exit(f"error: the two runs disagree: dep {d['lines']} lines {d['bytes']} bytes {d['tokens']} tokens, "
             f"hf {h['lines']} lines {h['bytes']} bytes {h['tokens']} tokens")
print(json.dumps({"corpus_mb": round(d["bytes"] / 1e6, 2), "tokens": d["tokens"],
                  "dep_mb_per_s": round(d["mb_per_s"], 3), "hf_mb_per_s": round(h["mb_per_s"], 3),
                  "dep_tokens_per_s": round(d["tokens_per_s"]), "ratio": round(d["mb_per_s"] / h["mb_per_s"], 2)}))
PY
