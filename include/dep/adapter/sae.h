// The sparse autoencoder DEP puts in front of the projectors (paper §3.2.2, docs/reference-behaviour.md §5): one
// encoder Linear(d→d')+GELU and one decoder Linear(d'→d)+GELU, shared by the his and diff streams.
// Module names match the reference checkpoint (`encoder.0.weight`, `decoder.0.bias`, ...).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace dep {

struct SaeOutput {
  torch::Tensor code;            // z = GELU(W_e x + b_e): what the projectors read
  torch::Tensor reconstruction;  // x̂ = GELU(W_d z + b_d): GELU-activated, as the reference
};

class SparseAutoencoderImpl : public torch::nn::Module {
 public:
  SparseAutoencoderImpl(int64_t input_dim, int64_t latent_dim);

  // x [..., input_dim] → code [..., latent_dim], reconstruction [..., input_dim].
  SaeOutput forward(const torch::Tensor& x);
  torch::Tensor encode(const torch::Tensor& x);

  int64_t input_dim() const { return input_dim_; }
  int64_t latent_dim() const { return latent_dim_; }

  torch::nn::Sequential encoder{nullptr};
  torch::nn::Sequential decoder{nullptr};

 private:
  int64_t input_dim_;
  int64_t latent_dim_;
};
TORCH_MODULE(SparseAutoencoder);

}  // namespace dep
