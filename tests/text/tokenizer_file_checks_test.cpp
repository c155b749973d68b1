// A hostile or damaged tokenizer.json is one bad-input error naming the file, never a crash,
// an allocation failure or a silently different tokenizer: deep nesting in any section, added
// tokens with ids out of range, a non-string model.type, vocabulary ids far beyond the vocabulary.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <string>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/text/tokenizer.h"
#include "test_paths.h"

namespace {

const nlohmann::json& qwen_json() {
  static const nlohmann::json j = dep::read_json_file(dep::test::fixture("qwen2.5-tokenizer/tokenizer.json"));
  return j;
}

// Loads `j` (with the string "@@raw-value@@" replaced by the text `raw`, for values nlohmann cannot
// hold) and returns the error message, or "" when it loads.
std::string load_error(const nlohmann::json& j, const std::string& raw = "") {
  // One folder per process: ctest runs this file's cases in parallel processes, and scratch_dir
  // empties the folder it returns.
  const std::string dir = dep::test::scratch_dir("tokenizer_file_checks_" + std::to_string(::getpid()));
  std::string text = j.dump();
  if (!raw.empty()) text.replace(text.find("\"@@raw-value@@\""), 15, raw);
  dep::write_file_atomic(dir + "/tokenizer.json", text);
  try {
    dep::load_tokenizer(dir + "/tokenizer.json");
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
    CHECK(std::string(e.what()).size() < 500);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("tokenizer.json: deep nesting in normalizer or truncation is refused", "[text][reliability]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const char* section : {"normalizer", "truncation", "padding"}) {
    INFO(section);
    nlohmann::json j = qwen_json();
    j[section] = "@@raw-value@@";
    CHECK_THAT(load_error(j, deep), Catch::Contains("tokenizer.json: malformed JSON: nesting deeper"));
  }
}

TEST_CASE("tokenizer.json: added-token ids out of range are refused", "[text][reliability]") {
  for (const char* id : {"9223372036854775808", "-1", "1000000000"}) {
    INFO(id);
    nlohmann::json j = qwen_json();
    j["added_tokens"][1]["id"] = "@@raw-value@@";  // <|im_start|>
    CHECK_THAT(load_error(j, id), Catch::Contains("added_tokens[1]") && Catch::Contains("out"));
  }
  // Ids just past the vocabulary stay valid (that is where added tokens live).
  CHECK(load_error(qwen_json()).empty());
}

TEST_CASE("tokenizer.json: model.type and vocabulary ids are checked", "[text][reliability]") {
  nlohmann::json j = qwen_json();
  j["model"]["type"] = 5;
  CHECK_THAT(load_error(j), Catch::Contains("model.type must be a string, got 5"));
  j = qwen_json();
  j["model"]["vocab"]["hello"] = 1000000000;  // an index far beyond the table: no 10^9-entry allocation
  CHECK_THAT(load_error(j), Catch::Contains("model.vocab['hello'] has id 1000000000, outside [0,"));
  j = qwen_json();
  j["model"]["vocab"]["hello"] = "@@raw-value@@";
  CHECK_THAT(load_error(j, "18446744073709551615"), Catch::Contains("model.vocab['hello'] has id"));
}
