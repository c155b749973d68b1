// dep-tokenize end to end: encode/decode JSONL with both tokenizers, every path form, bad lines,
// and the sentencepiece → tokenizer.json conversion.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dep/core/config.h"
#include "dep/text/tokenizer.h"
#include "test_paths.h"
#include "text_test_support.h"

namespace {

using dep::test::fixture;
using dep::test::ids_of;
using dep::test::read_jsonl;

struct RunResult {
  int status;
  std::string out;
  std::string err;
};

RunResult run_tokenize(const std::string& args, const std::string& input, const std::string& dir) {
  const std::string in = dir + "/in.jsonl", out = dir + "/out.jsonl", err = dir + "/err.txt";
  std::ofstream(in, std::ios::binary) << input;
  std::string ignored;
  const int status = dep::test::run_command(
      dep::test::binary("dep-tokenize") + " " + args + " < " + in + " > " + out + " 2> " + err, ignored);
  auto slurp = [](const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  return {status, slurp(out), slurp(err)};
}

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_CASE("dep-tokenize encodes and decodes the Qwen cases in order", "[text][cli]") {
  const std::string dir = dep::test::scratch_dir("dep_tokenize_qwen");
  const auto cases = read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"));
  std::string input, ids_input;
  for (const auto& c : cases) {
    input += nlohmann::json{{"text", c["text"]}}.dump() + "\n";
    ids_input += nlohmann::json{{"ids", c["dep_ids"]}}.dump() + "\n";
  }
  const auto encoded = run_tokenize("--tokenizer " + fixture("qwen2.5-tokenizer/dep-tokenizer.json"), input, dir);
  INFO(encoded.err);
  REQUIRE(encoded.status == 0);
  const auto lines = lines_of(encoded.out);
  REQUIRE(lines.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) REQUIRE(lines[i]["ids"] == cases[i]["dep_ids"]);

  // A model directory works too (it holds tokenizer.json); --add-special-tokens adds nothing for Qwen.
  const auto from_dir = run_tokenize("--tokenizer " + fixture("qwen2.5-tokenizer") + " --add-special-tokens",
                                     nlohmann::json{{"text", "Hello world"}}.dump() + "\n", dir);
  REQUIRE(from_dir.status == 0);
  CHECK(lines_of(from_dir.out).at(0)["ids"] == nlohmann::json::array({9707, 1879}));

  const auto decoded = run_tokenize("--decode --tokenizer " + fixture("qwen2.5-tokenizer/dep-tokenizer.json"),
                                    ids_input, dir);
  REQUIRE(decoded.status == 0);
  const auto texts = lines_of(decoded.out);
  REQUIRE(texts.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) REQUIRE(texts[i]["text"] == cases[i]["decoded"]);
}

TEST_CASE("dep-tokenize with the XLM-R tokenizer.json, sentencepiece model and directory", "[text][cli]") {
  const std::string dir = dep::test::scratch_dir("dep_tokenize_xlmr");
  const auto cases = read_jsonl(fixture("xlmr-tokenizer/cases.jsonl"));
  std::string input;
  for (const auto& c : cases) input += nlohmann::json{{"text", c["text"]}}.dump() + "\n";
  for (const std::string& path : {fixture("xlmr-tokenizer/tokenizer.json"), fixture("xlmr-tokenizer/sentencepiece.bpe.model"),
                                 fixture("xlmr-tokenizer")}) {
    const auto result = run_tokenize("--add-special-tokens --tokenizer " + path, input, dir);
    INFO(path << ": " << result.err);
    REQUIRE(result.status == 0);
    const auto lines = lines_of(result.out);
    REQUIRE(lines.size() == cases.size());
    for (size_t i = 0; i < cases.size(); ++i) REQUIRE(lines[i]["ids"] == cases[i]["ids"]);
  }
  // Without --add-special-tokens there is no <s> … </s>.
  const auto plain = run_tokenize("--tokenizer " + fixture("xlmr-tokenizer/tokenizer.json"),
                                  nlohmann::json{{"text", cases[0]["text"]}}.dump() + "\n", dir);
  REQUIRE(plain.status == 0);
  const auto expected = ids_of(cases[0]["ids"]);
  CHECK(ids_of(lines_of(plain.out).at(0)["ids"]) == std::vector<int64_t>(expected.begin() + 1, expected.end() - 1));
}

TEST_CASE("dep-tokenize rejects a bad line with its line number and exit code 2", "[text][cli]") {
  const std::string dir = dep::test::scratch_dir("dep_tokenize_errors");
  const std::string tok = " --tokenizer " + fixture("xlmr-tokenizer/tokenizer.json");
  auto bad = run_tokenize(tok, "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"txt\": \"c\"}\n", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("<stdin>:3"));
  bad = run_tokenize(tok, "{\"text\": \"a\"}\nnot json\n", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("<stdin>:2"));
  bad = run_tokenize("--decode" + tok, "{\"ids\": [0, 5]}\n{\"ids\": [0, 999999]}\n", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("<stdin>:2"));
  bad = run_tokenize("--decode" + tok, "{\"ids\": [0, \"x\"]}\n", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("<stdin>:1"));
  bad = run_tokenize("--tokenizer " + dir + "/missing.json", "", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("missing.json"));
  // Empty input gives empty output.
  const auto empty = run_tokenize(tok, "", dir);
  CHECK(empty.status == 0);
  CHECK(empty.out.empty());
}

TEST_CASE("a sentencepiece model converts to the XLM-R tokenizer.json layout", "[text][cli][unigram]") {
  const std::string dir = dep::test::scratch_dir("dep_tokenize_convert");
  const std::string out = dir + "/tokenizer.json";
  const auto result = run_tokenize(
      "--tokenizer " + fixture("xlmr-tokenizer/sentencepiece.bpe.model") + " --write-tokenizer-json " + out, "", dir);
  INFO(result.err);
  REQUIRE(result.status == 0);
  const auto converted = dep::read_json_file(out);
  const auto reference = dep::read_json_file(fixture("xlmr-tokenizer/tokenizer.json"));
  for (const char* key : {"added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder", "model"}) {
    INFO(key);
    CHECK(converted[key] == reference[key]);
  }
  const std::string python = dep::test::venv_python();
  if (python.empty()) {
    WARN("WARN: no Python venv: the Hugging Face load of the converted tokenizer.json was not checked");
    return;
  }
  std::ofstream(dir + "/check.py") << "import json, sys\nfrom tokenizers import Tokenizer\n"
                                      "t = Tokenizer.from_file(sys.argv[1])\n"
                                      "cases = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]\n"
                                      "print(sum(t.encode(c['text']).ids != c['ids'] for c in cases), len(cases))\n";
  std::string output;
  REQUIRE(dep::test::run_command(python + " " + dir + "/check.py " + out + " " + fixture("xlmr-tokenizer/cases.jsonl"),
                                 output) == 0);
  CHECK(output.rfind("0 ", 0) == 0);
}

}  // namespace

TEST_CASE("dep-tokenize: deep nesting and huge numbers in a line are bad input, not a crash", "[text][cli][reliability]") {
  const std::string dir = dep::test::scratch_dir("dep_tokenize_hostile");
  const std::string tok = " --tokenizer " + fixture("xlmr-tokenizer/tokenizer.json");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto bad = run_tokenize("--decode" + tok, "{\"ids\": [0]}\n{\"ids\": " + deep + "}\n", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("<stdin>:2: malformed JSON: nesting deeper"));
  bad = run_tokenize(tok, "{\"text\": \"a\", \"n\": " + std::string(5000, '9') + "}\n", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("<stdin>:1: malformed JSON: number out of range"));
  CHECK(bad.err.size() < 400);
  bad = run_tokenize("--decode" + tok, "{\"ids\": [0, 18446744073709551615]}\n", dir);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("id 18446744073709551615 is not in [0,"));
}
