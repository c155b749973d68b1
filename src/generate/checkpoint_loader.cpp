// Loading a checkpoint for generation: layout detection and the three bad-input errors (missing
// adapter tensors, wrong hidden size, tokenizer without DEP tokens).
#include "dep/generate/checkpoint_loader.h"

#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <set>
#include <type_traits>

#include "dep/adapter/dep_adapter.h"
#include "dep/core/model_config.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_tokens.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/torch/device.h"
#include "dep/torch/tensor_io.h"
#include "dep/core/hash.h"
#include "dep/core/log.h"
#include "dep/text/bpe_tokenizer.h"

namespace dep {

namespace {

bool has_adapter_tensors(const SafetensorsCheckpoint& checkpoint) {
  for (const auto& name : checkpoint.names())
    if (is_dep_adapter_tensor(name)) return true;
  return false;
}

// The tokenizer at `path` with the 20 DEP tokens; `allow_add` adds them (the reference's
// add_special_tokens call) when it has none of them. Their ids must be the ones the checkpoint was
// trained with: those the model directory's own tokenizer gives them (added the same way when a
// base directory's tokenizer lacks them), checked when `path` is another tokenizer.
std::shared_ptr<BpeTokenizer> load_tokenizer(const std::string& path, const std::string& model_dir, bool allow_add) {
  auto tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::load(path));
  const auto& tokens = dep_special_tokens();
  auto count_present = [&](const BpeTokenizer& t) {
    size_t n = 0;
    for (const auto& token : tokens) n += t.token_to_id(token) >= 0;
    return n;
  };
  if (count_present(*tokenizer) == 0) {
    if (!allow_add) {
      fail(path, "tokenizer without the DEP tokens ([HIS_TOKEN_0..7], [DIFF_TOKEN_0..7], <his_token_start>, ...): "
                 "this checkpoint was trained with them; use the tokenizer saved with the DEP model "
                 "(or set model.add_dep_tokens=always to add them after its vocabulary)");
    }
    tokenizer->add_special_tokens(tokens);
  }
  std::optional<BpeTokenizer> reference;
  std::string reference_source = "the tokenizer's own";
  const auto model_tokenizer = std::filesystem::path(model_dir) / "tokenizer.json";
  std::error_code ec;
  const bool same_file = std::filesystem::equivalent(path, model_dir, ec) ||
                         std::filesystem::equivalent(path, model_tokenizer, ec);
  if (!same_file && std::filesystem::exists(model_tokenizer)) {
    reference = BpeTokenizer::load(model_tokenizer.string());
    if (count_present(*reference) == 0) reference->add_special_tokens(tokens);
    reference_source = model_tokenizer.string() + ", which the checkpoint was trained with";
  }
  std::string problems;
  for (const auto& token : tokens) {
    const int64_t got = tokenizer->token_to_id(token);
    const int64_t want = reference ? reference->token_to_id(token) : got;
    if (got < 0 || got != want) {
      problems += "\n  " + token + ": " + (got < 0 ? std::string("missing") : "id " + std::to_string(got)) +
                  (want >= 0 && got >= 0 ? ", DEP needs id " + std::to_string(want) : "");
    }
  }
  if (!problems.empty()) {
    fail(path, "tokenizer without the DEP tokens at their reference ids (" + reference_source + "):" + problems);
  }
  DepTokens::of(*tokenizer, path);  // <|im_end|> and <|endoftext|> must exist too
  return tokenizer;
}

// The decoder's config and tensor table (adapter tensors left out) and its row count after resizing.
std::string decoder_fingerprint(const std::string& dir, const SafetensorsCheckpoint& weights, int64_t vocab_size) {
  Fnv1a hash;
  hash.add(read_model_config_json(dir).dump());
  hash.add_value(vocab_size);
  for (const auto& name : weights.names()) {
    if (is_dep_adapter_tensor(name)) continue;
    const auto entry = weights.at(name);
    hash.add(name);
    hash.add(dtype_name(entry.info->dtype));
    for (auto d : entry.info->shape) hash.add_value(d);
  }
  return hash.hex();
}

// model.adapter = "none": the decoder and its tokenizer as they are (no DEP tokens needed: the
// baseline prompts have no placeholders); adapter tensors in the directory are ignored.
PersonalizationModel load_decoder_only(const GenerateModelConfig& config, const SafetensorsCheckpoint& weights,
                                       torch::ScalarType dtype, torch::Device device) {
  const std::string tokenizer_source = config.tokenizer.empty() ? config.dir : config.tokenizer;
  auto tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::load(tokenizer_source));
  if (config.add_dep_tokens == AddDepTokens::kAlways && tokenizer->token_to_id(dep_special_tokens().front()) < 0) {
    tokenizer->add_special_tokens(dep_special_tokens());
  }
  std::shared_ptr<CausalLM> llm = load_causal_lm(config.dir, dtype, device);
  const auto tokenizer_vocab = static_cast<int64_t>(tokenizer->vocab_size());
  if (llm->vocab_size() < tokenizer_vocab) {
    fail(config.dir, "the decoder has " + std::to_string(llm->vocab_size()) + " token rows but the tokenizer " +
                         tokenizer_source + " has " + std::to_string(tokenizer_vocab) + " tokens");
  }
  if (has_adapter_tensors(weights)) log::info(config.dir + " holds adapter tensors; model.adapter=none ignores them");
  const auto shape = llm->shape();
  PersonalizationModel out(std::move(llm), nullptr, std::move(tokenizer));
  out.origin.layout = CheckpointLayout::kDecoderOnly;
  out.origin.adapter_hash = kNoAdapter;
  out.origin.tokenizer_source = tokenizer_source;
  out.origin.llm_fingerprint = decoder_fingerprint(config.dir, weights, shape.vocab_size);
  log::info("loaded decoder-only checkpoint " + config.dir + " (" + std::to_string(shape.num_layers) + " layers, hidden " +
            std::to_string(shape.hidden_size) + ", vocab " + std::to_string(shape.vocab_size) + "), tokenizer " +
            tokenizer_source + ", no adapter");
  return out;
}

