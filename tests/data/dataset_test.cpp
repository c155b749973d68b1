// DPL JSONL reading: every bad-input case names file and line; --skip-bad-lines counts; meta merge.
#include <catch2/catch.hpp>

#include <fstream>

#include "dep/data/dataset.h"
#include "dep/core/error.h"
#include "test_paths.h"

namespace {

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const char kGood[] =
    R"({"user_id":"U1","profile":[{"asin":"A1","rating":5.0,"text":"good","timestamp":1,"title":"t"}],)"
    R"("data":{"asin":"A2","rating":4.0,"text":"fine","timestamp":2,"title":"u"}})";

std::string error_of(const std::string& line) {
  try {
    dep::parse_user_row(line, "f.jsonl:3");
  } catch (const dep::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a DPL row parses into profile and data", "[data][dataset]") {
  auto row = dep::parse_user_row(kGood, "x");
  CHECK(row.user_id == "U1");
  REQUIRE(row.profile.size() == 1);
  CHECK(row.profile[0].asin == "A1");
  CHECK(row.profile[0].rating == 5.0);
  CHECK(row.profile[0].timestamp == 1);
  CHECK(row.data.text == "fine");
}

TEST_CASE("malformed DPL rows are errors naming file, line and reason", "[data][dataset]") {
  CHECK(error_of("{not json") .find("f.jsonl:3: malformed JSON") == 0);
  CHECK(error_of(R"({"profile":[],"data":{}})") == "f.jsonl:3: missing field 'user_id'");
  std::string s = kGood;
  CHECK(error_of(std::string(s).replace(s.find("\"good\""), 6, "\"\"")) ==
        "f.jsonl:3: profile[0]: empty review text (asin A1)");
  CHECK(error_of(std::string(s).replace(s.find("5.0"), 3, "\"five\"")) ==
        "f.jsonl:3: profile[0]: non-numeric rating \"five\" (asin A1)");
  CHECK(error_of(std::string(s).replace(s.find("\"timestamp\":2"), 13, "\"timestamp\":2.5")) ==
        "f.jsonl:3: data: timestamp must be an integer (ms), got 2.5 (asin A2)");
  CHECK(error_of(R"({"user_id":"U","profile":{},"data":{}})") ==
        "f.jsonl:3: field 'profile' must be a list of reviews");
  CHECK(error_of(R"({"user_id":"U","profile":[],"data":{"asin":"A","rating":1,"text":"x","timestamp":1}})") ==
        "f.jsonl:3: data: missing field 'title'");
}

TEST_CASE("bad lines fail by default and are skipped and counted on request", "[data][dataset]") {
  const auto dir = dep::test::scratch_dir("data-bad-lines");
  const auto path = write(dir, "train.jsonl", std::string(kGood) + "\n{oops\n\n" + kGood + "\n");
  CHECK_THROWS_WITH(dep::read_user_rows(path, {}), Catch::StartsWith(path + ":2: malformed JSON"));
  dep::ReadReport report;
  auto rows = dep::read_user_rows(path, {true}, &report);
  CHECK(rows.size() == 2);
  CHECK(rows[1].line == 4);
  CHECK(report.lines == 4);
  CHECK(report.rows == 2);
  CHECK(report.skipped == 1);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].find(path + ":2:") == 0);
}

TEST_CASE("duplicate users and missing meta are reported with their lines", "[data][dataset]") {
  const auto dir = dep::test::scratch_dir("data-dups");
  const auto path = write(dir, "test.jsonl", std::string(kGood) + "\n" + kGood + "\n");
  auto rows = dep::read_user_rows(path, {});
  CHECK_THROWS_WITH(dep::check_unique_users(rows, path),
                    path + ":2: duplicate user U1 (first seen on line 1)");
  dep::MetaTable meta{{"A1", {"T", "D"}}};
  CHECK_THROWS_WITH(dep::check_meta_coverage(rows, meta, path, {}),
                    path + ":1: no meta for asin A2 (data) of user U1");
  dep::ReadReport report;
  report.rows = 2;
  dep::check_meta_coverage(rows, meta, path, {true}, &report);
  CHECK(rows.empty());
  CHECK(report.skipped == 2);
  CHECK(report.rows == 0);
}

