// Projector MLP: Linear → exact GELU → Linear, no activation on the output (it is an embedding).
#include "dep/adapter/projector.h"

#include <torch/nn/functional/activation.h>

namespace dep {

ProjectorImpl::ProjectorImpl(int64_t input_dim, int64_t hidden_size) {
  in = register_module("0", torch::nn::Linear(input_dim, hidden_size));
  out = register_module("2", torch::nn::Linear(hidden_size, hidden_size));
}

torch::Tensor ProjectorImpl::forward(const torch::Tensor& x) {
  return out->forward(torch::gelu(in->forward(x)));
}

}  // namespace dep
