// `dep-embed import`: a store from {"text", "embedding"} lines made elsewhere, keyed by the lines'
// own keys or by the texts an input config names; bad lines are one error naming file:line.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dep/core/error.h"
#include "dep/embed/embedding_import.h"
#include "dep/embed/embedding_store.h"
#include "test_paths.h"

namespace {

std::string write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const auto& l : lines) out << l << "\n";
  return path;
}

dep::StoreSettings imported() {
  dep::StoreSettings s;
  s.model = "imported";
  s.dtype = "fp32";
  return s;
}

// Runs a command; returns its exit status and output (stdout + stderr).
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

}  // namespace

TEST_CASE("import keys lines by their own keys, deduplicating repeated texts", "[store][import]") {
  const auto dir = dep::test::scratch_dir("import_keys");
  const auto jsonl = write_lines(dir + "/in.jsonl", {
      R"({"key": "a", "text": "first", "embedding": [1, 0, 0.5]})",
      R"({"key": "b", "text": "second", "embedding": [0, 1, -2.25]})",
      "",
      R"({"key": "c", "text": "first", "embedding": [1, 0, 0.5]})",
  });
  const auto report = dep::import_embedding_store(jsonl, {}, imported(), 1, dir + "/store");
  CHECK(report.keys == 3);
  CHECK(report.distinct_texts == 2);
  CHECK(report.shards == 2);
  const auto store = dep::EmbeddingStore::open(dir + "/store");
  CHECK(store->dim() == 3);
  CHECK(store->settings().model == "imported");
  CHECK(store->row("a") == store->row("c"));
  CHECK(store->row("b")[2] == -2.25f);
  CHECK(store->keyed_row("a")[2] == 0.5f);
}

TEST_CASE("import takes the keys of an input config, matching its texts", "[store][import]") {
  const auto dir = dep::test::scratch_dir("import_config");
  write_lines(dir + "/texts.jsonl", {R"({"key": "u/0", "text": "alpha"})", R"({"key": "u/1", "text": "beta"})"});
  const auto jsonl = write_lines(dir + "/in.jsonl", {R"({"text": "beta", "embedding": [0.5, 0.5]})",
                                                     R"({"text": "alpha", "embedding": [1.0, 0.0]})",
                                                     R"({"text": "unused", "embedding": [0.0, 1.0]})"});
  dep::EmbedInputConfig input;
  input.paths = {dir + "/texts.jsonl"};
  const auto items = dep::embed_input_texts(input);
  dep::import_embedding_store(jsonl, items, imported(), 64, dir + "/store");
  const auto store = dep::EmbeddingStore::open(dir + "/store");
  CHECK(store->size() == 2);
  CHECK(store->row("u/0")[0] == 1.0f);
  CHECK(store->row("u/1")[1] == 0.5f);
  // A text of the config that the file lacks is an error naming its key.
  write_lines(dir + "/texts.jsonl", {R"({"key": "u/0", "text": "alpha"})", R"({"key": "u/2", "text": "gamma"})"});
  CHECK_THROWS_WITH(dep::import_embedding_store(jsonl, dep::embed_input_texts(input), imported(), 64, dir + "/store2"),
                    Catch::Contains("\"u/2\""));
}

