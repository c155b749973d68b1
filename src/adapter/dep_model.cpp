// The adapter module, soft-prompt injection, the DEP forward with its loss, adapter files.
#include "dep/adapter/dep_model.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <set>

#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/decoder/qwen2.h"
#include "dep/core/safetensors.h"

namespace dep {

namespace {
constexpr const char* kAdapterMetadataKey = "dep.adapter";
}

DepAdapterImpl::DepAdapterImpl(const AdapterConfig& config, int64_t hidden_size)
    : config_(config), hidden_size_(hidden_size) {
  if (config_.hidden_size != 0 && config_.hidden_size != hidden_size) {
    fail("adapter.hidden_size", "is " + std::to_string(config_.hidden_size) + " but the LLM's hidden size is " +
                                    std::to_string(hidden_size) + " (the projected vectors replace LLM embedding rows)");
  }
  config_.hidden_size = hidden_size;
  if (config_.uses_autoencoder()) {
    sae = register_module("sae", SparseAutoencoder(config_.embedding_dim, config_.latent_dim));
  }
  align_mlp_his = register_module("align_mlp_his", Projector(config_.projector_input_dim(), hidden_size));
  align_mlp_diff = register_module("align_mlp_diff", Projector(config_.projector_input_dim(), hidden_size));
  initialize();
}

void DepAdapterImpl::initialize() {
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    auto& p = item.value();
    if (p.dim() == 1) {
      p.zero_();
    } else if (config_.init == AdapterInit::kXavier) {
      torch::nn::init::xavier_uniform_(p);
    } else {
      p.normal_(0.0, config_.init_std);
    }
  }
}

int64_t DepAdapterImpl::trainable_parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) {
    if (p.requires_grad()) n += p.numel();
  }
  return n;
}

AdapterOutput DepAdapterImpl::forward(const torch::Tensor& his_diff) {
  if (his_diff.dim() != 3 || his_diff.size(1) % 2 != 0 || his_diff.size(2) != config_.embedding_dim) {
    fail_internal("DepAdapter::forward", "his_diff must be [B, 2K, " + std::to_string(config_.embedding_dim) +
                                             "], got " + shape_string(his_diff.sizes().vec()));
  }
  const int64_t slots = his_diff.size(1) / 2;
  AdapterOutput out;
  // The SAE sees the rows of the streams in use: all 2K for DEP, K for an ablated stream.
  if (config_.injects_his() && config_.injects_diff()) {
    out.sae_input = his_diff;
  } else {
    out.sae_input = his_diff.narrow(1, config_.injects_his() ? 0 : slots, slots);
  }
  out.sae_input = out.sae_input.to(torch::kFloat32);
  torch::Tensor features = out.sae_input;
  if (sae) {
    auto coded = sae->forward(out.sae_input);
    out.code = coded.code;
    out.reconstruction = coded.reconstruction;
    features = out.code;
  }
  if (config_.injects_his()) out.his = align_mlp_his->forward(features.narrow(1, 0, slots));
  if (config_.injects_diff()) {
    out.diff = align_mlp_diff->forward(features.narrow(1, config_.injects_his() ? slots : 0, slots));
  }
  return out;
}

NamedTensors adapter_tensors(const DepAdapterImpl& adapter) {
  NamedTensors out;
  for (const auto& item : adapter.named_parameters()) out.emplace_back(item.key(), item.value().detach());
  return out;
}

void save_adapter(const std::string& path, const DepAdapterImpl& adapter,
                  const std::map<std::string, std::string>& extra_metadata) {
  auto metadata = extra_metadata;
  metadata["format"] = "pt";
  metadata[kAdapterMetadataKey] = config_to_json(adapter.config()).dump();
  save_safetensors(path, adapter_tensors(adapter), metadata);
}

void load_adapter_weights(const std::string& path, DepAdapterImpl& adapter) {
  auto file = SafetensorsFile::open(path);
  std::string problems;
  std::set<std::string> known;
  torch::NoGradGuard no_grad;
  for (auto& item : adapter.named_parameters()) {
    known.insert(item.key());
    const TensorInfo* info = file->find(item.key());
    auto& param = item.value();
    if (!info) {
      problems += "\n  " + item.key() + ": missing (expected " + shape_string(param.sizes().vec()) + ")";
      continue;
    }
    if (info->shape != param.sizes().vec()) {
      problems += "\n  " + item.key() + ": expected " + shape_string(param.sizes().vec()) + ", found " +
                  shape_string(info->shape);
      continue;
    }
    param.copy_(tensor_view(file, *info).to(param.device(), param.scalar_type()));
  }
  for (const auto& info : file->tensors()) {
    if (!known.count(info.name)) problems += "\n  " + info.name + ": not a parameter of this adapter";
  }
  if (!problems.empty()) fail(path, "adapter does not match the configured adapter:" + problems);
}

