// Length-bucketed batching: the plan covers every sequence once within its bounds, truncation keeps
// </s>, and embeddings come back in input order equal to the fixture's, whatever the batching.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <random>

#include "dep/embed/embed_file.h"
#include "dep/core/error.h"
#include "dep/embed/length_batching.h"
#include "dep/torch/tensor_io.h"
#include "dep/embed/text_embedder.h"
#include "test_paths.h"

TEST_CASE("length batches cover every sequence once, longest first, within the bounds", "[batching]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> length(1, 700);
  std::vector<int64_t> lengths(500);
  for (auto& l : lengths) l = length(rng);
  lengths[17] = 5000;  // longer than max_batch_tokens: a batch of its own
  dep::BatchingOptions options;
  options.max_batch_tokens = 4096;
  options.max_batch_size = 16;
  const auto batches = dep::plan_length_batches(lengths, options);
  std::vector<int> seen(lengths.size(), 0);
  int64_t previous = std::numeric_limits<int64_t>::max();
  for (const auto& batch : batches) {
    REQUIRE(!batch.items.empty());
    CHECK(static_cast<int64_t>(batch.items.size()) <= options.max_batch_size);
    CHECK(batch.padded_length == lengths[batch.items.front()]);
    if (batch.items.size() > 1) CHECK(batch.padded_length * static_cast<int64_t>(batch.items.size()) <= 4096);
    for (size_t i : batch.items) {
      ++seen[i];
      CHECK(lengths[i] <= previous);
      previous = lengths[i];
    }
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
  CHECK(batches.front().items == std::vector<size_t>{17});
  CHECK(dep::plan_length_batches({}, options).empty());
}

TEST_CASE("truncation keeps the final </s>", "[batching]") {
  CHECK(dep::truncate_keeping_last({0, 5, 6, 7, 8, 2}, 4) == std::vector<int64_t>{0, 5, 6, 2});
  CHECK(dep::truncate_keeping_last({0, 5, 2}, 4) == std::vector<int64_t>{0, 5, 2});
  CHECK_THROWS_AS(dep::truncate_keeping_last({0, 2}, 0), dep::Error);
}

TEST_CASE("the XLM-R tokenizer adapter truncates to max_length keeping <s> and </s>", "[batching][fixtures]") {
  const auto tokenize = dep::load_xlmr_tokenizer(dep::test::fixture("xlmr-tokenizer/tokenizer.json"));
  const std::string text = "This blender is great, but the lid cracked after two weeks of daily smoothies.";
  const auto full = tokenize(text, 8192);
  REQUIRE(full.size() > 8);
  CHECK(full.front() == 0);
  CHECK(full.back() == 2);
  const auto cut = tokenize(text, 8);
  CHECK(cut == dep::truncate_keeping_last(full, 8));
}

TEST_CASE("bucketed embedding returns the fixture's vectors in input order", "[batching][fixtures]") {
  const auto ref = dep::load_safetensors(dep::test::fixture("tiny-xlmr/reference.safetensors"));
  const auto encoder = dep::XlmrEncoder::load(dep::test::fixture("tiny-xlmr"));
  const torch::Tensor ids = ref.at("input_ids").to(torch::kLong), mask = ref.at("attention_mask");
  std::vector<std::vector<int64_t>> rows;
  std::vector<int64_t> expected_row;
  // Each fixture row twice, interleaved, so batches mix lengths and repeat texts.
  for (int rep = 0; rep < 2; ++rep) {
    for (int64_t b = ids.size(0) - 1; b >= 0; --b) {
      const int64_t len = mask[b].sum().item<int64_t>();
      const torch::Tensor row = ids[b].slice(0, 0, len).contiguous();
      rows.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + len);
      expected_row.push_back(b);
    }
  }
  for (int64_t batch_size : {1, 3, 64}) {
    dep::BatchingOptions options;
    options.max_batch_size = batch_size;
    const dep::TextEmbedder embedder(encoder, {}, options);
    int64_t reported = 0;
    const torch::Tensor dense = embedder.embed_ids(rows, [&](int64_t n) { reported += n; });
    CHECK(reported == static_cast<int64_t>(rows.size()));
    const torch::Tensor expected =
        ref.at("dense_embedding").index_select(0, torch::tensor(expected_row, torch::kLong));
    INFO("batch size " << batch_size);
    CHECK((dense - expected).abs().max().item<double>() <= 1e-4);
  }
}

TEST_CASE("dep-model embed's library call writes hidden states and dense embeddings", "[embed_file][fixtures]") {
  const std::string dir = dep::test::scratch_dir("embed-file");
  const auto ref = dep::load_safetensors(dep::test::fixture("tiny-xlmr/reference.safetensors"));
  dep::save_safetensors(dir + "/in.safetensors",
                        {{"input_ids", ref.at("input_ids").to(torch::kInt32)}, {"attention_mask", ref.at("attention_mask")}});
  dep::run_embed_file(dep::test::fixture("tiny-xlmr"), dir + "/in.safetensors", dir + "/out.safetensors");
  const auto out = dep::load_safetensors(dir + "/out.safetensors");
  REQUIRE(out.at("last_hidden_state").scalar_type() == torch::kFloat32);
  const torch::Tensor keep = ref.at("attention_mask").ne(0).unsqueeze(-1);
  const torch::Tensor expected = ref.at("last_hidden_state") * keep;
  CHECK((out.at("last_hidden_state") - expected).abs().max().item<double>() <= 1e-4);
  CHECK((out.at("dense_embedding") - ref.at("dense_embedding")).abs().max().item<double>() <= 1e-4);

  dep::save_safetensors(dir + "/no-mask.safetensors", {{"input_ids", ref.at("input_ids")}});
  CHECK_THROWS_WITH(dep::run_embed_file(dep::test::fixture("tiny-xlmr"), dir + "/no-mask.safetensors", dir + "/x.safetensors"),
                    Catch::Contains("missing tensor 'attention_mask'"));
  dep::save_safetensors(dir + "/float-ids.safetensors",
                        {{"input_ids", ref.at("input_ids").to(torch::kFloat32)}, {"attention_mask", ref.at("attention_mask")}});
  CHECK_THROWS_WITH(dep::run_embed_file(dep::test::fixture("tiny-xlmr"), dir + "/float-ids.safetensors", dir + "/x.safetensors"),
                    Catch::Contains("input_ids"));
}
