// Loading the personalization model dep-generate runs, from either checkpoint layout users have
// (docs/reference-behaviour.md §7, §10):
//   - a full DEP model directory (the authors' release): Qwen2 weights with the 151,685-row
//     vocabulary plus `sae.*` and `align_mlp_*` tensors in the same safetensors files;
//   - a base Qwen2.5-Instruct directory plus a dep adapter file (reference tensor names, or any
//     method's file with dep's metadata); the embedding matrix is resized to the tokenizer's length
//     as the reference's resize_token_embeddings does (a shrink for Qwen2.5-7B: its first len(tokenizer) rows are kept);
//   - a decoder alone (model.adapter = "none") for the baselines (Non-Perso, RAG), whose prompts
//     carry no soft-prompt placeholders.
#pragma once

#include <torch/types.h>

#include <string>

#include "dep/adapter/personalization_model.h"
#include "dep/generate/generate_config.h"

namespace dep {

// Detects the layout and loads everything (adapter in fp32, eval mode, frozen, on the decoder's
// device); model.origin says where each part came from. Bad input is one dep::Error each, naming
// the file: no adapter anywhere or adapter tensors missing (all listed), an adapter trained for
// another hidden size, a tokenizer without the DEP tokens (or with them at other ids).
PersonalizationModel load_personalization_model(const GenerateModelConfig& config, const DeviceConfig& device = {});

// Reads `model_dir`/generation_config.json (fields left unset when the file or a key is absent).
ModelGenerationConfig read_model_generation_config(const std::string& model_dir);


}  // namespace dep
