#!/usr/bin/env bash
# The README's main command: set up, build, and run dep's main job on the built-in default — the DEP
# pipeline end to end on tiny models and synthetic data that dep makes itself
# (scripts/demo_pipeline.sh; results in build/demo/summary.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
"$root/scripts/demo_pipeline.sh" "$@"
