// Property test: random strings (mixed scripts, digits, whitespace runs, contractions, emoji,
// combining marks, special-token fragments, random code points) and random id sequences, compared
// with Hugging Face `tokenizers` run from the project's Python venv.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "dep/text/utf8.h"
#include "test_paths.h"
#include "text_test_support.h"

namespace {

using dep::test::fixture;

const std::vector<std::string> kFragments = {
    // words in several scripts
    "great", "Battery", "LOVE", "phone", "ok", "the", "Straße", "café", "niño", "über", "Привет", "мир", "Ελλάδα",
    "你好", "世界", "日本語", "こんにちは", "カタカナ", "한국어", "안녕", "مرحبا", "שלום", "नमस्ते", "สวัสดี", "Việt",
    // digits and numbers
    "0", "7", "2024", "3.14", "$19.99", "1,000,000", "٣٤", "０９", "²", "½", "Ⅻ", "12:30", "2023-01-05",
    // whitespace
    " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", "\xC2\xA0", "\xE2\x80\x89", "\xE3\x80\x80", "\xE2\x80\xA8",
    "\xC2\x85", "\xE2\x80\x8B", "\xEF\xBB\xBF", "\xE1\xA0\x8E", "\xE1\x9A\x80", " \n ", "\t \t",
    // contractions
    "'s", "'S", "'ll", "'LL", "'Re", "'ve", "'d", "'M", "'t", "n't", "\xE2\x80\x99s", "\xCA\xBCs", " 's", "'\xC5\xBF",
    // punctuation and symbols
    ".", ",", "!", "?!", "...", "\"", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "-", "_", "=", "+", "*",
    "&amp;", "#", "@", "~", "`", "|", "<br />", "http://x.y/z?q=1", "a_b", "->", "€", "°C", "™",
    // emoji
    "\xF0\x9F\x98\x80", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
    "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7", "1\xEF\xB8\x8F\xE2\x83\xA3", "\xE2\x9D\xA4\xEF\xB8\x8F",
    // combining marks and NFC-sensitive text
    "e\xCC\x81", "a\xCC\x88", "\xCC\x81", "\xCD\x80", "\xE2\x84\xAB", "\xE2\x84\xA6", "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8",
    "\xEF\xAC\x81", "\xEF\xBC\xA1", "\xE3\x8E\x8F", "\xC2\xAD",
    // special tokens and near misses
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start", "im_end|>", "<tool_call>", "<think>", "[HIS_TOKEN_3]",
    "[DIFF_TOKEN_7]", "[HIS_TOKEN_8]", "<his_token_start>", "<diff_token_end>", "<s>", "</s>", "<mask>", " <mask>",
    "<unk>", "<pad>", "\xE2\x96\x81",
    // control characters
    std::string(1, '\0'), "\x01", "\x1F", "\x7F"};

std::string random_code_point(std::mt19937& rng) {
  std::uniform_int_distribution<int> plane(0, 9);
  char32_t c;
  do {
    const int p = plane(rng);
    c = p < 6 ? std::uniform_int_distribution<char32_t>(0x20, 0x2FFF)(rng)
              : p < 9 ? std::uniform_int_distribution<char32_t>(0x3000, 0xFFFD)(rng)
                      : std::uniform_int_distribution<char32_t>(0x10000, 0x10FFFF)(rng);
  } while (c >= 0xD800 && c <= 0xDFFF);
  std::string out;
  dep::append_utf8(out, c);
  return out;
}

std::vector<std::string> random_texts(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  std::uniform_int_distribution<size_t> pick(0, kFragments.size() - 1);
  std::uniform_int_distribution<int> length(1, 24), kind(0, 9);
  for (size_t i = 0; i < count; ++i) {
    std::string text;
    const int n = length(rng);
    for (int j = 0; j < n; ++j) {
      const int k = kind(rng);
      if (k == 0) {
        text += random_code_point(rng);
      } else {
        text += kFragments[pick(rng)];
      }
    }
    out.push_back(text);
  }
  // A few long ones: a 60 KB mixture and a 20 KB single word.
  std::string long_text;
  while (long_text.size() < 60000) long_text += kFragments[pick(rng)];
  out.push_back(long_text);
  out.push_back(std::string(20000, 'x'));
  return out;
}

const char* kScript = R"(import json, sys
from tokenizers import Tokenizer
qwen = Tokenizer.from_file(sys.argv[1]); dep = Tokenizer.from_file(sys.argv[2]); xlmr = Tokenizer.from_file(sys.argv[3])
with open(sys.argv[4], encoding='utf-8') as f:
    job = json.load(f)
out = {'qwen': [], 'dep': [], 'xlmr': [], 'xlmr_decode': [], 'xlmr_decode_skip': [], 'decode': [], 'decode_skip': []}
for t in job['texts']:
    out['qwen'].append(qwen.encode(t, add_special_tokens=False).ids)
    out['dep'].append(dep.encode(t, add_special_tokens=False).ids)
    ids = xlmr.encode(t, add_special_tokens=True).ids
    out['xlmr'].append(ids)
    out['xlmr_decode'].append(xlmr.decode(ids, skip_special_tokens=False))
    out['xlmr_decode_skip'].append(xlmr.decode(ids, skip_special_tokens=True))
for ids in job['id_lists']:
    out['decode'].append(dep.decode(ids, skip_special_tokens=False))
    out['decode_skip'].append(dep.decode(ids, skip_special_tokens=True))
with open(sys.argv[5], 'w', encoding='utf-8') as f:
    json.dump(out, f)
)";