// FNV-1a over the adapter's parameters (name, shape, fp32 values).
std::string adapter_content_hash(const Adapter& adapter) {
  Fnv1a hash;
  for (const auto& item : adapter.named_parameters()) {
    auto values = item.value().to(torch::kCPU).contiguous();
    hash.add(item.key());
    for (auto d : values.sizes()) hash.add_value(static_cast<int64_t>(d));
    hash.add_bytes(values.data_ptr(), values.numel() * values.element_size());
  }
  return hash.hex();
}

}  // namespace

ModelGenerationConfig read_model_generation_config(const std::string& model_dir) {
  ModelGenerationConfig out;
  const auto path = (std::filesystem::path(model_dir) / "generation_config.json").string();
  if (!std::filesystem::exists(path)) return out;
  out.source = path;
  const nlohmann::json json = read_json_file(path);
  if (!json.is_object()) fail(path, "expected a JSON object");
  auto read = [&](const char* key, auto& member) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) return;
    using T = typename std::decay_t<decltype(member)>::value_type;
    if constexpr (std::is_same_v<T, int64_t>) {
      // Checked: get<int64_t>() would cast a float such as 1.2e22 out of range.
      member = json_int64(*it, path, std::string("key '") + key + "'");
    } else {
      try {
        member = it->get<T>();
      } catch (const nlohmann::json::exception&) {
        fail(path, std::string("key '") + key + "' has the wrong type: " + json_excerpt(*it));
      }
    }
  };
  if (auto eos = json.find("eos_token_id"); eos != json.end() && !eos->is_null()) {
    out.eos_token_ids = json_int64_list(*eos, path, "eos_token_id");  // an integer or a list, each checked
  }
  read("do_sample", out.do_sample);
  read("temperature", out.temperature);
  read("top_p", out.top_p);
  read("top_k", out.top_k);
  read("repetition_penalty", out.repetition_penalty);
  return out;
}

