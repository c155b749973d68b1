// Tokenizer corpus and decoder pretraining examples from a DEP split (see tiny_corpus.h).
#include "dep/demo/tiny_corpus.h"

#include <algorithm>
#include <random>

#include "dep/data/dep_prompt.h"
#include "dep/core/error.h"
#include "dep/data/review_embeddings.h"

namespace dep {
namespace {

const ItemMeta& meta_of(const DepData& split, const std::string& asin) {
  auto it = split.meta.find(asin);
  if (it == split.meta.end()) fail("tiny corpus", "no meta for asin " + asin);
  return it->second;
}

}  // namespace

std::vector<std::string> tokenizer_corpus(const DepData& split) {
  std::vector<std::string> texts = {system_prompt(PromptVariant::kDep), system_prompt(PromptVariant::kItemOnly)};
  for (const auto& sr : split.rows) {
    const auto reviews = reviews_oldest_first(sr.row);
    for (size_t i = 0; i < reviews.size(); ++i) {
      const Review& r = *reviews[i];
      const ItemMeta& item = meta_of(split, r.asin);
      texts.push_back(r.text);
      // The prompt wording with this review's fields (labels, rating formatting, titles).
      texts.push_back(user_message(item, r, history_header() + history_entry(0, r, item, PromptVariant::kDep)));
    }
  }
  return texts;
}

std::vector<LmExample> pretraining_examples(const DepData& split, const PretrainCorpusOptions& options,
                                            const ReviewEmbeddings* embeddings) {
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const std::string non_perso_system = system_prompt(PromptVariant::kItemOnly);
  const std::string dep_system = system_prompt(PromptVariant::kDep);
  std::vector<LmExample> out;
  for (const auto& sr : split.rows) {
    const auto reviews = reviews_oldest_first(sr.row);
    const float* user_rows = nullptr;
    int64_t stored = 0;
    if (embeddings) {
      user_rows = embeddings->user_rows(sr.category, sr.row.user_id, &stored);
      if (stored < static_cast<int64_t>(reviews.size()) - 1) {
        fail("pretrain embeddings", sr.category + "/" + sr.row.user_id + " has " + std::to_string(stored) +
                                        " stored review embeddings, the train row needs " +
                                        std::to_string(reviews.size() - 1));
      }
    }
    for (size_t j = 0; j < reviews.size(); ++j) {
      const Review& target = *reviews[j];
      const ItemMeta& item = meta_of(split, target.asin);
      out.push_back({chat_prompt(non_perso_system, user_message(item, target, ""), false), target.text, {}});
      if (j == 0 || uniform(rng) >= options.dep_fraction) continue;
      std::string history = history_header();
      LmExample example;
      const auto k = std::min<int64_t>(options.max_history, static_cast<int64_t>(j));
      for (int64_t i = 0; i < k; ++i) {
        const size_t past_index = j - 1 - static_cast<size_t>(i);
        const Review& past = *reviews[past_index];
        history += history_entry(static_cast<int>(i), past, meta_of(split, past.asin), PromptVariant::kDep);
        if (user_rows) {
          const float* row = user_rows + static_cast<int64_t>(past_index) * embeddings->dim();
          example.his_embeddings.emplace_back(row, row + embeddings->dim());
        }
      }
      example.prompt = chat_prompt(dep_system, user_message(item, target, history), false);
      example.target = target.text;
      out.push_back(std::move(example));
    }
  }
  return out;
}

}  // namespace dep
