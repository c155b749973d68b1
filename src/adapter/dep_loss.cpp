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
  // The runs, read on the host (the nonzero above already waited for the labels).
  const auto host = used.to(torch::kCPU).contiguous();
  const bool* u = host.data_ptr<bool>();
  const int64_t shifted_length = length - 1;
  for (int64_t b = 0; b < batch; ++b) {
    const bool* row = u + b * shifted_length;
    int64_t first = 0;
    while (first < shifted_length && !row[first]) ++first;
    if (first == shifted_length) continue;  // nothing labelled in this sample
    int64_t end = first;
    while (end < shifted_length && row[end]) ++end;
    for (int64_t t = end; t < shifted_length; ++t) {
      if (row[t]) {  // a second run: fall back to the row indices
        out.spans.clear();
        return out;
      }
    }
    out.spans.push_back({b, first, end - first});
  }
  return out;
}

namespace {

// Concatenated row slices of hidden [B,T,H]; backward writes each slice's gradient into one
// zero-filled [B,T,H] tensor (what index_select's scatter-add computes when rows are distinct).
struct SpanRows : public torch::autograd::Function<SpanRows> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& hidden,
                               const std::vector<int64_t>& flat_spans) {
    ctx->saved_data["spans"] = flat_spans;
    ctx->saved_data["sizes"] = hidden.sizes().vec();
    std::vector<torch::Tensor> pieces;
    for (size_t i = 0; i < flat_spans.size(); i += 3) {
      pieces.push_back(hidden.select(0, flat_spans[i]).narrow(0, flat_spans[i + 1], flat_spans[i + 2]));
    }
    return torch::cat(pieces, 0);  // a new tensor even for one piece (never a view of the input)
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto spans = ctx->saved_data["spans"].toIntVector();
    const auto sizes = ctx->saved_data["sizes"].toIntVector();
    const auto& grad = grad_outputs[0];
    auto grad_hidden = torch::zeros(sizes, grad.options());
    int64_t offset = 0;
    for (size_t i = 0; i < spans.size(); i += 3) {
      grad_hidden.select(0, spans[i]).narrow(0, spans[i + 1], spans[i + 2]).copy_(grad.narrow(0, offset, spans[i + 2]));
      offset += spans[i + 2];
    }
    return {grad_hidden, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor label_rows(const torch::Tensor& hidden, const NextTokenTargets& targets) {
  if (hidden.dim() != 3) fail_internal("label_rows", "hidden must be [B,T,H]");
  if (targets.spans.empty()) return hidden.reshape({-1, hidden.size(-1)}).index_select(0, targets.rows);
  std::vector<int64_t> flat;
  for (const auto& s : targets.spans) flat.insert(flat.end(), {s.sample, s.first, s.count});
  return SpanRows::apply(hidden, flat);
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
