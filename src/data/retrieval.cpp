// History retrieval orders (see retrieval.h).
#include "dep/data/retrieval.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "dep/core/error.h"
#include "dep/data/splits.h"

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

namespace {

// Length of the UTF-8 whitespace sequence at `s[i]` that Python's str.isspace() accepts, or 0.
size_t whitespace_at(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  if (c == 0xc2 && (byte(1) == 0x85 || byte(1) == 0xa0)) return 2;          // U+0085, U+00A0
  if (c == 0xe1 && byte(1) == 0x9a && byte(2) == 0x80) return 3;            // U+1680
  if (c == 0xe2 && byte(1) == 0x80 && (byte(2) <= 0x8a || byte(2) == 0xa8 || byte(2) == 0xa9 || byte(2) == 0xaf))
    return 3;                                                               // U+2000–200A, 2028, 2029, 202F
  if (c == 0xe2 && byte(1) == 0x81 && byte(2) == 0x9f) return 3;            // U+205F
  if (c == 0xe3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;            // U+3000
  return 0;
}

}  // namespace

std::vector<std::string> whitespace_split(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < text.size();) {
    const size_t w = whitespace_at(text, i);
    if (w) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
      i += w;
    } else {
      current += text[i++];
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
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
