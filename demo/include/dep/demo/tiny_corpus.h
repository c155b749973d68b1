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

struct TokenEncoder;

// A soft vector the decoder reads at a placeholder token during pretraining.
struct SoftInput {
  std::string token;         // "[HIS_TOKEN_i]" or "[DIFF_TOKEN_i]"
  std::vector<float> value;  // the review (his) or difference (diff) embedding
};

struct LmExample {
  std::string prompt;  // the rendered ChatML prompt, ending in "<|im_start|>assistant\n"
  std::string target;  // the review text (the model also learns to end it with <|im_end|>)
  std::vector<SoftInput> soft;  // personalized prompts with embeddings: what each placeholder reads
  std::string format;           // the prompt variant's name ("item_only", "no_text", ...)
};

struct PretrainCorpusOptions {
  double personalized_fraction = 1.0;  // share of reviews that also get a personalized prompt
  // Share of the DEP prompt's history entries shown without their text (placeholders only), so
  // that the decoder learns to read the soft vectors also inside a prompt that shows reviews.
  double dep_text_dropout = 0.0;
  uint64_t seed = 1;
};

// Review texts and titles, item titles and descriptions of the split's rows, and the prompts'
// fixed wording (system prompts, field labels), each once per occurrence.
std::vector<std::string> tokenizer_corpus(const DepData& split);

// Pretraining pairs built by the data pipeline itself (DepSampleBuilder), so the decoder sees the
// prompts the pipeline later shows it frozen. For every review of every train row (each target
// with the user's earlier reviews as its profile): the Non-Perso prompt (item only) and, for a
// seeded `personalized_fraction`, the his+diff "no text" prompt (K = the slot count) and one more
// personalized prompt drawn from the DEP prompt (K = config.history.k reviews as text +
// placeholders), the RAG prompt (text only) and the his-only and diff-only "no text" prompts. With
// `embeddings` the prompts carry their his/diff vectors, so the decoder learns to read the writer
// at the placeholders; without, only the text formats are drawn. With `dep_text_dropout`, each
// history entry of a DEP prompt loses its text with that probability (it keeps its placeholders).
std::vector<LmExample> pretraining_examples(const DataConfig& config, const DepData& split, const TokenEncoder& encode,
                                            const ReviewEmbeddings* embeddings, const PretrainCorpusOptions& options);

}  // namespace dep
