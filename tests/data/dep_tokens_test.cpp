// Special-token ids by their strings: Qwen2.5's DEP tokenizer gives the reference ids, a small
// vocabulary gives its own, and a tokenizer lacking a needed token is a one-line error.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_tokens.h"
#include "test_paths.h"

namespace {

// A byte-level tokenizer.json with no merges and the given added tokens right after the 256 bytes.
nlohmann::json small_tokenizer(const std::vector<std::string>& added) {
  auto json = nlohmann::json::parse(dep::read_file(dep::test::fixture("qwen2.5-tokenizer/tokenizer.json")));
  nlohmann::json vocab = nlohmann::json::object();
  for (const auto& [token, old_id] : json["model"]["vocab"].items())
    if (old_id.get<int64_t>() < 256) vocab[token] = old_id;
  int64_t id = 256;
  json["model"]["vocab"] = vocab;
  json["model"]["merges"] = nlohmann::json::array();
  json["added_tokens"] = nlohmann::json::array();
  for (const auto& content : added)
    json["added_tokens"].push_back({{"id", id++}, {"content", content}, {"single_word", false}, {"lstrip", false},
                                    {"rstrip", false}, {"normalized", false}, {"special", true}});
  return json;
}

std::string write_tokenizer(const std::string& name, const nlohmann::json& json) {
  static const std::string dir = dep::test::scratch_dir("dep-tokens");
  const std::string path = dir + "/" + name + ".json";
  dep::write_file_atomic(path, json.dump());
  return path;
}

}  // namespace

TEST_CASE("DepTokens: Qwen2.5's DEP tokenizer gives the reference ids", "[data][tokens]") {
  const auto tokenizer = dep::load_dep_tokenizer(dep::test::fixture("qwen2.5-tokenizer/dep-tokenizer.json"));
  const auto tokens = dep::DepTokens::of(tokenizer, "dep-tokenizer.json");
  CHECK(tokens.im_end == 151645);
  CHECK(tokens.pad == 151643);
  REQUIRE(tokens.has_placeholders());
  for (int i = 0; i < 8; ++i) {
    CHECK(tokens.his[static_cast<size_t>(i)] == 151665 + i);
    CHECK(tokens.diff[static_cast<size_t>(i)] == 151673 + i);
    CHECK(tokens.his_slot(151665 + i) == i);
    CHECK(tokens.diff_slot(151673 + i) == i);
  }
  CHECK(tokens.his_slot(151673) == -1);
  CHECK(tokens.diff_slot(151645) == -1);
  // The plain Qwen2.5 tokenizer gets the 20 tokens added after its vocabulary, as the reference does.
  const auto added = dep::DepTokens::of(dep::load_dep_tokenizer(dep::test::fixture("qwen2.5-tokenizer/tokenizer.json")),
                                        "tokenizer.json");
  CHECK(added.his == tokens.his);
  CHECK(added.diff == tokens.diff);
}

TEST_CASE("DepTokens: a small vocabulary's ids come from its tokenizer", "[data][tokens]") {
  std::vector<std::string> specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  for (const auto& t : dep::dep_special_tokens()) specials.push_back(t);
  const auto path = write_tokenizer("small", small_tokenizer(specials));
  const auto tokenizer = dep::load_dep_tokenizer(path);
  CHECK(tokenizer.vocab_size() == 256 + 23);
  const auto encoder = dep::encoder_of(tokenizer, path);
  CHECK(encoder.tokens.pad == 256);
  CHECK(encoder.tokens.im_end == 258);
  CHECK(encoder.tokens.his.front() == 259);
  CHECK(encoder.tokens.diff.back() == 259 + 15);
  CHECK(encoder("a[DIFF_TOKEN_2]b<|im_end|>") == std::vector<int64_t>{tokenizer.token_to_id("a"), 259 + 10,
                                                                       tokenizer.token_to_id("b"), 258});
  // Without the DEP tokens: none at all is fine (baseline prompts), added by load_dep_tokenizer.
  const auto plain = write_tokenizer("plain", small_tokenizer({"<|endoftext|>", "<|im_start|>", "<|im_end|>"}));
  CHECK_FALSE(dep::DepTokens::of(dep::BpeTokenizer::load(plain), plain).has_placeholders());
  CHECK(dep::DepTokens::of(dep::load_dep_tokenizer(plain), plain).his.front() == 259);
}

TEST_CASE("DepTokens: a missing token is a one-line error naming the file and the token", "[data][tokens]") {
  auto message_of = [](const std::string& path) {
    try {
      dep::load_dep_tokenizer(path);
    } catch (const dep::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto no_eos = write_tokenizer("no-im-end", small_tokenizer({"<|endoftext|>"}));
  auto message = message_of(no_eos);
  CHECK_THAT(message, Catch::Contains("no-im-end.json"));
  CHECK_THAT(message, Catch::Contains("<|im_end|>"));
  CHECK(message.find('\n') == std::string::npos);
  const auto no_pad = write_tokenizer("no-pad", small_tokenizer({"<|im_end|>"}));
  CHECK_THAT(message_of(no_pad), Catch::Contains("<|endoftext|>"));
  // Some of DEP's tokens but not all: resolving (as generation does, without adding) names the first missing.
  const auto partial = small_tokenizer({"<|endoftext|>", "<|im_end|>", "[HIS_TOKEN_0]"});
  const auto partial_path = write_tokenizer("partial", partial);
  CHECK_THROWS_WITH(dep::DepTokens::of(dep::BpeTokenizer::load(partial_path), partial_path),
                    Catch::Contains("[HIS_TOKEN_1]") && Catch::Contains("partial.json"));
}
