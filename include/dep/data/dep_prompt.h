// The DEP prompt text (docs/reference-behaviour.md §8, paper Figure 6): the exact system prompt, the user message with
// its history block of soft-token placeholders, the hand-built ChatML, and the ablation/baseline
// variants (paper Tables 2, 6, 9; Non-Perso and RAG prompts).
#pragma once

#include <string>

#include "dep/data/dataset.h"

namespace dep {

enum class PromptVariant {
  kDep,             // text + [Review Embedding] + [Review Difference Embedding] lines (DEP)
  kNoText,          // embeddings only: each history entry keeps only its two embedding lines
  kHisOnlyNoText,   // [Review Embedding] lines only (paper Table 2: his_emb w/o text)
  kDiffOnlyNoText,  // [Review Difference Embedding] lines only (paper Table 2: diff_emb w/o text)
  kHisOnly,         // text + [Review Embedding] (no difference embedding)
  kDiffOnly,        // text + [Review Difference Embedding] (no review embedding)
  kNoGuidance,      // DEP without the system prompt's "Note: ..." guidance (paper Table 9)
  kItemOnly,        // Non-Perso baseline: no history at all
  kItemAndReviews,  // RAG baseline ("rag" or "item_and_reviews"): history text without any soft tokens
  kPag,             // PAG baseline: history text (its multi-stage prompts live with the stage runner)
  kDpl,             // DPL baseline: BM25 history text (its stage prompts: dpl_prompt.h)
  kPplug,           // PPlug baseline: the Non-Perso prompt led by its instruction and personal tokens
};

PromptVariant parse_prompt_variant(const std::string& name);

// The system prompt of a variant (DEP's is the reference string verbatim; it ends in "\n").
std::string system_prompt(PromptVariant variant);

// True when the variant's history entries carry [HIS_TOKEN_i] / [DIFF_TOKEN_i].
bool shows_his_tokens(PromptVariant variant);
bool shows_diff_tokens(PromptVariant variant);
// False for kItemOnly, whose prompt never has a history block.
bool shows_history(PromptVariant variant);
// False for the "no text" ablations: history entries carry only their embedding lines.
bool shows_review_text(PromptVariant variant);

// The text whose embedding is PPlug's task vector: the item-side input of the prompt, i.e. its
// first two user-message lines "[Item Title]: {title}\n[Item Description]: {description}\n".
std::string pplug_task_text(const ItemMeta& item);
// The embedding-store key of that text for an item: "item/{asin}".
std::string pplug_task_key(const std::string& asin);

// "[User's Past Reviews]:\n", the first line of a non-empty history block.
const std::string& history_header();

// Entry i (0-based) of the history block: "- [Review {i+1}]:\n" and its sub-lines, each ending "\n".
std::string history_entry(int index, const Review& review, const ItemMeta& item, PromptVariant variant);

// The user message: target item title and description, the history block (may be empty), the
// output rating and title.
std::string user_message(const ItemMeta& target_item, const Review& target, const std::string& history_block);
// The user message of a variant: PPlug's starts with its two tokens (docs/methods.md); every
// other variant's is user_message.
std::string user_message(PromptVariant variant, const ItemMeta& target_item, const Review& target,
                         const std::string& history_block);

// "<|im_start|>system\n" SYS "<|im_end|>" ["\n"] "<|im_start|>user\n" USER "<|im_end|>\n<|im_start|>assistant\n";
// the reference omits the newline after the system turn (newline_after_system = false).
std::string chat_prompt(const std::string& system, const std::string& user, bool newline_after_system);

}  // namespace dep
