// DPL as a three-stage method for the StagePipeline (docs/reference-behaviour.md §12; the prompts
// and the selection are dep_data's, dpl_prompt.h and dpl_selection.h):
//   "difference"  one prompt per chosen difference item: the item, the user's review and the
//                 representative peers' reviews → the differences;
//   "summary"     the differences and the BM25 history → "[Summary]: ...";
//   "generate"    item, history, the summary (its "[Summary]:" stripped), output rating and title →
//                 the review, "[Review]:" stripped.
// Every unit is the sample's own (DPL selects per sample). A sample's selection (BM25, k-means) is
// computed once and kept for its later stages.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dep/data/dpl_selection.h"
#include "dep/generate/stage_pipeline.h"

namespace dep {

struct DplStageOptions {
  DplInputs inputs;  // the split index, meta, data and (optional) embedding store; must outlive the stages
  int64_t k = 8;     // history.k: the BM25 top-K of the history and of the difference profile
  DplConfig config;
};

std::vector<std::unique_ptr<GenerationStage>> dpl_stages(DplStageOptions options);

}  // namespace dep
