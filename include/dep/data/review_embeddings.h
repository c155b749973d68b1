// Where the data pipeline gets review embeddings: one float32 list per (category, user) in the
// reference layout (docs/reference-behaviour.md §1.3: the user's test profile oldest first, then the test target).
// The embedder's store implements this interface; tests and benchmarks use the in-memory one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dep {

class ReviewEmbeddings {
 public:
  virtual ~ReviewEmbeddings() = default;
  virtual int64_t dim() const = 0;
  // The user's rows, contiguous row-major [*rows, dim]; a dep::Error naming the key when absent.
  virtual const float* user_rows(const std::string& category, const std::string& user_id, int64_t* rows) const = 0;
  // The vector of a text stored under its own key (dim floats), e.g. PPlug's task texts
  // (pplug_task_key); a dep::Error naming the key when absent. Sources without keyed texts refuse.
  virtual const float* keyed_row(const std::string& key) const;
};

class InMemoryReviewEmbeddings : public ReviewEmbeddings {
 public:
  explicit InMemoryReviewEmbeddings(int64_t dim) : dim_(dim) {}
  // `values` is [rows, dim] row-major.
  void add(const std::string& category, const std::string& user_id, std::vector<float> values);
  int64_t dim() const override { return dim_; }
  const float* user_rows(const std::string& category, const std::string& user_id, int64_t* rows) const override;
  // One keyed vector (dim floats).
  void add_keyed(const std::string& key, std::vector<float> values);
  const float* keyed_row(const std::string& key) const override;

 private:
  int64_t dim_;
  std::map<std::string, std::vector<float>> keyed_;
  std::map<std::pair<std::string, std::string>, std::vector<float>> users_;
};

}  // namespace dep
