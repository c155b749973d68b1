// DEP prompt text (see dep_prompt.h).
#include "dep/data/dep_prompt.h"

#include "dep/core/error.h"
#include "dep/data/dep_tokens.h"

namespace dep {

namespace {

const char kTaskSentence[] =
    "Given the title and description of an item, along with the user's past reviews (including item title, "
    "item description, review rating, review title, review text, review embedding, review difference embedding), "
    "and the output review rating and review title, generate a personalized item review for the user.\n";
const char kGuidance[] =
    "Note: [Review Embedding] denotes a soft prompt of the review text and [Review Difference Embedding] denotes "
    "a soft prompt showing the difference between the review text and other reviews on the same item. [Review "
    "Embedding] and [Review Difference Embedding] should serve as hints for personalized review text generation.\n";
// Baseline prompts: the reference's are not published (docs/reference-behaviour.md §12); these follow DEP's wording.
const char kItemOnlySystem[] =
    "Given the title and description of an item, and the output review rating and review title, generate a "
    "personalized item review for the user.\n";
const char kItemAndReviewsSystem[] =
    "Given the title and description of an item, along with the user's past reviews (including item title, "
    "item description, review rating, review title, review text), and the output review rating and review "
    "title, generate a personalized item review for the user.\n";

}  // namespace

PromptVariant parse_prompt_variant(const std::string& name) {
  if (name == "dep") return PromptVariant::kDep;
  if (name == "no_text") return PromptVariant::kNoText;
  if (name == "his_only_no_text") return PromptVariant::kHisOnlyNoText;
  if (name == "diff_only_no_text") return PromptVariant::kDiffOnlyNoText;
  if (name == "his_only") return PromptVariant::kHisOnly;
  if (name == "diff_only") return PromptVariant::kDiffOnly;
  if (name == "no_guidance") return PromptVariant::kNoGuidance;
  if (name == "item_only") return PromptVariant::kItemOnly;
  if (name == "item_and_reviews" || name == "rag") return PromptVariant::kItemAndReviews;
  if (name == "pag") return PromptVariant::kPag;
  if (name == "dpl") return PromptVariant::kDpl;
  if (name == "pplug") return PromptVariant::kPplug;
  fail("prompt.variant", "unknown prompt variant '" + name + "'");
}

std::string system_prompt(PromptVariant variant) {
  switch (variant) {
    case PromptVariant::kNoGuidance: return kTaskSentence;
    case PromptVariant::kItemOnly:
    case PromptVariant::kPplug: return kItemOnlySystem;
    case PromptVariant::kItemAndReviews:
    case PromptVariant::kPag:  // PAG's and DPL's own stage prompts live with the stage runner / dpl_prompt.h
    case PromptVariant::kDpl: return kItemAndReviewsSystem;
    default: return std::string(kTaskSentence) + kGuidance;
  }
}

namespace {
bool text_only(PromptVariant v) {
  return v == PromptVariant::kItemOnly || v == PromptVariant::kItemAndReviews || v == PromptVariant::kPag ||
         v == PromptVariant::kDpl || v == PromptVariant::kPplug;
}
}  // namespace

bool shows_his_tokens(PromptVariant v) {
  return v != PromptVariant::kDiffOnly && v != PromptVariant::kDiffOnlyNoText && !text_only(v);
}
bool shows_diff_tokens(PromptVariant v) {
  return v != PromptVariant::kHisOnly && v != PromptVariant::kHisOnlyNoText && !text_only(v);
}
bool shows_history(PromptVariant v) { return v != PromptVariant::kItemOnly && v != PromptVariant::kPplug; }
bool shows_review_text(PromptVariant v) {
  return v != PromptVariant::kNoText && v != PromptVariant::kHisOnlyNoText && v != PromptVariant::kDiffOnlyNoText;
}

std::string pplug_task_text(const ItemMeta& item) {
  return "[Item Title]: " + item.title + "\n[Item Description]: " + item.description + "\n";
}
std::string pplug_task_key(const std::string& asin) { return "item/" + asin; }

const std::string& history_header() {
  static const std::string kHeader = "[User's Past Reviews]:\n";
  return kHeader;
}

std::string history_entry(int index, const Review& review, const ItemMeta& item, PromptVariant variant) {
  const std::string i = std::to_string(index);
  std::string out = "- [Review " + std::to_string(index + 1) + "]:\n";
  if (shows_review_text(variant)) {
    out += "  - [Item Title]: " + item.title + "\n";
    out += "  - [Item Description]: " + item.description + "\n";
    out += "  - [Review Rating]: " + python_float_repr(review.rating) + "\n";
    out += "  - [Review Title]: " + review.title + "\n";
    out += "  - [Review Text]: " + review.text + "\n";
  }
  if (shows_his_tokens(variant))
    out += "  - [Review Embedding]: <his_token_start>[HIS_TOKEN_" + i + "]<his_token_end>\n";
  if (shows_diff_tokens(variant))
    out += "  - [Review Difference Embedding]: <diff_token_start>[DIFF_TOKEN_" + i + "]<diff_token_end>\n";
  return out;
}

std::string user_message(const ItemMeta& target_item, const Review& target, const std::string& history_block) {
  std::string out;
  out.reserve(history_block.size() + target_item.description.size() + 256);
  out += "[Item Title]: " + target_item.title + "\n";
  out += "[Item Description]: " + target_item.description + "\n";
  out += history_block;
  out += "[Output Review Rating]: " + python_float_repr(target.rating) + "\n";
  out += "[Output Review Title]: " + target.title + "\n";
  return out;
}

std::string user_message(PromptVariant variant, const ItemMeta& target_item, const Review& target,
                         const std::string& history_block) {
  std::string out = user_message(target_item, target, history_block);
  // PPlug's [instruction][personal][input] order (Liu et al. 2025): both soft tokens lead the
  // input. They are DEP's first two added tokens (pplug_adapter.h says why).
  if (variant == PromptVariant::kPplug) out = his_placeholder(0) + his_placeholder(1) + "\n" + out;
  return out;
}

std::string chat_prompt(const std::string& system, const std::string& user, bool newline_after_system) {
  std::string out;
  out.reserve(system.size() + user.size() + 96);
  out += "<|im_start|>system\n";
  out += system;
  out += newline_after_system ? "<|im_end|>\n" : "<|im_end|>";
  out += "<|im_start|>user\n";
  out += user;
  out += "<|im_end|>\n<|im_start|>assistant\n";
  return out;
}

}  // namespace dep
