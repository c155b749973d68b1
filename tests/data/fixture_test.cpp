// The reference DEP sample construction on ../shared/fixtures/dep-data: every test, val and train
// sample's prompt (character for character), shown and embedded reviews, peer counts and target,
// including the samples that sit exactly at the 3072-token boundary.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <nlohmann/json.hpp>

#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/sample_builder.h"
#include "test_paths.h"

namespace {

using Key = std::pair<std::string, std::string>;

std::map<Key, nlohmann::json> expected(const std::string& split) {
  std::ifstream in(dep::test::fixture("dep-data/expected_" + split + "_prompts.jsonl"));
  REQUIRE(in);
  std::map<Key, nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    out[{j["category"], j["user_id"]}] = j;
  }
  return out;
}

dep::DataConfig fixture_config() {
  dep::DataConfig c;
  c.data.root = dep::test::fixture("dep-data");
  c.tokenizer = dep::test::fixture("qwen2.5-tokenizer/dep-tokenizer.json");
  return c;
}

const dep::BpeTokenizer& tokenizer() {
  static const dep::BpeTokenizer tok = dep::load_dep_tokenizer(fixture_config().tokenizer);
  return tok;
}

void check_split(const std::string& split, int* boundary_samples) {
  const auto config = fixture_config();
  const auto data = dep::load_dep_data(config, dep::parse_split(split));
  const auto want = expected(split);
  REQUIRE(data.rows.size() == want.size());
  dep::DepSampleBuilder builder(config, data, dep::encoder_of(tokenizer()));
  for (const auto& row : data.rows) {
    INFO(split << " " << row.category << " " << row.row.user_id);
    auto it = want.find({row.category, row.row.user_id});
    REQUIRE(it != want.end());
    const auto& e = it->second;
    const auto plan = builder.plan(row);
    CHECK(plan.k == e["k"].get<int64_t>());
    CHECK(plan.base_tokens == e["base_token_count"].get<int64_t>());
    CHECK(plan.prompt == e["prompt"].get<std::string>());
    CHECK(plan.history_asins == e["history_asins"].get<std::vector<std::string>>());
    CHECK(plan.embedding_asins == e["embedding_asins"].get<std::vector<std::string>>());
    CHECK(plan.peer_counts == e["peer_counts"].get<std::vector<int64_t>>());
    CHECK(plan.target == e["target"].get<std::string>());
    // the embedding rows behind each slot: the user's own row and every peer's (user, row)
    CHECK(plan.his_rows == e["his_rows"].get<std::vector<int64_t>>());
    REQUIRE(plan.slots.size() == e["peer_rows"].size());
    for (size_t s = 0; s < plan.slots.size(); ++s) {
      std::vector<std::pair<std::string, int64_t>> peers;
      for (const auto& p : plan.slots[s].peers) peers.emplace_back(data.pool.user(p.user).user_id, p.row);
      std::vector<std::pair<std::string, int64_t>> want;
      for (const auto& p : e["peer_rows"][s]) want.emplace_back(p[0].get<std::string>(), p[1].get<int64_t>());
      CHECK(peers == want);
    }
    // the k's tried and their history-block token counts, as the reference measured them
    std::vector<std::pair<int64_t, int64_t>> tried;
    for (const auto& t : e["history_token_counts"]) tried.emplace_back(t[0].get<int64_t>(), t[1].get<int64_t>());
    CHECK(plan.tried == tried);
    const auto ids = tokenizer().encode(plan.prompt);
    CHECK(static_cast<int64_t>(ids.size()) == e["prompt_token_count"].get<int64_t>());
    if (e["prompt_token_count"].get<int64_t>() == 3072) ++*boundary_samples;
  }
}

}  // namespace

TEST_CASE("fixture: test prompts reproduce the reference", "[data][fixture]") {
  int boundary = 0;
  check_split("test", &boundary);
  CHECK(boundary >= 2);  // the fixture's samples exactly at 3072 tokens
}

TEST_CASE("fixture: val prompts reproduce the reference", "[data][fixture]") {
  int boundary = 0;
  check_split("val", &boundary);
}

TEST_CASE("fixture: train prompts reproduce the reference (longest-profile row per user)", "[data][fixture]") {
  int boundary = 0;
  check_split("train", &boundary);
}

