// PAG as a two-stage method for the StagePipeline (docs/methods-stages.md):
//   "profile"   one generation per user and category (key "category/user_id", shared by that
//               user's samples): a profile summary from the user's `profile_reviews` most recent
//               reviews;
//   "generate"  one per sample: the profile (its strip_prefix removed) and the retrieved reviews
//               (RAG's retrieval and length control: `history` gives profile indices in order).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dep/data/pag_prompt.h"
#include "dep/generate/stage_pipeline.h"

namespace dep {

// The reviews a sample's generation prompt shows (profile indices, in the order shown).
using HistorySelector = std::function<std::vector<int64_t>(const SplitRow& row)>;

struct PagStageOptions {
  PagPrompts prompts;
  int64_t profile_reviews = 8;
  const MetaTable* meta = nullptr;
  HistorySelector history;
  nlohmann::ordered_json history_settings;  // what decides `history` (the data.history keys)
};

std::vector<std::unique_ptr<GenerationStage>> pag_stages(PagStageOptions options);

}  // namespace dep
