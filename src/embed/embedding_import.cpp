// Importing vectors made elsewhere into an embedding store (see embedding_import.h).
#include "dep/embed/embedding_import.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "dep/core/error.h"
#include "dep/core/jsonl.h"
#include "dep/data/dataset.h"

namespace dep {

ImportedVectors read_imported_vectors(const std::string& path) {
  ImportedVectors out;
  std::unordered_map<std::string, int64_t> line_of_text, line_of_key;
  JsonlMessages messages;
  messages.not_an_object = "expected a JSON object with \"text\" and \"embedding\"";
  for_each_jsonl_object(path, [&](nlohmann::json& row, const std::string& where, int64_t number) {
    auto text = row.find("text");
    if (text == row.end() || !text->is_string()) fail(where, "needs a string field \"text\"");
    auto embedding = row.find("embedding");
    if (embedding == row.end() || !embedding->is_array() || embedding->empty())
      fail(where, "needs a non-empty array field \"embedding\"");
    std::vector<float> values;
    values.reserve(embedding->size());
    for (const auto& v : *embedding) {
      if (!v.is_number()) fail(where, "embedding value " + std::to_string(values.size()) + " is not a number");
      const double x = v.get<double>();
      if (!std::isfinite(x)) fail(where, "embedding value " + std::to_string(values.size()) + " is not finite");
      values.push_back(static_cast<float>(x));
    }
    if (out.dim == 0) out.dim = static_cast<int64_t>(values.size());
    if (static_cast<int64_t>(values.size()) != out.dim) {
      fail(where, "embedding has " + std::to_string(values.size()) + " values; the first line's has " +
                      std::to_string(out.dim));
    }
    const std::string t = text->get<std::string>();
    if (auto key = row.find("key"); key != row.end()) {
      if (!key->is_string()) fail(where, "field \"key\" must be a string");
      auto [at, fresh] = line_of_key.emplace(key->get<std::string>(), number);
      if (!fresh) fail(where, "key \"" + at->first + "\" already appeared on line " + std::to_string(at->second));
      out.keyed.push_back({at->first, t});
    }
    auto [seen, fresh] = line_of_text.emplace(t, number);
    if (fresh) {
      out.by_text.emplace(t, std::move(values));
    } else if (out.by_text.at(t) != values) {
      fail(where, "the same text as line " + std::to_string(seen->second) + " with another embedding");
    }
    out.lines += 1;
  }, messages);
  if (out.lines == 0) fail(path, "holds no embeddings");
  return out;
}

std::vector<KeyedText> embed_input_texts(const EmbedInputConfig& input) {
  std::vector<KeyedText> items;
  if (input.format == EmbedInputFormat::kKeyedText) {
    for (const auto& path : input.paths) {
      auto part = read_keyed_text_jsonl(path);
      items.insert(items.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
    return items;
  }
  std::vector<std::vector<UserRow>> splits;
  for (size_t i = 0; i < input.paths.size(); ++i) {
    splits.push_back(read_user_rows(input.paths[i], ReadOptions{}));
    check_unique_users(splits.back(), input.paths[i]);
    auto part = dpl_texts_to_embed(splits.back(), input.categories.at(i));
    items.insert(items.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  if (!input.meta_paths.empty()) {
    MetaTable meta;
    for (const auto& path : input.meta_paths) read_meta(path, meta, ReadOptions{});
    std::vector<const std::vector<UserRow>*> views;
    for (const auto& rows : splits) views.push_back(&rows);
    auto part = pplug_task_texts_to_embed(views, meta, "input.meta_paths");
    items.insert(items.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return items;
}

StoreBuildReport import_embedding_store(const std::string& jsonl, const std::vector<KeyedText>& items,
                                        const StoreSettings& settings, int64_t shard_size,
                                        const std::string& output_dir) {
  const ImportedVectors vectors = read_imported_vectors(jsonl);
  const std::vector<KeyedText>* keys = &items;
  if (items.empty()) {
    if (static_cast<int64_t>(vectors.keyed.size()) != vectors.lines) {
      fail(jsonl, "without an input config (--config) every line needs a \"key\"; " +
                      std::to_string(vectors.lines - static_cast<int64_t>(vectors.keyed.size())) + " lines have none");
    }
    keys = &vectors.keyed;
  } else {
    for (const auto& item : items) {
      if (!vectors.by_text.count(item.text)) {
        fail(jsonl, "has no embedding for the text of key \"" + item.key + "\" (" +
                        std::to_string(item.text.size()) + " bytes, starting \"" + item.text.substr(0, 40) + "\")");
      }
    }
  }
  // The builder's dedup, sharding and atomic writes; the "embedder" looks the vectors up.
  const EmbedTextsFn lookup = [&](const std::vector<std::string>& texts, const std::function<void(int64_t)>& on_batch) {
    std::vector<float> out;
    out.reserve(texts.size() * static_cast<size_t>(vectors.dim));
    for (const auto& text : texts) {
      const auto& v = vectors.by_text.at(text);
      out.insert(out.end(), v.begin(), v.end());
    }
    on_batch(static_cast<int64_t>(texts.size()));
    return out;
  };
  return build_embedding_store(*keys, settings, vectors.dim, shard_size, output_dir, lookup);
}

}  // namespace dep
