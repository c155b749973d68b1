// Reads an XLM-RoBERTa checkpoint (safetensors or PyTorch's zip pickle) into XlmrWeights:
// optional "roberta." prefix, unused entries ignored, every shape problem reported at once.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <set>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/safetensors.h"
#include "dep/torch/tensor_io.h"
#include "dep/embed/xlmr.h"

namespace dep {
namespace {

namespace fs = std::filesystem;

bool has_safetensors(const std::string& dir) {
  return fs::exists(fs::path(dir) / "model.safetensors") ||
         fs::exists(fs::path(dir) / "model.safetensors.index.json");
}

// torch.save writes a zip whose data.pkl holds an OrderedDict of tensors; LibTorch's unpickler
// reads it (storages included) when given the whole archive's bytes.
std::vector<std::pair<std::string, torch::Tensor>> read_pytorch_bin(const std::string& path) {
  const std::string bytes = read_file(path);
  torch::IValue value;
  try {
    value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    fail(path, "cannot read this PyTorch checkpoint with LibTorch's unpickler (" + what +
                   "); convert it to model.safetensors");
  }
  if (!value.isGenericDict()) fail(path, "expected a state dict (a mapping of names to tensors)");
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString()) fail(path, "state dict key is not a string");
    if (!item.value().isTensor()) continue;  // e.g. metadata entries
    out.emplace_back(item.key().toStringRef(), item.value().toTensor());
  }
  return out;
}

std::string strip_prefix(const std::string& name, const std::string& prefix) {
  return name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> read_xlmr_state_dict(const std::string& model_dir,
                                                                        std::string& source) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  if (has_safetensors(model_dir) || fs::is_regular_file(model_dir)) {
    const auto checkpoint = SafetensorsCheckpoint::open(model_dir);
    source = checkpoint.description();
    for (const auto& name : checkpoint.names()) {
      const auto entry = checkpoint.at(name);
      out.emplace_back(name, tensor_view(entry.file, *entry.info));
    }
    return out;
  }
  const std::string bin = (fs::path(model_dir) / "pytorch_model.bin").string();
  if (!fs::exists(bin)) {
    fail(model_dir, "no model.safetensors, model.safetensors.index.json or pytorch_model.bin in this directory");
  }
  source = bin;
  return read_pytorch_bin(bin);
}

XlmrEncoder XlmrEncoder::load(const std::string& model_dir, const XlmrLoadOptions& options) {
  const XlmrConfig config = XlmrConfig::load(model_dir);
  if (config.hidden_act != "gelu") {
    fail(model_dir + "/config.json", "hidden_act '" + config.hidden_act + "' is not supported (bge-m3 uses gelu)");
  }
  if (config.num_attention_heads <= 0 || config.hidden_size % config.num_attention_heads != 0) {
    fail(model_dir + "/config.json", "hidden_size must be a multiple of num_attention_heads");
  }
  std::string source;
  auto state = read_xlmr_state_dict(model_dir, source);

  std::map<std::string, torch::Tensor> by_name;
  bool prefixed = false;
  for (const auto& [name, tensor] : state) {
    if (name.rfind("roberta.embeddings.word_embeddings.", 0) == 0) prefixed = true;
  }
  const std::string prefix = prefixed ? "roberta." : "";
  for (auto& [name, tensor] : state) by_name[strip_prefix(name, prefix)] = tensor;

  // Check every expected tensor first so the user sees all problems in one message.
  std::string problems;
  int count = 0;
  for (const auto& expected : xlmr_expected_tensors(config)) {
    if (expected.optional) continue;  // only the unused pooler is optional
    auto it = by_name.find(expected.name);
    if (it == by_name.end()) {
      problems += "\n  missing " + prefix + expected.name + " (expected " + shape_string(expected.shape) + ")";
      ++count;
    } else if (it->second.sizes().vec() != expected.shape) {
      problems += "\n  " + prefix + expected.name + ": expected shape " + shape_string(expected.shape) +
                  ", found " + shape_string(it->second.sizes().vec());
      ++count;
    } else if (!it->second.is_floating_point()) {
      problems += "\n  " + prefix + expected.name + ": expected floating point weights, found " +
                  std::string(c10::toString(it->second.scalar_type()));
      ++count;
    }
  }
  if (count > 0) fail(source, std::to_string(count) + " tensor problem(s):" + problems);

  auto take = [&](const std::string& name) { return by_name.at(name).to(options.device, options.dtype).contiguous(); };
  XlmrWeights w;
  w.word_embeddings = take("embeddings.word_embeddings.weight");
  w.position_embeddings = take("embeddings.position_embeddings.weight");
  w.token_type_embeddings = take("embeddings.token_type_embeddings.weight");
  w.emb_norm_weight = take("embeddings.LayerNorm.weight");
  w.emb_norm_bias = take("embeddings.LayerNorm.bias");
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    XlmrLayerWeights l;
    l.qkv_weight = torch::cat({take(p + "attention.self.query.weight"), take(p + "attention.self.key.weight"),
                               take(p + "attention.self.value.weight")});
    l.qkv_bias = torch::cat({take(p + "attention.self.query.bias"), take(p + "attention.self.key.bias"),
                             take(p + "attention.self.value.bias")});
    l.attn_out_weight = take(p + "attention.output.dense.weight");
    l.attn_out_bias = take(p + "attention.output.dense.bias");
    l.attn_norm_weight = take(p + "attention.output.LayerNorm.weight");
    l.attn_norm_bias = take(p + "attention.output.LayerNorm.bias");
    l.inter_weight = take(p + "intermediate.dense.weight");
    l.inter_bias = take(p + "intermediate.dense.bias");
    l.out_weight = take(p + "output.dense.weight");
    l.out_bias = take(p + "output.dense.bias");
    l.out_norm_weight = take(p + "output.LayerNorm.weight");
    l.out_norm_bias = take(p + "output.LayerNorm.bias");
    w.layers.push_back(std::move(l));
  }
  return XlmrEncoder(config, std::move(w), options);
}

}  // namespace dep