AdapterConfig read_adapter_config(const std::string& path) {
  auto file = SafetensorsFile::open(path);
  auto it = file->metadata().find(kAdapterMetadataKey);
  if (it == file->metadata().end()) {
    fail(path, std::string("no '") + kAdapterMetadataKey + "' metadata: not written by dep (pass the adapter config explicitly)");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(it->second);
  } catch (const std::exception& e) {
    fail(path, std::string(kAdapterMetadataKey) + " metadata is not valid JSON: " + e.what());
  }
  return parse_config<AdapterConfig>(json, path + " [" + kAdapterMetadataKey + "]");
}

torch::Tensor inject_soft_prompts(const torch::Tensor& inputs_embeds, const torch::Tensor& positions,
                                  const torch::Tensor& vectors) {
  auto present = positions.ge(0);
  auto where = present.nonzero();  // [N,2] (b, slot)
  if (where.size(0) == 0) return inputs_embeds;
  auto rows = where.select(1, 0);
  auto slots = where.select(1, 1);
  auto cols = positions.masked_select(present);
  auto values = vectors.index({rows, slots}).to(inputs_embeds.scalar_type());
  return inputs_embeds.index_put({rows, cols}, values);
}

DepModel::DepModel(std::shared_ptr<Qwen2Model> llm, DepAdapter adapter, LossConfig loss)
    : llm_(std::move(llm)), adapter_(std::move(adapter)), loss_(std::move(loss)) {
  if (adapter_->hidden_size() != llm_->config().hidden_size) {
    fail("adapter", "projector width " + std::to_string(adapter_->hidden_size()) + " differs from the LLM hidden size " +
                        std::to_string(llm_->config().hidden_size));
  }
}

torch::Tensor DepModel::input_embeddings(const DepBatch& batch, const AdapterOutput& adapted) const {
  torch::Tensor embeds;
  {
    torch::NoGradGuard no_grad;  // token rows, new ones included, stay frozen (DEP.md §7)
    embeds = llm_->embed_tokens(batch.input_ids);
  }
  if (adapted.his.defined()) embeds = inject_soft_prompts(embeds, batch.his_positions, adapted.his);
  if (adapted.diff.defined()) embeds = inject_soft_prompts(embeds, batch.diff_positions, adapted.diff);
  return embeds;
}

DepLossTerms DepModel::loss(const DepBatch& batch, double gen_denominator, double sae_scale) {
  if (!batch.labels.defined()) fail_internal("DepModel::loss", "the batch has no labels");
  AdapterOutput adapted = adapter_->forward(batch.his_diff);
  torch::Tensor embeds = input_embeddings(batch, adapted);
  DepLossTerms terms;
  auto targets = next_token_targets(batch.labels);
  terms.gen_tokens = targets.count();
  if (terms.gen_tokens > 0) {
    torch::Tensor hidden = llm_->hidden_states(embeds, batch.attention_mask);
    // Only rows that predict a label go through the lm head: at 7B a full [T,V] fp32 logit
    // block of a 5k-token row is 3 GB.
    auto rows = hidden.reshape({-1, hidden.size(-1)}).index_select(0, targets.rows);
    terms.gen_sum = cross_entropy_sum(llm_->lm_head(rows), targets.targets);
  } else {
    terms.gen_sum = torch::zeros({}, batch.his_diff.options().dtype(torch::kFloat32));
  }
  if (adapted.reconstruction.defined()) {
    terms.recon = reconstruction_loss(adapted.reconstruction, adapted.sae_input, loss_.smooth_l1_beta);
  }
  if (adapter_->config().uses_sparsity()) terms.sparse = sparsity_loss(adapted.code, loss_.rho, loss_.rho_clamp);
  combine_losses(terms, loss_, gen_denominator, sae_scale);
  return terms;
}

torch::Tensor DepModel::logits(const DepBatch& batch) {
  AdapterOutput adapted = adapter_->forward(batch.his_diff);
  return llm_->forward(input_embeddings(batch, adapted), batch.attention_mask);
}

}  // namespace dep
