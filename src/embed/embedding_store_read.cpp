// Reading the embedding store: settings check, shard validation, key lookup (see embedding_store.h).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/embed/embedding_store.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "store_format.h"

namespace dep {

namespace fs = std::filesystem;

std::unique_ptr<EmbeddingStore> EmbeddingStore::open(const std::string& dir, const StoreSettings& expected) {
  const std::string index_path = (fs::path(dir) / kStoreIndexFile).string();
  if (!fs::exists(index_path)) {
    const bool started = fs::exists(fs::path(dir) / store_shard_name(0));
    fail(dir, started ? "the store is unfinished (no index.json yet): rerun dep-embed to complete it"
                      : "no embedding store here (no index.json)");
  }
  const nlohmann::json index = read_json_file(index_path);
  std::unique_ptr<EmbeddingStore> store(new EmbeddingStore());
  store->dir_ = dir;
  try {
    if (index.at("format").get<std::string>() != kStoreFormat) fail(index_path, "not a dep embedding store index");
    // Integers are read checked: get<int64_t>() would cast a float such as 1.2e22 out of range.
    if (json_int64(index, "version", index_path) != kStoreVersion) {
      fail(index_path, "store format version " + index.at("version").dump() + "; this build reads version " +
                           std::to_string(kStoreVersion));
    }
    store->settings_.model = index.at("model").get<std::string>();
    store->settings_.max_length = json_int64(index, "max_length", index_path);
    store->settings_.dtype = index.at("dtype").get<std::string>();
    check_store_settings(store->settings_, expected, index_path, "expected");
    store->dim_ = json_int64(index, "dim", index_path);
    store->rows_ = json_int64(index, "distinct_texts", index_path);

    int64_t next_row = 0;
    for (const auto& shard : index.at("shards")) {
      const std::string path = (fs::path(dir) / shard.at("file").get<std::string>()).string();
      const std::string shard_where = index_path + ": shards";
      const int64_t first = json_int64(shard, "first_row", shard_where), rows = json_int64(shard, "rows", shard_where);
      auto file = SafetensorsFile::open(path);
      check_store_settings(store_settings_from_metadata(file->metadata(), path), store->settings_, path,
                           "its index.json says");
      const TensorInfo& info = file->at(kStoreTensor);
      const auto hash = file->metadata().find("texts_hash");
      if (first != next_row || info.dtype != Dtype::kF32 || info.shape != std::vector<int64_t>{rows, store->dim_} ||
          hash == file->metadata().end() || hash->second != shard.at("texts_hash").get<std::string>()) {
        fail(path, "does not match index.json (a different or interrupted run wrote it): rerun dep-embed");
      }
      store->shard_first_row_.push_back(first);
      store->shard_data_.push_back(reinterpret_cast<const float*>(file->data(info)));
      store->shards_.push_back(std::move(file));
      next_row += rows;
    }
    if (next_row != store->rows_) fail(index_path, "shards hold " + std::to_string(next_row) + " rows, index says " +
                                                       std::to_string(store->rows_));
    for (const auto& pair : index.at("keys")) {
      const int64_t row = json_int64(pair.at(1), index_path, "the row of keys entry " + json_excerpt(pair.at(0), 40));
      if (row < 0 || row >= store->rows_) fail(index_path, "key " + pair.at(0).dump() + " points past the last row");
      store->row_of_key_.emplace(pair.at(0).get<std::string>(), row);
    }
  } catch (const nlohmann::json::exception& e) {
    fail(index_path, std::string("malformed index: ") + e.what());
  }
  return store;
}

const float* EmbeddingStore::row(const std::string& key) const {
  auto it = row_of_key_.find(key);
  if (it == row_of_key_.end()) fail(dir_, "no embedding for key \"" + key + "\"");
  const int64_t r = it->second;
  // Shards are in row order; find the last one starting at or before r.
  const auto shard = std::upper_bound(shard_first_row_.begin(), shard_first_row_.end(), r) - shard_first_row_.begin() - 1;
  return shard_data_[shard] + (r - shard_first_row_[shard]) * dim_;
}

std::vector<std::string> EmbeddingStore::keys() const {
  std::vector<std::string> out;
  out.reserve(row_of_key_.size());
  for (const auto& [key, row] : row_of_key_) out.push_back(key);
  std::sort(out.begin(), out.end());
  return out;
}

const float* EmbeddingStore::user_rows(const std::string& category, const std::string& user_id, int64_t* rows) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto key = std::make_pair(category, user_id);
  auto it = user_cache_.find(key);
  if (it == user_cache_.end()) {
    std::vector<float> values;
    for (int64_t k = 0; contains(dpl_review_key(category, user_id, k)); ++k) {
      const float* r = row(dpl_review_key(category, user_id, k));
      values.insert(values.end(), r, r + dim_);
    }
    if (values.empty()) fail(dir_, "no embeddings for user \"" + user_id + "\" in category \"" + category + "\"");
    it = user_cache_.emplace(std::move(key), std::move(values)).first;
  }
  *rows = static_cast<int64_t>(it->second.size()) / dim_;
  return it->second.data();
}

}  // namespace dep
