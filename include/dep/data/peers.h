// The peer pool and the choice of history items whose his/diff vectors fill the soft-token slots
// (docs/reference-behaviour.md §3). The pool holds the test-split profiles of every user of every category minus each
// profile's last items; the peers of an item are the other pool reviewers of the same asin.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dep/data/dataset.h"

namespace dep {

// One review in the pool: a user (index into PeerPool::users) and the review's row in that
// user's test profile (oldest first), which is also its row in the user's embedding list.
struct PoolReview {
  uint32_t user = 0;
  int32_t row = 0;
};

struct PoolUser {
  std::string user_id;
  std::string category;
  int64_t test_profile_size = 0;  // embedding rows = this + 1 (the test target is last)
};

class PeerPool {
 public:
  // Adds one category's test rows: each user's profile[:-drop_last] joins the pool.
  void add_category(const std::string& category, const std::vector<UserRow>& test_rows, int64_t drop_last);

  // Reviewers of `asin` sorted by (user_id, row) as the reference's sorted(set) does; empty if none.
  const std::vector<PoolReview>& reviewers(const std::string& asin) const;
  const PoolUser& user(uint32_t index) const { return users_[index]; }
  size_t user_count() const { return users_.size(); }
  // Index of (category, user_id) in users(), or -1.
  int64_t find_user(const std::string& category, const std::string& user_id) const;

 private:
  std::vector<PoolUser> users_;
  std::unordered_map<std::string, int64_t> user_index_;  // "category\tuser_id"
  std::unordered_map<std::string, std::vector<PoolReview>> by_asin_;
};

// Rules of the slot choice (the quirk switches of data_config.h).
struct SlotRules {
  int64_t slots = 8;
  bool skip_peerless = true;          // reference: slots scan for items with peers
  bool count_self = true;             // reference: qualify when the reviewer set has > 1 entries
  bool across_categories = true;      // reference: the asin map spans categories
};

// A slot's item: its index in the candidate (history) list and its peers (possibly empty in the
// aligned variant, where slot i is candidate i whether or not it has peers).
struct SlotItem {
  int64_t history_index = 0;
  std::vector<PoolReview> peers;
};

// Slots for one sample of (category, user_id) whose history candidates (newest first, or the
// retrieval order) have these asins. Reference: scan the candidates and keep the first `slots`
// that qualify; aligned: candidate i fills slot i. Fewer items than slots leave slots empty.
std::vector<SlotItem> select_slot_items(const PeerPool& pool, const std::string& category,
                                        const std::string& user_id, const std::vector<std::string>& asins,
                                        const SlotRules& rules);

}  // namespace dep
