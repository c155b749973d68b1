// Next-token choice with Hugging Face's logits-processor order (docs/reference-behaviour.md §E.1): repetition penalty →
// temperature → top-k → top-p → softmax → multinomial, or argmax of the penalised scores (greedy).
// One row at a time (choose_next_token) or a whole decode batch with reused buffers (TokenSampler).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dep {

struct SamplingParams {
  bool do_sample = false;           // false: greedy (argmax after the repetition penalty)
  double temperature = 1.0;         // > 0; applied when ≠ 1 and sampling
  int64_t top_k = 0;                // 0 = off
  double top_p = 1.0;               // 1 = off
  double repetition_penalty = 1.0;  // 1 = off; over prompt + generated ids
  uint64_t seed = 0;                // per request: the draws do not depend on the batch

  // Throws dep::Error naming `where` for values HF would reject.
  void validate(const std::string& where) const;
};

// HF RepetitionPenaltyLogitsProcessor on one row: scores [V] fp32 (modified in place); `history`
// holds the ids seen so far (prompt + generated; duplicates are fine).
void apply_repetition_penalty(torch::Tensor& scores, const torch::Tensor& history, double penalty);

// How top-p finds its cut. Both give the same kept set (tests check it): kFullSort sorts every
// finite score; kAuto sorts only the scores near the cut and proves the cut with a rounding-error
// bound, falling back to the full sort when the bound cannot decide.
enum class TopPMethod { kAuto, kFullSort };

// HF TopPLogitsWarper on one row, min_tokens_to_keep = 1: with the entries in ascending score order
// (equal scores by ascending index) and probs = softmax(scores) (computed in index order), entry j is
// removed (set to -inf) when float(Σ_{i ≤ j} probs_i, summed in double) ≤ float(1 − top_p); the highest
// entry always stays. scores [V] fp32 contiguous CPU, modified in place; no-op when top_p ≥ 1.
// Returns true when the partial sort decided the cut (false: full sort, or nothing to do).
bool apply_top_p(torch::Tensor& scores, double top_p, TopPMethod method = TopPMethod::kAuto);

// The warpers on one row, in HF order (temperature, top-k, top-p with min_tokens_to_keep = 1);
// filtered entries become -inf. scores [V] fp32 contiguous CPU, modified in place.
void apply_sampling_warpers(torch::Tensor& scores, const SamplingParams& params);

// Chooses the next id from one row of last-position logits [V] (any float dtype, any device; the
// row is copied to fp32). Sampling draws from `generator` (a CPU generator) exactly as
// torch::multinomial(softmax(scores), 1) does: one Exp(1) draw per vocabulary entry, argmax of p / q.
int64_t choose_next_token(const torch::Tensor& logits, const torch::Tensor& history, const SamplingParams& params,
                          torch::Generator& generator);

// What one row of a batch needs to choose its token.
struct SamplerRow {
  const SamplingParams* params = nullptr;
  torch::Tensor history;                  // I64 CPU ids seen so far (may be undefined without a penalty)
  torch::Generator* generator = nullptr;  // CPU generator (sampling rows only)
};

// Chooses one token per row of a decode batch: one device copy for the batch, rows (fp32 conversion
// included) processed in parallel (one chunk of rows per torch thread) into buffers kept across calls. Each row's token
// equals choose_next_token on that row alone (its own params, history and generator), whatever the
// batch. The Exp(1) draws of the next step (V per sampling row, the costly part of a draw) can be
// taken ahead of time on a background thread, overlapping the model's forward pass.
class TokenSampler {
 public:
  TokenSampler(int64_t max_rows, int64_t vocab);
  ~TokenSampler();
  TokenSampler(const TokenSampler&) = delete;
  TokenSampler& operator=(const TokenSampler&) = delete;

  // Starts taking, in the background, the draws the next choose() needs for these rows' generators
  // (sampling rows only). Advances those generators exactly as that choose() would; the next
  // choose() must include every one of them (in any row order).
  void prefetch_noise(const std::vector<SamplerRow>& rows);
  // logits [B, V] (B ≤ max_rows; any float dtype, any device) → tokens[0..B-1].
  void choose(const torch::Tensor& logits, const std::vector<SamplerRow>& rows, std::vector<int64_t>& tokens);

 private:
  struct Buffers;
  void wait_for_prefetch();
  int64_t max_rows_ = 0, vocab_ = 0;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace dep
