// Pre-allocated key/value cache for incremental decoding: one [rows, kv_heads, capacity, head_dim]
// buffer per layer for keys and values, plus which cached slots each row may attend to, so left
// padding and recycled rows (continuous batching) need no reallocation.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>


namespace dep {

// What one forward call appends to the cache, computed once and shared by every layer.
struct KvCacheStep {
  int64_t batch = 0;              // rows 0..batch-1 of the cache take part
  int64_t new_tokens = 0;         // T
  int64_t key_length = 0;         // slots 0..key_length-1 hold the keys to attend over
  std::vector<int64_t> offsets;   // per row: slot of its first new token
  bool uniform_offset = true;     // every row writes at the same slot (one slice copy per layer)
  torch::Tensor offsets_tensor;   // [batch] I64 on the cache device (non-uniform writes)
  // [batch, 1, T, key_length] bool (true = attend). Undefined when no padding is involved: then
  // `is_causal` says whether queries see only earlier keys (T > 1 from an empty cache) or all keys
  // (one new token per row).
  torch::Tensor allowed;
  bool is_causal = false;
};

class KvCache {
 public:
  KvCache() = default;
  // Room for `rows` sequences of up to `capacity` cached tokens each, for a decoder of `layers`
  // layers with `kv_heads` key/value heads of width `head_dim`.
  KvCache(int64_t layers, int64_t kv_heads, int64_t head_dim, int64_t rows, int64_t capacity,
          torch::ScalarType dtype, torch::Device device);

  int64_t rows() const { return static_cast<int64_t>(lengths_.size()); }
  int64_t capacity() const { return capacity_; }
  int64_t num_layers() const { return static_cast<int64_t>(keys_.size()); }
  bool defined() const { return !keys_.empty(); }

  // Slots filled in `row` (real tokens and pads).
  int64_t length(int64_t row) const { return lengths_.at(row); }
  // Real tokens seen by `row`: the position id its next real token gets.
  int64_t next_position(int64_t row) const { return positions_.at(row); }

  // Forget every row (buffers are kept).
  void clear();
  void clear_row(int64_t row);

  // Copies the first targets.size() rows of `source` (same layers/heads) into rows `targets`. With
  // `lengths`, row i keeps only its first lengths[i] slots (the rest was right padding; the row
  // must have no pads before that).
  void copy_rows_from(const KvCache& source, const std::vector<int64_t>& targets,
                      const std::vector<int64_t>& lengths = {});
  // Moves row `from` into row `to` (used to compact a batch).
  void move_row(int64_t from, int64_t to);

  // Called by the model: reserves slots for T new tokens of rows 0..B-1 with validity
  // `attention_mask` [B,T] (1 real, 0 pad; undefined = all real) and builds the attention mask.
  KvCacheStep begin_step(int64_t batch, int64_t new_tokens, const torch::Tensor& attention_mask);
  // Writes layer `layer`'s new keys/values [B, kv_heads, T, D] and returns the cached views
  // [B, kv_heads, key_length, D] to attend over.
  std::pair<torch::Tensor, torch::Tensor> append(int64_t layer, const KvCacheStep& step,
                                                 const torch::Tensor& keys, const torch::Tensor& values);
  // Default position ids [B,T] for the new tokens: continue from each row's real-token count
  // (cumsum(mask) - 1 within the step, pads set to 1, as HF generate does).
  torch::Tensor default_positions(int64_t batch, const torch::Tensor& attention_mask, int64_t new_tokens) const;

 private:
  int64_t capacity_ = 0;
  torch::Device device_ = torch::kCPU;
  std::vector<torch::Tensor> keys_, values_;
  torch::Tensor valid_;             // [rows, capacity] bool: slot holds a real token
  std::vector<int64_t> lengths_;    // host copies: filled slots per row
  std::vector<int64_t> positions_;  // real tokens per row
  std::vector<bool> has_pads_;      // row has a pad (or recycled stale slot) inside its length
};

// Attention mask [B,1,T,S] bool: query t of row b (cache slot query_slots[b,t]) attends to key j
// when j ≤ its slot and key j is valid; every query also sees itself, so pad rows stay finite.
torch::Tensor build_attention_mask(const torch::Tensor& valid_keys, const torch::Tensor& query_slots);

}  // namespace dep
