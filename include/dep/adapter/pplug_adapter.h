// The PPlug adapter (Persona-Plug, Liu et al. ACL 2025; one of the DEP paper's Table 1 baselines;
// docs/reference-behaviour.md §12, docs/methods.md): input-aware attention over the user's history
// embeddings, w = softmax_i ⟨his_i, task⟩, a personal vector Σ_i w_i · his_mlp(his_i) and an
// instruction vector inst_mlp(a learnable embedding-sized vector), each MLP Linear(d→H), exact
// GELU, Linear(H→H). The two vectors replace the embedding rows of two placeholder tokens.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dep/adapter/adapter.h"
#include "dep/adapter/adapter_config.h"
#include "dep/adapter/projector.h"
#include "dep/core/config.h"

namespace dep {

// What a PPlug adapter file records (its config JSON).
struct PplugConfig {
  int64_t embedding_dim = 1024;  // width of the history and task embeddings (bge-m3: 1024)
  int64_t hidden_size = 0;       // MLP width = the LLM's hidden size (0: take the LLM's)
  bool softmax_includes_padding = false;  // see PplugOptions
  AdapterInit init = AdapterInit::kXavier;
  double init_std = 0.02;

  template <class V>
  void visit(V& v) {
    v("embedding_dim", embedding_dim, "width of the history and task embeddings", Bounds::at_least(1));
    v("hidden_size", hidden_size, "MLP width; 0 = the LLM hidden size", Bounds::non_negative());
    v("softmax_includes_padding", softmax_includes_padding,
      "padded zero history rows take part in the attention softmax and sum (the published runner)");
    v.choice("init", init, adapter_init_names(), "initialisation of the MLP weights: xavier or normal");
    v("init_std", init_std, "standard deviation of the normal init", Bounds::positive());
  }
};

// The PPlug config dep-train's adapter section describes (shared keys + its pplug section).
PplugConfig pplug_config_of(const AdapterConfig& config);

// The instruction token and the personal token. They are DEP's first two added tokens, whose ids
// (151665, 151666 in the DEP tokenizer) are the ones the published PPlug runner hard-codes for its
// instruction and personal tokens (docs/methods.md): any DEP tokenizer serves PPlug unchanged.
const std::string& pplug_instruction_token();
const std::string& pplug_personal_token();

// The inputs, each [B, ...] float32; rows of a sample beyond its history are zero with mask 0.
struct PplugInputs {
  static constexpr const char* kHistory = "pplug_history";  // [B,N,d] the user's history embeddings
  static constexpr const char* kMask = "pplug_history_mask";  // [B,N] 1 real row, 0 padding
  static constexpr const char* kTask = "pplug_task";        // [B,d] the embedding of the sample's input
};

// Parameters are registered under one child "pplug": pplug.his_mlp.{0,2}.{weight,bias},
// pplug.inst_mlp.{0,2}.{weight,bias}, pplug.instruction [d].
class PplugModulesImpl : public torch::nn::Module {
 public:
  PplugModulesImpl(int64_t embedding_dim, int64_t hidden_size);
  Projector his_mlp{nullptr};
  Projector inst_mlp{nullptr};
  torch::Tensor instruction;
};
TORCH_MODULE(PplugModules);

class PplugAdapter : public Adapter {
 public:
  static constexpr const char* kMethod = "pplug";

  // `hidden_size` is the LLM's; config.hidden_size, when set, must agree with it.
  PplugAdapter(const PplugConfig& config, int64_t hidden_size);

  std::string method() const override { return kMethod; }
  nlohmann::ordered_json config_json() const override;
  int64_t hidden_size() const override { return hidden_size_; }
  std::vector<std::string> input_names() const override {
    return {PplugInputs::kHistory, PplugInputs::kMask, PplugInputs::kTask};
  }
  // vectors [B,2,H] = (instruction, personal); placeholders = the two PPlug tokens; aux["weights"]
  // holds the attention weights [B,N].
  AdapterOutput forward(const AdapterInputs& inputs) override;
  // PPlug trains on the generation loss alone.
  void add_aux_losses(const AdapterOutput&, const LossConfig&, DepLossTerms&) const override {}
  // MLP weights Xavier-uniform or N(0, std), zero biases; the instruction vector a random unit
  // vector (the scale of the L2-normalised embeddings it stands beside).
  void initialize() override;

  // w [B,N]: softmax of ⟨his_i, task⟩ over the real rows (or every row with padding included).
  torch::Tensor attention_weights(const torch::Tensor& history, const torch::Tensor& mask,
                                  const torch::Tensor& task) const;

  const PplugConfig& config() const { return config_; }
  PplugModules pplug{nullptr};

 private:
  PplugConfig config_;
  int64_t hidden_size_;
};

}  // namespace dep
