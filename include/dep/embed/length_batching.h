// Length-bucketed batching for encoders: sort sequences by token count, pad each batch only to
// its own longest member, and give results back in the caller's order. Torch-free planning.
#pragma once

#include <cstdint>
#include <vector>

namespace dep {

struct BatchingOptions {
  int64_t max_length = 8192;         // tokens per sequence, specials included (bge-m3's reference)
  int64_t max_batch_tokens = 16384;  // padded tokens per batch (batch size × longest)
  int64_t max_batch_size = 64;       // sequences per batch
};

struct LengthBatch {
  std::vector<size_t> items;  // indices into the caller's list, longest first
  int64_t padded_length = 0;  // the longest member's length
};

// Batches over `lengths` (longest first, ties in input order). Every index appears in exactly one
// batch; a single sequence longer than max_batch_tokens gets a batch of its own.
std::vector<LengthBatch> plan_length_batches(const std::vector<int64_t>& lengths, const BatchingOptions& options);

// Keeps at most `max_length` ids; when it cuts, the last id (the </s> a tokenizer appended) stays
// last, as Hugging Face's truncation of a text with specials does.
std::vector<int64_t> truncate_keeping_last(std::vector<int64_t> ids, int64_t max_length);

}  // namespace dep
