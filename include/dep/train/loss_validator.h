// The validation loss: token-mean cross-entropy of the review tokens over the val samples (lower
// is better), the trainer's default selection metric.
#pragma once

#include <cstdint>
#include <vector>

#include "dep/data/dep_sample.h"
#include "dep/train/validator.h"

namespace dep {

// Token-mean cross-entropy of the generation over `samples` in order (no gradient).
double validation_loss(DepModel& model, const std::vector<DepSample>& samples, int64_t batch_size);

class LossValidator final : public Validator {
 public:
  // `samples` must outlive the validator.
  LossValidator(const std::vector<DepSample>& samples, int64_t batch_size) : samples_(samples), batch_size_(batch_size) {}
  std::string name() const override { return "loss"; }
  bool higher_is_better() const override { return false; }
  double evaluate(DepModel& model) override { return validation_loss(model, samples_, batch_size_); }

 private:
  const std::vector<DepSample>& samples_;
  int64_t batch_size_;
};

}  // namespace dep
