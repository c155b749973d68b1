// Qwen2Model: loading a Hugging Face directory, the forward pass over the layers, embedding resize.
#include "dep/decoder/qwen2.h"

#include <torch/torch.h>
#include <torch/version.h>

#include "dep/core/error.h"
#include "dep/torch/tensor_io.h"
#include "dep/torch/transfer.h"
#include "kernels/linear.h"
#include "qwen2_layer.h"

namespace dep {

AttentionBackend default_attention_backend() { return AttentionBackend::kSdpa; }

Qwen2Model Qwen2Model::load(const std::string& model_dir, torch::ScalarType dtype, torch::Device device) {
  if (dtype != torch::kFloat32 && dtype != torch::kBFloat16 && dtype != torch::kFloat16) {
    fail(model_dir, std::string("compute dtype ") + c10::toString(dtype) + " is not supported (fp32, bf16, fp16)");
  }
  Qwen2Model m;
  m.config_ = Qwen2Config::load(model_dir);
  m.dtype_ = dtype;
  m.device_ = device;
  const auto checkpoint = SafetensorsCheckpoint::open(model_dir);
  check_tensors(checkpoint, qwen2_expected_tensors(m.config_));
  using N = Qwen2TensorNames;
  // Own every weight: a zero-copy view of the mapped file (same dtype on CPU) would be page cache,
  // which the kernel may evict under memory pressure and then re-read from disk mid-forward.
  auto get = [&](const std::string& name) {
    auto t = load_tensor(checkpoint, name, dtype, device).contiguous();
    auto entry = checkpoint.at(name);
    if (t.data_ptr() == static_cast<const void*>(entry.file->data(*entry.info))) t = t.clone();
    return t;
  };

  torch::NoGradGuard no_grad;
  m.embed_ = get(N::kEmbedTokens);
  m.tied_ = m.config_.tie_word_embeddings || !checkpoint.find(N::kLmHead);
  m.lm_head_ = m.tied_ ? m.embed_ : get(N::kLmHead);
  m.final_norm_ = get(N::kFinalNorm);
  for (int64_t i = 0; i < m.config_.num_hidden_layers; ++i) {
    const std::string p = N::layer_prefix(i);
    Qwen2LayerWeights w;
    w.input_norm = get(p + N::kInputNorm);
    w.qkv_weight = torch::cat({get(p + N::kQWeight), get(p + N::kKWeight), get(p + N::kVWeight)});
    w.qkv_bias = torch::cat({get(p + N::kQBias), get(p + N::kKBias), get(p + N::kVBias)});
    w.o_proj = get(p + N::kOWeight);
    w.post_norm = get(p + N::kPostNorm);
    w.gate_up = torch::cat({get(p + N::kGateWeight), get(p + N::kUpWeight)});
    w.down_proj = get(p + N::kDownWeight);
    m.layers_.push_back(std::move(w));
  }
  // inv_freq[i] = 1 / theta^(2i / D), in fp32 as HF computes it.
  const int64_t D = m.config_.head_dim;
  auto exponent = torch::arange(0, D, 2, torch::kLong).to(torch::kFloat32) / static_cast<double>(D);
  m.inv_freq_ = (1.0 / torch::pow(m.config_.rope_theta, exponent)).to(device);
  return m;
}

torch::Tensor Qwen2Model::embed_tokens(const torch::Tensor& ids) const {
  if (ids.scalar_type() != torch::kLong && ids.scalar_type() != torch::kInt) {
    fail("input_ids", std::string("must be an integer tensor, got ") + c10::toString(ids.scalar_type()));
  }
  return torch::embedding(embed_, to_device(ids, device_));
}

KvCache Qwen2Model::make_cache(int64_t rows, int64_t capacity) const {
  return KvCache(config_.num_hidden_layers, config_.num_key_value_heads, config_.head_dim, rows, capacity, dtype_,
                 device_);
}

CausalLmShape Qwen2Model::shape() const {
  CausalLmShape s;
  s.model_type = "qwen2";
  s.hidden_size = config_.hidden_size;
  s.vocab_size = config_.vocab_size;
  s.num_layers = config_.num_hidden_layers;
  s.num_heads = config_.num_attention_heads;
  s.num_kv_heads = config_.num_key_value_heads;
  s.head_dim = config_.head_dim;
  s.dtype = dtype_;
  s.device = device_;
  return s;
}

namespace {

torch::Tensor positions_from_mask(const torch::Tensor& mask, int64_t batch, int64_t length, torch::Device device) {
  if (!mask.defined()) {
    return torch::arange(length, torch::TensorOptions().dtype(torch::kLong).device(device)).unsqueeze(0).expand({batch, length});
  }
  auto m = to_device(mask, device).to(torch::kLong);
  return (m.cumsum(1) - 1).masked_fill(m == 0, 1);
}

void check_shape(const torch::Tensor& t, const char* name, int64_t batch, int64_t length) {
  if (t.defined() && (t.dim() != 2 || t.size(0) != batch || t.size(1) != length)) {
    fail(name, "expected shape [" + std::to_string(batch) + ", " + std::to_string(length) + "], got " +
                   shape_string(t.sizes().vec()));
  }
}

}  // namespace

torch::Tensor Qwen2Model::hidden_states(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask,
                                        const torch::Tensor& position_ids, KvCache* cache) const {
  if (inputs_embeds.dim() != 3 || inputs_embeds.size(2) != config_.hidden_size) {
    fail("inputs_embeds", "expected shape [B, T, " + std::to_string(config_.hidden_size) + "], got " +
                              shape_string(inputs_embeds.sizes().vec()));
  }
  const int64_t B = inputs_embeds.size(0), T = inputs_embeds.size(1);
  check_shape(attention_mask, "attention_mask", B, T);
  check_shape(position_ids, "position_ids", B, T);

  detail::LayerInputs in;
  in.backend = attention;
  torch::Tensor positions = position_ids;
  KvCacheStep step;
  if (cache != nullptr) {
    if (!positions.defined()) positions = cache->default_positions(B, attention_mask, T);
    step = cache->begin_step(B, T, attention_mask);
    in.cache = cache;
    in.step = &step;
    in.allowed = step.allowed;
    in.is_causal = step.is_causal;
  } else {
    if (!positions.defined()) positions = positions_from_mask(attention_mask, B, T, device_);
    const bool padded = attention_mask.defined() && !attention_mask.to(torch::kBool).all().item<bool>();
    if (padded) {
      auto slots = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(device_)).unsqueeze(0).expand({B, T});
      in.allowed = build_attention_mask(to_device(attention_mask, device_).to(torch::kBool), slots);
    } else {
      in.is_causal = true;
    }
  }
  std::tie(in.cos, in.sin) = detail::rotary_cos_sin(inv_freq_, to_device(positions, device_), dtype_);

