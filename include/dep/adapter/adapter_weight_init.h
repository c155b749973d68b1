// The one weight initialization of every adapter's trainable layers (adapter.init, adapter.init_std).
#pragma once

#include <torch/types.h>

#include <vector>

#include "dep/adapter/adapter_config.h"

namespace dep {

// In place, in the order given (the draws follow the global torch generator, so the order is part of
// the result): biases (1-D) zero; matrices Xavier-uniform, or N(0, init_std) with AdapterInit::kNormal.
void initialize_adapter_weights(const std::vector<torch::Tensor>& params, AdapterInit init, double init_std);

}  // namespace dep
