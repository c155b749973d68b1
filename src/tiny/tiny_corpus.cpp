// Tokenizer corpus and decoder pretraining examples from a DEP split (see tiny_corpus.h).
#include "dep/tiny_corpus.h"

#include <algorithm>
#include <random>

#include "dep/dep_prompt.h"
#include "dep/error.h"

namespace dep {
namespace {

const ItemMeta& meta_of(const DepData& split, const std::string& asin) {
  auto it = split.meta.find(asin);
  if (it == split.meta.end()) fail("tiny corpus", "no meta for asin " + asin);
  return it->second;
}

// The row's reviews in time order: the profile (oldest first), then the row's target.
std::vector<const Review*> reviews_of(const UserRow& row) {
  std::vector<const Review*> out;
  for (const auto& r : row.profile) out.push_back(&r);
  out.push_back(&row.data);
  return out;
}

}  // namespace

std::vector<std::string> tokenizer_corpus(const DepData& split) {
  std::vector<std::string> texts = {system_prompt(PromptVariant::kDep), system_prompt(PromptVariant::kItemOnly)};
  for (const auto& sr : split.rows) {
    const auto reviews = reviews_of(sr.row);
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

std::vector<LmExample> pretraining_examples(const DepData& split, const PretrainCorpusOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const std::string non_perso_system = system_prompt(PromptVariant::kItemOnly);
  const std::string dep_system = system_prompt(PromptVariant::kDep);
  std::vector<LmExample> out;
  for (const auto& sr : split.rows) {
    const auto reviews = reviews_of(sr.row);
    for (size_t j = 0; j < reviews.size(); ++j) {
      const Review& target = *reviews[j];
      const ItemMeta& item = meta_of(split, target.asin);
      out.push_back({chat_prompt(non_perso_system, user_message(item, target, ""), false), target.text});
      if (j == 0 || uniform(rng) >= options.dep_fraction) continue;
      std::string history = history_header();
      const auto k = std::min<int64_t>(options.max_history, static_cast<int64_t>(j));
      for (int64_t i = 0; i < k; ++i) {
        const Review& past = *reviews[j - 1 - static_cast<size_t>(i)];
        history += history_entry(static_cast<int>(i), past, meta_of(split, past.asin), PromptVariant::kDep);
      }
      out.push_back({chat_prompt(dep_system, user_message(item, target, history), false), target.text});
    }
  }
  return out;
}

}  // namespace dep
