// What dep-generate runs: the frozen Qwen2 decoder, the DEP adapter and the DEP tokenizer, loaded
// from either checkpoint layout users have (DEP.md §7, §10):
//   - a full DEP model directory (the authors' release): Qwen2 weights with the 151,685-row
//     vocabulary plus `sae.*` and `align_mlp_*` tensors in the same safetensors files;
//   - a base Qwen2.5-Instruct directory plus a dep adapter file (reference tensor names); the
//     embedding matrix is resized to the tokenizer's length as the reference's
//     resize_token_embeddings does (a shrink for Qwen2.5: rows 0..151,684 are kept);
//   - a decoder alone (model.adapter = "none") for the baselines (Non-Perso, RAG), whose prompts
//     carry no soft-prompt placeholders.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

#include "dep/text/bpe_tokenizer.h"
#include "dep/adapter/dep_model.h"
#include "dep/generate/generate_config.h"
#include "dep/decoder/qwen2.h"

namespace dep {

enum class CheckpointLayout { kFullModel, kBaseWithAdapter, kDecoderOnly };
const char* checkpoint_layout_name(CheckpointLayout layout);  // "full" | "base+adapter" | "decoder-only"

struct GenerationModel {
  std::shared_ptr<Qwen2Model> llm;
  DepAdapter adapter{nullptr};  // fp32, eval mode, on the LLM's device; null for kDecoderOnly
  std::shared_ptr<BpeTokenizer> tokenizer;
  CheckpointLayout layout = CheckpointLayout::kFullModel;
  std::string adapter_source;  // file (or directory) the adapter tensors came from
  std::string tokenizer_source;
  // Content hash of the adapter tensors (name, shape, fp32 values; FNV-1a 64, hex): equal for a
  // full directory and the base+adapter pair it was assembled from; "none" for kDecoderOnly.
  std::string adapter_hash;
  // Hash of the decoder's config and tensor table (names, dtypes, shapes, sizes) after the vocab
  // resize; cheap (no weight bytes), it tells checkpoints of different shape or origin apart.
  std::string llm_fingerprint;
  // The model directory's generation_config.json (stop ids, sampling defaults); empty when absent.
  ModelGenerationConfig generation_config;
};

// Detects the layout and loads everything. Bad input is one dep::Error each, naming the file:
// no adapter anywhere or adapter tensors missing (all listed), an adapter trained for another
// hidden size, a tokenizer without the DEP tokens (or with them at other ids).
GenerationModel load_generation_model(const GenerateModelConfig& config, const DeviceConfig& device = {});

// Reads `model_dir`/generation_config.json (fields left unset when the file or a key is absent).
ModelGenerationConfig read_model_generation_config(const std::string& model_dir);

// The reference layout of adapter tensors present in a checkpoint: AdapterConfig inferred from
// their shapes (or read from dep's `dep.adapter` metadata); hidden_size = the projectors' width.
AdapterConfig infer_adapter_config(const SafetensorsCheckpoint& checkpoint);

// "auto" → bf16 on CUDA, fp32 on CPU; otherwise parse_compute_dtype.
torch::ScalarType resolve_generation_dtype(const std::string& name, torch::Device device);

}  // namespace dep
