// config.json parsing for Qwen2 and XLM-RoBERTa, expected tensor tables, tensor checks.
#include "dep/core/model_config.h"

#include <filesystem>
#include <limits>
#include <type_traits>

#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"

namespace dep {
namespace {

template <class T>
void read_key(const nlohmann::json& json, const std::string& source, const char* key, T& out) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // Checked: a float such as 1.2e22 would be cast out of range by get<T>().
    const int64_t v = json_int64(*it, source, std::string("key '") + key + "'");
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (sizeof(T) < sizeof(int64_t) && v > static_cast<int64_t>(std::numeric_limits<T>::max())))
      fail(source, std::string("key '") + key + "' is out of range: " + std::to_string(v));
    out = static_cast<T>(v);
    return;
  }
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(source, std::string("key '") + key + "' has the wrong type: " + json_excerpt(*it));
  }
}

void require_positive(const std::string& source, const char* key, int64_t value) {
  if (value <= 0) fail(source, std::string("key '") + key + "' must be positive, got " + std::to_string(value));
}

std::string config_path(const std::string& model_dir) {
  return (std::filesystem::path(model_dir) / "config.json").string();
}

}  // namespace

nlohmann::json read_model_config_json(const std::string& model_dir) {
  const std::string path = config_path(model_dir);
  if (!std::filesystem::exists(path)) fail(path, "missing (is this a Hugging Face model directory?)");
  return read_json_file(path);
}

Qwen2Config Qwen2Config::from_json(const nlohmann::json& json, const std::string& source) {
  Qwen2Config c;
  read_key(json, source, "vocab_size", c.vocab_size);
  read_key(json, source, "hidden_size", c.hidden_size);
  read_key(json, source, "intermediate_size", c.intermediate_size);
  read_key(json, source, "num_hidden_layers", c.num_hidden_layers);
  read_key(json, source, "num_attention_heads", c.num_attention_heads);
  c.num_key_value_heads = c.num_attention_heads;
  read_key(json, source, "num_key_value_heads", c.num_key_value_heads);
  read_key(json, source, "max_position_embeddings", c.max_position_embeddings);
  read_key(json, source, "rope_theta", c.rope_theta);
  // Newer transformers write rope settings under rope_parameters.
  if (auto rp = json.find("rope_parameters"); rp != json.end() && rp->is_object()) {
    read_key(*rp, source, "rope_theta", c.rope_theta);
    std::string type = "default";
    read_key(*rp, source, "rope_type", type);
    if (type != "default") fail(source, "rope_parameters.rope_type '" + type + "' is not supported");
  }
  if (auto rs = json.find("rope_scaling"); rs != json.end() && !rs->is_null()) {
    fail(source, "rope_scaling " + json_excerpt(*rs) + " is not supported (only default RoPE)");
  }
  read_key(json, source, "rms_norm_eps", c.rms_norm_eps);
  read_key(json, source, "tie_word_embeddings", c.tie_word_embeddings);
  read_key(json, source, "torch_dtype", c.torch_dtype);
  read_key(json, source, "dtype", c.torch_dtype);
  read_key(json, source, "hidden_act", c.hidden_act);
  if (auto eos = json.find("eos_token_id"); eos != json.end()) {
    if (eos->is_number_integer()) c.eos_token_ids = {eos->get<int64_t>()};
    else if (eos->is_array()) read_key(json, source, "eos_token_id", c.eos_token_ids);
  }
  require_positive(source, "vocab_size", c.vocab_size);
  require_positive(source, "hidden_size", c.hidden_size);
  require_positive(source, "intermediate_size", c.intermediate_size);
  require_positive(source, "num_hidden_layers", c.num_hidden_layers);
  require_positive(source, "num_attention_heads", c.num_attention_heads);
  require_positive(source, "num_key_value_heads", c.num_key_value_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    fail(source, "num_attention_heads (" + std::to_string(c.num_attention_heads) +
                     ") is not a multiple of num_key_value_heads (" + std::to_string(c.num_key_value_heads) + ")");
  }
  c.head_dim = c.hidden_size / c.num_attention_heads;
  read_key(json, source, "head_dim", c.head_dim);
  require_positive(source, "head_dim", c.head_dim);
  if (c.head_dim % 2 != 0) fail(source, "head_dim must be even for RoPE, got " + std::to_string(c.head_dim));
  if (c.hidden_act != "silu") fail(source, "hidden_act '" + c.hidden_act + "' is not supported (Qwen2 uses silu)");
  return c;
}

Qwen2Config Qwen2Config::load(const std::string& model_dir) {
  return from_json(read_model_config_json(model_dir), config_path(model_dir));
}

XlmrConfig XlmrConfig::from_json(const nlohmann::json& json, const std::string& source) {
  XlmrConfig c;
  read_key(json, source, "vocab_size", c.vocab_size);
  read_key(json, source, "hidden_size", c.hidden_size);
  read_key(json, source, "num_hidden_layers", c.num_hidden_layers);
  read_key(json, source, "num_attention_heads", c.num_attention_heads);
  read_key(json, source, "intermediate_size", c.intermediate_size);
  read_key(json, source, "max_position_embeddings", c.max_position_embeddings);
  read_key(json, source, "type_vocab_size", c.type_vocab_size);
  read_key(json, source, "pad_token_id", c.pad_token_id);
  read_key(json, source, "layer_norm_eps", c.layer_norm_eps);
  read_key(json, source, "hidden_act", c.hidden_act);
  read_key(json, source, "torch_dtype", c.torch_dtype);
  read_key(json, source, "dtype", c.torch_dtype);
  std::string position_type = "absolute";
  read_key(json, source, "position_embedding_type", position_type);
  if (position_type != "absolute") fail(source, "position_embedding_type '" + position_type + "' is not supported");
  if (c.hidden_act != "gelu") fail(source, "hidden_act '" + c.hidden_act + "' is not supported (exact gelu only)");
  require_positive(source, "vocab_size", c.vocab_size);
  require_positive(source, "hidden_size", c.hidden_size);
  require_positive(source, "num_hidden_layers", c.num_hidden_layers);
  require_positive(source, "num_attention_heads", c.num_attention_heads);
  require_positive(source, "intermediate_size", c.intermediate_size);
  if (c.hidden_size % c.num_attention_heads != 0) {
    fail(source, "hidden_size is not a multiple of num_attention_heads");
  }
  return c;
}

