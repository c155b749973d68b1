// Next-token choice with Hugging Face's logits-processor order (models.md §E.1): repetition penalty →
// temperature → top-k → top-p → softmax → multinomial, or argmax of the penalised scores (greedy).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

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

// The warpers on one row, in HF order (temperature, top-k, top-p with min_tokens_to_keep = 1);
// filtered entries become -inf. scores [V] fp32, modified in place.
void apply_sampling_warpers(torch::Tensor& scores, const SamplingParams& params);

// Chooses the next id from one row of last-position logits [V] (any float dtype, any device; the
// row is copied to fp32). Sampling draws from `generator` (a CPU generator).
int64_t choose_next_token(const torch::Tensor& logits, const torch::Tensor& history, const SamplingParams& params,
                          torch::Generator& generator);

}  // namespace dep
