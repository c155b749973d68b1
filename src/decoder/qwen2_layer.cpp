// One Qwen2 decoder layer: RMSNorm, fused q/k/v projection, half-split RoPE, GQA attention (HF eager
// math or SDPA), o_proj, SiLU-gated MLP; plus its activation-checkpointed variant.
#include "qwen2_layer.h"

#include "kernels/linear.h"

#include <torch/version.h>

#include <limits>

namespace dep::detail {

namespace {

// finfo(dtype).min: HF's additive mask value (finite, so fully masked rows stay finite).
double lowest_value(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kBFloat16: return -3.3895313892515355e38;
    case torch::kFloat16: return -65504.0;
    case torch::kFloat64: return std::numeric_limits<double>::lowest();
    default: return std::numeric_limits<float>::lowest();
  }
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const auto halves = x.chunk(2, -1);  // chunk, not narrow: a cheaper backward (see decoder_layer)
  return torch::cat({halves[1].neg(), halves[0]}, -1);
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  return x * cos + rotate_half(x) * sin;
}

// HF eager: scores in the model dtype, fp32 softmax, cast back, then × v. The query heads sharing a
// KV head are folded into the query-length axis, so K/V are never repeated.
torch::Tensor eager_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const LayerInputs& in) {
  const int64_t B = q.size(0), nH = q.size(1), T = q.size(2), D = q.size(3);
  const int64_t nKV = k.size(1), S = k.size(2), rep = nH / nKV;
  const double scaling = 1.0 / std::sqrt(static_cast<double>(D));
  auto grouped = q.reshape({B, nKV, rep * T, D});
  auto scores = torch::matmul(grouped, k.transpose(-1, -2)) * scaling;  // [B,nKV,rep*T,S]
  torch::Tensor allowed = in.allowed;
  if (!allowed.defined() && in.is_causal && T > 1) {
    allowed = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool).device(q.device())).tril(S - T).view({1, 1, T, S});
  }
  if (allowed.defined()) {
    scores = scores.view({B, nKV, rep, T, S}).masked_fill(allowed.unsqueeze(2).logical_not(), lowest_value(q.scalar_type()))
                 .view({B, nKV, rep * T, S});
  }
  auto probs = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  return torch::matmul(probs, v).view({B, nH, T, D});
}

}  // namespace

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto xf = x.to(torch::kFloat32);
  auto var = xf.pow(2).mean(-1, /*keepdim=*/true);
  auto y = xf * torch::rsqrt(var + eps);
  return weight * y.to(x.scalar_type());
}

std::pair<torch::Tensor, torch::Tensor> rotary_cos_sin(const torch::Tensor& inv_freq, const torch::Tensor& position_ids,
                                                      torch::ScalarType dtype) {
  auto freqs = position_ids.to(torch::kFloat32).unsqueeze(-1) * inv_freq.view({1, 1, -1});  // [B,T,D/2]
  auto emb = torch::cat({freqs, freqs}, -1);
  return {emb.cos().to(dtype).unsqueeze(1), emb.sin().to(dtype).unsqueeze(1)};
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const LayerInputs& in) {
  if (in.backend == AttentionBackend::kSdpa) {
    const bool causal = !in.allowed.defined() && in.is_causal && q.size(2) > 1;
    c10::optional<torch::Tensor> mask;
    if (in.allowed.defined()) mask = in.allowed;
#if TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 5
    return at::scaled_dot_product_attention(q, k, v, mask, 0.0, causal, c10::nullopt, /*enable_gqa=*/true);
#else
    // LibTorch 2.1-2.4: SDPA has no grouped-query flag.
    const int64_t rep = q.size(1) / k.size(1);
    return at::scaled_dot_product_attention(q, k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1), mask, 0.0, causal);
#endif
  }
  return eager_attention(q, k, v, in);
}

