// The texts the embedding store embeds, each under a unique key: read from a JSONL of
// {"key", "text"} or derived from a DPL split the way DEP embeds it (docs/reference-behaviour.md §1.3).
#pragma once

#include <string>
#include <vector>

#include "dep/data/dataset.h"

namespace dep {

struct KeyedText {
  std::string key;
  std::string text;
};

// One {"key": str, "text": str} object per line (other fields ignored, blank lines skipped).
// Errors name the file and line; a repeated key is an error naming both lines.
std::vector<KeyedText> read_keyed_text_jsonl(const std::string& path);

// The key of row k of a user's DEP embedding list: "<category>/<user_id>/<k>".
std::string dpl_review_key(const std::string& category, const std::string& user_id, int64_t k);

// DEP's embedding list per (category, user) of a test split: the profile texts oldest first
// (stable by timestamp), then the target text; keys from dpl_review_key.
std::vector<KeyedText> dpl_texts_to_embed(const std::vector<UserRow>& rows, const std::string& category);

// PPlug's task texts (pplug_task_text, key pplug_task_key) of every item the rows mention (profile
// and target), each asin once, in first-mention order; an asin without meta is an error naming it.
std::vector<KeyedText> pplug_task_texts_to_embed(const std::vector<const std::vector<UserRow>*>& splits,
                                                 const MetaTable& meta, const std::string& where);

}  // namespace dep
