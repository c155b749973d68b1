# Sourced by the decoder benchmarks (not a benchmark itself): the random-weight Qwen2.5-0.5B-shape
# model they share, made once per build with ../shared/bench/make_random_qwen2.py.
#   random_qwen2_model PYTHON MODELS_DIR LAYERS   -> prints the model directory (LAYERS 0 = all 24)
random_qwen2_model() {
  local py="$1" models="$2" layers="$3" root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local model="$models/qwen2.5-0.5B-random"
  [ "$layers" != 0 ] && model="$model-${layers}l"
  if [ ! -f "$model/model.safetensors" ]; then
    mkdir -p "$models"
    "$py" "$root/../shared/bench/make_random_qwen2.py" "$model" --size 0.5B --layers "$layers" >&2
  fi
  echo "$model"
}