PersonalizationModel load_personalization_model(const GenerateModelConfig& config, const DeviceConfig& device_config) {
  if (config.dir.empty()) fail("model.dir", "no model directory configured");
  if (!std::filesystem::is_directory(config.dir)) fail(config.dir, "model.dir is not a directory");
  const torch::Device device = torch_device(device_config, "device.device");
  const torch::ScalarType dtype = torch_dtype(device_config);
  if (device.is_cpu()) set_torch_threads(static_cast<int>(device_config.threads));

  CheckpointOrigin origin;
  const auto model_weights = SafetensorsCheckpoint::open(config.dir);
  if (config.adapter == kNoAdapter) {
    if (config.zero_soft_prompt) fail("model.zero_soft_prompt", "needs an adapter (model.adapter is \"none\")");
    return load_decoder_only(config, model_weights, dtype, device);
  }
  const bool dir_has_adapter = has_adapter_tensors(model_weights);
  std::optional<SafetensorsCheckpoint> adapter_file;
  if (!config.adapter.empty()) {
    adapter_file = SafetensorsCheckpoint::open(config.adapter);
    if (dir_has_adapter) log::warn(config.dir + " holds adapter tensors too; using model.adapter " + config.adapter);
    origin.layout = CheckpointLayout::kBaseWithAdapter;
    origin.adapter_source = config.adapter;
  } else if (dir_has_adapter) {
    origin.layout = CheckpointLayout::kFullModel;
    origin.adapter_source = config.dir;
  } else {
    fail(config.dir, "missing adapter tensors: the checkpoint has no sae.* / align_mlp_* tensors and model.adapter "
                     "is empty (a base Qwen2.5 directory needs a DEP adapter file)");
  }
  const SafetensorsCheckpoint& adapter_weights = adapter_file ? *adapter_file : model_weights;
  AdapterFileInfo file_info;
  const bool has_metadata = read_adapter_file_info(adapter_weights, file_info);
  if (!has_metadata && !has_adapter_tensors(adapter_weights)) {
    fail(origin.adapter_source, "missing adapter tensors: no sae.* / align_mlp_* tensors in this file");
  }

  // Tokenizer before the decoder: it decides the vocabulary the base model is resized to.
  origin.tokenizer_source = config.tokenizer.empty() ? config.dir : config.tokenizer;
  const bool allow_add = config.add_dep_tokens == AddDepTokens::kAlways ||
                         (config.add_dep_tokens == AddDepTokens::kAuto && origin.layout == CheckpointLayout::kBaseWithAdapter);
  auto tokenizer = load_tokenizer(origin.tokenizer_source, config.dir, allow_add);

  // Adapter shape checks need only the decoder's config, so they fail before the weights load.
  const int64_t hidden = read_model_config_json(config.dir).value("hidden_size", int64_t{0});
  const int64_t trained_hidden = has_metadata ? file_info.hidden_size : infer_adapter_config(adapter_weights).hidden_size;
  if (trained_hidden != 0 && trained_hidden != hidden) {
    fail(origin.adapter_source, "adapter trained for hidden size " + std::to_string(trained_hidden) +
                                    " (align_mlp_*.2.weight) but the decoder in " + config.dir + " has hidden size " +
                                    std::to_string(hidden) + ": it belongs to another base model");
  }
  std::shared_ptr<Adapter> adapter = adapter_for_checkpoint(adapter_weights, hidden);
  std::string missing;
  for (const auto& item : adapter->named_parameters()) {
    const auto expected = item.value().sizes().vec();
    const auto entry = adapter_weights.find(item.key());
    if (!entry) {
      missing += "\n  " + item.key() + ": missing (expected " + shape_string(expected) + ")";
    } else if (entry->info->shape != expected) {
      missing += "\n  " + item.key() + ": expected " + shape_string(expected) + ", found " + shape_string(entry->info->shape);
    }
  }
  if (!missing.empty()) fail(origin.adapter_source, "missing or mis-shaped adapter tensors:" + missing);

  std::shared_ptr<CausalLM> llm = load_causal_lm(config.dir, dtype, device);
  const auto tokenizer_vocab = static_cast<int64_t>(tokenizer->vocab_size());
  if (llm->vocab_size() != tokenizer_vocab) {
    if (origin.layout == CheckpointLayout::kFullModel && llm->vocab_size() < tokenizer_vocab) {
      fail(config.dir, "the decoder has " + std::to_string(llm->vocab_size()) + " token rows but the tokenizer " +
                           origin.tokenizer_source + " has " + std::to_string(tokenizer_vocab) + " tokens");
    }
    if (origin.layout == CheckpointLayout::kBaseWithAdapter) {
      // The reference resizes the base model to len(tokenizer) before training (docs/reference-behaviour.md §7).
      log::info("resizing the token embeddings of " + config.dir + " from " + std::to_string(llm->vocab_size()) +
                " to " + std::to_string(tokenizer_vocab) + " rows (len(tokenizer))");
      llm->resize_token_embeddings(tokenizer_vocab);
    }
  }

  {
    torch::NoGradGuard no_grad;
    for (auto& item : adapter->named_parameters()) {
      item.value().copy_(load_tensor(adapter_weights, item.key(), torch::kFloat32));
      item.value().set_requires_grad(false);
    }
  }
  adapter->to(device);
  adapter->eval();
  origin.adapter_hash = adapter_content_hash(*adapter);
  origin.llm_fingerprint = decoder_fingerprint(config.dir, model_weights, llm->vocab_size());
  const auto shape = llm->shape();
  log::info(std::string("loaded ") + checkpoint_layout_name(origin.layout) + " checkpoint: decoder " + config.dir + " (" +
            std::to_string(shape.num_layers) + " layers, hidden " + std::to_string(shape.hidden_size) + ", vocab " +
            std::to_string(shape.vocab_size) + "), adapter " + origin.adapter_source + " (" + adapter->method() + " " +
            adapter->config_json().value("variant", std::string()) + "), tokenizer " + origin.tokenizer_source);
  PersonalizationModel out(std::move(llm), std::move(adapter), std::move(tokenizer));
  out.origin = origin;
  if (config.zero_soft_prompt) {
    out.set_zero_soft_prompt(true);
    log::info("model.zero_soft_prompt: the adapter's soft vectors are replaced by zeros (ablation)");
  }
  return out;
}

}  // namespace dep