TEST_CASE("import errors name the file and the line", "[store][import]") {
  const auto dir = dep::test::scratch_dir("import_errors");
  auto fails = [&](std::vector<std::string> lines, const std::string& message) {
    const auto jsonl = write_lines(dir + "/in.jsonl", lines);
    CHECK_THROWS_WITH(dep::read_imported_vectors(jsonl), Catch::Contains(message));
  };
  const std::string ok = R"({"key": "a", "text": "x", "embedding": [1, 2]})";
  fails({ok, R"({"key": "b", "text": "y", "embedding": [1, 2, 3]})"}, "in.jsonl:2: embedding has 3 values; the first line's has 2");
  fails({ok, "{not json"}, "in.jsonl:2: malformed JSON");
  fails({ok, "{\"text\": \"a\", \"embedding\": [1e400]}"}, "in.jsonl:2: malformed JSON: number out of range");
  fails({ok, R"({"key": "b", "embedding": [1, 2]})"}, "in.jsonl:2: needs a string field \"text\"");
  fails({ok, R"({"key": "b", "text": "y", "embedding": [1, "2"]})"}, "in.jsonl:2: embedding value 1 is not a number");
  fails({ok, R"({"key": "b", "text": "y"})"}, "in.jsonl:2: needs a non-empty array field \"embedding\"");
  fails({ok, ok}, "in.jsonl:2: key \"a\" already appeared on line 1");
  fails({ok, R"({"key": "b", "text": "x", "embedding": [1, 3]})"}, "in.jsonl:2: the same text as line 1 with another embedding");
  fails({}, "holds no embeddings");
  // Without an input config every line needs a key.
  const auto jsonl = write_lines(dir + "/in.jsonl", {ok, R"({"text": "y", "embedding": [1, 2]})"});
  CHECK_THROWS_WITH(dep::import_embedding_store(jsonl, {}, imported(), 64, dir + "/store"),
                    Catch::Contains("every line needs a \"key\""));
  CHECK_FALSE(std::filesystem::exists(dir + "/store/index.json"));
}

TEST_CASE("dep-embed import writes the store and exits 2 on bad input", "[store][import][cli]") {
  const std::string binary = dep::test::binary("dep-embed");
  REQUIRE(std::filesystem::exists(binary));
  const auto dir = dep::test::scratch_dir("import_cli");
  write_lines(dir + "/in.jsonl", {R"({"key": "a", "text": "x", "embedding": [0.6, 0.8]})"});
  auto [status, out] = run(binary + " import --jsonl " + dir + "/in.jsonl --out " + dir + "/store --model-name st");
  INFO(out);
  CHECK(status == 0);
  CHECK(dep::EmbeddingStore::open(dir + "/store")->settings().model == "st");
  write_lines(dir + "/bad.jsonl", {R"({"key": "a", "text": "x", "embedding": [0.6, 0.8]})",
                                   R"({"key": "b", "text": "y", "embedding": [0.6]})"});
  auto [bad_status, bad_out] = run(binary + " import --jsonl " + dir + "/bad.jsonl --out " + dir + "/store2");
  CHECK(bad_status == dep::kExitBadInput);
  CHECK(bad_out.find("bad.jsonl:2") != std::string::npos);
}

TEST_CASE("dpl input with meta_paths adds PPlug's task text of every mentioned item", "[store][import][pplug]") {
  const auto dir = dep::test::scratch_dir("import_meta");
  auto review = [](const char* asin, int ts) {
    return std::string(R"({"asin": ")") + asin + R"(", "rating": 4.0, "text": "about )" + asin +
           R"(", "timestamp": )" + std::to_string(ts) + R"(, "title": "t"})";
  };
  write_lines(dir + "/test.jsonl", {R"({"user_id": "U1", "profile": [)" + review("I1", 1) + "], \"data\": " +
                                    review("I2", 2) + "}"});
  write_lines(dir + "/meta_a.jsonl", {R"({"asin": "I1", "title": "One", "description": "First."})",
                                      R"({"asin": "I2", "title": "Two", "description": "Old."})"});
  write_lines(dir + "/meta_b.jsonl", {R"({"asin": "I2", "title": "Two", "description": "New."})"});
  dep::EmbedInputConfig input;
  input.format = dep::EmbedInputFormat::kDpl;
  input.paths = {dir + "/test.jsonl"};
  input.categories = {"Books"};
  input.meta_paths = {dir + "/meta_a.jsonl", dir + "/meta_b.jsonl"};
  const auto items = dep::embed_input_texts(input);
  REQUIRE(items.size() == 4);
  CHECK(items[0].key == "Books/U1/0");
  CHECK(items[1].key == "Books/U1/1");
  CHECK(items[2].key == "item/I1");
  CHECK(items[2].text == "[Item Title]: One\n[Item Description]: First.\n");
  CHECK(items[3].key == "item/I2");
  CHECK(items[3].text == "[Item Title]: Two\n[Item Description]: New.\n");  // the later file wins
  input.meta_paths = {dir + "/meta_b.jsonl"};
  CHECK_THROWS_WITH(dep::embed_input_texts(input), Catch::Contains("no meta for asin I1"));
}
