// What the personalization model, the generation engine and the losses need from a frozen decoder
// (a causal LM): token embeddings, the layers over inputs_embeds with an optional KV cache, the lm
// head on chosen rows, a cache sized for it. Qwen2 (qwen2.h) is the one implementation;
// load_causal_lm picks it from config.json's model_type, so another architecture (Llama 3, Qwen3)
// is one new file plus one line in causal_lm_registry.cpp.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dep/decoder/kv_cache.h"

namespace dep {

// The sizes everything outside the decoder may depend on.
struct CausalLmShape {
  std::string model_type;  // config.json's model_type ("qwen2")
  int64_t hidden_size = 0;
  int64_t vocab_size = 0;  // token rows (follows resize_token_embeddings)
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
};

// Weights are frozen (never require grad); autograd flows to inputs_embeds.
class CausalLM {
 public:
  virtual ~CausalLM() = default;

  virtual CausalLmShape shape() const = 0;

  // ids [B,T] I64 → embeddings [B,T,H] in the model dtype.
  virtual torch::Tensor embed_tokens(const torch::Tensor& ids) const = 0;

  // The final-normed hidden states [B,T,H] (what the lm head reads).
  // - attention_mask [B,T] 1 real / 0 pad (left padding), undefined = all real. With a cache it
  //   describes only the new tokens; the cache remembers earlier ones.
  // - position_ids [B,T], undefined = cumsum(mask) - 1 with pads set to 1, continuing from the
  //   cache's real-token count.
  // - cache: appended to (rows 0..B-1); nullptr = no caching.
  virtual torch::Tensor hidden_states(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask = {},
                                      const torch::Tensor& position_ids = {}, KvCache* cache = nullptr) const = 0;

  // Logits for hidden rows [..., H] → [..., V] in the model dtype (pass only the rows needed).
  virtual torch::Tensor lm_head(const torch::Tensor& hidden) const = 0;

  // A cache sized for this model, dtype and device.
  virtual KvCache make_cache(int64_t rows, int64_t capacity) const = 0;

  // HF resize_token_embeddings (mean_resizing; `seed` makes the added rows reproducible).
  virtual void resize_token_embeddings(int64_t new_vocab_size, uint64_t seed = 0) = 0;

  // Recompute each layer in backward instead of keeping its activations (training only).
  virtual void set_gradient_checkpointing(bool enabled) = 0;

  // Logits [B,T,V] ([B,1,V] when last_only): hidden_states then the lm head.
  torch::Tensor forward(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask = {},
                        const torch::Tensor& position_ids = {}, KvCache* cache = nullptr,
                        bool last_only = false) const;
  torch::Tensor forward_ids(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                            const torch::Tensor& position_ids = {}, KvCache* cache = nullptr,
                            bool last_only = false) const;

  int64_t hidden_size() const { return shape().hidden_size; }
  int64_t vocab_size() const { return shape().vocab_size; }
  torch::ScalarType dtype() const { return shape().dtype; }
  torch::Device device() const { return shape().device; }
};

// Loads the decoder of a Hugging Face model directory with the implementation its config.json's
// model_type names; an unknown type is a one-line dep::Error naming the file and the supported types.
std::unique_ptr<CausalLM> load_causal_lm(const std::string& model_dir, torch::ScalarType dtype = torch::kFloat32,
                                         torch::Device device = torch::kCPU);

// The model_type values load_causal_lm knows, in registry order.
std::vector<std::string> supported_causal_lm_types();

}  // namespace dep
