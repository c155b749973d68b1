// XLM-R style Unigram tokenizer against the Hugging Face ids in xlmr-tokenizer/cases.jsonl, from
// both the tokenizer.json and the sentencepiece model.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "text_test_support.h"

namespace {

using dep::test::fixture;
using dep::test::ids_of;
using dep::test::read_jsonl;

void check_all_cases(const dep::UnigramTokenizer& tok) {
  const auto cases = read_jsonl(fixture("xlmr-tokenizer/cases.jsonl"));
  REQUIRE(cases.size() >= 290);
  size_t ok = 0;
  for (const auto& c : cases) {
    const auto got = tok.encode(c["text"].get<std::string>());
    if (got == ids_of(c["ids"])) {
      ++ok;
    } else {
      UNSCOPED_INFO("mismatch " << c["id"].get<std::string>());
    }
  }
  CHECK(ok == cases.size());
}

TEST_CASE("every case in xlmr-tokenizer/cases.jsonl matches Hugging Face (tokenizer.json)", "[text][unigram]") {
  check_all_cases(dep::test::xlmr_tokenizer());
}

TEST_CASE("every case in xlmr-tokenizer/cases.jsonl matches Hugging Face (sentencepiece.bpe.model)",
          "[text][unigram]") {
  check_all_cases(dep::UnigramTokenizer::load(fixture("xlmr-tokenizer/sentencepiece.bpe.model")));
}

}  // namespace
