#!/usr/bin/env bash
# Metrics throughput, dep vs the paper's Python stack (rouge-score 0.1.2, nltk 3.8 METEOR with the
# same Punkt parameters and Debian's WordNet, sacrebleu 2.6.0), one thread each, same pairs, same
# run. Builds BENCH_PAIRS (5000) review-like pairs from the metric fixture's sentences, times
# ROUGE-1/L (+ stemmed ROUGE-1), METEOR, sentence BLEU and corpus BLEU, checks both computed the
# same totals, prints the ratio.
#
#   scripts/bench_metrics.sh      env: DEP_BUILD_DIR (build), DEP_VENV (.venv), BENCH_PAIRS (5000),
#                                      BENCH_RUNS (3), BENCH_PY_RUNS (1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DEP_BUILD_DIR:-$root/build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
python=${DEP_VENV:-$root/.venv}/bin/python3
pairs=${BENCH_PAIRS:-5000}
runs=${BENCH_RUNS:-3}
py_runs=${BENCH_PY_RUNS:-1}

[ -x "$python" ] || { echo "error: no Python at $python (run scripts/setup.sh or set DEP_VENV)" >&2; exit 2; }
cmake --build "$build" --target metrics_bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" - "$root/../shared/fixtures/metrics/pairs.jsonl" "$work/pairs.jsonl" "$pairs" <<'PY'
import json, random, re, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sentences = []
for line in open(src, encoding="utf-8"):
    d = json.loads(line)
    for text in (d["hyp"], d["ref"]):
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
rng = random.Random(1234)
with open(out, "w", encoding="utf-8") as f:
    for _ in range(n):
        ref = rng.sample(sentences, rng.randint(2, 8))
        hyp = [s for s in ref if rng.random() < 0.6] + rng.sample(sentences, rng.randint(0, 4))
        rng.shuffle(hyp)
        f.write(json.dumps({"prediction": " ".join(hyp), "reference": " ".join(ref)}) + "\n")
PY

dep_json=$("$build/bin/metrics_bench" --pairs "$work/pairs.jsonl" --runs "$runs")
py_json=$("$python" - "$root" "$work/pairs.jsonl" "$py_runs" <<'PY'
import json, statistics, sys, tempfile, time
root, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root + "/tests/metrics")
import warnings
warnings.simplefilter("ignore")
from reference_metrics import punkt_tokenizer, wordnet_reader
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.translate.meteor_score import single_meteor_score
from rouge_score import rouge_scorer
import sacrebleu
pairs = [json.loads(l) for l in open(path, encoding="utf-8")]
punkt = punkt_tokenizer(root + "/data/punkt-english.json")
words = NLTKWordTokenizer()
def word_tokenize(t):
    return [w for s in punkt.tokenize(t) for w in words.tokenize(s)]
times, checksum = [], 0.0
with tempfile.TemporaryDirectory() as tmp:
    for r in range(runs):
        wn = wordnet_reader("/usr/share/wordnet", tmp + "/%d" % r)
        plain = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
        stem = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
        start = time.perf_counter()
        total = 0.0
        for p in pairs:
            h, ref = p["prediction"], p["reference"]
            s = plain.score(ref, h)
            total += s["rouge1"].fmeasure + s["rougeL"].fmeasure + stem.score(ref, h)["rouge1"].fmeasure
            total += single_meteor_score(word_tokenize(ref), word_tokenize(h), wordnet=wn)
            total += sacrebleu.sentence_bleu(h, [ref]).score / 100.0
        total += sacrebleu.corpus_bleu([p["prediction"] for p in pairs], [[p["reference"] for p in pairs]]).score / 100.0
        times.append(time.perf_counter() - start)
        checksum = total
med = statistics.median(times)
print(json.dumps({"pairs": len(pairs), "runs": runs, "seconds_median": round(med, 4),
                  "pairs_per_s": round(len(pairs) / med, 1), "checksum": round(checksum, 9)}))
PY
)
echo "dep:    $dep_json"
echo "python: $py_json"
"$python" - "$dep_json" "$py_json" <<'PY'
import json, sys
d, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if d["pairs"] != p["pairs"] or abs(d["checksum"] - p["checksum"]) > 1e-6 * d["pairs"]:
    sys.exit(f"error: the two runs disagree: dep {d['pairs']} pairs checksum {d['checksum']}, "
             f"python {p['pairs']} pairs checksum {p['checksum']}")
print(f"metrics ({d['pairs']} pairs, ROUGE+METEOR+BLEU, 1 thread): dep {d['seconds_median']:.3f} s, "
      f"python {p['seconds_median']:.3f} s, speedup {p['seconds_median'] / d['seconds_median']:.1f}x "
      f"(dep load of WordNet+Punkt {d['load_seconds']:.3f} s, not in the timing)")
PY
