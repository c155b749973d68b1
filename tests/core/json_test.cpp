// The one JSON parser of dep (dep/core/json.h): bounded nesting, no duplicate keys, no numbers
// beyond a double, and messages that never carry an unbounded value.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "bad_input.h"
#include "test_paths.h"

namespace {

std::string nested(int depth, char open = '[', char close = ']') {
  return std::string(static_cast<size_t>(depth), open) + std::string(static_cast<size_t>(depth), close);
}

std::string error_of(const std::string& text) {
  return dep::test::bad_input_message([&] { dep::parse_json(text, "in.json"); });
}

}  // namespace

TEST_CASE("parse_json refuses nesting beyond the bound without recursing", "[core][json]") {
  CHECK_NOTHROW(dep::parse_json(nested(dep::kMaxJsonDepth), "in.json"));
  CHECK_THAT(error_of(nested(dep::kMaxJsonDepth + 1)), Catch::StartsWith("in.json: malformed JSON: nesting deeper"));
  // 10^5 levels crashed the recursive dump and copy; now it is one line, before any tree exists.
  CHECK_THAT(error_of(nested(100000)), Catch::Contains("nesting deeper than 256 levels"));
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  CHECK_THAT(error_of(objects), Catch::Contains("nesting deeper"));
}

TEST_CASE("parse_json refuses duplicate keys at any depth", "[core][json]") {
  CHECK_THAT(error_of(R"({"lr": 1, "lr": 2})"), Catch::Contains("duplicate key \"lr\""));
  CHECK_THAT(error_of(R"({"a": {"b": 1, "c": [{"d": 1, "d": 1}]}})"), Catch::Contains("duplicate key \"d\""));
  // The same key in sibling objects is fine.
  CHECK_NOTHROW(dep::parse_json(R"({"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]})", "in.json"));
  CHECK_NOTHROW(dep::parse_ordered_json(R"({"a": {"k": 1}, "b": {"k": 2}})", "in.json"));
  CHECK_THROWS_WITH(dep::parse_ordered_json(R"({"k": 1, "k": 1})", "in.json"), Catch::Contains("duplicate key"));
}

TEST_CASE("parse_json refuses numbers beyond a double", "[core][json]") {
  CHECK_THAT(error_of(R"({"t": 1e400})"), Catch::Contains("number out of range"));
  CHECK_THAT(error_of("[-1e400]"), Catch::Contains("number out of range"));
  CHECK_THAT(error_of("[" + std::string(5000, '9') + "]"), Catch::Contains("number out of range"));
  // Large but finite numbers stay numbers (ranges are the reader's business).
  CHECK(dep::parse_json("[1e300, 18446744073709551615]", "in.json")[0].get<double>() == 1e300);
}

TEST_CASE("parse_json names the source and keeps messages short", "[core][json]") {
  const std::string e = error_of("{\"a\": " + std::string(10000, 'x') + "}");
  CHECK_THAT(e, Catch::StartsWith("in.json: malformed JSON"));
  CHECK(e.size() < 400);
  CHECK(dep::json_excerpt(nlohmann::json(std::string(10000, 'y'))).size() <= 83);
  CHECK(dep::text_excerpt("short") == "short");
  // A cut never splits a UTF-8 character.
  CHECK(dep::text_excerpt("\xC3\xA9\xC3\xA9\xC3\xA9", 3) == "\xC3\xA9...");
}

TEST_CASE("a config value of any size is reported in bounded space", "[core][json][config]") {
  const std::string dir = dep::test::scratch_dir("json_config");
  // A deeply nested value where a number is expected: refused at parse time.
  dep::write_file_atomic(dir + "/deep.json", "{\"lr\": " + nested(100000) + "}");
  CHECK_THROWS_WITH(dep::read_json_file(dir + "/deep.json"), Catch::Contains("nesting deeper"));
  // A long (but legal) value: the "expected ..., got <value>" message is cut.
  dep::write_file_atomic(dir + "/long.json", "{\"lr\": [" + std::string(5000, '1') + "]}");
  CHECK_THROWS_WITH(dep::read_json_file(dir + "/long.json"), Catch::Contains("number out of range"));
  std::string wide = "[";
  for (int i = 0; i < 5000; ++i) wide += (i ? ",1" : "1");
  wide += "]";
  dep::write_file_atomic(dir + "/wide.json", "{\"lr\": " + wide + "}");
  const auto j = dep::read_json_file(dir + "/wide.json");
  double lr = 0;
  dep::config_detail::Reader reader(j, "wide.json", "");
  try {
    reader("lr", lr, "learning rate");
    FAIL("a list read as a number");
  } catch (const dep::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("expected a number, got array [1,1,1"));
    CHECK(std::string(e.what()).size() < 200);
  }
}

TEST_CASE("config --set values go through the same strict parser", "[core][json][config]") {
  nlohmann::json config = nlohmann::json::object();
  CHECK_THROWS_WITH(dep::apply_override(config, "x=" + nested(100000)), Catch::Contains("nesting deeper"));
  CHECK_THROWS_WITH(dep::apply_override(config, "x={\"a\":1,\"a\":2}"), Catch::Contains("duplicate key"));
  dep::apply_override(config, "x=word");
  CHECK(config["x"] == "word");
}

TEST_CASE("json_int64_list reads an integer or a list of integers, each checked", "[core][json]") {
  using nlohmann::json;
  CHECK(dep::json_int64_list(json(7), "c.json", "eos_token_id") == std::vector<int64_t>{7});
  CHECK(dep::json_int64_list(json::parse("[1, 2, 9223372036854775807]"), "c.json", "eos_token_id") ==
        std::vector<int64_t>{1, 2, INT64_MAX});
  CHECK(dep::json_int64_list(json::array(), "c.json", "eos_token_id").empty());
  CHECK_THROWS_WITH(dep::json_int64_list(json(2.5), "c.json", "eos_token_id"),
                    Catch::Contains("c.json") && Catch::Contains("key 'eos_token_id' has the wrong type"));
  CHECK_THROWS_WITH(dep::json_int64_list(json::parse("[1, 1.2e22]"), "c.json", "eos_token_id"),
                    Catch::Contains("key 'eos_token_id' entry 1 has the wrong type"));
  CHECK_THROWS_WITH(dep::json_int64_list(json::parse("[1, \"2\"]"), "c.json", "eos_token_id"),
                    Catch::Contains("key 'eos_token_id' entry 1 has the wrong type"));
}
