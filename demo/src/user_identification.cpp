// Nearest-centroid writer identification from his and diff embeddings (see user_identification.h).
#include "dep/demo/user_identification.h"

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

#include "dep/core/error.h"
#include "dep/data/review_embeddings.h"

namespace dep {
namespace {

using Vector = std::vector<double>;

double squared_distance(const Vector& a, const Vector& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]);
  return d;
}

}  // namespace

UserIdentification identify_users(const DepData& test, const ReviewEmbeddings& embeddings, int64_t heldout_per_user) {
  const auto dim = static_cast<size_t>(embeddings.dim());
  UserIdentification out;
  int64_t his_hits = 0, diff_hits = 0;
  double chance = 0;
  for (const auto& category : test.categories) {
    const auto& rows = test.test_rows.at(category);
    // Each review's vector, and who reviewed each item.
    std::vector<std::vector<Vector>> his(rows.size());
    std::map<std::string, std::vector<std::pair<size_t, size_t>>> reviewers;  // asin -> (user, review)
    for (size_t u = 0; u < rows.size(); ++u) {
      int64_t stored = 0;
      const float* e = embeddings.user_rows(category, rows[u].user_id, &stored);
      const auto& profile = rows[u].profile;
      if (stored < static_cast<int64_t>(profile.size()))
        fail(category + "/" + rows[u].user_id, "has fewer stored embeddings than test profile reviews");
      for (size_t r = 0; r < profile.size(); ++r) {
        his[u].emplace_back(e + r * dim, e + (r + 1) * dim);
        reviewers[profile[r].asin].push_back({u, r});
      }
    }
    // diff = own vector minus the mean of the other reviewers' vectors of the same item.
    std::vector<std::vector<Vector>> diff(rows.size());
    for (size_t u = 0; u < rows.size(); ++u) {
      for (size_t r = 0; r < his[u].size(); ++r) {
        Vector mean(dim, 0.0);
        int64_t peers = 0;
        for (const auto& [v, q] : reviewers.at(rows[u].profile[r].asin)) {
          if (v == u) continue;
          for (size_t i = 0; i < dim; ++i) mean[i] += his[v][q][i];
          ++peers;
        }
        if (peers == 0) {
          diff[u].emplace_back();  // no peers: no diff vector
          continue;
        }
        Vector d(dim);
        for (size_t i = 0; i < dim; ++i) d[i] = his[u][r][i] - mean[i] / static_cast<double>(peers);
        diff[u].push_back(std::move(d));
      }
    }
    // Held out: each user's newest reviews with peers; centroids from the rest.
    std::vector<std::vector<size_t>> heldout(rows.size());
    std::vector<Vector> his_centroid(rows.size(), Vector(dim, 0.0)), diff_centroid(rows.size(), Vector(dim, 0.0));
    for (size_t u = 0; u < rows.size(); ++u) {
      for (size_t r = his[u].size(); r-- > 0 && static_cast<int64_t>(heldout[u].size()) < heldout_per_user;)
        if (!diff[u][r].empty()) heldout[u].push_back(r);
      int64_t his_n = 0, diff_n = 0;
      for (size_t r = 0; r < his[u].size(); ++r) {
        if (std::find(heldout[u].begin(), heldout[u].end(), r) != heldout[u].end()) continue;
        for (size_t i = 0; i < dim; ++i) his_centroid[u][i] += his[u][r][i];
        ++his_n;
        if (diff[u][r].empty()) continue;
        for (size_t i = 0; i < dim; ++i) diff_centroid[u][i] += diff[u][r][i];
        ++diff_n;
      }
      for (auto& x : his_centroid[u]) x /= std::max<int64_t>(1, his_n);
      for (auto& x : diff_centroid[u]) x /= std::max<int64_t>(1, diff_n);
    }
    auto nearest = [&](const Vector& v, const std::vector<Vector>& centroids) {
      size_t best = 0;
      double best_d = std::numeric_limits<double>::infinity();
      for (size_t c = 0; c < centroids.size(); ++c) {
        const double d = squared_distance(v, centroids[c]);
        if (d < best_d) best_d = d, best = c;
      }
      return best;
    };
    for (size_t u = 0; u < rows.size(); ++u) {
      for (size_t r : heldout[u]) {
        his_hits += nearest(his[u][r], his_centroid) == u;
        diff_hits += nearest(diff[u][r], diff_centroid) == u;
        chance += 1.0 / static_cast<double>(rows.size());
        ++out.heldout;
      }
    }
    out.users += static_cast<int64_t>(rows.size());
  }
  if (out.heldout > 0) {
    out.his_accuracy = static_cast<double>(his_hits) / static_cast<double>(out.heldout);
    out.diff_accuracy = static_cast<double>(diff_hits) / static_cast<double>(out.heldout);
    out.chance = chance / static_cast<double>(out.heldout);
  }
  return out;
}

}  // namespace dep
