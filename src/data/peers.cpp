// Peer pool and slot choice (see peers.h).
#include "dep/data/peers.h"

#include <algorithm>

#include "dep/core/error.h"

namespace dep {

namespace {
std::string user_key(const std::string& category, const std::string& user_id) { return category + "\t" + user_id; }
}  // namespace

void PeerPool::add_category(const std::string& category, const std::vector<UserRow>& test_rows, int64_t drop_last) {
  std::vector<std::string> touched;
  for (const auto& row : test_rows) {
    const std::string key = user_key(category, row.user_id);
    if (user_index_.count(key)) fail(category + "/test", "user " + row.user_id + " appears twice in the peer pool");
    const auto index = static_cast<uint32_t>(users_.size());
    user_index_.emplace(key, index);
    users_.push_back({row.user_id, category, static_cast<int64_t>(row.profile.size())});
    const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(row.profile.size()) - drop_last);
    for (int64_t i = 0; i < n; ++i) {
      auto& list = by_asin_[row.profile[static_cast<size_t>(i)].asin];
      list.push_back({index, static_cast<int32_t>(i)});
      touched.push_back(row.profile[static_cast<size_t>(i)].asin);
    }
  }
  // Keep every list in the reference's sorted((user_id, row)) order.
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const auto& asin : touched) {
    auto& list = by_asin_[asin];
    std::sort(list.begin(), list.end(), [&](const PoolReview& a, const PoolReview& b) {
      const auto& ua = users_[a.user].user_id;
      const auto& ub = users_[b.user].user_id;
      if (ua != ub) return ua < ub;
      if (a.row != b.row) return a.row < b.row;
      return users_[a.user].category < users_[b.user].category;
    });
  }
}

const std::vector<PoolReview>& PeerPool::reviewers(const std::string& asin) const {
  static const std::vector<PoolReview> kNone;
  auto it = by_asin_.find(asin);
  return it == by_asin_.end() ? kNone : it->second;
}

int64_t PeerPool::find_user(const std::string& category, const std::string& user_id) const {
  auto it = user_index_.find(user_key(category, user_id));
  return it == user_index_.end() ? -1 : it->second;
}

std::vector<SlotItem> select_slot_items(const PeerPool& pool, const std::string& category,
                                        const std::string& user_id, const std::vector<std::string>& asins,
                                        const SlotRules& rules) {
  std::vector<SlotItem> slots;
  for (size_t j = 0; j < asins.size() && static_cast<int64_t>(slots.size()) < rules.slots; ++j) {
    size_t set_size = 0;
    SlotItem item;
    item.history_index = static_cast<int64_t>(j);
    for (const PoolReview& r : pool.reviewers(asins[j])) {
      const PoolUser& u = pool.user(r.user);
      if (!rules.across_categories && u.category != category) continue;
      ++set_size;
      if (u.user_id != user_id) item.peers.push_back(r);
    }
    const bool qualifies = !item.peers.empty() && (rules.count_self ? set_size > 1 : true);
    if (!qualifies) {
      if (rules.skip_peerless) continue;
      item.peers.clear();
    }
    slots.push_back(std::move(item));
  }
  return slots;
}

}  // namespace dep
