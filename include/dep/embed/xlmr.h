// XLM-RoBERTa encoder as bge-m3 runs it (docs/reference-behaviour.md §C): loads a Hugging Face model directory and
// computes the last hidden state and the dense (L2-normalised CLS) embedding of a padded batch.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "dep/core/model_config.h"

namespace dep {

struct XlmrLoadOptions {
  torch::ScalarType dtype = torch::kFloat32;  // fp32 is the reference; bf16/fp16 are speed modes
  torch::Device device = torch::kCPU;
};

struct XlmrLayerWeights {
  torch::Tensor qkv_weight, qkv_bias;  // query/key/value stacked into one [3H, H] projection
  torch::Tensor attn_out_weight, attn_out_bias;
  torch::Tensor attn_norm_weight, attn_norm_bias;
  torch::Tensor inter_weight, inter_bias;
  torch::Tensor out_weight, out_bias;
  torch::Tensor out_norm_weight, out_norm_bias;
};

struct XlmrWeights {
  torch::Tensor word_embeddings, position_embeddings, token_type_embeddings;
  torch::Tensor emb_norm_weight, emb_norm_bias;
  std::vector<XlmrLayerWeights> layers;
};

struct XlmrOutput {
  torch::Tensor last_hidden_state;  // [B, T, H] in the compute dtype
  torch::Tensor dense_embedding;    // [B, H] float32, unit length
};

class XlmrEncoder {
 public:
  // Reads config.json and model.safetensors (sharded or single), falling back to
  // pytorch_model.bin. Tensor names may carry a "roberta." prefix; pooler, position_ids and
  // lm_head entries are ignored. Every missing or mis-shaped tensor is reported at once.
  static XlmrEncoder load(const std::string& model_dir, const XlmrLoadOptions& options = {});
  XlmrEncoder(XlmrConfig config, XlmrWeights weights, XlmrLoadOptions options);

  // input_ids / attention_mask: [B, T] integer tensors (any device); right or left padding both
  // work because the mask, not the layout, decides which tokens are real. Runs without autograd (NoGradGuard; the results are ordinary tensors).
  XlmrOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) const;

  const XlmrConfig& config() const { return config_; }
  const XlmrLoadOptions& options() const { return options_; }
  // The longest input the position table allows (max_position_embeddings - pad_token_id - 1).
  int64_t max_tokens() const;

 private:
  torch::Tensor embed(const torch::Tensor& input_ids) const;
  torch::Tensor layer(const XlmrLayerWeights& w, const torch::Tensor& x, const torch::Tensor& keep) const;

  XlmrConfig config_;
  XlmrWeights weights_;
  XlmrLoadOptions options_;
};

// dense = h[:, 0] / max(||h[:, 0]||, 1e-12), computed in float32.
torch::Tensor xlmr_dense_embedding(const torch::Tensor& last_hidden_state);

// The raw tensors of a model directory by their checkpoint names: model.safetensors (or its
// index) when present, else pytorch_model.bin read through LibTorch's pickle loader.
std::vector<std::pair<std::string, torch::Tensor>> read_xlmr_state_dict(const std::string& model_dir,
                                                                        std::string& source);

}  // namespace dep
