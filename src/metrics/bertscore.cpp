// bert_score's greedy_cos_idf in float32 for one pair and over batches (see bertscore.h).
#include "dep/metrics/bertscore.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dep/core/error.h"

namespace dep {

std::vector<float> bertscore_weights(const std::vector<int64_t>& ids, int64_t cls_id, int64_t sep_id) {
  std::vector<float> w(ids.size(), 1.0f);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == cls_id || ids[i] == sep_id) w[i] = 0.0f;
  }
  return w;
}

namespace {

std::vector<float> normalized_rows(const TokenEmbeddings& e, const char* side) {
  if (e.data.size() != e.tokens * e.dim) fail_internal("bertscore", std::string(side) + " embedding size mismatch");
  if (e.weights.size() != e.tokens) fail_internal("bertscore", std::string(side) + " weight count mismatch");
  std::vector<float> out(e.data);
  for (size_t t = 0; t < e.tokens; ++t) {
    float* row = out.data() + t * e.dim;
    float sq = 0;
    for (size_t k = 0; k < e.dim; ++k) sq += row[k] * row[k];
    float norm = std::sqrt(sq);
    for (size_t k = 0; k < e.dim; ++k) row[k] /= norm;
  }
  return out;
}

// Weighted sum of per-token best similarities, with the weights normalised to sum 1 first.
float weighted(const std::vector<float>& best, const std::vector<float>& weights) {
  float total = 0;
  for (float w : weights) total += w;
  float sum = 0;
  for (size_t i = 0; i < best.size(); ++i) sum += best[i] * (weights[i] / total);
  return sum;
}

}  // namespace

BertScore bertscore_greedy(const TokenEmbeddings& hyp, const TokenEmbeddings& ref, bool hyp_padded,
                           bool ref_padded) {
  if (hyp.dim != ref.dim) fail_internal("bertscore", "candidate and reference dims differ");
  const auto h = normalized_rows(hyp, "candidate");
  const auto r = normalized_rows(ref, "reference");
  const float lowest = -std::numeric_limits<float>::infinity();
  std::vector<float> best_h(hyp.tokens, ref_padded ? 0.0f : lowest);
  std::vector<float> best_r(ref.tokens, hyp_padded ? 0.0f : lowest);
  for (size_t i = 0; i < hyp.tokens; ++i) {
    for (size_t j = 0; j < ref.tokens; ++j) {
      float s = 0;
      for (size_t k = 0; k < hyp.dim; ++k) s += h[i * hyp.dim + k] * r[j * hyp.dim + k];
      best_h[i] = std::max(best_h[i], s);
      best_r[j] = std::max(best_r[j], s);
    }
  }
  BertScore out;
  out.precision = weighted(best_h, hyp.weights);
  out.recall = weighted(best_r, ref.weights);
  out.f1 = 2 * out.precision * out.recall / (out.precision + out.recall);
  if (hyp.tokens == 2 || ref.tokens == 2) {
    out.precision = 0;
    out.recall = 0;
  }
  if (std::isnan(out.f1)) out.f1 = 0;
  return out;
}

std::vector<BertScore> bertscore_batched(const std::vector<TokenEmbeddings>& hyps,
                                         const std::vector<TokenEmbeddings>& refs, size_t batch_size) {
  if (hyps.size() != refs.size()) fail("bertscore", "candidate and reference counts differ");
  if (batch_size == 0) fail("bertscore", "batch size must be positive");
  std::vector<BertScore> out;
  out.reserve(hyps.size());
  for (size_t start = 0; start < hyps.size(); start += batch_size) {
    size_t end = std::min(hyps.size(), start + batch_size);
    size_t longest_hyp = 0, longest_ref = 0;
    for (size_t i = start; i < end; ++i) {
      longest_hyp = std::max(longest_hyp, hyps[i].tokens);
      longest_ref = std::max(longest_ref, refs[i].tokens);
    }
    for (size_t i = start; i < end; ++i) {
      out.push_back(bertscore_greedy(hyps[i], refs[i], hyps[i].tokens < longest_hyp, refs[i].tokens < longest_ref));
    }
  }
  return out;
}

}  // namespace dep
