// The one place where the training loop touches the model: the trainable adapter's parameters,
// the loss of a micro-batch, and the adapter's tensors in and out of checkpoints. Everything else
// in the loop (optimizer, sampler, checkpoints, reports) sees only tensors and names, so another
// model or adapter type changes this part alone.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dep/adapter/dep_batch.h"
#include "dep/adapter/dep_loss.h"
#include "dep/torch/tensor_io.h"

namespace dep {

class DepModel;

class ModelUnderTraining {
 public:
  explicit ModelUnderTraining(DepModel& model) : model_(model) {}

  DepModel& model() { return model_; }
  torch::Device device() const;

  // The trainable parameters by name, in registration order (the optimizer's order).
  std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters() const;
  int64_t trainable_parameter_count() const;

  // One forward with loss on `batch` (moved to the model's device): the cross-entropy sum over
  // `ce_denominator`, the SAE term times `sae_scale`.
  DepLossTerms loss(const DepBatch& batch, double ce_denominator, double sae_scale);

  // The adapter's weights and metadata as a checkpoint stores them, and back.
  NamedTensors weights() const;
  std::map<std::string, std::string> weights_metadata() const;
  void load_weights(const std::string& path);

 private:
  DepModel& model_;
};

}  // namespace dep
