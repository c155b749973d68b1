// Texts → bge-m3 dense embeddings: tokenize (pluggable), truncate keeping </s>, batch by length,
// run the XLM-R encoder, return unit vectors in the caller's order.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dep/embed/length_batching.h"
#include "dep/embed/xlmr.h"

namespace dep {

// Text → ids with the tokenizer's specials (<s> … </s>), at most `max_length` ids.
using TokenizeFn = std::function<std::vector<int64_t>(const std::string& text, int64_t max_length)>;

// The XLM-R Unigram tokenizer of a model directory (tokenizer.json, or sentencepiece.bpe.model).
TokenizeFn load_xlmr_tokenizer(const std::string& path);

class TextEmbedder {
 public:
  // batching.max_length is capped to the encoder's position table.
  TextEmbedder(const XlmrEncoder& encoder, TokenizeFn tokenize, BatchingOptions batching);

  // [N, H] float32 unit vectors, row i for ids[i]. Sequences longer than max_length are truncated
  // keeping their last id. `on_batch(n)` is called after each batch with its size (progress).
  torch::Tensor embed_ids(const std::vector<std::vector<int64_t>>& ids,
                          const std::function<void(int64_t)>& on_batch = {}) const;
  torch::Tensor embed_texts(const std::vector<std::string>& texts,
                            const std::function<void(int64_t)>& on_batch = {}) const;
  std::vector<int64_t> tokenize(const std::string& text) const;

  const BatchingOptions& batching() const { return batching_; }

 private:
  const XlmrEncoder& encoder_;
  TokenizeFn tokenize_;
  BatchingOptions batching_;
};

}  // namespace dep
