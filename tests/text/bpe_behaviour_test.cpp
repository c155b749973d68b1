// Byte-level BPE beyond the fixture cases: edge inputs, decoding and streaming, run-time special
// tokens, saving, merge spellings and load errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dep/text/byte_level.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/text/unicode.h"
#include "dep/text/utf8.h"
#include "test_paths.h"
#include "text_test_support.h"

namespace {

using dep::test::fixture;
using dep::test::ids_of;
using dep::test::read_jsonl;

const std::vector<std::string> kDepTokens = {
    "[HIS_TOKEN_0]",  "[HIS_TOKEN_1]",  "[HIS_TOKEN_2]",  "[HIS_TOKEN_3]",     "[HIS_TOKEN_4]",
    "[HIS_TOKEN_5]",  "[HIS_TOKEN_6]",  "[HIS_TOKEN_7]",  "[DIFF_TOKEN_0]",    "[DIFF_TOKEN_1]",
    "[DIFF_TOKEN_2]", "[DIFF_TOKEN_3]", "[DIFF_TOKEN_4]", "[DIFF_TOKEN_5]",    "[DIFF_TOKEN_6]",
    "[DIFF_TOKEN_7]", "<his_token_start>", "<his_token_end>", "<diff_token_start>", "<diff_token_end>"};

std::string case_text(const std::string& id) {
  for (const auto& c : read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"))) {
    if (c["id"] == id) return c["text"].get<std::string>();
  }
  throw std::runtime_error("no case " + id);
}

// A minimal byte-level BPE tokenizer.json: the 256 byte characters plus `extra` tokens and merges.
nlohmann::json tiny_bpe(const std::vector<std::string>& extra, const std::vector<nlohmann::json>& merge_list) {
  const nlohmann::json merges = merge_list;
  nlohmann::json vocab = nlohmann::json::object();
  const auto& alphabet = dep::ByteLevelAlphabet::get();
  for (int b = 0; b < 256; ++b) vocab[alphabet.spelling_of(static_cast<unsigned char>(b))] = b;
  int next = 256;
  for (const auto& t : extra) vocab[t] = next++;
  return {{"version", "1.0"},
          {"added_tokens", nlohmann::json::array()},
          {"normalizer", {{"type", "NFC"}}},
          {"pre_tokenizer",
           {{"type", "Sequence"},
            {"pretokenizers",
             {{{"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+|\\s+|."}}}, {"behavior", "Isolated"}, {"invert", false}},
              {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}}}}},
          {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

TEST_CASE("BPE edge inputs: empty, 1 MB, invalid UTF-8", "[text][bpe]") {
  const auto& tok = dep::test::qwen_tokenizer();
  CHECK(tok.encode("").empty());
  CHECK(tok.decode({}).empty());

  // 1 MB of review text: decode(encode(x)) == NFC(x), and the ids equal the per-piece ids.
  const std::string review = case_text("reviews_hand-000") + "\n";
  std::string big;
  while (big.size() < (1u << 20)) big += review;
  const auto ids = tok.encode(big);
  CHECK(tok.decode(ids) == big);
  const auto one = tok.encode(review);
  REQUIRE(ids.size() >= one.size());
  CHECK(std::vector<int64_t>(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(one.size())) == one);

  // 1 MB without a break (one pre-token for the letters, the heap merge path) and 1 MB of spaces.
  const std::string letters(1u << 20, 'a');
  CHECK(tok.decode(tok.encode(letters)) == letters);
  const std::string spaces(1u << 20, ' ');
  CHECK(tok.decode(tok.encode(spaces)) == spaces);
  std::string punctuation, newlines(1u << 20, '\n');
  while (punctuation.size() < (1u << 20)) punctuation += "!?";
  CHECK(tok.decode(tok.encode(punctuation)) == punctuation);
  CHECK(tok.decode(tok.encode(newlines)) == newlines);

  // Invalid UTF-8 is repaired first (each maximal invalid subpart → U+FFFD), never a crash.
  const std::string bad = "ok \xff\xfe caf\xc3 \xe2\x82 end\xf0\x9f";
  const std::string repaired = dep::to_valid_utf8(bad);
  CHECK(repaired == "ok \xEF\xBF\xBD\xEF\xBF\xBD caf\xEF\xBF\xBD \xEF\xBF\xBD end\xEF\xBF\xBD");
  CHECK(tok.encode(bad) == tok.encode(repaired));
  CHECK(tok.decode(tok.encode(bad)) == repaired);
}

TEST_CASE("decode: skip_special_tokens, invalid byte sequences, unknown ids", "[text][bpe]") {
  const auto& tok = dep::test::dep_tokenizer();
  const auto ids = tok.encode("<|im_start|>user\nHi [HIS_TOKEN_3]<tool_call><|im_end|>");
  CHECK(tok.decode(ids) == "<|im_start|>user\nHi [HIS_TOKEN_3]<tool_call><|im_end|>");
  // <tool_call> is an added token with special=false: kept.
  CHECK(tok.decode(ids, true) == "user\nHi <tool_call>");
  CHECK(tok.is_special(151644));
  CHECK_FALSE(tok.is_special(151657));
  CHECK(tok.id_to_token(151668) == "[HIS_TOKEN_3]");
  CHECK(tok.token_to_id("<diff_token_end>") == 151684);
  // "é" is two byte tokens; alone, its first byte is an invalid sequence.
  const auto e_acute = tok.encode("\xC3\xA9");
  REQUIRE(e_acute.size() == 1);
  const int64_t lead = tok.token_to_id(dep::ByteLevelAlphabet::get().spelling_of(0xC3));
  CHECK(tok.decode({lead}) == "\xEF\xBF\xBD");
  CHECK(tok.decode({lead, 0, lead}) == "\xEF\xBF\xBD!\xEF\xBF\xBD");
  CHECK(tok.decode({-5, 9707, 10000000}) == "Hello");
}

TEST_CASE("added tokens decode as Hugging Face's ByteLevel decoder does, token by token", "[text][bpe]") {
  auto tok = dep::BpeTokenizer::load(fixture("qwen2.5-tokenizer/tokenizer.json"));
  // "<héllo Ā>" has a space, which is outside the byte alphabet: it decodes as written. Every
  // character of "wörld" is in the alphabet, so it is byte-mapped and 0xF6 alone becomes U+FFFD.
  CHECK(tok.add_special_tokens({"<h\xC3\xA9llo \xC4\x80>", "w\xC3\xB6rld"}) == std::vector<int64_t>{151665, 151666});
  const auto ids = tok.encode("a<h\xC3\xA9llo \xC4\x80>b w\xC3\xB6rld");
  CHECK(ids == std::vector<int64_t>{64, 151665, 65, 220, 151666});
  CHECK(tok.decode(ids) == "a<h\xC3\xA9llo \xC4\x80>b w\xEF\xBF\xBDrld");
  dep::BpeTokenizer::StreamDecoder stream(tok, false);
  std::string streamed;
  for (int64_t id : ids) streamed += stream.push(id);
  CHECK(streamed + stream.finish() == tok.decode(ids));
}

TEST_CASE("streaming decode never emits a partial UTF-8 character and equals decode()", "[text][bpe]") {
  const auto& tok = dep::test::dep_tokenizer();
  size_t checked = 0;
  for (const auto& c : read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"))) {
    const auto ids = ids_of(c["dep_ids"]);
    for (bool skip : {false, true}) {
      dep::BpeTokenizer::StreamDecoder stream(tok, skip);
      std::string joined;
      for (int64_t id : ids) {
        const std::string piece = stream.push(id);
        REQUIRE(dep::is_valid_utf8(piece));
        joined += piece;
      }
      joined += stream.finish();
      REQUIRE(joined == tok.decode(ids, skip));
    }
    ++checked;
  }
  CHECK(checked > 400);
  // Bytes split across tokens: "😀" is 4 bytes; feed them one byte token at a time.
  const auto& alphabet = dep::ByteLevelAlphabet::get();
  dep::BpeTokenizer::StreamDecoder stream(tok, false);
  std::string out;
  for (unsigned char b : std::string("\xF0\x9F\x98\x80")) {
    out += stream.push(tok.token_to_id(alphabet.spelling_of(b)));
    if (b != 0x80) CHECK(out.empty());
  }
  CHECK(out == "\xF0\x9F\x98\x80");
  // A dangling lead byte is released as U+FFFD at the end.
  out = stream.push(tok.token_to_id(alphabet.spelling_of(0xE2)));
  CHECK(out.empty());
  CHECK(stream.finish() == "\xEF\xBF\xBD");
}

TEST_CASE("adding the 20 DEP tokens at run time gives dep-tokenizer.json's ids", "[text][bpe]") {
  auto tok = dep::BpeTokenizer::load(fixture("qwen2.5-tokenizer/tokenizer.json"));
  const auto ids = tok.add_special_tokens(kDepTokens);
  REQUIRE(ids.size() == 20);
  for (size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == 151665 + static_cast<int64_t>(i));
  CHECK(tok.vocab_size() == 151685);
  // Adding them again changes nothing.
  CHECK(tok.add_special_tokens({"[HIS_TOKEN_0]"}) == std::vector<int64_t>{151665});
  CHECK(tok.vocab_size() == 151685);
  for (const auto& c : read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"))) {
    REQUIRE(tok.encode(c["text"].get<std::string>()) == ids_of(c["dep_ids"]));
  }

  // Saved and read back by us.
  const std::string dir = dep::test::scratch_dir("bpe_save");
  const std::string path = dir + "/tokenizer.json";
  tok.save(path);
  const auto reloaded = dep::BpeTokenizer::load(dir);
  CHECK(reloaded.vocab_size() == 151685);
  for (const auto& c : read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"))) {
    REQUIRE(reloaded.encode(c["text"].get<std::string>()) == ids_of(c["dep_ids"]));
  }
  // The saved file carries the same added tokens as the fixture written by transformers.
  const auto saved = dep::read_json_file(path);
  const auto reference = dep::read_json_file(fixture("qwen2.5-tokenizer/dep-tokenizer.json"));
  CHECK(saved["added_tokens"] == reference["added_tokens"]);
  CHECK(saved["model"]["vocab"] == reference["model"]["vocab"]);
  CHECK(saved["model"]["merges"] == reference["model"]["merges"]);
  CHECK(saved["normalizer"] == reference["normalizer"]);
  CHECK(saved["pre_tokenizer"] == reference["pre_tokenizer"]);

  // And Hugging Face `tokenizers` loads it and gives the same ids.
  const std::string python = dep::test::venv_python();
  if (python.empty()) {
    WARN("WARN: no Python venv (DEP_VENV): the Hugging Face load of the saved tokenizer.json was not checked");
    return;
  }
  const std::string script = dir + "/load.py";
  std::ofstream(script) << "import json, sys\nfrom tokenizers import Tokenizer\n"
                           "t = Tokenizer.from_file(sys.argv[1])\n"
                           "cases = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]\n"
                           "bad = [c['id'] for c in cases if t.encode(c['text'], add_special_tokens=False).ids != c['dep_ids']]\n"
                           "print(json.dumps({'n': len(cases), 'bad': bad, 'size': t.get_vocab_size(with_added_tokens=True)}))\n";
  std::string output;
  const int rc = dep::test::run_command(
      python + " " + script + " " + path + " " + fixture("qwen2.5-tokenizer/cases.jsonl") + " 2>&1", output);
  INFO(output);
  REQUIRE(rc == 0);
  const auto result = nlohmann::json::parse(output);
  CHECK(result["bad"].empty());
  CHECK(result["n"].get<size_t>() > 400);
  CHECK(result["size"].get<size_t>() == 151685);
}

TEST_CASE("added tokens from tokenizer_config.json's added_tokens_decoder are added", "[text][bpe]") {
  const std::string dir = dep::test::scratch_dir("bpe_config_tokens");
  std::filesystem::create_symlink(fixture("qwen2.5-tokenizer/tokenizer.json"), dir + "/tokenizer.json");
  nlohmann::json decoder = nlohmann::json::object();
  for (size_t i = 0; i < kDepTokens.size(); ++i) {
    decoder[std::to_string(151665 + i)] = {{"content", kDepTokens[i]}, {"lstrip", false}, {"normalized", false},
                                           {"rstrip", false}, {"single_word", false}, {"special", true}};
  }
  std::ofstream(dir + "/tokenizer_config.json") << nlohmann::json{{"added_tokens_decoder", decoder}}.dump();
  const auto tok = dep::BpeTokenizer::load(dir);
  CHECK(tok.vocab_size() == 151685);
  for (const auto& c : read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"))) {
    REQUIRE(tok.encode(c["text"].get<std::string>()) == ids_of(c["dep_ids"]));
  }
  // An id that names a different vocab token is an error naming the config key.
  std::ofstream(dir + "/tokenizer_config.json")
      << nlohmann::json{{"added_tokens_decoder", {{"9707", {{"content", "<x>"}, {"special", true}}}}}}.dump();
  CHECK_THROWS_WITH(dep::BpeTokenizer::load(dir), Catch::Contains("added_tokens_decoder.9707"));
}

TEST_CASE("merges in the legacy \"a b\" string form give the same ids", "[text][bpe]") {
  auto json = dep::read_json_file(fixture("qwen2.5-tokenizer/tokenizer.json"));
  for (auto& m : json["model"]["merges"]) m = m[0].get<std::string>() + " " + m[1].get<std::string>();
  const auto legacy = dep::BpeTokenizer::from_json(json, "legacy-merges");
  for (const auto& c : read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"))) {
    REQUIRE(legacy.encode(c["text"].get<std::string>()) == ids_of(c["ids"]));
  }
}

TEST_CASE("BPE load errors name what is wrong", "[text][bpe]") {
  const auto& alphabet = dep::ByteLevelAlphabet::get();
  const std::string a = alphabet.spelling_of('a'), b = alphabet.spelling_of('b');
  // A working tiny tokenizer first, so the failures below are about the one thing changed.
  const auto ok = dep::BpeTokenizer::from_json(tiny_bpe({a + b}, {nlohmann::json::array({a, b})}), "tiny");
  CHECK(ok.encode("ab a") == std::vector<int64_t>{256, 32, 97});

  CHECK_THROWS_WITH(dep::BpeTokenizer::from_json(tiny_bpe({}, {nlohmann::json::array({a, b})}), "tiny"),
                    Catch::Contains("result 'ab' of merge 'a b' is not in the vocab"));
  CHECK_THROWS_WITH(dep::BpeTokenizer::from_json(tiny_bpe({a + b}, {nlohmann::json::array({a, "zz"})}), "tiny"),
                    Catch::Contains("merge part 'zz' is not in the vocab"));
  CHECK_THROWS_WITH(dep::BpeTokenizer::from_json(tiny_bpe({a + b}, {nlohmann::json("ab")}), "tiny"), Catch::Contains("merges[0]"));

  auto wordpiece = tiny_bpe({}, {});
  wordpiece["model"]["type"] = "WordPiece";
  CHECK_THROWS_WITH(dep::BpeTokenizer::from_json(wordpiece, "tiny"), Catch::Contains("'WordPiece' is not byte-level BPE"));
  auto whitespace = tiny_bpe({}, {});
  whitespace["pre_tokenizer"] = {{"type", "Whitespace"}};
  CHECK_THROWS_WITH(dep::BpeTokenizer::from_json(whitespace, "tiny"), Catch::Contains("Whitespace"));
  auto lowercase = tiny_bpe({}, {});
  lowercase["normalizer"] = {{"type", "Lowercase"}};
  CHECK_THROWS_WITH(dep::BpeTokenizer::from_json(lowercase, "tiny"), Catch::Contains("unsupported normalizer 'Lowercase'"));
  auto merged = tiny_bpe({}, {});
  merged["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "MergedWithPrevious";
  CHECK_THROWS_WITH(dep::BpeTokenizer::from_json(merged, "tiny"), Catch::Contains("MergedWithPrevious"));

  // A file on disk: the error names the file; a missing file is an error too.
  const std::string dir = dep::test::scratch_dir("bpe_errors");
  std::ofstream(dir + "/tokenizer.json") << tiny_bpe({}, {nlohmann::json::array({a, b})}).dump();
  try {
    dep::BpeTokenizer::load(dir);
    FAIL("loaded a tokenizer.json with a bad merge");
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
    CHECK_THAT(std::string(e.what()), Catch::Contains("tokenizer.json"));
  }
  CHECK_THROWS_AS(dep::BpeTokenizer::load(dir + "/missing.json"), dep::Error);
  std::ofstream(dir + "/broken.json") << "{\"model\": ";
  CHECK_THROWS_AS(dep::BpeTokenizer::load(dir + "/broken.json"), dep::Error);
}

TEST_CASE("batch encoding on several threads equals single-threaded encoding", "[text][bpe]") {
  const auto& tok = dep::test::qwen_tokenizer();
  std::vector<std::string> texts;
  std::vector<std::vector<int64_t>> expected;
  for (const auto& c : read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"))) {
    texts.push_back(c["text"].get<std::string>());
    expected.push_back(ids_of(c["ids"]));
  }
  CHECK(tok.encode_batch(texts, 1) == expected);
  CHECK(tok.encode_batch(texts, 4) == expected);
}

}  // namespace
