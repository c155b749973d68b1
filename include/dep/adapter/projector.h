// The projector that maps an SAE code (or a raw embedding) into the LLM's input space (paper
// §3.2.3, docs/reference-behaviour.md §6): Linear(d→H), GELU, Linear(H→H). Its children are registered as "0" and "2"
// so parameter names are the reference's `align_mlp_his.0.weight`, `align_mlp_his.2.bias`, ...
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace dep {

class ProjectorImpl : public torch::nn::Module {
 public:
  ProjectorImpl(int64_t input_dim, int64_t hidden_size);

  // x [..., input_dim] → [..., hidden_size].
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear in{nullptr};   // "0"
  torch::nn::Linear out{nullptr};  // "2" (index 1 is the parameter-free GELU)
};
TORCH_MODULE(Projector);

}  // namespace dep
