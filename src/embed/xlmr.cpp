// The XLM-RoBERTa forward pass (docs/reference-behaviour.md §C.2–C.3): embeddings with padding-aware position ids,
// post-LN encoder layers with exact-erf GELU and a padding-only bidirectional mask.
#include "dep/embed/xlmr.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <limits>

#include "dep/core/error.h"
#include "dep/torch/transfer.h"

namespace dep {

namespace F = torch::nn::functional;

XlmrEncoder::XlmrEncoder(XlmrConfig config, XlmrWeights weights, XlmrLoadOptions options)
    : config_(std::move(config)), weights_(std::move(weights)), options_(options) {}

int64_t XlmrEncoder::max_tokens() const { return config_.max_position_embeddings - config_.pad_token_id - 1; }

torch::Tensor XlmrEncoder::embed(const torch::Tensor& input_ids) const {
  const int64_t B = input_ids.size(0), T = input_ids.size(1), H = config_.hidden_size;
  // HF numbers real tokens from pad+1 and gives pads the pad index (create_position_ids_from_input_ids).
  const torch::Tensor not_pad = input_ids.ne(config_.pad_token_id).to(torch::kLong);
  const torch::Tensor positions = torch::cumsum(not_pad, 1) * not_pad + config_.pad_token_id;
  torch::Tensor e = weights_.word_embeddings.index_select(0, input_ids.reshape(-1)).view({B, T, H});
  e = e + weights_.position_embeddings.index_select(0, positions.reshape(-1)).view({B, T, H});
  e = e + weights_.token_type_embeddings[0];
  return torch::layer_norm(e, {H}, weights_.emb_norm_weight, weights_.emb_norm_bias, config_.layer_norm_eps);
}

torch::Tensor XlmrEncoder::layer(const XlmrLayerWeights& w, const torch::Tensor& x, const torch::Tensor& keep) const {
  const int64_t B = x.size(0), T = x.size(1), H = config_.hidden_size;
  const int64_t heads = config_.num_attention_heads, head_dim = H / heads;
  const torch::Tensor qkv = torch::linear(x, w.qkv_weight, w.qkv_bias).view({B, T, 3, heads, head_dim}).permute({2, 0, 3, 1, 4});
  // Scaled dot-product attention with the default 1/sqrt(head_dim) scale; masked keys get zero weight.
  c10::optional<torch::Tensor> mask;
  if (keep.defined()) mask = keep;
  const torch::Tensor context = at::scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], mask);
  const torch::Tensor merged = context.transpose(1, 2).reshape({B, T, H});
  const torch::Tensor a = torch::layer_norm(torch::linear(merged, w.attn_out_weight, w.attn_out_bias) + x, {H},
                                            w.attn_norm_weight, w.attn_norm_bias, config_.layer_norm_eps);
  const torch::Tensor h = torch::gelu(torch::linear(a, w.inter_weight, w.inter_bias));  // exact erf form
  return torch::layer_norm(torch::linear(h, w.out_weight, w.out_bias) + a, {H}, w.out_norm_weight, w.out_norm_bias,
                           config_.layer_norm_eps);
}

XlmrOutput XlmrEncoder::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) const {
  if (input_ids.dim() != 2 || attention_mask.sizes() != input_ids.sizes()) {
    fail("xlmr forward", "input_ids and attention_mask must both be [B, T] with the same shape");
  }
  if (input_ids.size(1) > max_tokens()) {
    fail("xlmr forward", "sequence of " + std::to_string(input_ids.size(1)) + " tokens exceeds the model's " +
                             std::to_string(max_tokens()) + " positions");
  }
  torch::NoGradGuard no_grad;  // plain (not inference) tensors: callers may feed them to autograd
  // The range check runs where the ids lie (for the usual CPU batch, no GPU round trip); then one
  // pinned, non-blocking copy each for ids and mask.
  if (input_ids.numel() > 0) {
    const auto range = torch::stack({input_ids.min(), input_ids.max()}).to(torch::kCPU, torch::kLong);
    const int64_t lo = range[0].item<int64_t>(), hi = range[1].item<int64_t>();
    if (lo < 0 || hi >= config_.vocab_size) {
      fail("xlmr forward", "token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary of " +
                               std::to_string(config_.vocab_size));
    }
  }
  const torch::Tensor ids = to_device(input_ids.to(torch::kLong), options_.device);
  // [B, 1, 1, T]: every query may attend to every real key (padding-only mask). On a GPU a batch
  // without padding passes no mask, so SDPA may take the flash kernel (it takes no mask); the
  // padding test runs on a CPU mask only, so it costs no sync. The CPU path always passes the mask.
  torch::Tensor keep;
  const bool unpadded_on_gpu = options_.device.is_cuda() && attention_mask.device().is_cpu() &&
                               attention_mask.ne(0).all().item<bool>();
  if (!unpadded_on_gpu) {
    const torch::Tensor real = to_device(attention_mask, options_.device).ne(0);
    keep = real.view({real.size(0), 1, 1, real.size(1)});
  }
  torch::Tensor x = embed(ids);
  for (const auto& w : weights_.layers) x = layer(w, x, keep);
  return XlmrOutput{x, xlmr_dense_embedding(x)};
}

torch::Tensor xlmr_dense_embedding(const torch::Tensor& last_hidden_state) {
  torch::NoGradGuard no_grad;  // plain (not inference) tensors: callers may feed them to autograd
  const torch::Tensor cls = last_hidden_state.select(1, 0).to(torch::kFloat32);
  return F::normalize(cls, F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
}

}  // namespace dep
