// HF-order logits processing and the draw for one sequence.
#include "dep/sampling.h"

#include <torch/torch.h>

#include <limits>

#include "dep/error.h"

namespace dep {

void SamplingParams::validate(const std::string& where) const {
  if (do_sample && !(temperature > 0.0)) fail(where, "temperature must be > 0 when sampling, got " + std::to_string(temperature));
  if (top_k < 0) fail(where, "top_k must be ≥ 0, got " + std::to_string(top_k));
  if (!(top_p >= 0.0 && top_p <= 1.0)) fail(where, "top_p must be in [0, 1], got " + std::to_string(top_p));
  if (!(repetition_penalty > 0.0)) fail(where, "repetition_penalty must be > 0, got " + std::to_string(repetition_penalty));
}

void apply_repetition_penalty(torch::Tensor& scores, const torch::Tensor& history, double penalty) {
  if (penalty == 1.0 || !history.defined() || history.numel() == 0) return;
  auto ids = history.to(scores.device());
  auto picked = scores.gather(0, ids);
  picked = torch::where(picked < 0, picked * penalty, picked / penalty);
  scores.scatter_(0, ids, picked);
}

void apply_sampling_warpers(torch::Tensor& scores, const SamplingParams& p) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (p.temperature != 1.0) scores.div_(p.temperature);
  const int64_t vocab = scores.size(0);
  torch::Tensor candidates;  // ids still finite after top-k (all when top-k is off)
  if (p.top_k > 0 && p.top_k < vocab) {
    auto kth = std::get<0>(scores.topk(p.top_k)).select(0, p.top_k - 1);
    scores.masked_fill_(scores < kth, neg_inf);  // ties at the threshold survive, as in HF
    candidates = (scores > neg_inf).nonzero().squeeze(1);
  }
  if (p.top_p < 1.0) {
    // HF sorts the whole row ascending; entries already at -inf have zero mass, so sorting only
    // the top-k survivors gives the same kept set.
    auto values = candidates.defined() ? scores.index_select(0, candidates) : scores;
    auto [sorted, order] = values.sort(/*stable=*/false, /*dim=*/0, /*descending=*/false);
    auto cumulative = sorted.softmax(0).cumsum(0);
    auto remove = cumulative <= (1.0 - p.top_p);
    remove[-1] = false;  // min_tokens_to_keep = 1: the highest always survives
    auto removed_ids = order.masked_select(remove);
    if (candidates.defined()) removed_ids = candidates.index_select(0, removed_ids);
    scores.index_fill_(0, removed_ids, neg_inf);
  }
}

int64_t choose_next_token(const torch::Tensor& logits, const torch::Tensor& history, const SamplingParams& params,
                          torch::Generator& generator) {
  torch::Tensor scores = logits.to(torch::kCPU, torch::kFloat32, /*non_blocking=*/false, /*copy=*/true);
  apply_repetition_penalty(scores, history, params.repetition_penalty);
  if (!params.do_sample) return scores.argmax().item<int64_t>();
  apply_sampling_warpers(scores, params);
  auto probs = scores.softmax(0);
  return torch::multinomial(probs, 1, /*replacement=*/false, generator).item<int64_t>();
}

}  // namespace dep
