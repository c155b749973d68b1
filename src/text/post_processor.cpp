// Single-sequence templates of tokenizer.json post-processors.
#include "dep/text/post_processor.h"

#include <nlohmann/json.hpp>

#include "dep/core/error.h"
#include "dep/core/json.h"

namespace dep {

namespace {

int64_t id_of_pair(const nlohmann::json& pair, const std::string& where, const char* key) {
  // Roberta/Bert processors store ["</s>", 2].
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer()) {
    fail(where, std::string("'") + key + "' must be [token, id]");
  }
  return pair[1].get<int64_t>();
}

}  // namespace

SpecialTokenWrap SpecialTokenWrap::from_json(const nlohmann::json& spec, const std::string& where) {
  SpecialTokenWrap wrap;
  if (spec.is_null()) return wrap;
  if (!spec.is_object() || !spec.contains("type")) fail(where, "post_processor: expected an object with a 'type'");
  const std::string type = spec["type"].get<std::string>();
  const std::string here = where + ": post_processor " + type;
  if (type == "ByteLevel") return wrap;
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    wrap.prefix.push_back(id_of_pair(spec.at("cls"), here, "cls"));
    wrap.suffix.push_back(id_of_pair(spec.at("sep"), here, "sep"));
    return wrap;
  }
  if (type == "TemplateProcessing") {
    const auto& single = spec.at("single");
    const auto& specials = spec.at("special_tokens");
    bool seen_sequence = false;
    for (const auto& piece : single) {
      if (piece.contains("Sequence")) {
        if (seen_sequence) fail(here, "'single' names the sequence twice");
        seen_sequence = true;
        continue;
      }
      if (!piece.contains("SpecialToken")) fail(here, "'single' entries must be Sequence or SpecialToken");
      const std::string name = piece["SpecialToken"].at("id").get<std::string>();
      auto it = specials.find(name);
      if (it == specials.end()) fail(here, "special token '" + name + "' is not in 'special_tokens'");
      for (const auto& id : it->at("ids"))
        (seen_sequence ? wrap.suffix : wrap.prefix).push_back(json_int64(id, here, "special token '" + name + "' id"));
    }
    if (!seen_sequence) fail(here, "'single' has no Sequence");
    return wrap;
  }
  if (type == "Sequence") {
    for (const auto& step : spec.at("processors")) {
      const SpecialTokenWrap inner = from_json(step, where);
      wrap.prefix.insert(wrap.prefix.end(), inner.prefix.begin(), inner.prefix.end());
      wrap.suffix.insert(wrap.suffix.begin(), inner.suffix.begin(), inner.suffix.end());
    }
    return wrap;
  }
  fail(where, "unsupported post_processor '" + type +
                  "' (supported: ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing, Sequence)");
}

}  // namespace dep