TEST_CASE("fixture: one token less or more at the boundary changes k", "[data][fixture]") {
  auto config = fixture_config();
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  // Movies_and_TV APX2EUJT... is exactly 3072 tokens with k = 8.
  const dep::SplitRow* row = nullptr;
  for (const auto& r : data.rows)
    if (r.category == "Movies_and_TV" && r.row.user_id.rfind("APX2EUJT", 0) == 0) row = &r;
  REQUIRE(row);
  dep::DepSampleBuilder exact(config, data, dep::encoder_of(tokenizer()));
  CHECK(exact.plan(*row).k == 8);
  config.history.max_length = 3071;
  dep::DepSampleBuilder tighter(config, data, dep::encoder_of(tokenizer()));
  CHECK(tighter.plan(*row).k == 7);
}

TEST_CASE("fixture: dep-data prompts writes the inspection lines in split order", "[data][fixture][app]") {
  const auto dir = dep::test::scratch_dir("data-prompts-app");
  const std::string out = dir + "/test.jsonl";
  const std::string cmd = dep::test::binary("dep-data") +
                          " prompts --config configs/data.json --split test --category Books --set data.root=" +
                          dep::test::fixture("dep-data") + " --set tokenizer=" + fixture_config().tokenizer +
                          " --out " + out + " --log-level warn";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto want = expected("test");
  std::ifstream in(out);
  std::string line;
  std::vector<std::string> users;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    CHECK(j["category"] == "Books");
    const auto& e = want.at({j["category"], j["user_id"]});
    for (const char* key : {"prompt", "history_asins", "embedding_asins", "peer_counts", "target"}) CHECK(j[key] == e[key]);
    users.push_back(j["user_id"]);
  }
  // split order = the Books test file order
  std::ifstream books(dep::test::fixture("dep-data/Books/test.jsonl"));
  std::vector<std::string> file_order;
  while (std::getline(books, line)) file_order.push_back(nlohmann::json::parse(line)["user_id"]);
  CHECK(users == file_order);

  // bad input: an unknown category and a malformed config are one-line errors, exit code 2
  const std::string bad = dep::test::binary("dep-data") + " prompts --split test --category Nope --set data.root=" +
                          dep::test::fixture("dep-data") + " --set tokenizer=" + fixture_config().tokenizer +
                          " --out " + dir + "/x.jsonl 2>/dev/null";
  CHECK(WEXITSTATUS(std::system(bad.c_str())) == 2);
  const std::string bad_key = dep::test::binary("dep-data") + " prompts --set history.kk=3 --out " + dir +
                              "/y.jsonl 2>/dev/null";
  CHECK(WEXITSTATUS(std::system(bad_key.c_str())) == 2);

  // --out - writes the same lines to stdout (logs stay on stderr), and no .config.json named "-".
  const std::string piped = dir + "/piped.jsonl";
  const std::string to_stdout = dep::test::binary("dep-data") +
                                " prompts --config configs/data.json --split test --category Books --set data.root=" +
                                dep::test::fixture("dep-data") + " --set tokenizer=" + fixture_config().tokenizer +
                                " --out - --log-level info > " + piped + " 2>/dev/null";
  REQUIRE(std::system(to_stdout.c_str()) == 0);
  std::ifstream file_lines(out), piped_lines(piped);
  std::stringstream file_text, piped_text;
  file_text << file_lines.rdbuf();
  piped_text << piped_lines.rdbuf();
  CHECK(piped_text.str() == file_text.str());
  CHECK_FALSE(std::filesystem::exists("-.config.json"));
  // An output path under a file is bad input, exit 2.
  const std::string under_file = dep::test::binary("dep-data") + " prompts --config configs/data.json --out " + out +
                                 "/x.jsonl 2>" + dir + "/err.txt";
  CHECK(WEXITSTATUS(std::system(under_file.c_str())) == 2);
  std::ifstream err_file(dir + "/err.txt");
  std::stringstream err;
  err << err_file.rdbuf();
  CHECK(err.str() == "error: --out: cannot create '" + out + "/x.jsonl': '" + out + "' is not a directory\n");
}

TEST_CASE("configs/data.json is the reference configuration", "[data][config]") {
  const auto c = dep::load_config<dep::DataConfig>(std::string(DEP_SOURCE_DIR) + "/configs/data.json", {});
  const dep::DataConfig defaults;
  CHECK(dep::config_to_json(c).dump() ==
        dep::config_to_json(dep::load_config<dep::DataConfig>("", {"data.root=data/dpl",
                                                                   "tokenizer=models/Qwen2.5-7B-Instruct"}))
            .dump());
  CHECK(c.history.k == 8);
  CHECK(c.history.max_length == 3072);
  CHECK(c.splits.seed == 42);
  CHECK(c.splits.val_size == 512);
  CHECK(c.quirks.slots_skip_peerless);
  CHECK(defaults.data.categories == std::vector<std::string>{"Books", "Movies_and_TV", "CDs_and_Vinyl"});
}
