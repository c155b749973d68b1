// LED encoder forward in LibTorch (float32). Local attention is computed as banded full attention:
// the same keys as Longformer's sliding chunks (|i - j| <= window/2, padding masked), so results
// agree with transformers for any length.
#include "dep/metrics/led_encoder.h"

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/torch/tensor_io.h"

namespace dep {

LedEncoderConfig LedEncoderConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot open LED config");
  const nlohmann::json j = read_json_file(path);
  LedEncoderConfig c;
  // Integers are read checked: get<int64_t>() would cast a float such as 1.2e22 out of range.
  auto get = [&](const char* key) -> int64_t {
    if (!j.contains(key)) fail(path + ": " + key, "missing");
    return json_int64(j, key, path);
  };
  try {
    c.vocab_size = get("vocab_size");
    c.d_model = get("d_model");
    c.layers = get("encoder_layers");
    c.heads = get("encoder_attention_heads");
    c.ffn_dim = get("encoder_ffn_dim");
    c.max_positions = get("max_encoder_position_embeddings");
    if (!j.contains("attention_window")) fail(path + ": attention_window", "missing");
    const auto& window = j.at("attention_window");
    c.attention_window = json_int64_list(window, path, "attention_window");
    if (!window.is_array()) {  // one window for every layer
      if (c.layers <= 0) fail(path + ": encoder_layers", "must be positive");
      c.attention_window.assign(static_cast<size_t>(c.layers), c.attention_window.front());
    }
    if (j.value("activation_function", std::string("gelu")) != "gelu")
      fail(path + ": activation_function", "only gelu is supported");
    if (j.value("scale_embedding", false)) fail(path + ": scale_embedding", "only false is supported");
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("bad LED config: ") + e.what());
  }
  if (c.attention_window.size() != static_cast<size_t>(c.layers))
    fail(path + ": attention_window", "needs one entry per encoder layer");
  for (int64_t w : c.attention_window) {
    if (w <= 0 || w % 2) fail(path + ": attention_window", "must be positive and even");
  }
  if (c.heads <= 0 || c.d_model % c.heads) fail(path + ": encoder_attention_heads", "must divide d_model");
  return c;
}

LedEncoder LedEncoder::load(const std::string& dir) {
  LedEncoder e;
  e.config_ = LedEncoderConfig::load(dir + "/config.json");
  const auto& c = e.config_;
  auto tensors = load_safetensors(dir + "/model.safetensors");
  std::vector<std::string> problems;
  auto fetch = [&](const std::string& name, std::vector<int64_t> shape) {
    for (const std::string& prefix : {std::string(), std::string("led.")}) {
      auto it = tensors.find(prefix + name);
      if (it == tensors.end()) continue;
      if (it->second.sizes() != c10::IntArrayRef(shape)) {
        problems.push_back(prefix + name + ": expected " + c10::str(c10::IntArrayRef(shape)) + ", found " +
                           c10::str(it->second.sizes()));
        return torch::Tensor();
      }
      return it->second.to(torch::kFloat32).contiguous();
    }
    problems.push_back(name + ": missing");
    return torch::Tensor();
  };
  const int64_t d = c.d_model;
  e.embed_tokens_ = fetch("encoder.embed_tokens.weight", {c.vocab_size, d});
  if (!e.embed_tokens_.defined() && tensors.count("shared.weight")) {
    problems.pop_back();
    e.embed_tokens_ = fetch("shared.weight", {c.vocab_size, d});
  }
  e.embed_positions_ = fetch("encoder.embed_positions.weight", {c.max_positions, d});
  e.emb_norm_w_ = fetch("encoder.layernorm_embedding.weight", {d});
  e.emb_norm_b_ = fetch("encoder.layernorm_embedding.bias", {d});
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = "encoder.layers." + std::to_string(i) + ".";
    const std::string a = p + "self_attn.longformer_self_attn.";
    LedLayerWeights w;
    w.q_w = fetch(a + "query.weight", {d, d});
    w.q_b = fetch(a + "query.bias", {d});
    w.k_w = fetch(a + "key.weight", {d, d});
    w.k_b = fetch(a + "key.bias", {d});
    w.v_w = fetch(a + "value.weight", {d, d});
    w.v_b = fetch(a + "value.bias", {d});
    w.out_w = fetch(p + "self_attn.output.weight", {d, d});
    w.out_b = fetch(p + "self_attn.output.bias", {d});
    w.attn_norm_w = fetch(p + "self_attn_layer_norm.weight", {d});
    w.attn_norm_b = fetch(p + "self_attn_layer_norm.bias", {d});
    w.fc1_w = fetch(p + "fc1.weight", {c.ffn_dim, d});
    w.fc1_b = fetch(p + "fc1.bias", {c.ffn_dim});
    w.fc2_w = fetch(p + "fc2.weight", {d, c.ffn_dim});
    w.fc2_b = fetch(p + "fc2.bias", {d});
    w.final_norm_w = fetch(p + "final_layer_norm.weight", {d});
    w.final_norm_b = fetch(p + "final_layer_norm.bias", {d});
    e.layers_.push_back(std::move(w));
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& s : problems) all += (all.empty() ? "" : "; ") + s;
    fail(dir + "/model.safetensors", all);
  }
  return e;
}

