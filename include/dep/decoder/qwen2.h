// The Qwen2 decoder (Qwen2ForCausalLM, every Qwen2.5 size; docs/reference-behaviour.md §A), the CausalLM
// implementation for model_type "qwen2": loading a Hugging Face model directory, the forward pass
// with ids or inputs_embeds, left padding, KV cache, autograd to the inputs (weights frozen) with
// optional per-layer activation checkpointing. Code outside src/decoder uses CausalLM.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dep/core/model_config.h"
#include "dep/decoder/causal_lm.h"
#include "dep/decoder/kv_cache.h"

namespace dep {

// How attention is computed. kSdpa uses at::scaled_dot_product_attention (flash / memory-efficient
// kernels on CUDA), the default; kEager is HF's eager math (fp32 softmax), kept as a reference.
enum class AttentionBackend { kEager, kSdpa };
AttentionBackend default_attention_backend();

// One decoder layer's frozen weights. q/k/v and gate/up are stored fused (one matmul each);
// rows follow HF's order (q, k, v and gate, up).
struct Qwen2LayerWeights {
  torch::Tensor input_norm;   // [H]
  torch::Tensor qkv_weight;   // [(nH + 2 nKV) D, H]
  torch::Tensor qkv_bias;     // [(nH + 2 nKV) D]
  torch::Tensor o_proj;       // [H, nH D]
  torch::Tensor post_norm;    // [H]
  torch::Tensor gate_up;      // [2 I, H]
  torch::Tensor down_proj;    // [H, I]
};

class Qwen2Model : public CausalLM {
 public:
  // Reads config.json and model.safetensors (or the shards of model.safetensors.index.json);
  // every missing or mis-shaped tensor is reported in one dep::Error. Weights are converted to
  // `dtype` (fp32, bf16, fp16) on `device` and never require grad.
  static Qwen2Model load(const std::string& model_dir, torch::ScalarType dtype = torch::kFloat32,
                         torch::Device device = torch::kCPU);

  CausalLmShape shape() const override;
  const Qwen2Config& config() const { return config_; }
  bool tied_lm_head() const { return tied_; }
  const torch::Tensor& embedding_weight() const { return embed_; }
  const torch::Tensor& lm_head_weight() const { return lm_head_; }

  torch::Tensor embed_tokens(const torch::Tensor& ids) const override;
  torch::Tensor hidden_states(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask = {},
                              const torch::Tensor& position_ids = {}, KvCache* cache = nullptr) const override;
  torch::Tensor lm_head(const torch::Tensor& hidden) const override;
  KvCache make_cache(int64_t rows, int64_t capacity) const override;

  // HF resize_token_embeddings: rows 0..min(old,new)-1 are kept; added rows (of the embedding and,
  // when untied, of the lm head) are drawn from N(mean, 1e-9 · covariance) of the old rows (HF's
  // mean_resizing), or set to the mean when that covariance is not positive definite. `seed`
  // makes the draw reproducible. config().vocab_size follows.
  void resize_token_embeddings(int64_t new_vocab_size, uint64_t seed = 0) override;
  void set_gradient_checkpointing(bool enabled) override { gradient_checkpointing = enabled; }

  // Recompute each layer in backward instead of keeping its activations (training only: applies
  // when grad mode is on, no cache is used and the inputs require grad).
  bool gradient_checkpointing = false;
  AttentionBackend attention = default_attention_backend();

  const std::vector<Qwen2LayerWeights>& layers() const { return layers_; }

 private:
  Qwen2Config config_;
  torch::ScalarType dtype_ = torch::kFloat32;
  torch::Device device_ = torch::kCPU;
  torch::Tensor embed_, lm_head_, final_norm_;
  torch::Tensor inv_freq_;  // [D/2] fp32
  bool tied_ = false;
  std::vector<Qwen2LayerWeights> layers_;
};

}  // namespace dep