TEST_CASE("random strings and id sequences: ids and decoding equal Hugging Face tokenizers", "[text][property]") {
  const std::string python = dep::test::venv_python();
  if (python.empty()) {
    WARN("WARN: no Python venv (DEP_VENV unset and no .venv): the Hugging Face property test was skipped");
    return;
  }
  const auto texts = random_texts(3000, 20260521);
  std::mt19937 rng(7);
  std::vector<std::vector<int64_t>> id_lists;
  for (int i = 0; i < 1500; ++i) {
    std::vector<int64_t> ids;
    const int n = std::uniform_int_distribution<int>(1, 12)(rng);
    for (int j = 0; j < n; ++j) {
      // Mostly low ids (single bytes, short pieces), some specials and DEP tokens.
      const int k = std::uniform_int_distribution<int>(0, 9)(rng);
      ids.push_back(k < 5 ? std::uniform_int_distribution<int64_t>(0, 511)(rng)
                          : k < 9 ? std::uniform_int_distribution<int64_t>(0, 151642)(rng)
                                  : std::uniform_int_distribution<int64_t>(151643, 151684)(rng));
    }
    id_lists.push_back(ids);
  }
  // JSON cannot carry invalid UTF-8; the generator only makes valid text.
  for (const auto& t : texts) REQUIRE(dep::is_valid_utf8(t));

  const std::string dir = dep::test::scratch_dir("hf_property");
  std::ofstream(dir + "/job.json") << nlohmann::json{{"texts", texts}, {"id_lists", id_lists}}.dump();
  std::ofstream(dir + "/hf.py") << kScript;
  std::string output;
  const int rc = dep::test::run_command(python + " " + dir + "/hf.py " + fixture("qwen2.5-tokenizer/tokenizer.json") +
                                            " " + fixture("qwen2.5-tokenizer/dep-tokenizer.json") + " " +
                                            fixture("xlmr-tokenizer/tokenizer.json") + " " + dir + "/job.json " + dir +
                                            "/hf.json 2>&1",
                                        output);
  INFO(output);
  REQUIRE(rc == 0);
  std::ifstream in(dir + "/hf.json");
  const auto hf = nlohmann::json::parse(in);

  size_t qwen_ok = 0, dep_ok = 0, xlmr_ok = 0, xlmr_decode_ok = 0, decode_ok = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (dep::test::qwen_tokenizer().encode(texts[i]) == hf["qwen"][i].get<std::vector<int64_t>>()) {
      ++qwen_ok;
    } else {
      UNSCOPED_INFO("qwen differs on " << nlohmann::json(texts[i]).dump());
    }
    if (dep::test::dep_tokenizer().encode(texts[i]) == hf["dep"][i].get<std::vector<int64_t>>()) ++dep_ok;
    if (dep::test::xlmr_tokenizer().encode(texts[i]) == hf["xlmr"][i].get<std::vector<int64_t>>()) {
      ++xlmr_ok;
    } else {
      UNSCOPED_INFO("xlmr differs on " << nlohmann::json(texts[i]).dump());
    }
    const auto xlmr_ids = hf["xlmr"][i].get<std::vector<int64_t>>();
    if (dep::test::xlmr_tokenizer().decode(xlmr_ids, false) == hf["xlmr_decode"][i].get<std::string>() &&
        dep::test::xlmr_tokenizer().decode(xlmr_ids, true) == hf["xlmr_decode_skip"][i].get<std::string>()) {
      ++xlmr_decode_ok;
    } else {
      UNSCOPED_INFO("xlmr decode differs on " << nlohmann::json(xlmr_ids).dump());
    }
  }
  for (size_t i = 0; i < id_lists.size(); ++i) {
    const auto& tok = dep::test::dep_tokenizer();
    if (tok.decode(id_lists[i], false) == hf["decode"][i].get<std::string>() &&
        tok.decode(id_lists[i], true) == hf["decode_skip"][i].get<std::string>()) {
      ++decode_ok;
    } else {
      UNSCOPED_INFO("decode differs on " << nlohmann::json(id_lists[i]).dump());
    }
  }
  CHECK(qwen_ok == texts.size());
  CHECK(dep_ok == texts.size());
  CHECK(xlmr_ok == texts.size());
  CHECK(xlmr_decode_ok == texts.size());
  CHECK(decode_ok == id_lists.size());
}

}  // namespace
