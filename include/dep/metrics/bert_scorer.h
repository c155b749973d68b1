// BERTScore as the paper computes it (bert_score.score with an LED model, idf off, no baseline
// rescaling): the slow byte-level BPE tokenizer (<s> text </s>, truncated to the model length),
// the LED encoder's hidden states at `num_layers`, and bert_score's batched greedy matching.
#pragma once

#include <string>
#include <vector>

#include "dep/metrics/bertscore.h"
#include "dep/text/bpe_tokenizer.h"
#include "dep/metrics/led_encoder.h"

namespace dep {

class BertScorer {
 public:
  // A model directory with config.json, model.safetensors and the slow tokenizer's vocab.json +
  // merges.txt (as allenai/led-base-16384 ships them). `num_layers` -1 = all encoder layers
  // (the paper: 6 of led-base's 6).
  static BertScorer load(const std::string& model_dir, int64_t num_layers = -1, int64_t max_length = 16384);

  // ids of one sentence: bert_score's sent_encode (strip, <s> + BPE + </s>, truncation).
  std::vector<int64_t> encode(const std::string& sentence) const;
  // P/R/F1 per pair, batched (64) in input order as bert_score.score.
  std::vector<BertScore> score(const std::vector<std::string>& candidates,
                               const std::vector<std::string>& references, size_t batch_size = 64) const;

 private:
  BertScorer(BpeTokenizer tokenizer, LedEncoder encoder, int64_t num_layers, int64_t max_length);
  TokenEmbeddings embed(const std::vector<int64_t>& ids) const;
  BpeTokenizer tokenizer_;
  LedEncoder encoder_;
  int64_t num_layers_;
  int64_t max_length_;
  int64_t cls_id_ = 0, sep_id_ = 2;
};

}  // namespace dep
