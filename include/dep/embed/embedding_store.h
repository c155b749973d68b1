// The review embedding store: float32 dense embeddings keyed by text key, in safetensors shards
// plus index.json, recording the model name, max length and dtype that made them. Building is
// resumable (each shard is written atomically and skipped on rerun when it matches); reading
// refuses a store made with other settings.
//
//   output_dir/shard-00000.safetensors   "embeddings" [rows, dim] F32 (distinct texts, in order)
//   output_dir/index.json                settings, shards, key → row
//   output_dir/embed_config.json         the effective config of the run
//   output_dir/part-{i}-of-{n}.json      dep-embed --shard i/n: the store shards that process made
//
// Several processes (docs/distributed.md): `--shard i/n` embeds the store shards s with
// s % n == i and records them in its part file; `--merge` then checks that the parts cover every
// distinct text exactly once, with shards that match the input, and writes the index.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dep/embed/embed_config.h"
#include "dep/embed/keyed_text.h"
#include "dep/data/review_embeddings.h"
#include "dep/core/safetensors.h"

namespace dep {

// What a store was made with; a reader states what it expects (empty / 0 = accept any).
struct StoreSettings {
  std::string model;
  int64_t max_length = 0;
  std::string dtype;
};

struct StoreBuildReport {
  int64_t keys = 0;
  int64_t distinct_texts = 0;
  int64_t shards = 0;
  int64_t shards_reused = 0;  // finished by an earlier (interrupted) run
  double seconds = 0.0;
};

// Texts → [n, dim] float32 unit vectors; `on_batch(k)` after each k texts. The builder is
// encoder-agnostic so tests and other embedders can plug in.
using EmbedTextsFn = std::function<std::vector<float>(const std::vector<std::string>& texts,
                                                      const std::function<void(int64_t)>& on_batch)>;

// Which part of a store build this process does.
struct StoreBuildPart {
  int64_t index = 0;
  int64_t count = 1;  // > 1: embed only the store shards s with s % count == index, no index.json
  bool merge = false;  // embed nothing: check the part files of the --shard runs, write index.json
  // "i/n" with 0 <= i < n (dep-embed --shard); a malformed value is a dep::Error naming --shard.
  static StoreBuildPart parse(const std::string& text);
};

// Embeds the distinct texts of `items` shard by shard into `output_dir`, skipping shards a
// previous run finished with the same settings and texts, then writes index.json. A directory
// holding shards made with other settings is refused. Honours SIGINT/SIGTERM between batches.
StoreBuildReport build_embedding_store(const std::vector<KeyedText>& items, const StoreSettings& settings,
                                       int64_t dim, int64_t shard_size, const std::string& output_dir,
                                       const EmbedTextsFn& embed, const StoreBuildPart& part = {});

// `dep-embed --config`: reads the input, loads model and tokenizer, builds the store and writes
// the effective config next to it.
StoreBuildReport run_embed_store(const EmbedStoreConfig& config, const StoreBuildPart& part = {});

class EmbeddingStore : public ReviewEmbeddings {
 public:
  // Opens output_dir/index.json and its shards; a store whose settings differ from `expected`
  // (non-empty fields), an unfinished store, or a shard that does not match the index is a dep::Error.
  static std::unique_ptr<EmbeddingStore> open(const std::string& dir, const StoreSettings& expected = {});

  const StoreSettings& settings() const { return settings_; }
  int64_t dim() const override { return dim_; }
  int64_t size() const { return static_cast<int64_t>(row_of_key_.size()); }
  int64_t distinct_texts() const { return rows_; }
  bool contains(const std::string& key) const { return row_of_key_.count(key) > 0; }
  // The key's vector (dim floats, valid while the store lives); a missing key is a dep::Error.
  const float* row(const std::string& key) const;
  std::vector<std::string> keys() const;

  // ReviewEmbeddings: rows "<category>/<user>/0", "/1", … gathered contiguously (cached).
  const float* user_rows(const std::string& category, const std::string& user_id, int64_t* rows) const override;
  // ReviewEmbeddings: row(key) (PPlug's task texts, item/<asin>).
  const float* keyed_row(const std::string& key) const override { return row(key); }

 private:
  EmbeddingStore() = default;
  std::string dir_;
  StoreSettings settings_;
  int64_t dim_ = 0;
  int64_t rows_ = 0;
  std::vector<std::shared_ptr<SafetensorsFile>> shards_;
  std::vector<const float*> shard_data_;
  std::vector<int64_t> shard_first_row_;
  std::unordered_map<std::string, int64_t> row_of_key_;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::pair<std::string, std::string>, std::vector<float>> user_cache_;
};

}  // namespace dep
