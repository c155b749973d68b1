// KV cache bookkeeping: slot reservation per forward call, the attention mask over cached slots,
// and row copies for continuous batching.
#include "dep/decoder/kv_cache.h"

#include <torch/torch.h>

#include <algorithm>

#include "dep/core/error.h"
#include "dep/torch/transfer.h"

namespace dep {

using torch::indexing::Slice;

KvCache::KvCache(int64_t layers, int64_t kv_heads, int64_t head_dim, int64_t rows, int64_t capacity,
                 torch::ScalarType dtype, torch::Device device)
    : capacity_(capacity), device_(device) {
  if (rows <= 0 || capacity <= 0) fail("KvCache", "rows and capacity must be positive");
  if (layers <= 0 || kv_heads <= 0 || head_dim <= 0) fail("KvCache", "layers, kv_heads and head_dim must be positive");
  const auto options = torch::TensorOptions().dtype(dtype).device(device);
  for (int64_t l = 0; l < layers; ++l) {
    keys_.push_back(torch::zeros({rows, kv_heads, capacity, head_dim}, options));
    values_.push_back(torch::zeros({rows, kv_heads, capacity, head_dim}, options));
  }
  valid_ = torch::zeros({rows, capacity}, torch::TensorOptions().dtype(torch::kBool).device(device));
  lengths_.assign(rows, 0);
  positions_.assign(rows, 0);
  has_pads_.assign(rows, false);
}

void KvCache::clear() {
  std::fill(lengths_.begin(), lengths_.end(), 0);
  std::fill(positions_.begin(), positions_.end(), 0);
  std::fill(has_pads_.begin(), has_pads_.end(), false);
  valid_.zero_();
}

void KvCache::clear_row(int64_t row) {
  lengths_.at(row) = 0;
  positions_[row] = 0;
  has_pads_[row] = false;
  valid_[row].zero_();
}

void KvCache::copy_rows_from(const KvCache& source, const std::vector<int64_t>& targets,
                             const std::vector<int64_t>& lengths) {
  if (source.num_layers() != num_layers()) fail_internal("KvCache", "layer count differs");
  const int64_t n = static_cast<int64_t>(targets.size());
  if (!lengths.empty() && static_cast<int64_t>(lengths.size()) != n) fail_internal("KvCache", "one length per row");
  auto kept = [&](int64_t i) { return lengths.empty() ? source.lengths_.at(i) : std::min(lengths[i], source.lengths_.at(i)); };
  int64_t len = 0;
  for (int64_t i = 0; i < n; ++i) len = std::max(len, kept(i));
  if (len > capacity_) fail("KvCache", "a prompt of " + std::to_string(len) + " slots exceeds the capacity " + std::to_string(capacity_));
  auto index = int64_tensor_on(targets, device_);
  for (int64_t l = 0; l < num_layers(); ++l) {
    keys_[l].narrow(2, 0, len).index_copy_(0, index, source.keys_[l].narrow(0, 0, n).narrow(2, 0, len));
    values_[l].narrow(2, 0, len).index_copy_(0, index, source.values_[l].narrow(0, 0, n).narrow(2, 0, len));
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = targets[i];
    valid_[t].zero_();
    lengths_.at(t) = kept(i);
    if (lengths.empty()) {
      positions_[t] = source.positions_[i];
      has_pads_[t] = source.has_pads_[i];
    } else {
      if (source.has_pads_[i]) fail_internal("KvCache", "a truncated row must have no pads");
      positions_[t] = kept(i);
      has_pads_[t] = false;
    }
  }
  valid_.narrow(1, 0, len).index_copy_(0, index, source.valid_.narrow(0, 0, n).narrow(1, 0, len));
  // Slots past a truncated row's length hold padding: not valid.
  for (int64_t i = 0; i < n; ++i) {
    if (kept(i) < len) valid_[targets[i]].narrow(0, kept(i), len - kept(i)).zero_();
  }
}

void KvCache::move_row(int64_t from, int64_t to) {
  if (from == to) return;
  const int64_t len = lengths_.at(from);
  for (int64_t l = 0; l < num_layers(); ++l) {
    keys_[l][to].narrow(1, 0, len).copy_(keys_[l][from].narrow(1, 0, len));
    values_[l][to].narrow(1, 0, len).copy_(values_[l][from].narrow(1, 0, len));
  }
  valid_[to].copy_(valid_[from]);
  lengths_.at(to) = len;
  positions_.at(to) = positions_[from];
  has_pads_.at(to) = has_pads_[from];
}

torch::Tensor build_attention_mask(const torch::Tensor& valid_keys, const torch::Tensor& query_slots) {
  const int64_t S = valid_keys.size(1);
  auto keys = torch::arange(S, query_slots.options()).view({1, 1, S});
  auto slots = query_slots.unsqueeze(-1);  // [B,T,1]
  auto allowed = (keys <= slots).logical_and(valid_keys.unsqueeze(1)).logical_or(keys == slots);
  return allowed.unsqueeze(1);  // [B,1,T,S]
}

KvCacheStep KvCache::begin_step(int64_t batch, int64_t new_tokens, const torch::Tensor& attention_mask) {
  if (batch > rows()) fail("KvCache", "batch " + std::to_string(batch) + " exceeds the cache's " + std::to_string(rows()) + " rows");
  KvCacheStep step;
  step.batch = batch;
  step.new_tokens = new_tokens;
  step.offsets.assign(lengths_.begin(), lengths_.begin() + batch);
  for (int64_t b = 0; b < batch; ++b) {
    if (lengths_[b] + new_tokens > capacity_) {
      fail("KvCache", "row " + std::to_string(b) + " would hold " + std::to_string(lengths_[b] + new_tokens) +
                          " tokens, more than the capacity " + std::to_string(capacity_));
    }
  }
  step.uniform_offset = std::all_of(step.offsets.begin(), step.offsets.end(),
                                    [&](int64_t o) { return o == step.offsets[0]; });

  // Real-token counts per row, counted where the mask lies: a host sync only for a mask already on
  // the GPU (a CPU mask is then copied without one).
  std::vector<int64_t> real(batch, new_tokens);
  bool new_pads = false;
  torch::Tensor mask_bool;
  if (attention_mask.defined()) {
    const torch::Tensor mask_here = attention_mask.to(torch::kBool);
    auto counts = mask_here.sum(1).to(torch::kCPU, torch::kLong).contiguous();
    mask_bool = to_device(mask_here, device_);
    const int64_t* c = counts.data_ptr<int64_t>();
    for (int64_t b = 0; b < batch; ++b) {
      real[b] = c[b];
      if (c[b] != new_tokens) new_pads = true;
    }
  }

  // Validity of the new slots.
  if (step.uniform_offset) {
    auto dst = valid_.narrow(0, 0, batch).narrow(1, step.offsets[0], new_tokens);
    if (mask_bool.defined()) dst.copy_(mask_bool);
    else dst.fill_(true);
  } else {
    for (int64_t b = 0; b < batch; ++b) {
      auto dst = valid_[b].narrow(0, step.offsets[b], new_tokens);
      if (mask_bool.defined()) dst.copy_(mask_bool[b]);
      else dst.fill_(true);
    }
  }
  bool any_pads = new_pads;
  int64_t key_length = 0;
  for (int64_t b = 0; b < batch; ++b) {
    if (real[b] != new_tokens) has_pads_[b] = true;
    any_pads = any_pads || has_pads_[b];
    lengths_[b] += new_tokens;
    positions_[b] += real[b];
    key_length = std::max(key_length, lengths_[b]);
  }
  step.key_length = key_length;

  const bool fresh = step.uniform_offset && step.offsets[0] == 0;
  const bool single = new_tokens == 1 && step.uniform_offset;
  if (!any_pads && (fresh || single)) {
    step.is_causal = !single;  // one token per row sees every cached key
  } else {
    auto base = int64_tensor_on(step.offsets, device_);
    auto slots = base.view({batch, 1}) + torch::arange(new_tokens, base.options()).view({1, new_tokens});
    step.allowed = build_attention_mask(valid_.narrow(0, 0, batch).narrow(1, 0, key_length), slots);
  }
  if (!step.uniform_offset) {
    step.offsets_tensor = int64_tensor_on(step.offsets, device_);
  }
  return step;
}

std::pair<torch::Tensor, torch::Tensor> KvCache::append(int64_t layer, const KvCacheStep& step,
                                                        const torch::Tensor& keys, const torch::Tensor& values) {
  auto& K = keys_.at(layer);
  auto& V = values_.at(layer);
  const int64_t B = step.batch, T = step.new_tokens;
  if (step.uniform_offset) {
    K.narrow(0, 0, B).narrow(2, step.offsets[0], T).copy_(keys);
    V.narrow(0, 0, B).narrow(2, step.offsets[0], T).copy_(values);
  } else if (T == 1) {
    auto rows = torch::arange(B, step.offsets_tensor.options());
    K.index_put_({rows, Slice(), step.offsets_tensor}, keys.squeeze(2));
    V.index_put_({rows, Slice(), step.offsets_tensor}, values.squeeze(2));
  } else {
    for (int64_t b = 0; b < B; ++b) {
      K[b].narrow(1, step.offsets[b], T).copy_(keys[b]);
      V[b].narrow(1, step.offsets[b], T).copy_(values[b]);
    }
  }
  return {K.narrow(0, 0, B).narrow(2, 0, step.key_length), V.narrow(0, 0, B).narrow(2, 0, step.key_length)};
}

torch::Tensor KvCache::default_positions(int64_t batch, const torch::Tensor& attention_mask, int64_t new_tokens) const {
  // Called before begin_step: positions_ still counts the earlier tokens.
  std::vector<int64_t> start(positions_.begin(), positions_.begin() + batch);
  auto base = int64_tensor_on(start, device_).view({batch, 1});
  if (!attention_mask.defined()) {
    return base + torch::arange(new_tokens, base.options()).view({1, new_tokens});
  }
  auto mask = to_device(attention_mask, device_).to(torch::kLong);
  auto pos = base + mask.cumsum(1) - 1;
  return pos.masked_fill(mask == 0, 1);
}

}  // namespace dep
