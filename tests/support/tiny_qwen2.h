// A random 2-layer Qwen2 decoder for the torch tests that need a loadable model directory:
// hidden 32, MLP 64, 4 query / 2 key-value heads of width 8, untied lm head, fixed-seed weights.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/torch/tensor_io.h"

namespace dep::test {

constexpr int64_t kTinyQwen2Hidden = 32;

// config.json of the decoder with `vocab` token rows.
inline nlohmann::json tiny_qwen2_config(int64_t vocab) {
  return {{"architectures", {"Qwen2ForCausalLM"}},
          {"model_type", "qwen2"},
          {"hidden_act", "silu"},
          {"vocab_size", vocab},
          {"hidden_size", kTinyQwen2Hidden},
          {"intermediate_size", 64},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 2},
          {"max_position_embeddings", 32768},
          {"rope_theta", 1000000.0},
          {"rms_norm_eps", 1e-6},
          {"tie_word_embeddings", false},
          {"torch_dtype", "float32"},
          {"bos_token_id", 151643},
          {"eos_token_id", 151645}};
}

// Its tensors with Hugging Face names; the same seed gives the same weights.
inline NamedTensors random_tiny_qwen2(int64_t vocab, uint64_t seed) {
  constexpr int64_t h = kTinyQwen2Hidden;
  auto gen = at::detail::createCPUGenerator(seed);
  auto randn = [&](std::vector<int64_t> shape, double std) {
    return at::normal(0.0, std, shape, gen, torch::TensorOptions().dtype(torch::kFloat32));
  };
  NamedTensors t;
  t.emplace_back("model.embed_tokens.weight", randn({vocab, h}, 1.0));
  for (int i = 0; i < 2; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    t.emplace_back(p + "input_layernorm.weight", torch::ones({h}));
    t.emplace_back(p + "self_attn.q_proj.weight", randn({h, h}, 0.2));
    t.emplace_back(p + "self_attn.q_proj.bias", randn({h}, 0.1));
    t.emplace_back(p + "self_attn.k_proj.weight", randn({16, h}, 0.2));
    t.emplace_back(p + "self_attn.k_proj.bias", randn({16}, 0.1));
    t.emplace_back(p + "self_attn.v_proj.weight", randn({16, h}, 0.2));
    t.emplace_back(p + "self_attn.v_proj.bias", randn({16}, 0.1));
    t.emplace_back(p + "self_attn.o_proj.weight", randn({h, h}, 0.2));
    t.emplace_back(p + "post_attention_layernorm.weight", torch::ones({h}));
    t.emplace_back(p + "mlp.gate_proj.weight", randn({64, h}, 0.2));
    t.emplace_back(p + "mlp.up_proj.weight", randn({64, h}, 0.2));
    t.emplace_back(p + "mlp.down_proj.weight", randn({h, 64}, 0.2));
  }
  t.emplace_back("model.norm.weight", torch::ones({h}));
  t.emplace_back("lm_head.weight", randn({vocab, h}, 0.5));
  return t;
}

}  // namespace dep::test
