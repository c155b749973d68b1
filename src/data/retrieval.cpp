// History retrieval orders (see retrieval.h).
#include "dep/data/retrieval.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "dep/core/error.h"
#include "dep/data/splits.h"
#include "dep/text/python_whitespace.h"

namespace dep {

RetrievalMethod parse_retrieval(const std::string& name) {
  if (name == "recency") return RetrievalMethod::kRecency;
  if (name == "random") return RetrievalMethod::kRandom;
  if (name == "bm25") return RetrievalMethod::kBm25;
  if (name == "dense") return RetrievalMethod::kDense;
  fail("history.retrieval", "unknown retrieval '" + name + "'");
}

std::vector<int64_t> recency_order(const std::vector<Review>& profile) {
  std::vector<int64_t> order(profile.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return profile[a].timestamp > profile[b].timestamp; });
  return order;
}

std::vector<int64_t> random_order(size_t n, uint64_t seed) {
  const auto perm = seeded_permutation(n, seed);
  return std::vector<int64_t>(perm.begin(), perm.end());
}

Bm25Okapi::Bm25Okapi(const std::vector<std::vector<std::string>>& corpus, double k1, double b, double epsilon)
    : k1_(k1), b_(b) {
  std::unordered_map<std::string, int> doc_count;
  double total = 0.0;
  for (const auto& doc : corpus) {
    std::unordered_map<std::string, int> freqs;
    for (const auto& w : doc) ++freqs[w];
    for (const auto& kv : freqs) ++doc_count[kv.first];
    doc_len_.push_back(static_cast<double>(doc.size()));
    total += static_cast<double>(doc.size());
    doc_freqs_.push_back(std::move(freqs));
  }
  const double n = static_cast<double>(corpus.size());
  avgdl_ = corpus.empty() ? 0.0 : total / n;
  double idf_sum = 0.0;
  std::vector<std::string> negative;
  for (const auto& kv : doc_count) {
    const double v = std::log(n - kv.second + 0.5) - std::log(kv.second + 0.5);
    idf_[kv.first] = v;
    idf_sum += v;
    if (v < 0) negative.push_back(kv.first);
  }
  const double eps = idf_.empty() ? 0.0 : epsilon * idf_sum / static_cast<double>(idf_.size());
  for (const auto& w : negative) idf_[w] = eps;
}

double Bm25Okapi::idf(const std::string& term) const {
  auto it = idf_.find(term);
  return it == idf_.end() ? 0.0 : it->second;
}

std::vector<double> Bm25Okapi::scores(const std::vector<std::string>& query) const {
  std::vector<double> out(doc_freqs_.size(), 0.0);
  for (const auto& q : query) {
    const double w = idf(q);
    for (size_t d = 0; d < doc_freqs_.size(); ++d) {
      auto it = doc_freqs_[d].find(q);
      const double f = it == doc_freqs_[d].end() ? 0.0 : it->second;
      out[d] += w * (f * (k1_ + 1) / (f + k1_ * (1 - b_ + b_ * doc_len_[d] / avgdl_)));
    }
  }
  return out;
}

std::vector<int64_t> order_by_score(const std::vector<double>& scores) {
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    if (scores[a] != scores[b]) return scores[a] > scores[b];
    return a > b;
  });
  return order;
}

std::vector<int64_t> bm25_order(const std::vector<Review>& profile, const Review& target, const MetaTable& meta) {
  auto description = [&](const std::string& asin) -> const std::string& {
    auto it = meta.find(asin);
    if (it == meta.end()) fail("bm25", "no meta for asin " + asin);
    return it->second.description;
  };
  std::vector<std::vector<std::string>> corpus;
  corpus.reserve(profile.size());
  for (const auto& r : profile) corpus.push_back(whitespace_split(r.title + " " + description(r.asin)));
  Bm25Okapi bm25(corpus);
  return order_by_score(bm25.scores(whitespace_split(target.title + " " + description(target.asin))));
}

std::vector<int64_t> dense_order(const float* query, const float* rows, int64_t n, int64_t dim) {
  std::vector<double> scores(static_cast<size_t>(n));
  double qn = 0.0;
  for (int64_t d = 0; d < dim; ++d) qn += double(query[d]) * query[d];
  for (int64_t i = 0; i < n; ++i) {
    double dot = 0.0, rn = 0.0;
    for (int64_t d = 0; d < dim; ++d) {
      dot += double(query[d]) * rows[i * dim + d];
      rn += double(rows[i * dim + d]) * rows[i * dim + d];
    }
    scores[static_cast<size_t>(i)] = (qn > 0 && rn > 0) ? dot / std::sqrt(qn * rn) : 0.0;
  }
  return order_by_score(scores);
}

}  // namespace dep
