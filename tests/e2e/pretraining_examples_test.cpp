// The demo decoder's pretraining pairs: with text dropout, the DEP prompt's history entries lose
// their text but keep their placeholders (the decoder learns to read soft vectors beside text).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/review_embeddings.h"
#include "dep/data/synthetic_data.h"
#include "dep/demo/tiny_corpus.h"
#include "test_paths.h"

namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("pretraining's DEP prompts drop entry texts at the given rate and keep every placeholder", "[demo][pretrain]") {
  const std::string dir = dep::test::scratch_dir("demo-pretrain-examples-" + std::to_string(::getpid()));
  dep::SynthConfig synth;
  synth.users = {3, 3, 3};
  synth.items = 24;
  synth.max_profile = 9;
  synth.mean_extra_profile = 1.0;
  dep::write_synthetic_dpl(dep::generate_synthetic(synth), dir);
  dep::DataConfig config;
  config.data.root = dir;
  const auto test = dep::load_dep_data(config, dep::DepSplit::kTest);
  const auto train = dep::load_dep_data(config, dep::DepSplit::kTrain);
  dep::InMemoryReviewEmbeddings embeddings(4);
  for (const auto& [category, rows] : test.test_rows)
    for (const auto& row : rows)
      embeddings.add(category, row.user_id, std::vector<float>(4 * (row.profile.size() + 1), 0.5f));
  const auto tokenizer = dep::load_dep_tokenizer(dep::test::fixture("qwen2.5-tokenizer/dep-tokenizer.json"));
  const auto encoder = dep::encoder_of(tokenizer);

  auto dep_examples = [&](double dropout) {
    dep::PretrainCorpusOptions options;
    options.dep_text_dropout = dropout;
    std::vector<dep::LmExample> out;
    for (auto& e : dep::pretraining_examples(config, train, encoder, &embeddings, options))
      if (e.format == "dep") out.push_back(std::move(e));
    return out;
  };
  const auto kept = dep_examples(0.0), dropped = dep_examples(1.0), half = dep_examples(0.5);
  REQUIRE(!kept.empty());
  REQUIRE(kept.size() == dropped.size());
  size_t texts_kept = 0, texts_half = 0, entries = 0;
  for (size_t i = 0; i < kept.size(); ++i) {
    const size_t n = count_of(kept[i].prompt, "\n- [Review ");
    entries += n;
    texts_kept += count_of(kept[i].prompt, "  - [Review Text]: ");
    // The same example without any entry text: every placeholder and soft vector stays.
    CHECK(count_of(dropped[i].prompt, "  - [Review Text]: ") == 0);
    CHECK(count_of(dropped[i].prompt, "  - [Item Description]: ") == 0);
    CHECK(count_of(dropped[i].prompt, "\n- [Review ") == n);
    CHECK(count_of(dropped[i].prompt, "[HIS_TOKEN_") == count_of(kept[i].prompt, "[HIS_TOKEN_"));
    CHECK(count_of(dropped[i].prompt, "[DIFF_TOKEN_") == count_of(kept[i].prompt, "[DIFF_TOKEN_"));
    CHECK(dropped[i].soft.size() == kept[i].soft.size());
    CHECK(dropped[i].target == kept[i].target);
  }
  REQUIRE(half.size() == kept.size());
  for (const auto& e : half) texts_half += count_of(e.prompt, "  - [Review Text]: ");
  CHECK(texts_kept == entries);
  // About half of the entries keep their text (a seeded draw per entry).
  CHECK(texts_half > entries / 4);
  CHECK(texts_half < 3 * entries / 4);
}
