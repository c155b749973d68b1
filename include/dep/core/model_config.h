// Typed views of a Hugging Face model directory's config.json (Qwen2 and XLM-RoBERTa), the
// tensors each architecture expects, and a check that reports every missing or mis-shaped
// tensor at once. Torch-free: dep-inspect and the model loaders share it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/core/safetensors.h"

namespace dep {

// Qwen2ForCausalLM (docs/reference-behaviour.md §A.7). Defaults are HF Qwen2Config's.
struct Qwen2Config {
  int64_t vocab_size = 151936;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 22016;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;  // HF: defaults to num_attention_heads
  int64_t head_dim = 128;            // HF: hidden_size / num_attention_heads unless given
  int64_t max_position_embeddings = 32768;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  std::string torch_dtype = "float32";
  std::string hidden_act = "silu";
  std::vector<int64_t> eos_token_ids;

  static Qwen2Config from_json(const nlohmann::json& json, const std::string& source);
  static Qwen2Config load(const std::string& model_dir);
};

// XLMRobertaModel as bge-m3 uses it (docs/reference-behaviour.md §C.1). Defaults are HF XLMRobertaConfig's.
struct XlmrConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  int64_t pad_token_id = 1;
  double layer_norm_eps = 1e-12;
  std::string hidden_act = "gelu";
  std::string torch_dtype = "float32";

  static XlmrConfig from_json(const nlohmann::json& json, const std::string& source);
  static XlmrConfig load(const std::string& model_dir);
};

enum class Architecture { kQwen2, kXlmRoberta };

// From config.json's model_type / architectures; unsupported ones are a dep::Error.
Architecture detect_architecture(const std::string& model_dir);
const char* architecture_name(Architecture arch);

struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
  bool optional = false;
};

// Qwen2's tensor names (Hugging Face's): the one table both the expected-tensor check and the
// decoder's loader read, so a name is written once.
struct Qwen2TensorNames {
  static constexpr const char* kEmbedTokens = "model.embed_tokens.weight";
  static constexpr const char* kFinalNorm = "model.norm.weight";
  static constexpr const char* kLmHead = "lm_head.weight";
  // Per-layer names, after layer_prefix(i).
  static constexpr const char* kInputNorm = "input_layernorm.weight";
  static constexpr const char* kQWeight = "self_attn.q_proj.weight";
  static constexpr const char* kQBias = "self_attn.q_proj.bias";
  static constexpr const char* kKWeight = "self_attn.k_proj.weight";
  static constexpr const char* kKBias = "self_attn.k_proj.bias";
  static constexpr const char* kVWeight = "self_attn.v_proj.weight";
  static constexpr const char* kVBias = "self_attn.v_proj.bias";
  static constexpr const char* kOWeight = "self_attn.o_proj.weight";
  static constexpr const char* kPostNorm = "post_attention_layernorm.weight";
  static constexpr const char* kGateWeight = "mlp.gate_proj.weight";
  static constexpr const char* kUpWeight = "mlp.up_proj.weight";
  static constexpr const char* kDownWeight = "mlp.down_proj.weight";
  static std::string layer_prefix(int64_t layer) { return "model.layers." + std::to_string(layer) + "."; }
};

std::vector<ExpectedTensor> qwen2_expected_tensors(const Qwen2Config& config);
std::vector<ExpectedTensor> xlmr_expected_tensors(const XlmrConfig& config);

// The tensor-name prefix a checkpoint uses for XLM-R ("" or "roberta.").
std::string xlmr_tensor_prefix(const SafetensorsCheckpoint& checkpoint);

// Every required tensor must exist with the expected shape; all problems are reported in one
// dep::Error, one line per tensor (name, expected shape, found shape, file).
void check_tensors(const SafetensorsCheckpoint& checkpoint, const std::vector<ExpectedTensor>& expected,
                   const std::string& prefix = "");

// Reads `model_dir/config.json` as JSON (errors name the file).
nlohmann::json read_model_config_json(const std::string& model_dir);

}  // namespace dep
