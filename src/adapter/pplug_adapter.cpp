// The PPlug adapter (see pplug_adapter.h).
#include "dep/adapter/pplug_adapter.h"

#include <torch/torch.h>

#include <limits>

#include "dep/adapter/adapter_weight_init.h"
#include "dep/core/error.h"
#include "dep/data/dep_tokens.h"

namespace dep {

PplugConfig pplug_config_of(const AdapterConfig& config) {
  PplugConfig out;
  out.embedding_dim = config.embedding_dim;
  out.hidden_size = config.hidden_size;
  out.softmax_includes_padding = config.pplug.softmax_includes_padding;
  out.init = config.init;
  out.init_std = config.init_std;
  return out;
}

const std::string& pplug_instruction_token() {
  static const std::string token = his_placeholder(0);
  return token;
}
const std::string& pplug_personal_token() {
  static const std::string token = his_placeholder(1);
  return token;
}

PplugModulesImpl::PplugModulesImpl(int64_t embedding_dim, int64_t hidden_size) {
  his_mlp = register_module("his_mlp", Projector(embedding_dim, hidden_size));
  inst_mlp = register_module("inst_mlp", Projector(embedding_dim, hidden_size));
  instruction = register_parameter("instruction", torch::zeros({embedding_dim}));
}

PplugAdapter::PplugAdapter(const PplugConfig& config, int64_t hidden_size) : config_(config), hidden_size_(hidden_size) {
  if (config_.hidden_size != 0 && config_.hidden_size != hidden_size) {
    fail("adapter.hidden_size", "is " + std::to_string(config_.hidden_size) + " but the LLM's hidden size is " +
                                    std::to_string(hidden_size) + " (the PPlug vectors replace LLM embedding rows)");
  }
  config_.hidden_size = hidden_size;
  pplug = register_module("pplug", PplugModules(config_.embedding_dim, hidden_size));
  initialize();
}

nlohmann::ordered_json PplugAdapter::config_json() const { return config_to_json(config_); }

void PplugAdapter::initialize() {
  std::vector<torch::Tensor> params = pplug->his_mlp->parameters();
  for (const auto& p : pplug->inst_mlp->parameters()) params.push_back(p);
  initialize_adapter_weights(params, config_.init, config_.init_std);
  torch::NoGradGuard no_grad;
  pplug->instruction.normal_();
  pplug->instruction.div_(pplug->instruction.norm());
}

torch::Tensor PplugAdapter::attention_weights(const torch::Tensor& history, const torch::Tensor& mask,
                                              const torch::Tensor& task) const {
  // ⟨his_i, task⟩ for every row: [B,N].
  auto scores = torch::matmul(history, task.unsqueeze(2)).squeeze(2);
  if (config_.softmax_includes_padding) return torch::softmax(scores, 1);
  const auto real = mask > 0.5;
  auto weights = torch::softmax(scores.masked_fill(real.logical_not(), -std::numeric_limits<float>::infinity()), 1);
  // A sample without any history row has no personal signal: weights 0 rather than NaN.
  return weights.masked_fill(real.logical_not(), 0.0);
}

AdapterOutput PplugAdapter::forward(const AdapterInputs& inputs) {
  auto get = [&](const char* name) {
    auto it = inputs.find(name);
    if (it == inputs.end() || !it->second.defined()) {
      fail(name, "the PPlug adapter reads each sample's history and task embeddings, and these samples were built "
                 "without them (prompt.variant pplug and an embedding store holding the task texts are needed)");
    }
    return it->second;
  };
  const auto history = get(PplugInputs::kHistory).to(torch::kFloat32);
  const auto mask = get(PplugInputs::kMask).to(torch::kFloat32);
  const auto task = get(PplugInputs::kTask).to(torch::kFloat32);
  const int64_t d = config_.embedding_dim;
  if (history.dim() != 3 || history.size(2) != d || task.dim() != 2 || task.size(1) != d ||
      task.size(0) != history.size(0) || mask.dim() != 2 || mask.size(0) != history.size(0) ||
      mask.size(1) != history.size(1)) {
    fail(PplugInputs::kHistory, "the PPlug adapter reads history [B,N," + std::to_string(d) + "], mask [B,N] and task [B," +
                                    std::to_string(d) + "]; got " + shape_string(history.sizes().vec()) + ", " +
                                    shape_string(mask.sizes().vec()) + ", " + shape_string(task.sizes().vec()) +
                                    " (embeddings of another width than the adapter's?)");
  }
  const int64_t batch = history.size(0);
  auto weights = attention_weights(history, mask, task);
  // Σ_i w_i · his_mlp(his_i): [B,N,H] weighted over N.
  auto personal = (weights.unsqueeze(2) * pplug->his_mlp->forward(history)).sum(1);
  auto instruction = pplug->inst_mlp->forward(pplug->instruction.unsqueeze(0)).expand({batch, hidden_size_});
  AdapterOutput out;
  out.vectors = torch::stack({instruction, personal}, 1);
  out.placeholders = {pplug_instruction_token(), pplug_personal_token()};
  out.aux["weights"] = weights;
  return out;
}

}  // namespace dep
