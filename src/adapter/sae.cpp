// Sparse autoencoder: exact (erf) GELU after both linear layers, as nn.GELU() in the reference.
#include "dep/adapter/sae.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

namespace dep {

SparseAutoencoderImpl::SparseAutoencoderImpl(int64_t input_dim, int64_t latent_dim)
    : input_dim_(input_dim), latent_dim_(latent_dim) {
  encoder = register_module(
      "encoder", torch::nn::Sequential(torch::nn::Linear(input_dim, latent_dim), torch::nn::GELU()));
  decoder = register_module(
      "decoder", torch::nn::Sequential(torch::nn::Linear(latent_dim, input_dim), torch::nn::GELU()));
}

torch::Tensor SparseAutoencoderImpl::encode(const torch::Tensor& x) { return encoder->forward(x); }

SaeOutput SparseAutoencoderImpl::forward(const torch::Tensor& x) {
  SaeOutput out;
  out.code = encoder->forward(x);
  out.reconstruction = decoder->forward(out.code);
  return out;
}

}  // namespace dep
