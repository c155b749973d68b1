// PAG's two prompts (paper §4.1 and appendix B: "summarizes the most recent reviews from the user's
// history into a compact profile", then generates with the profile and the retrieved reviews). The
// reference prompts are not published (docs/reference-behaviour.md §12), so the texts are templates
// read at run time from a JSON file (configs/prompts/pag.json, documented in docs/methods-stages.md):
//   {"profile":  {"system": S, "user": U},   stage 1, one per user and category
//    "generate": {"system": S, "user": U},   stage 2, one per sample
//    "strip_prefix": "[Summary]:"}           removed from the front of a profile before stage 2
// Template fields are {name}; each template may use only the fields its stage offers (listed below)
// and "{{" / "}}" write a literal brace.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dep/data/dataset.h"

namespace dep {

struct ChatTemplate {
  std::string system;
  std::string user;
};

struct PagPrompts {
  ChatTemplate profile;   // fields: {reviews}
  ChatTemplate generate;  // fields: {item_title} {item_description} {profile} {reviews} {rating} {title}
  std::string strip_prefix;
  std::string source;     // the file it came from (messages)

  // Reads and checks a prompts file: every key present, every field known to its stage.
  static PagPrompts load(const std::string& path);
  // The same from JSON text; `source` names it in errors.
  static PagPrompts parse(const std::string& json_text, const std::string& source);
};

// `text` with each {name} replaced by fields.at(name), "{{" → "{", "}}" → "}". An unknown field or
// an unbalanced brace is a dep::Error naming `where`.
std::string fill_template(const std::string& text, const std::map<std::string, std::string>& fields,
                          const std::string& where);

// A review block in the RAG prompt's format (dep_prompt.h): "[User's Past Reviews]:\n" then
// "- [Review i]:" entries with item title, description, rating, review title and text; "" when
// `indices` is empty. `indices` are positions in `profile`, in the order shown.
std::string review_block(const std::vector<Review>& profile, const std::vector<int64_t>& indices,
                         const MetaTable& meta);

// Stage 1: the user's `count` most recent reviews (newest first) → the profile request.
ChatTemplate pag_profile_messages(const PagPrompts& prompts, const UserRow& row, const MetaTable& meta,
                                  int64_t count);

// Stage 1's output as stage 2 reads it: `strip_prefix` removed from the front when present, then
// the ASCII whitespace around the rest (the generator has already stripped the whole output).
std::string pag_clean_profile(const PagPrompts& prompts, const std::string& profile);

// Stage 2: the target item and output rating/title, the profile (cleaned), and the retrieved
// reviews `history` (profile indices in the order shown).
ChatTemplate pag_generation_messages(const PagPrompts& prompts, const UserRow& row, const MetaTable& meta,
                                     const std::vector<int64_t>& history, const std::string& profile);

}  // namespace dep
