// Qwen2.5 and DEP byte-level BPE against the Hugging Face ids in the fixtures (no tolerance).
#include <catch2/catch.hpp>

#include "dep/text/unicode.h"
#include "test_paths.h"
#include "text_test_support.h"

namespace {

using dep::test::fixture;
using dep::test::ids_of;
using dep::test::read_jsonl;

TEST_CASE("Qwen2.5 golden ids from the spec", "[text][bpe]") {
  const auto& tok = dep::test::qwen_tokenizer();
  CHECK(tok.encode("Hello world") == std::vector<int64_t>{9707, 1879});
  CHECK(tok.encode(" Hello world") == std::vector<int64_t>{21927, 1879});
  CHECK(tok.vocab_size() == 151665);
  CHECK(tok.encode(" Hello world", 1) == std::vector<int64_t>{21927});
  CHECK(tok.encode(" Hello world", 0) == std::vector<int64_t>{21927, 1879});
  CHECK(tok.encode(" Hello world", 5) == std::vector<int64_t>{21927, 1879});
  CHECK(dep::test::dep_tokenizer().vocab_size() == 151685);
}

TEST_CASE("every case in qwen2.5-tokenizer/cases.jsonl matches Hugging Face", "[text][bpe]") {
  const auto& qwen = dep::test::qwen_tokenizer();
  const auto& dep_tok = dep::test::dep_tokenizer();
  const auto cases = read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"));
  REQUIRE(cases.size() >= 400);
  size_t ids_ok = 0, dep_ok = 0, decoded_ok = 0, roundtrip_ok = 0;
  for (const auto& c : cases) {
    const std::string text = c["text"].get<std::string>();
    const auto expected = ids_of(c["ids"]);
    const auto expected_dep = ids_of(c["dep_ids"]);
    const auto got = qwen.encode(text);
    const auto got_dep = dep_tok.encode(text);
    if (got == expected) {
      ++ids_ok;
    } else {
      UNSCOPED_INFO("qwen mismatch " << c["id"].get<std::string>());
    }
    if (got_dep == expected_dep) {
      ++dep_ok;
    } else {
      UNSCOPED_INFO("dep mismatch " << c["id"].get<std::string>());
    }
    const std::string decoded = qwen.decode(expected);
    if (decoded == c["decoded"].get<std::string>()) ++decoded_ok;
    if (dep_tok.decode(expected_dep) == c["decoded"].get<std::string>() &&
        decoded == dep::unicode_normalize(text, dep::NormalForm::kNfc)) {
      ++roundtrip_ok;
    } else {
      UNSCOPED_INFO("roundtrip mismatch " << c["id"].get<std::string>());
    }
  }
  CHECK(ids_ok == cases.size());
  CHECK(dep_ok == cases.size());
  CHECK(decoded_ok == cases.size());
  CHECK(roundtrip_ok == cases.size());
}

TEST_CASE("every chat prompt in prompts.jsonl tokenizes to the Hugging Face ids", "[text][bpe]") {
  const auto prompts = read_jsonl(fixture("qwen2.5-tokenizer/prompts.jsonl"));
  REQUIRE(prompts.size() == 5);
  for (const auto& p : prompts) {
    const std::string text = p["text"].get<std::string>();
    CHECK(dep::test::qwen_tokenizer().encode(text) == ids_of(p["ids"]));
    CHECK(dep::test::dep_tokenizer().encode(text) == ids_of(p["dep_ids"]));
  }
}

}  // namespace