namespace {

// The layer up to the MLP's last projection: the residual stream after attention and the MLP
// activation silu(gate) · up that down_proj reads (the checkpointed backward needs no more).
struct BeforeDownProj {
  torch::Tensor residual;
  torch::Tensor activation;
};

BeforeDownProj layer_before_down_proj(const Qwen2LayerWeights& w, const Qwen2Config& c, int64_t layer_index,
                                      const torch::Tensor& hidden, const LayerInputs& in) {
  const int64_t B = hidden.size(0), T = hidden.size(1);
  const int64_t nH = c.num_attention_heads, nKV = c.num_key_value_heads, D = c.head_dim;
  const double eps = c.rms_norm_eps;

  auto h = rms_norm(hidden, w.input_norm, eps);
  // split (not three narrows): in backward one cat assembles the fused gradient, where each
  // narrow would zero-fill a full-width gradient and the three would then be summed.
  const auto qkv = detail::linear(h, w.qkv_weight, w.qkv_bias).split_with_sizes({nH * D, nKV * D, nKV * D}, -1);
  auto q = qkv[0].view({B, T, nH, D}).transpose(1, 2);
  auto k = qkv[1].view({B, T, nKV, D}).transpose(1, 2);
  auto v = qkv[2].view({B, T, nKV, D}).transpose(1, 2);
  q = apply_rope(q, in.cos, in.sin);
  k = apply_rope(k, in.cos, in.sin);
  if (in.cache != nullptr) std::tie(k, v) = in.cache->append(layer_index, *in.step, k, v);

  auto attn = attention(q, k, v, in).transpose(1, 2).reshape({B, T, nH * D});
  auto x = hidden + detail::linear(attn, w.o_proj);

  h = rms_norm(x, w.post_norm, eps);
  const auto gate_up = detail::linear(h, w.gate_up).split(c.intermediate_size, -1);  // split: as for qkv
  return {x, torch::silu(gate_up[0]) * gate_up[1]};
}

}  // namespace

torch::Tensor decoder_layer(const Qwen2LayerWeights& w, const Qwen2Config& c, int64_t layer_index,
                            const torch::Tensor& hidden, const LayerInputs& in) {
  const auto parts = layer_before_down_proj(w, c, layer_index, hidden, in);
  return parts.residual + detail::linear(parts.activation, w.down_proj);
}

namespace {

// Keeps only the layer input; backward reruns the layer with grad enabled and differentiates it.
// The weights and config outlive the graph (they belong to the model doing the forward), so they
// travel as addresses.
struct CheckpointedLayer : public torch::autograd::Function<CheckpointedLayer> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor hidden, const LayerInputs& in,
                               int64_t weights_address, int64_t config_address, int64_t layer_index) {
    ctx->save_for_backward({hidden});
    ctx->saved_data["cos"] = in.cos;
    ctx->saved_data["sin"] = in.sin;
    if (in.allowed.defined()) ctx->saved_data["allowed"] = in.allowed;
    ctx->saved_data["is_causal"] = in.is_causal;
    ctx->saved_data["backend"] = static_cast<int64_t>(in.backend);
    ctx->saved_data["weights"] = weights_address;
    ctx->saved_data["config"] = config_address;
    ctx->saved_data["layer"] = layer_index;
    return decoder_layer(*reinterpret_cast<const Qwen2LayerWeights*>(weights_address),
                         *reinterpret_cast<const Qwen2Config*>(config_address), layer_index, hidden, in);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
    LayerInputs in;
    in.cos = ctx->saved_data["cos"].toTensor();
    in.sin = ctx->saved_data["sin"].toTensor();
    if (auto it = ctx->saved_data.find("allowed"); it != ctx->saved_data.end()) in.allowed = it->second.toTensor();
    in.is_causal = ctx->saved_data["is_causal"].toBool();
    in.backend = static_cast<AttentionBackend>(ctx->saved_data["backend"].toInt());
    const auto* w = reinterpret_cast<const Qwen2LayerWeights*>(ctx->saved_data["weights"].toInt());
    const auto* c = reinterpret_cast<const Qwen2Config*>(ctx->saved_data["config"].toInt());
    torch::Tensor grad_input;
    {
      // output = residual + activation · down_projᵀ with down_proj frozen: its backward needs only
      // the weight, so the rerun stops before it (~29% of a Qwen2.5 layer's GEMM work, which
      // recomputing the whole layer would redo for nothing) and the gradient enters there.
      torch::AutoGradMode enable(true);
      const auto parts = layer_before_down_proj(*w, *c, ctx->saved_data["layer"].toInt(), input, in);
      const auto& grad_output = grad_outputs[0];
      auto grad_activation = torch::matmul(grad_output, w->down_proj);
      grad_input = torch::autograd::grad({parts.residual, parts.activation}, {input}, {grad_output, grad_activation})[0];
    }
    return {grad_input, {}, {}, {}, {}};
  }
};

}  // namespace

torch::Tensor checkpointed_decoder_layer(const Qwen2LayerWeights& w, const Qwen2Config& c, int64_t layer_index,
                                         const torch::Tensor& hidden, const LayerInputs& in) {
  return CheckpointedLayer::apply(hidden, in, reinterpret_cast<int64_t>(&w), reinterpret_cast<int64_t>(&c), layer_index);
}

}  // namespace dep::detail
