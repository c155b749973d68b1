// One built DEP sample, the unit the data pipeline hands to training and generation: token ids,
// labels, the his/diff embedding block and the bookkeeping that says where each piece came from.
// Torch-free on purpose (plain vectors + dims) so dep_data stays light; the trainer makes tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/data/dep_tokens.h"

namespace dep {

struct DepSample {
  // Identity: category ("Books", ...), user id, and a stable id "split/category/user_id"
  // (train adds nothing more: DEP keeps one train row per user and category).
  std::string category;
  std::string user_id;
  std::string sample_id;

  // Token ids. Generation: the prompt only. Training: prompt + target + <|im_end|>, with labels
  // kIgnoreLabel over the prompt, then the target ids and <|im_end|> (docs/reference-behaviour.md §8). The prompt is the
  // first `prompt_length` ids; no padding is applied here (batching left-pads with the pad id).
  std::vector<int64_t> input_ids;
  std::vector<int64_t> labels;  // same length as input_ids; empty for generation samples
  int64_t prompt_length = 0;
  // The tokenizer's pad id (<|endoftext|>, DepTokens::pad): batching left-pads with it. -1: unset.
  int64_t pad_id = -1;

  // The his/diff block, row-major [2 * slots, dim] float32: rows 0..slots-1 are the "his" vectors
  // (the user's own review embeddings), rows slots..2*slots-1 the "diff" vectors of the same items.
  // Slot i holds the i-th newest history item that has at least one peer (items without peers are
  // skipped as the reference does, docs/reference-behaviour.md §3.2) — by default NOT necessarily the review shown as
  // "Review i+1" in the text (the reference quirk; data config `quirks.align_slots_with_text`
  // switches to the aligned variant). When fewer than `slots` items qualify (never on DPL data,
  // where the reference would crash), the remaining rows are zero and slot_filled[i] == 0.
  // The SAE sees all 2*slots rows of every sample and all of them count in its loss, including
  // rows whose placeholder was dropped from the text by the length control (docs/reference-behaviour.md §5/§7); only
  // rows present as placeholders (placeholder positions >= 0) are injected into the decoder.
  std::vector<float> his_diff;
  int64_t slots = 8;    // K (placeholders [HIS_TOKEN_0..K-1], [DIFF_TOKEN_0..K-1]); at most DepTokens::kMaxSlots
  int64_t dim = 1024;   // embedding width (bge-m3: 1024)
  std::vector<uint8_t> slot_filled;  // [slots]: 1 where slot i holds a real item

  // PPlug's block (prompt.variant pplug, docs/methods.md): the user's history embeddings, row-major
  // [pplug_rows, dim], newest first, at most data.pplug.max_history rows; and the embedding of the
  // sample's task text (pplug_task_text), [dim]. Both empty for other variants.
  std::vector<float> pplug_history;
  int64_t pplug_rows = 0;
  std::vector<float> pplug_task;

  // Position in input_ids of [HIS_TOKEN_i] / [DIFF_TOKEN_i] for i < slots, -1 where the length
  // control (or an ablation) left the placeholder out of the text.
  std::vector<int64_t> his_positions;
  std::vector<int64_t> diff_positions;

  // The rendered prompt text (special tokens included) and the review the model must write.
  std::string prompt;
  std::string target;

  // Inspection (dep-data prompts): reviews shown as text in prompt order, reviews whose vectors
  // fill the slots in slot order, and the number of peers behind each slot's diff vector.
  std::vector<std::string> history_asins;
  std::vector<std::string> embedding_asins;
  std::vector<int64_t> peer_counts;

  // Row r (0 <= r < 2*slots) of the his/diff block.
  const float* row(int64_t r) const { return his_diff.data() + r * dim; }
};

}  // namespace dep
