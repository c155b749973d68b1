// History retrieval: the order in which a user's past reviews are offered to the prompt (and to the
// slot scan). DEP uses recency (newest first); random, BM25 (as DPL: rank_bm25's BM25Okapi over
// "{review title} {item description}") and dense similarity are the paper's Table 8 ablation.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dep/data/dataset.h"

namespace dep {

enum class RetrievalMethod { kRecency, kRandom, kBm25, kDense };
RetrievalMethod parse_retrieval(const std::string& name);

// Profile indices newest first; ties keep their file order (Python's stable sorted(reverse=True)).
std::vector<int64_t> recency_order(const std::vector<Review>& profile);

// A seeded shuffle of 0..n-1.
std::vector<int64_t> random_order(size_t n, uint64_t seed);

// rank_bm25's BM25Okapi with its defaults (k1 = 1.5, b = 0.75, epsilon = 0.25): idf =
// ln(N − n + 0.5) − ln(n + 0.5), negative idfs replaced by epsilon · mean idf.
class Bm25Okapi {
 public:
  explicit Bm25Okapi(const std::vector<std::vector<std::string>>& corpus, double k1 = 1.5, double b = 0.75,
                     double epsilon = 0.25);
  std::vector<double> scores(const std::vector<std::string>& query) const;
  double idf(const std::string& term) const;

 private:
  double k1_, b_, avgdl_ = 0.0;
  std::vector<std::unordered_map<std::string, int>> doc_freqs_;
  std::vector<double> doc_len_;
  std::unordered_map<std::string, double> idf_;
};

// Indices by descending score; equal scores put the later index first (rank_bm25's get_top_n
// reverses numpy's argsort, which is stable for the small profile sizes that matter).
std::vector<int64_t> order_by_score(const std::vector<double>& scores);

// DPL's BM25 history: corpus "{review title} {item description}" per profile review, query
// "{target title} {target item description}".
std::vector<int64_t> bm25_order(const std::vector<Review>& profile, const Review& target, const MetaTable& meta);

// Dense: cosine similarity of each candidate row ([n, dim]) to the query vector.
std::vector<int64_t> dense_order(const float* query, const float* rows, int64_t n, int64_t dim);

}  // namespace dep
