// Tokenizer corpus and decoder pretraining examples from a DEP split (see tiny_corpus.h).
#include "dep/demo/tiny_corpus.h"

#include <algorithm>
#include <memory>
#include <random>

#include "dep/data/dep_prompt.h"
#include "dep/core/error.h"
#include "dep/data/review_embeddings.h"
#include "dep/data/sample_builder.h"

namespace dep {
namespace {

const ItemMeta& meta_of(const DepData& split, const std::string& asin) {
  auto it = split.meta.find(asin);
  if (it == split.meta.end()) fail("tiny corpus", "no meta for asin " + asin);
  return it->second;
}

// The DEP prompt with some history entries reduced to their placeholders: the entry as the
// "no text" prompt renders it replaces the entry with text.
std::string drop_entry_texts(std::string prompt, const DepSample& sample, const SplitRow& row, const DepData& split,
                             double dropout, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (size_t i = 0; i < sample.history_asins.size(); ++i) {
    if (uniform(rng) >= dropout) continue;
    const auto review = std::find_if(row.row.profile.begin(), row.row.profile.end(),
                                     [&](const Review& r) { return r.asin == sample.history_asins[i]; });
    if (review == row.row.profile.end()) fail_internal("tiny corpus", "history review " + sample.history_asins[i] + " not in the profile");
    const ItemMeta& item = meta_of(split, review->asin);
    const std::string with_text = history_entry(static_cast<int>(i), *review, item, PromptVariant::kDep);
    const auto at = prompt.find(with_text);
    if (at == std::string::npos) fail_internal("tiny corpus", "DEP history entry " + std::to_string(i) + " not found in its prompt");
    prompt.replace(at, with_text.size(), history_entry(static_cast<int>(i), *review, item, PromptVariant::kNoText));
  }
  return prompt;
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

std::vector<LmExample> pretraining_examples(const DataConfig& config, const DepData& split, const TokenEncoder& encode,
                                            const ReviewEmbeddings* embeddings, const PretrainCorpusOptions& options) {
  // Every target is shown item-only, in the his+diff "no text" prompt (the soft vectors alone: the
  // format the decoder most needs to learn to read), and in one more personalized format drawn by
  // share: the DEP prompt, the RAG prompt (text only), his only, diff only.
  struct Format {
    PromptVariant variant;
    const char* name;
    double share;
  };
  std::vector<Format> formats = {{PromptVariant::kDep, "dep", 0.35}, {PromptVariant::kItemAndReviews, "item_and_reviews", 0.35}};
  if (embeddings) {
    formats.push_back({PromptVariant::kHisOnlyNoText, "his_only_no_text", 0.15});
    formats.push_back({PromptVariant::kDiffOnlyNoText, "diff_only_no_text", 0.15});
  }
  auto builder_for = [&](PromptVariant variant, const char* name) {
    DataConfig c = config;
    c.prompt.variant = name;
    if (!shows_review_text(variant)) c.history.k = c.embeddings.slots;  // no text: every slot fits
    return std::make_unique<DepSampleBuilder>(c, split, encode, embeddings);
  };
  std::vector<std::unique_ptr<DepSampleBuilder>> builders;
  std::vector<double> cumulative;
  double total = 0;
  for (const auto& f : formats) {
    builders.push_back(builder_for(f.variant, f.name));
    cumulative.push_back(total += f.share);
  }
  std::unique_ptr<DepSampleBuilder> no_text;
  if (embeddings) no_text = builder_for(PromptVariant::kNoText, "no_text");
  std::vector<const char*> names;
  for (const auto& f : formats) names.push_back(f.name);
  DataConfig item_only_config = config;
  item_only_config.prompt.variant = "item_only";
  const DepSampleBuilder item_only(item_only_config, split, encode, nullptr);

  std::mt19937_64 rng(options.seed);
  std::mt19937_64 dropout_rng(options.seed + 1);  // its own stream: the formats drawn do not depend on the dropout
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<LmExample> out;
  for (const auto& sr : split.rows) {
    // Every review the row's user wrote up to its target, each as a target with the earlier ones
    // as its profile (a prefix of the test profile, as the builder requires).
    std::vector<Review> reviews = sr.row.profile;
    reviews.push_back(sr.row.data);
    for (size_t j = 0; j < reviews.size(); ++j) {
      SplitRow row{sr.category, UserRow{}};
      row.row.user_id = sr.row.user_id;
      row.row.profile.assign(reviews.begin(), reviews.begin() + static_cast<std::ptrdiff_t>(j));
      row.row.data = reviews[j];
      const DepSample plain = item_only.build(row, /*training=*/false);
      out.push_back({plain.prompt, plain.target, {}, "item_only"});
      if (j == 0 || uniform(rng) >= options.personalized_fraction) continue;
      const double pick = uniform(rng) * total;
      const size_t f = static_cast<size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), pick) -
                                           cumulative.begin());
      const size_t drawn = std::min(f, builders.size() - 1);
      for (const auto& [builder, name] : {std::pair<const DepSampleBuilder*, const char*>{no_text.get(), "no_text"},
                                          {builders[drawn].get(), names[drawn]}}) {
        if (!builder) continue;
        const DepSample sample = builder->build(row, /*training=*/false);
        LmExample example{sample.prompt, sample.target, {}, name};
        if (options.dep_text_dropout > 0 && std::string(name) == "dep")
          example.prompt = drop_entry_texts(sample.prompt, sample, row, split, options.dep_text_dropout, dropout_rng);
        if (embeddings) {
          for (int64_t i = 0; i < sample.slots; ++i) {
            const auto at = [&](int64_t r) { return std::vector<float>(sample.row(r), sample.row(r) + sample.dim); };
            if (sample.his_positions[static_cast<size_t>(i)] >= 0)
              example.soft.push_back({his_placeholder(static_cast<int>(i)), at(i)});
            if (sample.diff_positions[static_cast<size_t>(i)] >= 0)
              example.soft.push_back({diff_placeholder(static_cast<int>(i)), at(sample.slots + i)});
          }
        }
        out.push_back(std::move(example));
      }
    }
  }
  return out;
}

}  // namespace dep
