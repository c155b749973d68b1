#!/usr/bin/env bash
# setup_bench_anchors.sh: installs the llama.cpp anchor of scripts/bench_decoder.sh into the venv —
# llama-cpp-python built from its sdist for this CPU, and gguf — with the versions pinned in
# scripts/requirements-bench.txt. Not part of CI (the llama.cpp build takes ~10+ minutes on 2 cores).
# The sdist is kept unpacked in $DEP_VENV/src/ because it carries llama.cpp's own
# convert_hf_to_gguf.py, which bench_decoder.sh uses to write the random model as GGUF bf16.
#
#   DEP_VENV=$HOME/.cache/dep/venv scripts/setup_bench_anchors.sh
# Env: DEP_VENV (default .venv), JOBS (build parallelism, default 2).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${DEP_VENV:-$ROOT/.venv}"
PIP="$VENV/bin/pip"
REQ="$ROOT/scripts/requirements-bench.txt"
version_of() { sed -n "s/^$1==//p" "$REQ"; }
LLAMA_VERSION="$(version_of llama-cpp-python)"
GGUF_VERSION="$(version_of gguf)"
SRC="$VENV/src/llama_cpp_python-$LLAMA_VERSION"

if [ ! -f "$SRC/vendor/llama.cpp/convert_hf_to_gguf.py" ]; then
  mkdir -p "$VENV/src"
  "$PIP" download --no-deps --no-binary :all: -d "$VENV/src" "llama-cpp-python==$LLAMA_VERSION"
  tar -xzf "$VENV/src/llama_cpp_python-$LLAMA_VERSION.tar.gz" -C "$VENV/src"
fi
# A native build (AVX512/BF16 where the CPU has them), OpenMP threads as a release wheel would use.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=ON -DGGML_OPENMP=ON}"
export CMAKE_BUILD_PARALLEL_LEVEL="${JOBS:-2}"
"$PIP" install "$SRC" "gguf==$GGUF_VERSION" "sentencepiece==$(version_of sentencepiece)"
"$VENV/bin/python3" -c "import llama_cpp, gguf; print('llama_cpp', llama_cpp.__version__, 'gguf ok')"
echo "convert script: $SRC/vendor/llama.cpp/convert_hf_to_gguf.py"
