// DPL's three stage prompts (docs/methods-dpl.md; docs/reference-behaviour.md §12), character for
// character as DPL's code builds them: stage 1 (one per chosen difference item: the item, the
// user's review and the chosen peers' reviews → the differences), stage 2 (the differences and
// the BM25 history → a profile summary "[Summary]: ..."), stage 3 (item, history, summary, output
// rating and title → "[Review]: ..."). Each goes through the hand-built template of
// docs/reference-behaviour.md §8 (chat_prompt with no newline after the system turn).
#pragma once

#include <string>
#include <vector>

#include "dep/data/dataset.h"
#include "dep/data/dpl_selection.h"

namespace dep {

std::string dpl_stage1_system();
// "Given titles and descriptions of {an item | K items}, ..." — K is the configured history.k
// (DPL's num_retrieved), not the number of difference items a sample has.
std::string dpl_stage2_system(int64_t k);
std::string dpl_stage3_system();

// The stage-1 user messages, one per diff item, in diff_asins order.
std::vector<std::string> dpl_stage1_messages(const DplSelection& selection, const MetaTable& meta);

// The stage-2 user message from the stage-1 outputs (one per diff item, already stripped as DPL
// strips every generation); extra outputs are ignored and missing ones end the list (Python's zip).
std::string dpl_stage2_message(const DplSelection& selection, const MetaTable& meta,
                               const std::vector<std::string>& stage1_outputs);

// The stage-3 user message; the "[Summary]:" prefix is stripped from `summary_output` here.
std::string dpl_stage3_message(const SplitRow& sample, const DplSelection& selection, const MetaTable& meta,
                               const std::string& summary_output);

// DPL's postprocessing: when `text` starts with `prefix` ("[Summary]:" / "[Review]:"), the rest
// with surrounding whitespace stripped (Python str.strip()); otherwise `text` unchanged.
std::string strip_dpl_prefix(const std::string& text, const std::string& prefix);

// system + user through the hand-built DEP template (no newline after the system turn).
std::string dpl_chat_prompt(const std::string& system, const std::string& user);

}  // namespace dep
