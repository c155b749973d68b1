// The DEP adapter: SAE + his/diff projectors, its placeholders and aux losses, and the reader of
// reference checkpoints without metadata.
#include "dep/adapter/dep_adapter.h"

#include <torch/torch.h>

#include "dep/adapter/adapter_weight_init.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/safetensors.h"

namespace dep {

DepAdapter::DepAdapter(const AdapterConfig& config, int64_t hidden_size) : config_(config), hidden_size_(hidden_size) {
  if (config_.hidden_size != 0 && config_.hidden_size != hidden_size) {
    fail("adapter.hidden_size", "is " + std::to_string(config_.hidden_size) + " but the LLM's hidden size is " +
                                    std::to_string(hidden_size) + " (the projected vectors replace LLM embedding rows)");
  }
  config_.hidden_size = hidden_size;
  config_.method = kMethod;
  if (config_.uses_autoencoder()) {
    sae = register_module("sae", SparseAutoencoder(config_.embedding_dim, config_.latent_dim));
  }
  align_mlp_his = register_module("align_mlp_his", Projector(config_.projector_input_dim(), hidden_size));
  align_mlp_diff = register_module("align_mlp_diff", Projector(config_.projector_input_dim(), hidden_size));
  initialize();
}

nlohmann::ordered_json DepAdapter::config_json() const { return config_to_json(config_); }

void DepAdapter::initialize() { initialize_adapter_weights(parameters(), config_.init, config_.init_std); }

DepAdapterOutput DepAdapter::forward_block(const torch::Tensor& his_diff) {
  if (his_diff.dim() != 3 || his_diff.size(1) % 2 != 0 || his_diff.size(2) != config_.embedding_dim) {
    fail("his_diff", "the DEP adapter reads [B, 2K, " + std::to_string(config_.embedding_dim) + "] embeddings, got " +
                         shape_string(his_diff.sizes().vec()) + " (embeddings of another width than the adapter's?)");
  }
  const int64_t slots = his_diff.size(1) / 2;
  DepAdapterOutput out;
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

AdapterOutput DepAdapter::forward(const AdapterInputs& inputs) {
  auto it = inputs.find(kInput);
  if (it == inputs.end() || !it->second.defined()) {
    fail(kInput, "the DEP adapter reads each sample's his/diff embeddings, and these samples were built without "
                 "them (no embedding store given)");
  }
  DepAdapterOutput parts = forward_block(it->second);
  const int64_t slots = it->second.size(1) / 2;
  AdapterOutput out;
  std::vector<torch::Tensor> streams;
  if (parts.his.defined()) {
    streams.push_back(parts.his);
    for (int64_t i = 0; i < slots; ++i) out.placeholders.push_back(his_placeholder(i));
  }
  if (parts.diff.defined()) {
    streams.push_back(parts.diff);
    for (int64_t i = 0; i < slots; ++i) out.placeholders.push_back(diff_placeholder(i));
  }
  out.vectors = streams.size() == 1 ? streams.front() : torch::cat(streams, 1);
  out.aux["sae_input"] = parts.sae_input;
  if (parts.code.defined()) out.aux["code"] = parts.code;
  if (parts.reconstruction.defined()) out.aux["reconstruction"] = parts.reconstruction;
  return out;
}

void DepAdapter::add_aux_losses(const AdapterOutput& out, const LossConfig& loss, DepLossTerms& terms) const {
  auto reconstruction = out.aux.find("reconstruction");
  if (reconstruction != out.aux.end()) {
    terms.recon = reconstruction_loss(reconstruction->second, out.aux.at("sae_input"), loss.smooth_l1_beta);
  }
  if (config_.uses_sparsity()) terms.sparse = sparsity_loss(out.aux.at("code"), loss.rho, loss.rho_clamp);
}

bool is_dep_adapter_tensor(const std::string& name) {
  return name.rfind("sae.", 0) == 0 || name.rfind("align_mlp_", 0) == 0;
}

namespace {

std::vector<int64_t> shape_of(const SafetensorsCheckpoint& checkpoint, const std::string& name) {
  auto entry = checkpoint.find(name);
  return entry ? entry->info->shape : std::vector<int64_t>{};
}

}  // namespace

AdapterConfig infer_adapter_config(const SafetensorsCheckpoint& checkpoint) {
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

}  // namespace dep
