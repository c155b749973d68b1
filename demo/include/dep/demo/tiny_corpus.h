// What the demo's tiny models learn from: the synthetic train split only (its profiles and
// targets, never a val or test target). Texts for the tokenizers, and (prompt, review) pairs for
// pretraining the decoder in the two prompt formats the pipeline later uses frozen.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/data/dep_dataset.h"

namespace dep {

class ReviewEmbeddings;

struct LmExample {
  std::string prompt;  // the rendered ChatML prompt, ending in "<|im_start|>assistant\n"
  std::string target;  // the review text (the model also learns to end it with <|im_end|>)
  // DEP-format prompts with embeddings: row i ([his_dim] floats) is the review embedding of the
  // i-th history entry, read at [HIS_TOKEN_i]; empty otherwise.
  std::vector<std::vector<float>> his_embeddings;
};

struct PretrainCorpusOptions {
  double dep_fraction = 0.15;  // share of reviews that also get a DEP-format prompt
  int64_t max_history = 4;     // most earlier reviews shown in a DEP-format prompt
  uint64_t seed = 1;
};

// Review texts and titles, item titles and descriptions of the split's rows, and the prompts'
// fixed wording (system prompts, field labels), each once per occurrence.
std::vector<std::string> tokenizer_corpus(const DepData& split);

// For every review of every row (profile reviews and the row's target): the Non-Perso prompt
// (item only) and, for a seeded `dep_fraction` of them, the DEP prompt whose history is the user's
// earlier reviews, newest first, with their soft-token placeholders (docs/reference-behaviour.md §8). With `embeddings`
// (a store holding every review of the split's users), DEP-format examples also carry the
// history reviews' embeddings, so the decoder learns to read the writer from [HIS_TOKEN_i].
std::vector<LmExample> pretraining_examples(const DepData& split, const PretrainCorpusOptions& options,
                                            const ReviewEmbeddings* embeddings = nullptr);

}  // namespace dep
