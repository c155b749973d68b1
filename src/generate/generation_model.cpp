// Loading a DEP checkpoint for generation: layout detection, adapter shape inference and the
// three bad-input errors (missing adapter tensors, wrong hidden size, tokenizer without DEP tokens).
#include "dep/generate/generation_model.h"

#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <set>

#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_tokens.h"
#include "dep/core/error.h"
#include "dep/torch/device.h"
#include "dep/torch/tensor_io.h"
#include "hashing.h"
#include "dep/core/log.h"

namespace dep {

namespace {

bool is_adapter_tensor(const std::string& name) {
  return name.rfind("sae.", 0) == 0 || name.rfind("align_mlp_", 0) == 0;
}

bool has_adapter_tensors(const SafetensorsCheckpoint& checkpoint) {
  for (const auto& name : checkpoint.names())
    if (is_adapter_tensor(name)) return true;
  return false;
}

std::vector<int64_t> shape_of(const SafetensorsCheckpoint& checkpoint, const std::string& name) {
  auto entry = checkpoint.find(name);
  return entry ? entry->info->shape : std::vector<int64_t>{};
}

// The tensors an adapter of `config` has (the reference's names), with their shapes.
std::vector<ExpectedTensor> adapter_expected_tensors(const AdapterConfig& config, int64_t hidden) {
  std::vector<ExpectedTensor> out;
  if (config.uses_autoencoder()) {
    out.push_back({"sae.encoder.0.weight", {config.latent_dim, config.embedding_dim}});
    out.push_back({"sae.encoder.0.bias", {config.latent_dim}});
    out.push_back({"sae.decoder.0.weight", {config.embedding_dim, config.latent_dim}});
    out.push_back({"sae.decoder.0.bias", {config.embedding_dim}});
  }
  const int64_t in = config.projector_input_dim();
  for (const char* stream : {"align_mlp_his", "align_mlp_diff"}) {
    const std::string p = stream;
    out.push_back({p + ".0.weight", {hidden, in}});
    out.push_back({p + ".0.bias", {hidden}});
    out.push_back({p + ".2.weight", {hidden, hidden}});
    out.push_back({p + ".2.bias", {hidden}});
  }
  return out;
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
    if (is_adapter_tensor(name)) continue;
    const auto entry = weights.at(name);
    hash.add(name);
    hash.add(dtype_name(entry.info->dtype));
    for (auto d : entry.info->shape) hash.add_value(d);
  }
  return hash.hex();
}

// model.adapter = "none": the decoder and its tokenizer as they are (no DEP tokens needed: the
// baseline prompts have no placeholders); adapter tensors in the directory are ignored.
GenerationModel load_decoder_only(const GenerateModelConfig& config, const SafetensorsCheckpoint& weights,
                                  torch::ScalarType dtype, torch::Device device) {
  GenerationModel out;
  out.layout = CheckpointLayout::kDecoderOnly;
  out.adapter_hash = kNoAdapter;
  out.tokenizer_source = config.tokenizer.empty() ? config.dir : config.tokenizer;
  out.tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::load(out.tokenizer_source));
  if (config.add_dep_tokens == AddDepTokens::kAlways && out.tokenizer->token_to_id(dep_special_tokens().front()) < 0) {
    out.tokenizer->add_special_tokens(dep_special_tokens());
  }
  out.llm = std::make_shared<Qwen2Model>(Qwen2Model::load(config.dir, dtype, device));
  const auto tokenizer_vocab = static_cast<int64_t>(out.tokenizer->vocab_size());
  if (out.llm->config().vocab_size < tokenizer_vocab) {
    fail(config.dir, "the decoder has " + std::to_string(out.llm->config().vocab_size) + " token rows but the tokenizer " +
                         out.tokenizer_source + " has " + std::to_string(tokenizer_vocab) + " tokens");
  }
  if (has_adapter_tensors(weights)) log::info(config.dir + " holds adapter tensors; model.adapter=none ignores them");
  out.llm_fingerprint = decoder_fingerprint(config.dir, weights, out.llm->config().vocab_size);
  out.generation_config = read_model_generation_config(config.dir);
  log::info("loaded decoder-only checkpoint " + config.dir + " (" + std::to_string(out.llm->config().num_hidden_layers) +
            " layers, hidden " + std::to_string(out.llm->config().hidden_size) + ", vocab " +
            std::to_string(out.llm->config().vocab_size) + "), tokenizer " + out.tokenizer_source + ", no adapter");
  return out;
}

}  // namespace

