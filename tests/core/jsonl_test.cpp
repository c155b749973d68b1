// The one JSONL read loop (dep/core/jsonl.h): objects with their line numbers, blank lines skipped,
// errors at "file:line" in the caller's words.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/core/atomic_file.h"
#include "dep/core/jsonl.h"
#include "bad_input.h"
#include "test_paths.h"

namespace {

struct Seen {
  int64_t line;
  std::string where;
  nlohmann::json object;
};

std::vector<Seen> read_all(const std::string& path, const dep::JsonlMessages& messages = {}) {
  std::vector<Seen> seen;
  dep::for_each_jsonl_object(path, [&](nlohmann::json& object, const std::string& where, int64_t line) {
    seen.push_back({line, where, std::move(object)});
  }, messages);
  return seen;
}

}  // namespace

TEST_CASE("jsonl: each object with its 1-based line; blank lines are skipped but counted", "[jsonl]") {
  const auto dir = dep::test::scratch_dir("jsonl-" + std::to_string(getpid()));
  const std::string path = dir + "/in.jsonl";
  dep::write_file_atomic(path, "{\"a\": 1}\n\n  \t\r\n{\"b\": [2]}\r\n{\"c\": null}");  // no final newline
  const auto seen = read_all(path);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].line == 1);
  CHECK(seen[0].where == path + ":1");
  CHECK(seen[0].object == nlohmann::json{{"a", 1}});
  CHECK(seen[1].line == 4);
  CHECK(seen[1].where == path + ":4");
  CHECK(seen[1].object["b"] == nlohmann::json::array({2}));
  CHECK(seen[2].line == 5);
  dep::write_file_atomic(path, "");
  CHECK(read_all(path).empty());
}

TEST_CASE("jsonl: a bad line or a missing file is bad input in the caller's words", "[jsonl]") {
  const auto dir = dep::test::scratch_dir("jsonl-errors-" + std::to_string(getpid()));
  const std::string path = dir + "/in.jsonl";
  CHECK(dep::test::bad_input_message([&] { read_all(dir + "/none.jsonl"); }) ==
        dir + "/none.jsonl: cannot open for reading");
  dep::JsonlMessages messages;
  messages.cannot_open = "no such run";
  messages.not_an_object = "expected a record";
  CHECK_THAT(dep::test::bad_input_message([&] { read_all(dir + "/none.jsonl", messages); }), Catch::Contains("no such run"));

  dep::write_file_atomic(path, "{\"a\": 1}\n[1, 2]\n");
  CHECK(dep::test::bad_input_message([&] { read_all(path); }) == path + ":2: expected a JSON object");
  CHECK(dep::test::bad_input_message([&] { read_all(path, messages); }) == path + ":2: expected a record");
  dep::write_file_atomic(path, "\n{\"a\": 1}\n{\"a\": \n");
  CHECK_THAT(dep::test::bad_input_message([&] { read_all(path); }), Catch::StartsWith(path + ":3:"));
  dep::write_file_atomic(path, "{\"a\": 1, \"a\": 2}\n");  // parse_json's checks apply
  CHECK_THAT(dep::test::bad_input_message([&] { read_all(path); }), Catch::StartsWith(path + ":1:") && Catch::Contains("duplicate"));
}
