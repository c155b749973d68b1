// Collation of DepSamples: the reference left-pads (tokenizer padding_side="left", docs/reference-behaviour.md §7–8).
#include "dep/adapter/dep_batch.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "dep/core/error.h"
#include "dep/torch/transfer.h"

namespace dep {

int64_t DepBatch::label_tokens() const {
  if (!labels.defined() || labels.size(1) < 2) return 0;
  return labels.narrow(1, 1, labels.size(1) - 1).ne(-100).sum().item<int64_t>();
}

std::map<std::string, torch::Tensor> DepBatch::conditioning() const {
  std::map<std::string, torch::Tensor> out;
  if (his_diff.defined()) out["his_diff"] = his_diff;
  if (pplug_task.defined()) {
    out["pplug_history"] = pplug_history;
    out["pplug_history_mask"] = pplug_history_mask;
    out["pplug_task"] = pplug_task;
  }
  return out;
}

DepBatch DepBatch::to(torch::Device device) const {
  DepBatch out;
  auto move = [&](const torch::Tensor& t) { return to_device(t, device); };  // pinned, non-blocking to a GPU
  out.input_ids = move(input_ids);
  out.attention_mask = move(attention_mask);
  out.labels = move(labels);
  out.his_diff = move(his_diff);
  out.pplug_history = move(pplug_history);
  out.pplug_history_mask = move(pplug_history_mask);
  out.pplug_task = move(pplug_task);
  out.his_positions = move(his_positions);
  out.diff_positions = move(diff_positions);
  return out;
}

int64_t sample_label_tokens(const DepSample& sample) {
  int64_t count = 0;
  for (size_t t = 1; t < sample.labels.size(); ++t) count += sample.labels[t] != kIgnoreLabel;
  return count;
}

DepBatch collate_samples(const std::vector<const DepSample*>& samples, const char* where) {
  if (samples.empty()) fail_internal(where, "empty batch");
  const int64_t batch = static_cast<int64_t>(samples.size());
  const int64_t slots = samples[0]->slots, dim = samples[0]->dim, pad_id = samples[0]->pad_id;
  size_t longest = 0;
  bool with_labels = !samples[0]->labels.empty();
  // Samples built without embeddings (baseline prompts, the decoder alone) carry no block at all.
  const bool with_block = !samples[0]->his_diff.empty();
  const bool with_pplug = !samples[0]->pplug_task.empty();
  int64_t pplug_rows = 1;
  for (const DepSample* s : samples) {
    const std::string id = std::string(where) + ": sample " + s->sample_id;
    if (s->slots != slots || s->dim != dim) {
      fail(id, "slots/dim " + std::to_string(s->slots) + "/" + std::to_string(s->dim) + " differ from the batch's " +
                   std::to_string(slots) + "/" + std::to_string(dim));
    }
    if (with_block && static_cast<int64_t>(s->his_diff.size()) != 2 * slots * dim) {
      fail(id, "his/diff block has " + std::to_string(s->his_diff.size()) + " floats, expected 2*" +
                   std::to_string(slots) + "*" + std::to_string(dim));
    }
    if (with_pplug != !s->pplug_task.empty()) fail(id, "some samples of the batch have PPlug blocks and some do not");
    if (with_pplug && (static_cast<int64_t>(s->pplug_task.size()) != dim ||
                       static_cast<int64_t>(s->pplug_history.size()) != s->pplug_rows * dim)) {
      fail(id, "PPlug block has " + std::to_string(s->pplug_history.size()) + " + " +
                   std::to_string(s->pplug_task.size()) + " floats, expected " + std::to_string(s->pplug_rows) + "*" +
                   std::to_string(dim) + " + " + std::to_string(dim));
    }
    pplug_rows = std::max(pplug_rows, s->pplug_rows);
    if (static_cast<int64_t>(s->his_positions.size()) != slots || static_cast<int64_t>(s->diff_positions.size()) != slots) {
      fail(id, "placeholder positions must have one entry per slot");
    }
    if (s->pad_id < 0) fail(id, "has no pad id (the tokenizer's <|endoftext|>; DepSampleBuilder sets it)");
    if (s->pad_id != pad_id) fail(id, "pad id " + std::to_string(s->pad_id) + " differs from the batch's " + std::to_string(pad_id));
    if (s->input_ids.empty()) fail(id, "no input ids");
    if (with_labels != !s->labels.empty()) fail(id, "some samples of the batch have labels and some do not");
    if (with_labels && s->labels.size() != s->input_ids.size()) fail(id, "labels and input ids differ in length");
    longest = std::max(longest, s->input_ids.size());
  }
  const int64_t length = static_cast<int64_t>(longest);
  DepBatch out;
  out.input_ids = torch::full({batch, length}, pad_id, torch::kLong);
  out.attention_mask = torch::zeros({batch, length}, torch::kLong);
  if (with_labels) out.labels = torch::full({batch, length}, kIgnoreLabel, torch::kLong);
  if (with_block) out.his_diff = torch::empty({batch, 2 * slots, dim}, torch::kFloat32);
  if (with_pplug) {
    out.pplug_history = torch::zeros({batch, pplug_rows, dim}, torch::kFloat32);
    out.pplug_history_mask = torch::zeros({batch, pplug_rows}, torch::kFloat32);
    out.pplug_task = torch::empty({batch, dim}, torch::kFloat32);
  }
  out.his_positions = torch::full({batch, slots}, -1, torch::kLong);
  out.diff_positions = torch::full({batch, slots}, -1, torch::kLong);
  auto ids = out.input_ids.accessor<int64_t, 2>();
  auto mask = out.attention_mask.accessor<int64_t, 2>();
  auto his = out.his_positions.accessor<int64_t, 2>();
  auto diff = out.diff_positions.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    const DepSample& s = *samples[b];
    const int64_t n = static_cast<int64_t>(s.input_ids.size());
    const int64_t pad = length - n;
    for (int64_t t = 0; t < n; ++t) {
      ids[b][pad + t] = s.input_ids[t];
      mask[b][pad + t] = 1;
    }
    if (with_labels) {
      auto labels = out.labels.accessor<int64_t, 2>();
      for (int64_t t = 0; t < n; ++t) labels[b][pad + t] = s.labels[t];
    }
    if (with_block) std::copy(s.his_diff.begin(), s.his_diff.end(), out.his_diff[b].data_ptr<float>());
    if (with_pplug) {
      std::copy(s.pplug_history.begin(), s.pplug_history.end(), out.pplug_history[b].data_ptr<float>());
      if (s.pplug_rows > 0) out.pplug_history_mask[b].narrow(0, 0, s.pplug_rows).fill_(1.0f);
      std::copy(s.pplug_task.begin(), s.pplug_task.end(), out.pplug_task[b].data_ptr<float>());
    }
    for (int64_t i = 0; i < slots; ++i) {
      for (auto [source, target] : {std::pair{&s.his_positions, &his}, std::pair{&s.diff_positions, &diff}}) {
        const int64_t p = (*source)[i];
        if (p >= n) fail(std::string(where) + ": sample " + s.sample_id, "placeholder position " + std::to_string(p) + " is past the end");
        (*target)[b][i] = p < 0 ? -1 : p + pad;
      }
    }
  }
  return out;
}

torch::Tensor placeholder_positions(const torch::Tensor& input_ids, const std::vector<int64_t>& placeholders) {
  auto ids = input_ids.to(torch::kCPU).contiguous();
  const int64_t batch = ids.size(0), length = ids.size(1), slots = static_cast<int64_t>(placeholders.size());
  auto out = torch::full({batch, slots}, -1, torch::kLong);
  auto acc = ids.accessor<int64_t, 2>();
  auto pos = out.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < length; ++t) {
      for (int64_t i = 0; i < slots; ++i) {
        if (acc[b][t] != placeholders[i]) continue;
        if (pos[b][i] >= 0) {
          fail("placeholder_positions", "id " + std::to_string(placeholders[i]) + " appears twice in row " + std::to_string(b));
        }
        pos[b][i] = t;
      }
    }
  }
  return out;
}

}  // namespace dep
