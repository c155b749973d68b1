// Adapter weight initialization shared by the DEP and PPlug adapters (see adapter_weight_init.h).
#include "dep/adapter/adapter_weight_init.h"

#include <torch/torch.h>

namespace dep {

void initialize_adapter_weights(const std::vector<torch::Tensor>& params, AdapterInit init, double init_std) {
  torch::NoGradGuard no_grad;
  for (auto p : params) {  // a handle on the same storage: the in-place draws fill the parameter
    if (p.dim() == 1) {
      p.zero_();
    } else if (init == AdapterInit::kXavier) {
      torch::nn::init::xavier_uniform_(p);
    } else {
      p.normal_(0.0, init_std);
    }
  }
}

}  // namespace dep
