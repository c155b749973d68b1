// Readers for the embedding store's input (see keyed_text.h).
#include "dep/embed/keyed_text.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "dep/core/error.h"
#include "dep/core/jsonl.h"
#include "dep/data/dep_prompt.h"

namespace dep {

std::vector<KeyedText> read_keyed_text_jsonl(const std::string& path) {
  std::vector<KeyedText> out;
  std::unordered_map<std::string, int64_t> line_of_key;
  JsonlMessages messages;
  messages.not_an_object = "expected a JSON object with \"key\" and \"text\"";
  for_each_jsonl_object(path, [&](nlohmann::json& row, const std::string& where, int64_t number) {
    for (const char* field : {"key", "text"}) {
      auto it = row.find(field);
      if (it == row.end()) fail(where, std::string("missing field \"") + field + "\"");
      if (!it->is_string()) fail(where, std::string("field \"") + field + "\" must be a string");
    }
    KeyedText item{row["key"].get<std::string>(), row["text"].get<std::string>()};
    auto [it, inserted] = line_of_key.emplace(item.key, number);
    if (!inserted) fail(where, "key \"" + item.key + "\" already appeared on line " + std::to_string(it->second));
    out.push_back(std::move(item));
  }, messages);
  return out;
}

std::string dpl_review_key(const std::string& category, const std::string& user_id, int64_t k) {
  return category + "/" + user_id + "/" + std::to_string(k);
}

std::vector<KeyedText> dpl_texts_to_embed(const std::vector<UserRow>& rows, const std::string& category) {
  std::vector<KeyedText> out;
  for (const auto& row : rows) {
    int64_t k = 0;
    for (const Review* review : reviews_oldest_first(row))
      out.push_back({dpl_review_key(category, row.user_id, k++), review->text});
  }
  return out;
}

std::vector<KeyedText> pplug_task_texts_to_embed(const std::vector<const std::vector<UserRow>*>& splits,
                                                 const MetaTable& meta, const std::string& where) {
  std::vector<KeyedText> out;
  std::unordered_map<std::string, bool> seen;
  auto add = [&](const std::string& asin) {
    if (!seen.emplace(asin, true).second) return;
    auto it = meta.find(asin);
    if (it == meta.end()) fail(where, "no meta for asin " + asin + " (input.meta_paths)");
    out.push_back({pplug_task_key(asin), pplug_task_text(it->second)});
  };
  for (const auto* rows : splits) {
    for (const auto& row : *rows) {
      for (const auto& review : row.profile) add(review.asin);
      add(row.data.asin);
    }
  }
  return out;
}

}  // namespace dep
