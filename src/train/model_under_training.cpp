// The loop's view of the DEP model (see model_under_training.h).
#include "dep/train/model_under_training.h"

#include <torch/torch.h>

#include "dep/adapter/dep_model.h"
#include "dep/core/config.h"
#include "dep/decoder/qwen2.h"

namespace dep {

torch::Device ModelUnderTraining::device() const { return model_.llm().device(); }

std::vector<std::pair<std::string, torch::Tensor>> ModelUnderTraining::trainable_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& item : model_.adapter()->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

int64_t ModelUnderTraining::trainable_parameter_count() const { return model_.adapter()->trainable_parameter_count(); }

DepLossTerms ModelUnderTraining::loss(const DepBatch& batch, double ce_denominator, double sae_scale) {
  return model_.loss(batch.to(device()), ce_denominator, sae_scale);
}

NamedTensors ModelUnderTraining::weights() const { return adapter_tensors(*model_.adapter()); }

std::map<std::string, std::string> ModelUnderTraining::weights_metadata() const {
  return {{"format", "pt"}, {"dep.adapter", config_to_json(model_.adapter()->config()).dump()}};
}

void ModelUnderTraining::load_weights(const std::string& path) { load_adapter_weights(path, *model_.adapter()); }

}  // namespace dep