TEST_CASE("meta files merge in order, later categories overwriting", "[data][dataset]") {
  const auto dir = dep::test::scratch_dir("data-meta");
  const auto a = write(dir, "a.jsonl", R"({"asin":"X","title":"first","description":"d1"})" "\n"
                                       R"({"asin":"Y","title":"y","description":"dy"})" "\n");
  const auto b = write(dir, "b.jsonl", R"({"asin":"X","title":"second","description":"d2"})" "\n");
  dep::MetaTable meta;
  dep::read_meta(a, meta, {});
  dep::read_meta(b, meta, {});
  CHECK(meta.at("X").title == "second");
  CHECK(meta.at("Y").description == "dy");
  const auto bad = write(dir, "c.jsonl", R"({"asin":"Z","title":3,"description":"d"})" "\n");
  CHECK_THROWS_WITH(dep::read_meta(bad, meta, {}), bad + ":1: field 'title' must be a string, got 3");
}

TEST_CASE("ratings print as Python's repr(float)", "[data][dataset]") {
  CHECK(dep::python_float_repr(5.0) == "5.0");
  CHECK(dep::python_float_repr(4.5) == "4.5");
  CHECK(dep::python_float_repr(0.1) == "0.1");
  CHECK(dep::python_float_repr(-2.0) == "-2.0");
  CHECK(dep::python_float_repr(1e16) == "1e+16");
  CHECK(dep::python_float_repr(123456789012345.0) == "123456789012345.0");
  CHECK(dep::python_float_repr(0.0001) == "0.0001");
  CHECK(dep::python_float_repr(0.00001) == "1e-05");
  CHECK(dep::python_float_repr(1.5e-7) == "1.5e-07");
  CHECK(dep::python_float_repr(0.0) == "0.0");
}

namespace {

void check_same(const std::string& line) {
  INFO(line.substr(0, 200));
  const auto fast = dep::parse_user_row(line, "x");
  const auto general = dep::parse_user_row_general(line, "x");
  CHECK(fast.user_id == general.user_id);
  REQUIRE(fast.profile.size() == general.profile.size());
  auto same = [](const dep::Review& a, const dep::Review& b) {
    CHECK(a.asin == b.asin);
    CHECK(a.rating == b.rating);
    CHECK(a.text == b.text);
    CHECK(a.timestamp == b.timestamp);
    CHECK(a.title == b.title);
  };
  for (size_t i = 0; i < fast.profile.size(); ++i) same(fast.profile[i], general.profile[i]);
  same(fast.data, general.data);
}

}  // namespace

TEST_CASE("the fast row reader agrees with the general JSON parser", "[data][dataset]") {
  for (const char* category : {"Books", "Movies_and_TV", "CDs_and_Vinyl"})
    for (const char* split : {"train", "val", "test"}) {
      std::ifstream in(dep::test::fixture(std::string("dep-data/") + category + "/" + split + ".jsonl"));
      std::string line;
      int n = 0;
      while (std::getline(in, line)) check_same(line), ++n;
      CHECK(n > 0);
    }
  // escapes, \u sequences with a surrogate pair, raw UTF-8, extra keys, odd spacing, integer rating
  check_same(R"( { "extra" : [1, {"a": null}, true, -0.5e3], "user_id":"U\u00e9\ud83d\ude00",)"
             R"("profile":[ {"title":"t\"q\\\/\b\f\n\r\t","asin":"A","rating":5,"text":"caf\u00e9 ✓ 😀",)"
             R"("timestamp":-12,"helpful":false} ] , "data":{"asin":"B","rating":1.25e0,"text":"x","timestamp":0,"title":""}})");
  // rows only the general parser accepts (integral float timestamp) or rejects: same outcome
  const std::string float_ts =
      R"({"user_id":"U","profile":[],"data":{"asin":"B","rating":1,"text":"x","timestamp":1e3,"title":""}})";
  CHECK(dep::parse_user_row(float_ts, "x").data.timestamp == 1000);
  for (const std::string& bad : {std::string(R"({"user_id":"U","profile":[],"data":{"asin":"B","rating":1,"text":"\ud800","timestamp":1,"title":""}})"),
                                std::string(R"({"user_id":"U","profile":[],"data":{"asin":"B","rating":1,"text":")") + "\xff" +
                                    R"(","timestamp":1,"title":""}})",
                                std::string(R"({"user_id":"U","profile":[],"data":{}} x)")}) {
    CHECK_THROWS_AS(dep::parse_user_row(bad, "x"), dep::Error);
    CHECK_THROWS_AS(dep::parse_user_row_general(bad, "x"), dep::Error);
  }
}

