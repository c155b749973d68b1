// Figure 3's uniqueness split (see uniqueness.h).
#include "dep/report/uniqueness.h"

#include <algorithm>
#include <cmath>

#include "dep/core/error.h"

namespace dep {

const char* UniquenessSplit::group_of(const std::string& user_id, const std::string& where) const {
  auto it = unique_of_.find(user_id);
  if (it == unique_of_.end())
    fail(where, "user \"" + user_id + "\" is not among the " + std::to_string(users.size()) + " users of the " +
                    category + " test split with a profile (run made from other data?)");
  return it->second ? kUnique : kNonUnique;
}

int64_t UniquenessSplit::count(bool unique) const {
  return std::count_if(users.begin(), users.end(), [&](const UserDistance& u) { return u.unique == unique; });
}

UniquenessSplit split_by_uniqueness(const std::vector<UserRow>& rows, const std::string& category,
                                    const ReviewEmbeddings& embeddings, const std::string& store_where) {
  UniquenessSplit split;
  split.category = category;
  const int64_t dim = embeddings.dim();
  std::vector<std::vector<double>> means;
  for (const auto& row : rows) {
    if (row.profile.empty()) {
      ++split.left_out;
      continue;
    }
    int64_t stored = 0;
    const float* values = embeddings.user_rows(category, row.user_id, &stored);
    const int64_t expected = static_cast<int64_t>(row.profile.size()) + 1;
    if (stored != expected)
      fail(store_where, "user \"" + row.user_id + "\" of " + category + " has " + std::to_string(stored) +
                            " stored reviews, its test row " + std::to_string(expected) +
                            " (profile + target): the store was built from other data");
    // Rows are the profile oldest first, then the target (docs/embed.md): the first |profile| rows.
    std::vector<double> mean(static_cast<size_t>(dim), 0.0);
    const int64_t n = expected - 1;
    for (int64_t r = 0; r < n; ++r)
      for (int64_t d = 0; d < dim; ++d) mean[static_cast<size_t>(d)] += values[r * dim + d];
    for (auto& v : mean) v /= static_cast<double>(n);
    means.push_back(std::move(mean));
    split.users.push_back({row.user_id, 0.0, n, false});
  }
  if (split.users.size() < 2)
    fail(store_where, category + ": " + std::to_string(split.users.size()) +
                          " users with profile reviews; a median split needs at least 2");
  std::vector<double> global(static_cast<size_t>(dim), 0.0);
  for (const auto& m : means)
    for (size_t d = 0; d < m.size(); ++d) global[d] += m[d];
  for (auto& v : global) v /= static_cast<double>(means.size());
  for (size_t u = 0; u < means.size(); ++u) {
    double sq = 0.0;
    for (size_t d = 0; d < global.size(); ++d) sq += (means[u][d] - global[d]) * (means[u][d] - global[d]);
    split.users[u].distance = std::sqrt(sq);
  }
  std::sort(split.users.begin(), split.users.end(), [](const UserDistance& a, const UserDistance& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.user_id < b.user_id;
  });
  const size_t n = split.users.size();
  split.median = n % 2 ? split.users[n / 2].distance : 0.5 * (split.users[n / 2 - 1].distance + split.users[n / 2].distance);
  for (size_t i = 0; i < n; ++i) {
    split.users[i].unique = i >= n - n / 2;
    if (!split.unique_of_.emplace(split.users[i].user_id, split.users[i].unique).second)
      fail(store_where, category + ": user \"" + split.users[i].user_id + "\" has two rows in the test split");
  }
  return split;
}

}  // namespace dep
