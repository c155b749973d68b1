// DPL's selection for one sample (docs/methods-dpl.md, docs/reference-behaviour.md §12): maps from
// the current split only (per category: user → profile, asin → users), the BM25 top-K history
// over "{review title} {item description}", the difference profile (profile items with at least
// `min_other_reviewers` other reviewers in the split) and its own BM25 top-K, and per chosen
// difference item at most `peers` representative other reviewers by k-means over the review
// embeddings of [own review] + [other reviews] (peers + 1 clusters; from each non-empty cluster
// other than the user's own, the member nearest the centre).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dep/data/data_config.h"
#include "dep/data/dataset.h"
#include "dep/data/kmeans.h"
#include "dep/data/review_embeddings.h"
#include "dep/data/splits.h"

namespace dep {

struct DepData;

// DPL's user_profile_map and asin_reviewers_map, per category, over the rows of one split.
class DplSplitIndex {
 public:
  explicit DplSplitIndex(const std::vector<SplitRow>& rows);

  // The user's row in this split and category, or nullptr.
  const UserRow* user(const std::string& category, const std::string& user_id) const;
  // Users of the split and category whose profile has `asin`, sorted (Python's sorted(set)).
  const std::vector<std::string>& reviewers(const std::string& category, const std::string& asin) const;

 private:
  std::unordered_map<std::string, const UserRow*> users_;                 // "category\tuser"
  std::unordered_map<std::string, std::vector<std::string>> reviewers_;  // "category\tasin"
};

struct DplSelection {
  std::vector<std::string> history_asins;  // BM25 top-K of the profile, relevance order
  std::vector<std::string> diff_asins;     // BM25 top-K of the difference profile, relevance order
  std::vector<std::vector<std::string>> diff_reviewers;  // per diff item: its other reviewers, sorted
  std::vector<std::vector<std::string>> dpl_peers;       // per diff item: the chosen peers' user ids
                                                         // (empty lists when no embeddings were given)
  // Resolved for the prompt builders (dpl_prompt.h).
  std::vector<Review> history;                  // the history_asins' reviews
  std::vector<Review> diff;                     // the user's own reviews of the diff items
  std::vector<std::vector<Review>> peer_reviews;  // per diff item: the chosen peers' reviews, in dpl_peers order
};

// The sample's DPL selection. `embeddings` (layout of ReviewEmbeddings: "<category>/<user>/<row>")
// may be null: then no peers are chosen (dpl_peers and peer_reviews hold empty lists).
// `test_rows` gives each reviewer's embedding layout (DepData::test_row); samples of other splits
// find their reviews there by asin.
struct DplInputs {
  const DplSplitIndex* index = nullptr;
  const MetaTable* meta = nullptr;
  const DepData* data = nullptr;             // for test_row(); required with embeddings
  const ReviewEmbeddings* embeddings = nullptr;
};
// K is DPL's num_retrieved (the configured history.k).
DplSelection select_dpl(const DplInputs& inputs, const SplitRow& sample, int64_t k, const DplConfig& config);

// The representatives among `candidates` (rows 1..n of `points`; row 0 is the user's own review)
// by k-means with peers + 1 clusters: indices into candidates, one per non-empty cluster other
// than row 0's, in cluster order, each the member nearest its cluster's centre (first on ties).
std::vector<int64_t> dpl_representatives(const std::vector<float>& points, int64_t rows, int64_t dim,
                                         int64_t peers, const KMeansOptions& options);

}  // namespace dep
