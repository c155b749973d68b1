// DepSamples → the tensors one forward of the DEP model reads: left-padded ids, mask, labels, the
// his/diff embedding block and where each placeholder sits.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dep/data/dep_sample.h"

namespace dep {

struct DepBatch {
  torch::Tensor input_ids;       // [B,T] I64, left-padded with the samples' pad_id
  torch::Tensor attention_mask;  // [B,T] I64, 1 real / 0 pad
  torch::Tensor labels;          // [B,T] I64, -100 on prompt and pads; undefined for generation
  torch::Tensor his_diff;        // [B,2K,d] F32: rows 0..K-1 his, K..2K-1 diff
  torch::Tensor his_positions;   // [B,K] I64 position of [HIS_TOKEN_i] in the row, -1 when absent
  torch::Tensor diff_positions;  // [B,K] I64 likewise for [DIFF_TOKEN_i]
  // PPlug's block (undefined for other methods): history [B,N,d] zero-padded to the batch's most
  // rows, its mask [B,N] (1 real row, 0 padding) and the task embeddings [B,d].
  torch::Tensor pplug_history;
  torch::Tensor pplug_history_mask;
  torch::Tensor pplug_task;
  int64_t slots() const { return his_positions.size(1); }
  // The conditioning inputs an adapter reads, by name (AdapterInputs): "his_diff" today. A method
  // with other inputs adds its block here; the trainer and the engine pass the map on unchanged.
  std::map<std::string, torch::Tensor> conditioning() const;
  int64_t label_tokens() const;  // labels that some position predicts (labels[:,1:] != -100)
  DepBatch to(torch::Device device) const;
};

// Left-pads the samples to the longest one with their pad_id (the tokenizer's <|endoftext|>). Every
// sample must share `slots`, `dim` and `pad_id`; positions are shifted by the padding. `where` names the data in errors.
DepBatch collate_samples(const std::vector<const DepSample*>& samples, const char* where = "batch");

// Positions [B,K] of the ids `placeholders` [K] in `input_ids` [B,T] (-1 when absent; a
// placeholder appearing twice in one row is an error): for data that carries ids but no positions.
torch::Tensor placeholder_positions(const torch::Tensor& input_ids, const std::vector<int64_t>& placeholders);

// Label tokens of one sample as the loss counts them (labels[1:] != -100).
int64_t sample_label_tokens(const DepSample& sample);

}  // namespace dep
