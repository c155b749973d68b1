// PAG's prompts (see pag_prompt.h).
#include "dep/data/pag_prompt.h"

#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/data/dep_prompt.h"
#include "dep/data/retrieval.h"

namespace dep {

namespace {

const std::vector<std::string> kProfileFields = {"reviews"};
const std::vector<std::string> kGenerateFields = {"item_title", "item_description", "profile",
                                                  "reviews",    "rating",           "title"};

std::string trim_ascii(const std::string& text) {
  const char* space = " \t\n\r\f\v";
  const size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

// Fills every field with an empty value: an unknown field or a stray brace fails here, at load.
void check_fields(const std::string& text, const std::vector<std::string>& names, const std::string& where) {
  std::map<std::string, std::string> empty;
  for (const auto& n : names) empty[n] = "";
  fill_template(text, empty, where);
}

ChatTemplate read_template(const nlohmann::json& json, const std::string& stage, const std::vector<std::string>& fields,
                           const std::string& source) {
  if (!json.contains(stage) || !json[stage].is_object()) fail(source, "missing object '" + stage + "'");
  ChatTemplate t;
  for (auto [key, target] : {std::pair<const char*, std::string*>{"system", &t.system}, {"user", &t.user}}) {
    const auto& node = json[stage];
    if (!node.contains(key) || !node[key].is_string()) fail(source, "missing string '" + stage + "." + key + "'");
    *target = node[key].get<std::string>();
    check_fields(*target, fields, source + ": " + stage + "." + key);
  }
  return t;
}

const ItemMeta& item_of(const MetaTable& meta, const std::string& asin) {
  const auto it = meta.find(asin);
  if (it == meta.end()) fail("meta", "no meta for asin " + asin);
  return it->second;
}

}  // namespace

std::string fill_template(const std::string& text, const std::map<std::string, std::string>& fields,
                          const std::string& where) {
  std::string out;
  out.reserve(text.size() + 256);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      const size_t close = text.find('}', i);
      if (close == std::string::npos) fail(where, "a '{' without its '}' (write '{{' for a literal brace)");
      const std::string name = text.substr(i + 1, close - i - 1);
      const auto it = fields.find(name);
      if (it == fields.end()) {
        std::string known;
        for (const auto& [k, v] : fields) known += (known.empty() ? "" : ", ") + ("{" + k + "}");
        fail(where, "unknown field {" + name + "} (this template offers " + known + ")");
      }
      out += it->second;
      i = close;
    } else if (c == '}') {
      fail(where, "a '}' without its '{' (write '}}' for a literal brace)");
    } else {
      out += c;
    }
  }
  return out;
}

PagPrompts PagPrompts::parse(const std::string& json_text, const std::string& source) {
  // The one strict parser (depth, duplicate keys, huge numbers): json.h.
  const nlohmann::json json = parse_json(json_text, source);
  if (!json.is_object()) fail(source, "expected a JSON object");
  PagPrompts p;
  p.source = source;
  p.profile = read_template(json, "profile", kProfileFields, source);
  p.generate = read_template(json, "generate", kGenerateFields, source);
  if (!json.contains("strip_prefix") || !json["strip_prefix"].is_string())
    fail(source, "missing string 'strip_prefix' (\"\" strips nothing)");
  p.strip_prefix = json["strip_prefix"].get<std::string>();
  return p;
}

PagPrompts PagPrompts::load(const std::string& path) { return parse(read_file(path), path); }

std::string review_block(const std::vector<Review>& profile, const std::vector<int64_t>& indices,
                         const MetaTable& meta) {
  if (indices.empty()) return "";
  std::string block = history_header();
  for (size_t i = 0; i < indices.size(); ++i) {
    const Review& r = profile.at(static_cast<size_t>(indices[i]));
    block += history_entry(static_cast<int>(i), r, item_of(meta, r.asin), PromptVariant::kItemAndReviews);
  }
  return block;
}

ChatTemplate pag_profile_messages(const PagPrompts& prompts, const UserRow& row, const MetaTable& meta,
                                  int64_t count) {
  auto recent = recency_order(row.profile);
  if (static_cast<int64_t>(recent.size()) > count) recent.resize(static_cast<size_t>(count));
  const std::map<std::string, std::string> fields = {{"reviews", review_block(row.profile, recent, meta)}};
  return {fill_template(prompts.profile.system, fields, prompts.source + ": profile.system"),
          fill_template(prompts.profile.user, fields, prompts.source + ": profile.user")};
}

std::string pag_clean_profile(const PagPrompts& prompts, const std::string& profile) {
  std::string text = trim_ascii(profile);
  if (!prompts.strip_prefix.empty() && text.rfind(prompts.strip_prefix, 0) == 0)
    text = text.substr(prompts.strip_prefix.size());
  return trim_ascii(text);
}

ChatTemplate pag_generation_messages(const PagPrompts& prompts, const UserRow& row, const MetaTable& meta,
                                     const std::vector<int64_t>& history, const std::string& profile) {
  const ItemMeta& item = item_of(meta, row.data.asin);
  const std::map<std::string, std::string> fields = {
      {"item_title", item.title},
      {"item_description", item.description},
      {"profile", pag_clean_profile(prompts, profile)},
      {"reviews", review_block(row.profile, history, meta)},
      {"rating", python_float_repr(row.data.rating)},
      {"title", row.data.title}};
  return {fill_template(prompts.generate.system, fields, prompts.source + ": generate.system"),
          fill_template(prompts.generate.user, fields, prompts.source + ": generate.user")};
}

}  // namespace dep
