// DPL's selection (see dpl_selection.h): SnowCharmQ/DPL utils/preprocess.py create_data and
// utils/utils.py get_selected_profile / get_others_by_kmeans, as docs/methods-dpl.md describes.
#include "dep/data/dpl_selection.h"

#include <algorithm>
#include <cmath>

#include "dep/core/error.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/retrieval.h"

namespace dep {

namespace {

std::string key(const std::string& a, const std::string& b) { return a + "\t" + b; }

// rank_bm25's get_top_n(query, entries, n) over "{review title} {item description}".
std::vector<const Review*> bm25_top(const std::vector<const Review*>& entries, const Review& target,
                                    const MetaTable& meta, int64_t k) {
  std::vector<Review> profile;
  profile.reserve(entries.size());
  for (const auto* r : entries) profile.push_back(*r);
  const auto order = bm25_order(profile, target, meta);
  std::vector<const Review*> top;
  for (size_t i = 0; i < order.size() && static_cast<int64_t>(i) < k; ++i) top.push_back(entries[order[i]]);
  return top;
}

// The row of `asin`'s review in the user's embedding layout (their test profile oldest first).
int64_t embedding_row(const DepData& data, const std::string& category, const std::string& user_id,
                      const std::string& asin) {
  const UserRow* test = data.test_row(category, user_id);
  if (test == nullptr) fail("dpl", "no test row for user " + user_id + " in " + category + " (embedding layout)");
  const auto reviews = reviews_oldest_first(*test);
  for (size_t i = 0; i < reviews.size(); ++i)
    if (reviews[i]->asin == asin) return static_cast<int64_t>(i);
  fail("dpl", "user " + user_id + " (" + category + ") has no review of " + asin + " in the test split");
}

}  // namespace

DplSplitIndex::DplSplitIndex(const std::vector<SplitRow>& rows) {
  for (const auto& r : rows) {
    users_[key(r.category, r.row.user_id)] = &r.row;
    for (const auto& p : r.row.profile) reviewers_[key(r.category, p.asin)].push_back(r.row.user_id);
  }
  for (auto& kv : reviewers_) {
    std::sort(kv.second.begin(), kv.second.end());
    kv.second.erase(std::unique(kv.second.begin(), kv.second.end()), kv.second.end());
  }
}

const UserRow* DplSplitIndex::user(const std::string& category, const std::string& user_id) const {
  auto it = users_.find(key(category, user_id));
  return it == users_.end() ? nullptr : it->second;
}

const std::vector<std::string>& DplSplitIndex::reviewers(const std::string& category, const std::string& asin) const {
  static const std::vector<std::string> kNone;
  auto it = reviewers_.find(key(category, asin));
  return it == reviewers_.end() ? kNone : it->second;
}

std::vector<int64_t> dpl_representatives(const std::vector<float>& points, int64_t rows, int64_t dim, int64_t peers,
                                         const KMeansOptions& options) {
  KMeansOptions o = options;
  o.clusters = peers + 1;
  const auto fit = kmeans(points.data(), rows, dim, o);
  const int32_t own = fit.labels[0];

  // The distances to the centres as scikit-learn's float32 run produces them for DPL's float32
  // embeddings (a two-member cluster is a tie that only rounding breaks): the centred points
  // (X - mean, float32), each centre the float32 sum of its members times 1/count plus the mean,
  // then |x - centre| with float32 arithmetic.
  std::vector<float> mean(static_cast<size_t>(dim), 0.0f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t d = 0; d < dim; ++d) mean[d] += points[i * dim + d];
  for (auto& m : mean) m /= static_cast<float>(rows);
  std::vector<float> centers(static_cast<size_t>(o.clusters * dim), 0.0f);
  std::vector<float> count(static_cast<size_t>(o.clusters), 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    count[fit.labels[i]] += 1.0f;
    for (int64_t d = 0; d < dim; ++d) centers[fit.labels[i] * dim + d] += points[i * dim + d] - mean[d];
  }
  for (int64_t c = 0; c < o.clusters; ++c) {
    if (count[c] == 0.0f) continue;
    const float alpha = 1.0f / count[c];
    for (int64_t d = 0; d < dim; ++d) centers[c * dim + d] = centers[c * dim + d] * alpha + mean[d];
  }

  std::vector<int64_t> chosen;
  for (int32_t cluster = 0; cluster < o.clusters; ++cluster) {
    if (cluster == own) continue;
    int64_t best = -1;
    float best_distance = 0.0f;
    for (int64_t i = 1; i < rows; ++i) {
      if (fit.labels[i] != cluster) continue;
      float sum = 0.0f;
      for (int64_t d = 0; d < dim; ++d) {
        const float v = points[i * dim + d] - centers[cluster * dim + d];
        sum += v * v;
      }
      const float distance = std::sqrt(sum);
      if (best < 0 || distance < best_distance) {  // np.argmin: the first minimum
        best = i - 1;
        best_distance = distance;
      }
    }
    if (best >= 0) chosen.push_back(best);
  }
  return chosen;
}

DplSelection select_dpl(const DplInputs& inputs, const SplitRow& sample, int64_t k, const DplConfig& config) {
  if (inputs.index == nullptr || inputs.meta == nullptr) fail("dpl", "select_dpl needs the split index and meta");
  if (inputs.embeddings != nullptr && inputs.data == nullptr)
    fail("dpl", "select_dpl needs the loaded data (embedding layout) with embeddings");
  const auto& category = sample.category;
  const auto& user = sample.row.user_id;
  const auto& profile = sample.row.profile;
  DplSelection out;

  std::vector<const Review*> all, diff_profile;
  for (const auto& p : profile) {
    all.push_back(&p);
    const auto& reviewers = inputs.index->reviewers(category, p.asin);
    const auto others = static_cast<int64_t>(reviewers.size()) -
                        (std::binary_search(reviewers.begin(), reviewers.end(), user) ? 1 : 0);
    if (others >= config.min_other_reviewers) diff_profile.push_back(&p);
  }
  for (const auto* r : bm25_top(all, sample.row.data, *inputs.meta, k)) {
    out.history_asins.push_back(r->asin);
    out.history.push_back(*r);
  }

  KMeansOptions kmeans_options;
  kmeans_options.seed = static_cast<uint64_t>(config.kmeans_seed);
  kmeans_options.seeding = config.kmeans == "plain" ? KMeansSeeding::kPlain : KMeansSeeding::kSklearn;
  for (const auto* item : bm25_top(diff_profile, sample.row.data, *inputs.meta, k)) {
    out.diff_asins.push_back(item->asin);
    out.diff.push_back(*item);
    std::vector<std::string> others;
    std::vector<const Review*> other_reviews;
    for (const auto& reviewer : inputs.index->reviewers(category, item->asin)) {
      if (reviewer == user) continue;
      const UserRow* row = inputs.index->user(category, reviewer);
      for (const auto& pp : row->profile)
        if (pp.asin == item->asin) {  // the reviewer's first review of the item, as DPL's loop breaks
          other_reviews.push_back(&pp);
          break;
        }
      others.push_back(reviewer);
    }
    out.diff_reviewers.push_back(others);
    out.dpl_peers.emplace_back();
    out.peer_reviews.emplace_back();
    if (inputs.embeddings == nullptr) continue;

    // Points: the user's own review of the item, then each other reviewer's, as DPL embeds them.
    const int64_t rows = static_cast<int64_t>(others.size()) + 1;
    if (rows < config.peers + 1)
      fail("dpl.peers", std::to_string(config.peers + 1) + " clusters need at least as many reviews; item " +
                            item->asin + " has " + std::to_string(rows) + " (raise dpl.min_other_reviewers)");
    const int64_t dim = inputs.embeddings->dim();
    std::vector<float> points(static_cast<size_t>(rows * dim));
    auto copy_row = [&](int64_t slot, const std::string& reviewer) {
      int64_t available = 0;
      const float* base = inputs.embeddings->user_rows(category, reviewer, &available);
      const int64_t r = embedding_row(*inputs.data, category, reviewer, item->asin);
      if (r >= available)
        fail("dpl", "embeddings of " + category + "/" + reviewer + " have " + std::to_string(available) +
                        " rows; review of " + item->asin + " is row " + std::to_string(r));
      std::copy(base + r * dim, base + (r + 1) * dim, points.begin() + slot * dim);
    };
    copy_row(0, user);
    for (size_t i = 0; i < others.size(); ++i) copy_row(static_cast<int64_t>(i) + 1, others[i]);
    for (const int64_t chosen : dpl_representatives(points, rows, dim, config.peers, kmeans_options)) {
      out.dpl_peers.back().push_back(others[chosen]);
      out.peer_reviews.back().push_back(*other_reviews[chosen]);
    }
  }
  return out;
}

}  // namespace dep
