// The in-memory review embedding source (see review_embeddings.h).
#include "dep/data/review_embeddings.h"

#include "dep/core/error.h"

namespace dep {

void InMemoryReviewEmbeddings::add(const std::string& category, const std::string& user_id, std::vector<float> values) {
  if (dim_ <= 0 || values.size() % static_cast<size_t>(dim_) != 0)
    fail_internal("embeddings " + category + "/" + user_id,
                  std::to_string(values.size()) + " floats is not a whole number of rows of " + std::to_string(dim_));
  users_[{category, user_id}] = std::move(values);
}

const float* InMemoryReviewEmbeddings::user_rows(const std::string& category, const std::string& user_id,
                                                 int64_t* rows) const {
  auto it = users_.find({category, user_id});
  if (it == users_.end()) fail("embeddings", "no embeddings for user " + user_id + " in " + category);
  *rows = static_cast<int64_t>(it->second.size()) / dim_;
  return it->second.data();
}

}  // namespace dep