const char* checkpoint_layout_name(CheckpointLayout layout) {
  switch (layout) {
    case CheckpointLayout::kFullModel: return "full";
    case CheckpointLayout::kBaseWithAdapter: return "base+adapter";
    case CheckpointLayout::kDecoderOnly: return "decoder-only";
  }
  return "?";
}

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
    try {
      member = it->get<typename std::decay_t<decltype(member)>::value_type>();
    } catch (const nlohmann::json::exception&) {
      fail(path, std::string("key '") + key + "' has the wrong type: " + it->dump());
    }
  };
  if (auto eos = json.find("eos_token_id"); eos != json.end() && !eos->is_null()) {
    try {
      out.eos_token_ids = eos->is_array() ? eos->get<std::vector<int64_t>>() : std::vector<int64_t>{eos->get<int64_t>()};
    } catch (const nlohmann::json::exception&) {
      fail(path, "key 'eos_token_id' must be an integer or a list of integers, got " + eos->dump());
    }
  }
  read("do_sample", out.do_sample);
  read("temperature", out.temperature);
  read("top_p", out.top_p);
  read("top_k", out.top_k);
  read("repetition_penalty", out.repetition_penalty);
  return out;
}

torch::ScalarType resolve_generation_dtype(const std::string& name, torch::Device device) {
  if (name == "auto") return device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
  return parse_compute_dtype(name, "model.dtype");
}

AdapterConfig infer_adapter_config(const SafetensorsCheckpoint& checkpoint) {
  // dep's own adapter files carry their config; a reference checkpoint is read from its shapes.
  for (const auto& file : checkpoint.files()) {
    if (file->metadata().count("dep.adapter")) return read_adapter_config(file->path());
  }
  AdapterConfig config;
  bool any_sae = false;
  for (const auto& name : checkpoint.names()) any_sae |= name.rfind("sae.", 0) == 0;
  const auto encoder = shape_of(checkpoint, "sae.encoder.0.weight");
  const auto decoder = shape_of(checkpoint, "sae.decoder.0.weight");
  auto projector_in = shape_of(checkpoint, "align_mlp_his.0.weight");
  if (projector_in.size() != 2) projector_in = shape_of(checkpoint, "align_mlp_diff.0.weight");
  if (!any_sae) {  // no autoencoder at all: the `none` ablation, embeddings straight into the projectors
    config.variant = AutoencoderVariant::kNone;
    if (projector_in.size() == 2) config.embedding_dim = projector_in[1];
  } else if (encoder.size() == 2) {
    config.latent_dim = encoder[0];
    config.embedding_dim = encoder[1];
  } else if (decoder.size() == 2) {
    config.embedding_dim = decoder[0];
    config.latent_dim = decoder[1];
  }
  // `ae` and `sae` differ only in training; generation treats both as `sae`.
  auto projector_out = shape_of(checkpoint, "align_mlp_his.2.weight");
  if (projector_out.size() != 2) projector_out = shape_of(checkpoint, "align_mlp_diff.2.weight");
  if (!projector_out.empty()) config.hidden_size = projector_out[0];
  else if (!projector_in.empty()) config.hidden_size = projector_in[0];
  return config;
}

