// The DEP adapter (paper §3.2; docs/reference-behaviour.md §5–6): a shared SAE (or plain
// autoencoder, or none) in front of the his and diff projectors, reading the "his_diff" block
// [B,2K,d] and replacing [HIS_TOKEN_i] / [DIFF_TOKEN_i]. Parameter names are the reference's.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dep/adapter/adapter.h"
#include "dep/adapter/adapter_config.h"
#include "dep/adapter/projector.h"
#include "dep/adapter/sae.h"
#include "dep/data/dep_tokens.h"  // the placeholder tokens it fills

namespace dep {

class SafetensorsCheckpoint;

// The DEP forward's parts.
struct DepAdapterOutput {
  torch::Tensor his;             // [B,K,H] projected his vectors (undefined when not injected)
  torch::Tensor diff;            // [B,K,H] projected diff vectors (undefined when not injected)
  torch::Tensor sae_input;       // [B,R,d] the rows the SAE saw (R = 2K, or K for his/diff only)
  torch::Tensor code;            // [B,R,d'] SAE code (undefined for `none`)
  torch::Tensor reconstruction;  // [B,R,d] (undefined for `none`)
};

// Trainable parameters, registered as the reference names them: `sae.encoder.0.weight`,
// `sae.decoder.0.bias`, `align_mlp_his.0.weight`, `align_mlp_diff.2.bias`, ... Both projectors
// exist in every variant (so checkpoints share one layout); an ablated stream's projector is
// simply never used and gets no gradient.
class DepAdapter : public Adapter {
 public:
  static constexpr const char* kMethod = "dep";
  static constexpr const char* kInput = "his_diff";  // [B,2K,d]: his rows then diff rows

  // `hidden_size` is the LLM's; config.hidden_size, when set, must agree with it.
  DepAdapter(const AdapterConfig& config, int64_t hidden_size);

  std::string method() const override { return kMethod; }
  nlohmann::ordered_json config_json() const override;
  int64_t hidden_size() const override { return hidden_size_; }
  std::vector<std::string> input_names() const override { return {kInput}; }
  // vectors = his then diff ([B,K,H] each, the injected streams only), placeholders
  // [HIS_TOKEN_0..K-1] then [DIFF_TOKEN_0..K-1].
  AdapterOutput forward(const AdapterInputs& inputs) override;
  // SAE reconstruction (ae, sae) and KL sparsity (sae).
  void add_aux_losses(const AdapterOutput& out, const LossConfig& loss, DepLossTerms& terms) const override;
  // Xavier-uniform or N(0, std) weights and zero biases.
  void initialize() override;

  // his_diff [B,2K,d] → the DEP parts.
  DepAdapterOutput forward_block(const torch::Tensor& his_diff);

  const AdapterConfig& config() const { return config_; }

  SparseAutoencoder sae{nullptr};  // null for the `none` variant
  Projector align_mlp_his{nullptr};
  Projector align_mlp_diff{nullptr};

 private:
  AdapterConfig config_;
  int64_t hidden_size_;
};

// The DEP reader of reference checkpoints without metadata (the authors' sae.* / align_mlp_*
// tensors): the AdapterConfig inferred from their shapes; hidden_size = the projectors' width.
AdapterConfig infer_adapter_config(const SafetensorsCheckpoint& checkpoint);

// True when a checkpoint holds any DEP adapter tensor (sae.* / align_mlp_*).
bool is_dep_adapter_tensor(const std::string& name);

}  // namespace dep
