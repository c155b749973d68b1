// On-disk conventions of the embedding store shared by its writer and reader: file names, the
// settings stamped into every shard and the index, and the hash that ties a shard to its texts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "dep/embed/embedding_store.h"
#include "dep/core/error.h"
#include "dep/core/hash.h"

namespace dep {

inline constexpr const char* kStoreFormat = "dep-embedding-store";
inline constexpr int kStoreVersion = 1;
inline constexpr const char* kStoreIndexFile = "index.json";
inline constexpr const char* kStoreTensor = "embeddings";

inline std::string store_shard_name(size_t shard) {
  char name[40];
  std::snprintf(name, sizeof(name), "shard-%05zu.safetensors", shard);
  return name;
}

// FNV-1a 64 over each text's length and bytes: a rerun reuses a shard only for the same texts.
template <class It>
std::string texts_hash(It begin, It end) {
  Fnv1a hash;
  for (It it = begin; it != end; ++it) hash.add(**it);
  return hash.hex();
}

inline std::map<std::string, std::string> store_settings_metadata(const StoreSettings& s) {
  return {{"format", kStoreFormat}, {"version", std::to_string(kStoreVersion)}, {"model", s.model},
          {"max_length", std::to_string(s.max_length)}, {"dtype", s.dtype}};
}

inline nlohmann::json store_settings_json(const StoreSettings& s) {
  return {{"format", kStoreFormat}, {"version", kStoreVersion}, {"model", s.model},
          {"max_length", s.max_length}, {"dtype", s.dtype}};
}

inline StoreSettings store_settings_from_metadata(const std::map<std::string, std::string>& meta,
                                                  const std::string& where) {
  auto get = [&](const char* key) -> const std::string& {
    auto it = meta.find(key);
    if (it == meta.end()) fail(where, std::string("not a dep embedding store shard (no '") + key + "' metadata)");
    return it->second;
  };
  if (get("format") != kStoreFormat) fail(where, "not a dep embedding store shard (format '" + get("format") + "')");
  if (get("version") != std::to_string(kStoreVersion)) {
    fail(where, "store format version " + get("version") + "; this build reads version " +
                    std::to_string(kStoreVersion));
  }
  StoreSettings s;
  s.model = get("model");
  s.max_length = std::stoll(get("max_length"));
  s.dtype = get("dtype");
  return s;
}

inline std::string describe_store_settings(const StoreSettings& s) {
  return "model '" + s.model + "', max_length " + std::to_string(s.max_length) + ", dtype " + s.dtype;
}

// Fields of `expected` that are set must equal `found`; otherwise one error naming both.
inline void check_store_settings(const StoreSettings& found, const StoreSettings& expected, const std::string& where,
                                 const std::string& expected_label) {
  const bool model_ok = expected.model.empty() || expected.model == found.model;
  const bool length_ok = expected.max_length == 0 || expected.max_length == found.max_length;
  const bool dtype_ok = expected.dtype.empty() || expected.dtype == found.dtype;
  if (model_ok && length_ok && dtype_ok) return;
  fail(where, "embeddings were made with " + describe_store_settings(found) + "; " + expected_label + " " +
                  describe_store_settings(expected) + " (rebuild the store with dep-embed, or use another directory)");
}

}  // namespace dep