GenerationModel load_generation_model(const GenerateModelConfig& config, const DeviceConfig& device_config) {
  if (config.dir.empty()) fail("model.dir", "no model directory configured");
  if (!std::filesystem::is_directory(config.dir)) fail(config.dir, "model.dir is not a directory");
  const torch::Device device = torch_device(device_config, "device.device");
  const torch::ScalarType dtype = torch_dtype(device_config);
  if (device.is_cpu()) set_torch_threads(static_cast<int>(device_config.threads));

  GenerationModel out;
  const auto model_weights = SafetensorsCheckpoint::open(config.dir);
  if (config.adapter == kNoAdapter) return load_decoder_only(config, model_weights, dtype, device);
  const bool dir_has_adapter = has_adapter_tensors(model_weights);
  std::optional<SafetensorsCheckpoint> adapter_file;
  if (!config.adapter.empty()) {
    adapter_file = SafetensorsCheckpoint::open(config.adapter);
    if (dir_has_adapter) log::warn(config.dir + " holds adapter tensors too; using model.adapter " + config.adapter);
    out.layout = CheckpointLayout::kBaseWithAdapter;
    out.adapter_source = config.adapter;
  } else if (dir_has_adapter) {
    out.layout = CheckpointLayout::kFullModel;
    out.adapter_source = config.dir;
  } else {
    fail(config.dir, "missing adapter tensors: the checkpoint has no sae.* / align_mlp_* tensors and model.adapter "
                     "is empty (a base Qwen2.5 directory needs a DEP adapter file)");
  }
  const SafetensorsCheckpoint& adapter_weights = adapter_file ? *adapter_file : model_weights;
  if (!has_adapter_tensors(adapter_weights)) {
    fail(out.adapter_source, "missing adapter tensors: no sae.* / align_mlp_* tensors in this file");
  }

  // Tokenizer before the decoder: it decides the vocabulary the base model is resized to.
  out.tokenizer_source = config.tokenizer.empty() ? config.dir : config.tokenizer;
  const bool allow_add = config.add_dep_tokens == AddDepTokens::kAlways ||
                         (config.add_dep_tokens == AddDepTokens::kAuto && out.layout == CheckpointLayout::kBaseWithAdapter);
  out.tokenizer = load_tokenizer(out.tokenizer_source, config.dir, allow_add);

  // Adapter shape checks need only the decoder's config, so they fail before the weights load.
  const Qwen2Config llm_config = Qwen2Config::load(config.dir);
  AdapterConfig adapter_config = infer_adapter_config(adapter_weights);
  if (adapter_config.hidden_size != 0 && adapter_config.hidden_size != llm_config.hidden_size) {
    fail(out.adapter_source, "adapter trained for hidden size " + std::to_string(adapter_config.hidden_size) +
                                 " (align_mlp_*.2.weight) but the decoder in " + config.dir + " has hidden size " +
                                 std::to_string(llm_config.hidden_size) + ": it belongs to another base model");
  }
  adapter_config.hidden_size = llm_config.hidden_size;
  std::string missing;
  for (const auto& t : adapter_expected_tensors(adapter_config, llm_config.hidden_size)) {
    const auto found = shape_of(adapter_weights, t.name);
    if (found.empty()) {
      missing += "\n  " + t.name + ": missing (expected " + shape_string(t.shape) + ")";
    } else if (found != t.shape) {
      missing += "\n  " + t.name + ": expected " + shape_string(t.shape) + ", found " + shape_string(found);
    }
  }
  if (!missing.empty()) fail(out.adapter_source, "missing or mis-shaped adapter tensors:" + missing);

  out.llm = std::make_shared<Qwen2Model>(Qwen2Model::load(config.dir, dtype, device));
  const auto tokenizer_vocab = static_cast<int64_t>(out.tokenizer->vocab_size());
  if (out.llm->config().vocab_size != tokenizer_vocab) {
    if (out.layout == CheckpointLayout::kFullModel && out.llm->config().vocab_size < tokenizer_vocab) {
      fail(config.dir, "the decoder has " + std::to_string(out.llm->config().vocab_size) +
                           " token rows but the tokenizer " + out.tokenizer_source + " has " +
                           std::to_string(tokenizer_vocab) + " tokens");
    }
    if (out.layout == CheckpointLayout::kBaseWithAdapter) {
      // The reference resizes the base model to len(tokenizer) before training (DEP.md §7).
      log::info("resizing the token embeddings of " + config.dir + " from " +
                         std::to_string(out.llm->config().vocab_size) + " to " + std::to_string(tokenizer_vocab) +
                         " rows (len(tokenizer))");
      out.llm->resize_token_embeddings(tokenizer_vocab);
    }
  }

  out.adapter = DepAdapter(adapter_config, llm_config.hidden_size);
  {
    torch::NoGradGuard no_grad;
    for (auto& item : out.adapter->named_parameters()) {
      item.value().copy_(load_tensor(adapter_weights, item.key(), torch::kFloat32));
      item.value().set_requires_grad(false);
    }
  }
  out.adapter->to(device);
  out.adapter->eval();

  Fnv1a adapter_hash;
  for (const auto& item : out.adapter->named_parameters()) {
    auto values = item.value().to(torch::kCPU).contiguous();
    adapter_hash.add(item.key());
    for (auto d : values.sizes()) adapter_hash.add_value(static_cast<int64_t>(d));
    adapter_hash.add_bytes(values.data_ptr(), values.numel() * values.element_size());
  }
  out.adapter_hash = adapter_hash.hex();

  out.llm_fingerprint = decoder_fingerprint(config.dir, model_weights, out.llm->config().vocab_size);
  out.generation_config = read_model_generation_config(config.dir);
  log::info(std::string("loaded ") + checkpoint_layout_name(out.layout) + " checkpoint: decoder " + config.dir +
                     " (" + std::to_string(llm_config.num_hidden_layers) + " layers, hidden " +
                     std::to_string(llm_config.hidden_size) + ", vocab " + std::to_string(out.llm->config().vocab_size) +
                     "), adapter " + out.adapter_source + " (" + enum_name(autoencoder_variant_names(), adapter_config.variant) + "), tokenizer " +
                     out.tokenizer_source);
  return out;
}

}  // namespace dep