TEST_CASE("DPL rows: deep nesting, huge numbers and duplicate keys are bad lines, never crashes", "[data][dataset][reliability]") {
  const std::string s = kGood;
  // ~10^5 levels in any field crashed the recursive copy; now the parser refuses them.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THAT(error_of(std::string(s).replace(s.find("\"good\""), 6, deep)), Catch::Contains("nesting deeper"));
  CHECK_THAT(error_of(std::string(s).replace(s.find("{\"user_id\""), 1, "{\"extra\":" + deep + ",")),
             Catch::Contains("nesting deeper"));
  // 1e400 and a 5000-digit number are out of range: bad input naming the line, not an abort.
  CHECK_THAT(error_of(std::string(s).replace(s.find("5.0"), 3, "1e400")),
             Catch::StartsWith("f.jsonl:3: malformed JSON: number out of range"));
  CHECK_THAT(error_of(std::string(s).replace(s.find("\"timestamp\":1"), 13, "\"timestamp\":" + std::string(5000, '7'))),
             Catch::Contains("number out of range"));
  // A duplicate key would silently keep the last value: refused, in the fast path too.
  CHECK_THAT(error_of(std::string(s).replace(s.find("{\"user_id\""), 1, "{\"user_id\":\"U0\",")),
             Catch::Contains("duplicate key \"user_id\""));
  CHECK_THAT(error_of(std::string(s).replace(s.find("\"rating\":5.0"), 12, "\"rating\":5.0,\"rating\":1.0")),
             Catch::Contains("duplicate key \"rating\""));
  CHECK_THAT(error_of(std::string(s).replace(s.find("{\"user_id\""), 1, "{\"x\":1,\"x\":2,")),
             Catch::Contains("duplicate key \"x\""));
  CHECK_THAT(error_of(std::string(s).replace(s.find("{\"user_id\""), 1, "{\"x\":{\"y\":1,\"y\":2},")),
             Catch::Contains("duplicate key \"y\""));
  // With skip_bad_lines they are skipped and counted like any bad line.
  const auto dir = dep::test::scratch_dir("data-hostile-lines");
  const auto path = write(dir, "train.jsonl", std::string(kGood) + "\n" +
                                                  std::string(s).replace(s.find("5.0"), 3, "1e400") + "\n" +
                                                  std::string(s).replace(s.find("\"good\""), 6, deep) + "\n");
  dep::ReadReport report;
  const auto rows = dep::read_user_rows(path, {true}, &report);
  CHECK(rows.size() == 1);
  CHECK(report.skipped == 2);
}

TEST_CASE("DPL timestamps beyond int64 are refused, not wrapped", "[data][dataset][reliability]") {
  const std::string s = kGood;
  const auto with_ts = [&](const std::string& ts) {
    return error_of(std::string(s).replace(s.find("\"timestamp\":1"), 13, "\"timestamp\":" + ts));
  };
  CHECK(with_ts("9223372036854775808") ==
        "f.jsonl:3: profile[0]: timestamp 9223372036854775808 is outside the 64-bit range (asin A1)");
  CHECK_THAT(with_ts("1.2e22"), Catch::Contains("is outside the 64-bit range"));
  CHECK_THAT(with_ts("-1e19"), Catch::Contains("is outside the 64-bit range"));
  CHECK(with_ts("9223372036854775807").empty());
  CHECK(with_ts("-9223372036854775808").empty());
  CHECK(with_ts("1.0e12").empty());
  auto row = dep::parse_user_row(std::string(s).replace(s.find("\"timestamp\":1"), 13, "\"timestamp\":9223372036854775807"), "x");
  CHECK(row.profile[0].timestamp == INT64_MAX);
}
