// Tokenize, bucket by length, encode, restore order (see text_embedder.h).
#include "dep/embed/text_embedder.h"

#include <torch/torch.h>

#include "dep/core/error.h"
#include "dep/text/unigram_tokenizer.h"
#include "dep/core/log.h"

namespace dep {

TokenizeFn load_xlmr_tokenizer(const std::string& path) {
  auto tokenizer = std::make_shared<UnigramTokenizer>(UnigramTokenizer::load(path));
  return [tokenizer](const std::string& text, int64_t max_length) {
    return tokenizer->encode(text, static_cast<size_t>(max_length));
  };
}

TextEmbedder::TextEmbedder(const XlmrEncoder& encoder, TokenizeFn tokenize, BatchingOptions batching)
    : encoder_(encoder), tokenize_(std::move(tokenize)), batching_(batching) {
  // A model with a shorter position table than the requested length caps it (bge-m3: 8192 both).
  if (batching_.max_length > encoder_.max_tokens()) {
    log::info("max_length " + std::to_string(batching_.max_length) + " capped to the model's " +
                    std::to_string(encoder_.max_tokens()) + " positions");
    batching_.max_length = encoder_.max_tokens();
  }
  if (batching_.max_length < 2) fail("max_length", "must leave room for <s> and </s> (at least 2)");
}

std::vector<int64_t> TextEmbedder::tokenize(const std::string& text) const {
  if (!tokenize_) fail_internal("TextEmbedder", "no tokenizer was given");
  return truncate_keeping_last(tokenize_(text, batching_.max_length), batching_.max_length);
}

torch::Tensor TextEmbedder::embed_ids(const std::vector<std::vector<int64_t>>& ids,
                                      const std::function<void(int64_t)>& on_batch) const {
  const int64_t H = encoder_.config().hidden_size;
  torch::Tensor out = torch::empty({static_cast<int64_t>(ids.size()), H}, torch::kFloat32);
  std::vector<int64_t> lengths;
  lengths.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) fail("embed", "sequence " + std::to_string(i) + " has no tokens");
    lengths.push_back(std::min<int64_t>(static_cast<int64_t>(ids[i].size()), batching_.max_length));
  }
  const int64_t pad = encoder_.config().pad_token_id;
  for (const auto& batch : plan_length_batches(lengths, batching_)) {
    const auto B = static_cast<int64_t>(batch.items.size()), T = batch.padded_length;
    torch::Tensor input_ids = torch::full({B, T}, pad, torch::kLong);
    torch::Tensor mask = torch::zeros({B, T}, torch::kLong);
    auto id_acc = input_ids.accessor<int64_t, 2>();
    auto mask_acc = mask.accessor<int64_t, 2>();
    for (int64_t b = 0; b < B; ++b) {
      const auto row = truncate_keeping_last(ids[batch.items[b]], batching_.max_length);
      for (size_t t = 0; t < row.size(); ++t) {
        id_acc[b][t] = row[t];
        mask_acc[b][t] = 1;
      }
    }
    const torch::Tensor dense = encoder_.forward(input_ids, mask).dense_embedding.to(torch::kCPU);
    const torch::Tensor where =
        torch::tensor(std::vector<int64_t>(batch.items.begin(), batch.items.end()), torch::kLong);
    out.index_copy_(0, where, dense);
    if (on_batch) on_batch(B);
  }
  return out;
}

torch::Tensor TextEmbedder::embed_texts(const std::vector<std::string>& texts,
                                        const std::function<void(int64_t)>& on_batch) const {
  std::vector<std::vector<int64_t>> ids;
  ids.reserve(texts.size());
  for (const auto& text : texts) ids.push_back(tokenize(text));
  return embed_ids(ids, on_batch);
}

}  // namespace dep
