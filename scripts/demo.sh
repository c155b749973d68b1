#!/usr/bin/env bash
# The README's main command: set up, build, and run dep's main job on the built-in default.
# Until the training pipeline lands, the main job inspects and validates the bundled tiny models.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
fixtures="$root/../shared/fixtures"
for model in "$fixtures/tiny-qwen2" "$fixtures/tiny-xlmr"; do
  echo "== dep-inspect $model"
  "$build/bin/dep-inspect" "$model"
done
