// The validation loss (see loss_validator.h).
#include "dep/train/loss_validator.h"

#include <torch/torch.h>

#include "dep/adapter/dep_model.h"
#include "dep/decoder/qwen2.h"
#include "dep/train/window_sampler.h"

namespace dep {

double validation_loss(DepModel& model, const std::vector<DepSample>& samples, int64_t batch_size) {
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

}  // namespace dep
