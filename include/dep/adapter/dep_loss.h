// DEP's training objective (paper eq. 8, docs/reference-behaviour.md §5 and §9): next-token cross-entropy over the
// review tokens, smooth-L1 reconstruction of the embeddings, KL sparsity of the SAE code, and the
// weighted total gen + λ·(recon + γ·sparse).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "dep/adapter/adapter_config.h"

namespace dep {

// One sample's labelled rows when they form a single run: rows first..first+count-1 of sample b.
struct LabelSpan {
  int64_t sample = 0, first = 0, count = 0;
};

// Which hidden rows predict a label: logits at position t predict labels[t+1] (HF's shift), so
// row b·T + t is used when labels[b, t+1] != -100.
struct NextTokenTargets {
  torch::Tensor rows;     // [N] I64 flat indices into [B·T]
  torch::Tensor targets;  // [N] I64 token ids
  // The same rows as one run per sample (DEP labels the review, a contiguous suffix of each
  // sample: docs/reference-behaviour.md §5), in `rows` order; empty when some sample's rows are not one run.
  std::vector<LabelSpan> spans;
  int64_t count() const { return rows.defined() ? rows.size(0) : 0; }
};
NextTokenTargets next_token_targets(const torch::Tensor& labels);

// hidden [B,T,H] → the rows of `targets` [N,H], in its order. With spans these are slices whose
// backward copies the gradient into place (index_select's backward is a scatter-add, ~130 ms per
// 0.5B step in bf16 on the CPU); the values and gradients are the same either way.
torch::Tensor label_rows(const torch::Tensor& hidden, const NextTokenTargets& targets);

// Σ cross-entropy of `logits` [N,V] (upcast to fp32) against `targets` [N].
torch::Tensor cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& targets);

// smooth_l1(x̂, x), mean over every element (torch's F.smooth_l1_loss, beta as given).
torch::Tensor reconstruction_loss(const torch::Tensor& reconstruction, const torch::Tensor& input, double beta);

// KL(ρ ‖ ρ̂) averaged over batch and units, ρ̂ = mean of `code` [B,R,d'] over its R rows, clamped
// to [clamp, 1 − clamp] (values at the clamp get no gradient, as torch.clamp).
torch::Tensor sparsity_loss(const torch::Tensor& code, double rho, double clamp);

// The loss terms of one forward. `gen` is the cross-entropy sum divided by the token count the
// caller chose (the batch's own count, or the whole accumulation window's); `sae_term` is
// λ·(recon + γ·sparse) times the caller's scale; `total` = gen + sae_term is what backward uses.
struct DepLossTerms {
  torch::Tensor gen_sum;    // Σ CE over the batch's label tokens (fp32 scalar)
  int64_t gen_tokens = 0;   // label tokens in the batch
  torch::Tensor gen;
  torch::Tensor recon;      // undefined for the `none` variant
  torch::Tensor sparse;     // undefined unless the variant is `sae`
  torch::Tensor sae_term;   // zero when there is no autoencoder
  torch::Tensor total;
};

// Combines the terms: gen = gen_sum / gen_denominator, sae_term = sae_scale · λ·(recon + γ·sparse).
void combine_losses(DepLossTerms& terms, const LossConfig& config, double gen_denominator, double sae_scale);

}  // namespace dep
