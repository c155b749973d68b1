// The validation loss (see loss_validator.h).
#include "dep/train/loss_validator.h"

#include <torch/torch.h>

#include "dep/adapter/personalization_model.h"
#include "dep/train/window_sampler.h"

namespace dep {

double validation_loss(PersonalizationModel& model, const std::vector<DepSample>& samples, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  const auto device = model.llm().device();
  double sum = 0;
  int64_t tokens = 0;
  std::vector<int64_t> order = epoch_order(static_cast<int64_t>(samples.size()), 0, 0, false);
  const int64_t batches = (static_cast<int64_t>(samples.size()) + batch_size - 1) / batch_size;
  for (int64_t b = 0; b < batches; ++b) {
    auto batch = collate_samples(micro_batch(samples, order, b, batch_size), "validation").to(device);
    auto terms = model.loss(batch, 1.0, 1.0);
    sum += terms.gen_sum.item<double>();
    tokens += terms.gen_tokens;
  }
  return tokens > 0 ? sum / static_cast<double>(tokens) : 0.0;
}

std::vector<SampleLoss> sample_losses(PersonalizationModel& model, const std::vector<DepSample>& samples) {
  torch::NoGradGuard no_grad;
  const auto device = model.llm().device();
  std::vector<SampleLoss> out;
  out.reserve(samples.size());
  const std::vector<int64_t> order = epoch_order(static_cast<int64_t>(samples.size()), 0, 0, false);
  for (int64_t i = 0; i < static_cast<int64_t>(samples.size()); ++i) {
    auto batch = collate_samples(micro_batch(samples, order, i, 1), "validation").to(device);
    const auto terms = model.loss(batch, 1.0, 1.0);
    out.push_back({terms.gen_sum.item<double>(), terms.gen_tokens});
  }
  return out;
}

}  // namespace dep