torch::Tensor LedEncoder::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                  int64_t num_layers) const {
  torch::NoGradGuard no_grad;
  const auto& c = config_;
  const int64_t n_layers = num_layers < 0 ? c.layers : std::min(num_layers, c.layers);
  const int64_t batch = input_ids.size(0), t = input_ids.size(1);
  if (t > c.max_positions) fail("led", "input of " + std::to_string(t) + " tokens exceeds " + std::to_string(c.max_positions));
  const int64_t d = c.d_model, heads = c.heads, hd = d / c.heads;
  auto ids = input_ids.to(torch::kLong);
  auto keep = attention_mask.to(torch::kBool);
  // Positions count from 0 over the padded row, as LEDLearnedPositionalEmbedding does.
  auto x = embed_tokens_.index_select(0, ids.reshape({-1})).view({batch, t, d}) +
           embed_positions_.slice(0, 0, t).unsqueeze(0);
  x = torch::layer_norm(x, {d}, emb_norm_w_, emb_norm_b_, 1e-5);
  auto pos = torch::arange(t, torch::kLong);
  auto distance = (pos.unsqueeze(1) - pos.unsqueeze(0)).abs();  // [T, T]
  for (int64_t l = 0; l < n_layers; ++l) {
    const auto& w = layers_[static_cast<size_t>(l)];
    const int64_t one_sided = c.attention_window[static_cast<size_t>(l)] / 2;
    auto q = (torch::linear(x, w.q_w, w.q_b) / std::sqrt(static_cast<double>(hd))).view({batch, t, heads, hd}).transpose(1, 2);
    auto k = torch::linear(x, w.k_w, w.k_b).view({batch, t, heads, hd}).transpose(1, 2);
    auto v = torch::linear(x, w.v_w, w.v_b).view({batch, t, heads, hd}).transpose(1, 2);
    auto scores = torch::matmul(q, k.transpose(-1, -2));  // [B, H, T, T]
    auto allowed = (distance <= one_sided).unsqueeze(0).unsqueeze(0) & keep.unsqueeze(1).unsqueeze(2);
    scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
    auto probs = torch::softmax(scores, -1);
    // Padded query rows attend to nothing (transformers zeroes them); they are cut off anyway.
    probs = probs.masked_fill(keep.logical_not().unsqueeze(1).unsqueeze(3), 0.0);
    auto attn = torch::matmul(probs, v).transpose(1, 2).reshape({batch, t, d});
    x = torch::layer_norm(x + torch::linear(attn, w.out_w, w.out_b), {d}, w.attn_norm_w, w.attn_norm_b, 1e-5);
    auto h = torch::linear(torch::gelu(torch::linear(x, w.fc1_w, w.fc1_b)), w.fc2_w, w.fc2_b);
    x = torch::layer_norm(x + h, {d}, w.final_norm_w, w.final_norm_b, 1e-5);
  }
  return x;
}

}  // namespace dep
