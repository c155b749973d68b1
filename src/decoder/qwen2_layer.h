// The math of one Qwen2 decoder layer (docs/reference-behaviour.md §A.1–A.4) with the spec's cast order, shared by
// the plain forward and the activation-checkpointed one. Private to dep_model.
#pragma once

#include <torch/torch.h>

#include "dep/decoder/kv_cache.h"
#include "dep/core/model_config.h"
#include "dep/decoder/qwen2.h"

namespace dep::detail {

// Everything a layer needs besides its weights and the hidden states.
struct LayerInputs {
  torch::Tensor cos, sin;   // [B,1,T,D] in the model dtype
  torch::Tensor allowed;    // [B,1,T,S] bool or undefined
  bool is_causal = false;   // with `allowed` undefined: causal (true) or see-all (false)
  KvCache* cache = nullptr;
  const KvCacheStep* step = nullptr;
  AttentionBackend backend = AttentionBackend::kEager;
};

// x.float() → mean of squares → rsqrt(var + eps) → multiply → back to x's dtype → × weight.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// cos/sin [B,1,T,D] for position_ids [B,T]: computed in fp32, cast to `dtype`.
std::pair<torch::Tensor, torch::Tensor> rotary_cos_sin(const torch::Tensor& inv_freq, const torch::Tensor& position_ids,
                                                      torch::ScalarType dtype);

// Softmax(q k^T · D^-0.5 + mask) v with GQA (query head h uses KV head h / n_rep).
// q [B,nH,T,D], k/v [B,nKV,S,D] → [B,nH,T,D].
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const LayerInputs& in);

// hidden [B,T,H] → hidden after the layer (residuals included).
torch::Tensor decoder_layer(const Qwen2LayerWeights& w, const Qwen2Config& c, int64_t layer_index,
                            const torch::Tensor& hidden, const LayerInputs& in);

// The same, but only the layer input is kept for backward; the layer is rerun there.
torch::Tensor checkpointed_decoder_layer(const Qwen2LayerWeights& w, const Qwen2Config& c, int64_t layer_index,
                                         const torch::Tensor& hidden, const LayerInputs& in);

}  // namespace dep::detail
