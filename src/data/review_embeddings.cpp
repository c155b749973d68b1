// The in-memory review embedding source (see review_embeddings.h).
#include "dep/data/review_embeddings.h"

#include "dep/core/error.h"

namespace dep {

const float* ReviewEmbeddings::keyed_row(const std::string& key) const {
  fail("embeddings", "this embedding source holds user rows only, not the keyed text '" + key +
                         "' (use a dep-embed store built with input.item_texts)");
}

void InMemoryReviewEmbeddings::add_keyed(const std::string& key, std::vector<float> values) {
  if (static_cast<int64_t>(values.size()) != dim_)
    fail_internal("embeddings " + key, std::to_string(values.size()) + " floats, expected " + std::to_string(dim_));
  keyed_[key] = std::move(values);
}

const float* InMemoryReviewEmbeddings::keyed_row(const std::string& key) const {
  auto it = keyed_.find(key);
  if (it == keyed_.end()) fail("embeddings", "no embedding for key " + key);
  return it->second.data();
}

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
