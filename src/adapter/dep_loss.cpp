// The loss terms, computed in fp32 whatever dtype the frozen LLM runs in.
#include "dep/adapter/dep_loss.h"

#include <torch/torch.h>

#include "dep/core/error.h"

namespace dep {

NextTokenTargets next_token_targets(const torch::Tensor& labels) {
  if (labels.dim() != 2) fail_internal("next_token_targets", "labels must be [B,T]");
  const int64_t batch = labels.size(0), length = labels.size(1);
  NextTokenTargets out;
  if (length < 2) {
    out.rows = torch::empty({0}, labels.options().dtype(torch::kLong));
    out.targets = out.rows;
    return out;
  }
  // shifted[b, t] = labels[b, t+1]; the last position predicts nothing.
  auto shifted = labels.narrow(1, 1, length - 1);
  auto used = shifted.ne(-100);
  auto where = used.nonzero();  // [N,2] (b, t), row-major order
  out.rows = where.select(1, 0) * length + where.select(1, 1);
  out.targets = shifted.masked_select(used);
  (void)batch;
  return out;
}

torch::Tensor cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& targets) {
  if (targets.numel() == 0) return torch::zeros({}, logits.options().dtype(torch::kFloat32));
  return torch::nn::functional::cross_entropy(
      logits.to(torch::kFloat32), targets,
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

torch::Tensor reconstruction_loss(const torch::Tensor& reconstruction, const torch::Tensor& input, double beta) {
  return torch::nn::functional::smooth_l1_loss(
      reconstruction.to(torch::kFloat32), input.to(torch::kFloat32),
      torch::nn::functional::SmoothL1LossFuncOptions().reduction(torch::kMean).beta(beta));
}

torch::Tensor sparsity_loss(const torch::Tensor& code, double rho, double clamp) {
  if (code.dim() != 3) fail_internal("sparsity_loss", "code must be [B,R,d']");
  auto rho_hat = code.to(torch::kFloat32).mean(1).clamp(clamp, 1.0 - clamp);
  auto kl = rho * torch::log(rho / rho_hat) + (1.0 - rho) * torch::log((1.0 - rho) / (1.0 - rho_hat));
  return kl.mean();
}

void combine_losses(DepLossTerms& terms, const LossConfig& config, double gen_denominator, double sae_scale) {
  if (gen_denominator <= 0) gen_denominator = static_cast<double>(std::max<int64_t>(terms.gen_tokens, 1));
  terms.gen = terms.gen_sum / gen_denominator;
  torch::Tensor inner;
  if (terms.recon.defined()) inner = terms.recon;
  if (terms.sparse.defined()) inner = inner.defined() ? inner + config.gamma * terms.sparse : config.gamma * terms.sparse;
  terms.sae_term = inner.defined() ? (sae_scale * config.lambda) * inner : torch::zeros_like(terms.gen);
  terms.total = terms.gen + terms.sae_term;
}

}  // namespace dep