XlmrConfig XlmrConfig::load(const std::string& model_dir) {
  return from_json(read_model_config_json(model_dir), config_path(model_dir));
}

Architecture detect_architecture(const std::string& model_dir) {
  const nlohmann::json json = read_model_config_json(model_dir);
  std::string model_type = json.value("model_type", "");
  if (model_type == "qwen2") return Architecture::kQwen2;
  if (model_type == "xlm-roberta") return Architecture::kXlmRoberta;
  fail(config_path(model_dir), "model_type '" + model_type + "' is not supported (qwen2 or xlm-roberta)");
}

const char* architecture_name(Architecture arch) {
  return arch == Architecture::kQwen2 ? "qwen2" : "xlm-roberta";
}

std::vector<ExpectedTensor> qwen2_expected_tensors(const Qwen2Config& c) {
  const int64_t H = c.hidden_size, D = c.head_dim, q = c.num_attention_heads * D, kv = c.num_key_value_heads * D;
  std::vector<ExpectedTensor> out;
  using N = Qwen2TensorNames;
  out.push_back({N::kEmbedTokens, {c.vocab_size, H}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = N::layer_prefix(i);
    out.push_back({p + N::kInputNorm, {H}});
    out.push_back({p + N::kQWeight, {q, H}});
    out.push_back({p + N::kQBias, {q}});
    out.push_back({p + N::kKWeight, {kv, H}});
    out.push_back({p + N::kKBias, {kv}});
    out.push_back({p + N::kVWeight, {kv, H}});
    out.push_back({p + N::kVBias, {kv}});
    out.push_back({p + N::kOWeight, {H, q}});
    out.push_back({p + N::kPostNorm, {H}});
    out.push_back({p + N::kGateWeight, {c.intermediate_size, H}});
    out.push_back({p + N::kUpWeight, {c.intermediate_size, H}});
    out.push_back({p + N::kDownWeight, {H, c.intermediate_size}});
  }
  out.push_back({N::kFinalNorm, {H}});
  // Tied models alias the embedding; untied ones may still omit it (the loader ties then).
  out.push_back({N::kLmHead, {c.vocab_size, H}, /*optional=*/true});
  return out;
}

std::vector<ExpectedTensor> xlmr_expected_tensors(const XlmrConfig& c) {
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  std::vector<ExpectedTensor> out = {
      {"embeddings.word_embeddings.weight", {c.vocab_size, H}},
      {"embeddings.position_embeddings.weight", {c.max_position_embeddings, H}},
      {"embeddings.token_type_embeddings.weight", {c.type_vocab_size, H}},
      {"embeddings.LayerNorm.weight", {H}},
      {"embeddings.LayerNorm.bias", {H}},
  };
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    for (const char* name : {"attention.self.query", "attention.self.key", "attention.self.value",
                             "attention.output.dense"}) {
      out.push_back({p + name + ".weight", {H, H}});
      out.push_back({p + name + ".bias", {H}});
    }
    out.push_back({p + "attention.output.LayerNorm.weight", {H}});
    out.push_back({p + "attention.output.LayerNorm.bias", {H}});
    out.push_back({p + "intermediate.dense.weight", {I, H}});
    out.push_back({p + "intermediate.dense.bias", {I}});
    out.push_back({p + "output.dense.weight", {H, I}});
    out.push_back({p + "output.dense.bias", {H}});
    out.push_back({p + "output.LayerNorm.weight", {H}});
    out.push_back({p + "output.LayerNorm.bias", {H}});
  }
  out.push_back({"pooler.dense.weight", {H, H}, true});
  out.push_back({"pooler.dense.bias", {H}, true});
  return out;
}

std::string xlmr_tensor_prefix(const SafetensorsCheckpoint& checkpoint) {
  if (checkpoint.find("embeddings.word_embeddings.weight")) return "";
  if (checkpoint.find("roberta.embeddings.word_embeddings.weight")) return "roberta.";
  return "";
}

void check_tensors(const SafetensorsCheckpoint& checkpoint, const std::vector<ExpectedTensor>& expected,
                   const std::string& prefix) {
  std::string problems;
  int count = 0;
  for (const auto& e : expected) {
    auto entry = checkpoint.find(prefix + e.name);
    if (!entry) {
      if (!e.optional) {
        problems += "\n  " + prefix + e.name + ": missing (expected " + shape_string(e.shape) + ")";
        ++count;
      }
      continue;
    }
    if (entry->info->shape != e.shape) {
      problems += "\n  " + prefix + e.name + ": expected " + shape_string(e.shape) + ", found " +
                  shape_string(entry->info->shape) + " in " + entry->file->path();
      ++count;
    }
  }
  if (count > 0) {
    fail(checkpoint.description(), std::to_string(count) + " tensor problem(s):" + problems);
  }
}

}  // namespace dep