  torch::Tensor x = to_device(inputs_embeds, device_).to(dtype_);
  const bool checkpoint = gradient_checkpointing && cache == nullptr && torch::GradMode::is_enabled() && x.requires_grad();
  for (int64_t l = 0; l < static_cast<int64_t>(layers_.size()); ++l) {
    x = checkpoint ? detail::checkpointed_decoder_layer(layers_[l], config_, l, x, in)
                   : detail::decoder_layer(layers_[l], config_, l, x, in);
  }
  return detail::rms_norm(x, final_norm_, config_.rms_norm_eps);
}

torch::Tensor Qwen2Model::lm_head(const torch::Tensor& hidden) const {
  return detail::linear(hidden, lm_head_);
}

namespace {

// HF mean_resizing: new rows ~ N(mean, 1e-9 · cov) of the old rows, computed in fp32; the mean
// alone when that covariance is not positive definite.
torch::Tensor resized_rows(const torch::Tensor& old, int64_t new_rows, torch::Generator& generator) {
  const int64_t old_rows = old.size(0), dim = old.size(1);
  auto out = torch::empty({new_rows, dim}, old.options());
  const int64_t keep = std::min(old_rows, new_rows);
  out.narrow(0, 0, keep).copy_(old.narrow(0, 0, keep));
  if (new_rows <= old_rows) return out;
  const int64_t added = new_rows - old_rows;
  auto w = old.to(torch::kFloat32);
  auto mean = w.mean(0);
  auto centered = w - mean;
  auto covariance = torch::matmul(centered.t(), centered) / static_cast<double>(old_rows);
  auto scaled = covariance * 1e-9;
  auto [tril, info] = torch::linalg_cholesky_ex(scaled);
  const bool symmetric = torch::allclose(scaled, scaled.t());
  torch::Tensor rows;
  if (symmetric && info.item<int64_t>() == 0) {
    auto noise = torch::randn({added, dim}, generator, w.options());
    rows = mean + torch::matmul(noise, tril.t());
  } else {
    rows = mean.unsqueeze(0).expand({added, dim});
  }
  out.narrow(0, old_rows, added).copy_(rows.to(old.scalar_type()));
  return out;
}

}  // namespace

void Qwen2Model::resize_token_embeddings(int64_t new_vocab_size, uint64_t seed) {
  if (new_vocab_size <= 0) fail("resize_token_embeddings", "vocabulary size must be positive");
  if (new_vocab_size == config_.vocab_size) return;
  torch::NoGradGuard no_grad;
  // Sampled on the CPU so a seed gives the same rows on every device.
  auto generator = at::detail::createCPUGenerator(seed);
  embed_ = resized_rows(embed_.to(torch::kCPU), new_vocab_size, generator).to(device_);
  lm_head_ = tied_ ? embed_ : resized_rows(lm_head_.to(torch::kCPU), new_vocab_size, generator).to(device_);
  config_.vocab_size = new_vocab_size;
}

}  // namespace dep
