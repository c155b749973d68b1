// Unigram tokenizer beyond the fixture cases: truncation, both Metaspace spellings, the Strip(right)
// layout of newer converters, decoding, and load errors for files and sentencepiece models.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "test_paths.h"
#include "text_test_support.h"

namespace {

using dep::test::fixture;
using dep::test::ids_of;
using dep::test::read_jsonl;

nlohmann::json xlmr_json() { return dep::read_json_file(fixture("xlmr-tokenizer/tokenizer.json")); }

TEST_CASE("XLM-R specials, empty and whitespace-only input, truncation keeping </s>", "[text][unigram]") {
  const auto& tok = dep::test::xlmr_tokenizer();
  CHECK(tok.encode("") == std::vector<int64_t>{0, 2});
  CHECK(tok.encode_plain("").empty());
  CHECK(tok.encode("   ") == std::vector<int64_t>{0, 4, 2});
  CHECK(tok.encode("trailing ") == std::vector<int64_t>{0, 194, 13, 705, 49, 4, 2});
  CHECK(tok.special_tokens_added() == 2);
  CHECK(tok.token_to_id("<mask>") == 2001);
  CHECK(tok.vocab_size() == 2002);

  const std::string text = read_jsonl(fixture("xlmr-tokenizer/cases.jsonl")).at(0)["text"].get<std::string>();
  const auto full = tok.encode(text);
  REQUIRE(full.size() > 10);
  for (size_t max_length : {size_t{2}, size_t{3}, size_t{8}, full.size() - 1, full.size(), full.size() + 5}) {
    const auto cut = tok.encode(text, max_length);
    CHECK(cut.size() == std::min(max_length, full.size()));
    CHECK(cut.front() == 0);
    CHECK(cut.back() == 2);
    // The kept ids are the first ones of the untruncated encoding.
    CHECK(std::equal(cut.begin(), cut.end() - 1, full.begin()));
  }
  CHECK_THROWS_AS(tok.encode(text, 1), dep::Error);

  // 1 MB of text and of one unknown script character.
  std::string big;
  while (big.size() < (1u << 20)) big += text + " ";
  CHECK(tok.encode(big).size() > 100000);
  std::string unknown;
  while (unknown.size() < (1u << 20)) unknown += "\xE1\x83\x90";  // Georgian: never seen, one fused <unk>
  CHECK(tok.encode(unknown) == std::vector<int64_t>{0, 4, 3, 2});
  // Invalid UTF-8 is repaired to U+FFFD first.
  CHECK(tok.encode("ab\xff") == tok.encode("ab\xEF\xBF\xBD"));
}

TEST_CASE("Metaspace old spelling and the Strip(right) normalizer layout", "[text][unigram]") {
  const auto cases = read_jsonl(fixture("xlmr-tokenizer/cases.jsonl"));
  auto old = xlmr_json();
  old["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"add_prefix_space", true}};
  old["decoder"] = old["pre_tokenizer"];
  const auto old_tok = dep::UnigramTokenizer::from_json(old, "old-metaspace");
  for (const auto& c : cases) REQUIRE(old_tok.encode(c["text"].get<std::string>()) == ids_of(c["ids"]));

  // Newer converters insert Strip(right) before Replace: trailing whitespace no longer leaves a "▁".
  auto stripped = xlmr_json();
  auto& steps = stripped["normalizer"]["normalizers"];
  steps.insert(steps.begin() + 1, nlohmann::json{{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}});
  const auto strip_tok = dep::UnigramTokenizer::from_json(stripped, "strip-layout");
  CHECK(strip_tok.encode("trailing ") == std::vector<int64_t>{0, 194, 13, 705, 49, 2});
  CHECK(strip_tok.encode("   ") == std::vector<int64_t>{0, 2});
  size_t same = 0;
  for (const auto& c : cases) {
    const std::string text = c["text"].get<std::string>();
    const bool trailing_space = !text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t');
    if (!trailing_space && strip_tok.encode(text) == ids_of(c["ids"])) ++same;
  }
  CHECK(same > 250);

  // prepend_scheme never: no "▁" in front.
  auto never = xlmr_json();
  never["pre_tokenizer"]["prepend_scheme"] = "never";
  const auto never_tok = dep::UnigramTokenizer::from_json(never, "never");
  const auto with = dep::test::xlmr_tokenizer().encode_plain("great");
  CHECK(never_tok.encode_plain("great") != with);
  CHECK(never_tok.encode_plain(" great") == with);
}

TEST_CASE("XLM-R decode drops the prefix space and can skip specials", "[text][unigram]") {
  const auto& tok = dep::test::xlmr_tokenizer();
  const auto ids = tok.encode("Works great!");
  CHECK(tok.decode(ids, true) == "Works great!");
  CHECK(tok.decode(ids, false) == "<s> Works great!</s>");
  CHECK(tok.decode({}, true).empty());
}

TEST_CASE("Unigram load errors name what is wrong", "[text][unigram]") {
  auto bpe = xlmr_json();
  bpe["model"]["type"] = "BPE";
  CHECK_THROWS_WITH(dep::UnigramTokenizer::from_json(bpe, "x"), Catch::Contains("'BPE' is not Unigram"));
  auto fallback = xlmr_json();
  fallback["model"]["byte_fallback"] = true;
  CHECK_THROWS_WITH(dep::UnigramTokenizer::from_json(fallback, "x"), Catch::Contains("byte_fallback"));
  auto whitespace = xlmr_json();
  whitespace["pre_tokenizer"] = {{"type", "Whitespace"}};
  CHECK_THROWS_WITH(dep::UnigramTokenizer::from_json(whitespace, "x"), Catch::Contains("Whitespace"));
  auto nmt = xlmr_json();
  nmt["normalizer"]["normalizers"].push_back({{"type", "Nmt"}});
  CHECK_THROWS_WITH(dep::UnigramTokenizer::from_json(nmt, "x"), Catch::Contains("unsupported normalizer 'Nmt'"));
  auto bad_map = xlmr_json();
  bad_map["normalizer"]["normalizers"][0]["precompiled_charsmap"] = "AAAA";
  CHECK_THROWS_WITH(dep::UnigramTokenizer::from_json(bad_map, "x"), Catch::Contains("precompiled_charsmap"));
  auto bad_vocab = xlmr_json();
  bad_vocab["model"]["vocab"][5] = "oops";
  CHECK_THROWS_WITH(dep::UnigramTokenizer::from_json(bad_vocab, "x"), Catch::Contains("model.vocab[5]"));

  // sentencepiece models: truncated or not a model at all.
  const std::string dir = dep::test::scratch_dir("unigram_errors");
  const std::string model = dep::read_file(fixture("xlmr-tokenizer/sentencepiece.bpe.model"));
  dep::write_file_atomic(dir + "/cut.model", model.substr(0, model.size() / 2));
  CHECK_THROWS_WITH(dep::UnigramTokenizer::load(dir + "/cut.model"), Catch::Contains("cut.model"));
  dep::write_file_atomic(dir + "/text.model", "this is not a protobuf");
  CHECK_THROWS_AS(dep::UnigramTokenizer::load(dir + "/text.model"), dep::Error);
  CHECK_THROWS_WITH(dep::UnigramTokenizer::load(dir), Catch::Contains("no tokenizer.json or sentencepiece.bpe.model"));
}

}  // namespace
