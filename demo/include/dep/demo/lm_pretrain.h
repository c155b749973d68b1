// Full-parameter language-model pretraining of a small Qwen2 decoder (the demo's tiny model) on
// (prompt, review) pairs, so that the decoder the DEP pipeline then freezes already writes
// review-like text. Loss: cross-entropy over the review tokens + <|im_end|> against the full
// vocabulary. Only the rows the tokenizer can produce are trained; the other rows stay zero, so
// their logits are exactly 0 and enter the softmax as one constant term (exact, and cheap with a
// 151,685-row vocabulary).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/demo/tiny_corpus.h"

namespace dep {

struct PretrainOptions {
  int64_t epochs = 3;
  int64_t max_steps = 0;       // stop after this many updates (0 = all epochs); also the schedule length
  int64_t batch_size = 16;
  int64_t batch_tokens = 4096;  // most padded tokens per batch
  double lr = 3e-3;
  double weight_decay = 0.01;
  double warmup_ratio = 0.05;  // linear warmup, then cosine decay to 10% of lr
  double clip = 1.0;
  int64_t max_tokens = 2048;   // longer examples are dropped (counted in the report)
  uint64_t seed = 1;
};

struct PretrainReport {
  int64_t examples = 0;
  int64_t dropped = 0;
  int64_t steps = 0;
  int64_t tokens = 0;         // input tokens processed (all epochs)
  double first_loss = 0;      // mean loss of the first epoch
  double last_loss = 0;       // mean loss of the last epoch
  double seconds = 0;
};

// Reads the decoder in `model_dir`, trains it and writes the result (config, generation config,
// tokenizer, model.safetensors with Hugging Face tensor names) to `out_dir`.
PretrainReport pretrain_decoder(const std::string& model_dir, const std::vector<LmExample>& examples,
                                const PretrainOptions& options, const std::string& out_dir);

}  // namespace dep
