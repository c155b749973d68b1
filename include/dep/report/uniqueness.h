// Figure 3's user uniqueness (paper §4.4.2, after DPL): each user's mean review embedding, its
// Euclidean distance to the global mean, and the split at the median into Unique (the farther
// half) and Non-Unique users. dep's definition, documented in docs/REPRODUCING.md:
//   - users: the rows of the category's test split (one per user);
//   - a user's mean: the mean of the embeddings of their profile reviews — the history the methods
//     see — not of the target review the run writes (the store's last row of the user);
//   - the global mean: the mean of the users' means, each user counted once;
//   - the split: users ordered by distance (ties by user id); the farther ⌊n/2⌋ are Unique, the rest
//     Non-Unique (with odd n the median user is Non-Unique: not above the median).
// Users with an empty profile have no history and are left out (counted).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dep/data/dataset.h"
#include "dep/data/review_embeddings.h"

namespace dep {

struct UserDistance {
  std::string user_id;
  double distance = 0.0;
  int64_t reviews = 0;  // profile reviews averaged
  bool unique = false;
};

struct UniquenessSplit {
  static constexpr const char* kUnique = "Unique";
  static constexpr const char* kNonUnique = "Non-Unique";

  std::string category;
  double median = 0.0;              // of the distances
  int64_t left_out = 0;             // users without profile reviews
  std::vector<UserDistance> users;  // by distance, then user id

  // "Unique" / "Non-Unique" for a user of the split; a user not in it is a dep::Error at `where`.
  const char* group_of(const std::string& user_id, const std::string& where) const;
  int64_t count(bool unique) const;

 private:
  friend UniquenessSplit split_by_uniqueness(const std::vector<UserRow>&, const std::string&, const ReviewEmbeddings&,
                                             const std::string&);
  std::map<std::string, bool> unique_of_;
};

// `rows`: the category's test split; `store_where` names the embedding store in errors. A user whose
// stored rows are not its profile plus the target (a store built from other data) is a dep::Error.
UniquenessSplit split_by_uniqueness(const std::vector<UserRow>& rows, const std::string& category,
                                    const ReviewEmbeddings& embeddings, const std::string& store_where);

}  // namespace dep
