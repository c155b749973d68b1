// The validation loss: token-mean cross-entropy of the review tokens over the val samples (lower
// is better), the trainer's default selection metric.
#pragma once

#include <cstdint>
#include <vector>

#include "dep/data/dep_sample.h"
#include "dep/train/validator.h"

namespace dep {

// Token-mean cross-entropy of the generation over `samples` in order (no gradient).
double validation_loss(PersonalizationModel& model, const std::vector<DepSample>& samples, int64_t batch_size);

// One sample's generation cross-entropy: the sum over its label tokens and their count.
struct SampleLoss {
  double sum = 0;
  int64_t tokens = 0;
};
// Each sample's loss, one sample per forward (no padding; no gradient). Σ sum / Σ tokens is
// validation_loss(model, samples, 1); the per-sample terms are what paired bootstraps resample.
std::vector<SampleLoss> sample_losses(PersonalizationModel& model, const std::vector<DepSample>& samples);

class LossValidator final : public Validator {
 public:
  // `samples` must outlive the validator.
  LossValidator(const std::vector<DepSample>& samples, int64_t batch_size) : samples_(samples), batch_size_(batch_size) {}
  std::string name() const override { return "loss"; }
  bool higher_is_better() const override { return false; }
  double evaluate(PersonalizationModel& model) override { return validation_loss(model, samples_, batch_size_); }

 private:
  const std::vector<DepSample>& samples_;
  int64_t batch_size_;
};

}  // namespace dep
