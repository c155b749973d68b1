#!/usr/bin/env bash
# Configures and builds dep into build/ (or $DEP_BUILD_DIR) with Ninja. Extra args go to cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DEP_BUILD_DIR:-$root/build}"
venv="${DEP_VENV:-$root/.venv}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DDEP_PYTHON="$venv/bin/python3" "$@"
cmake --build "$build" --parallel "${DEP_JOBS:-$(nproc)}"
