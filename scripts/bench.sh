#!/usr/bin/env bash
# Runs every benchmark script (scripts/bench_*.sh) in turn; each prints its figures beside the
# anchor measured in the same run. Record results in docs/PERFORMANCE.md.
# Usage: scripts/bench.sh [name ...]   (e.g. scripts/bench.sh tokenizer decoder)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh" >/dev/null
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$root"/scripts/bench_*.sh; do n="$(basename "$f" .sh)"; names+=("${n#bench_}"); done
fi
for n in "${names[@]}"; do
  echo "== bench $n"
  bash "$root/scripts/bench_$n.sh"
done
