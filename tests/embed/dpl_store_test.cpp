// `dep-data prompts --set prompt.variant=dpl` with an embedding store: DPL's selection, its k-means
// peers read from the store and the stage-1 messages, as select_dpl gives them in process.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "dep/core/hash.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/dpl_prompt.h"
#include "dep/data/dpl_selection.h"
#include "dep/embed/embedding_store.h"
#include "dep/embed/keyed_text.h"
#include "test_paths.h"

TEST_CASE("dep-data prompts (variant dpl) reads the store and writes DPL's selection and stage-1 messages",
          "[embed][dpl][app]") {
  const auto dir = dep::test::scratch_dir("dpl-store-prompts");
  dep::DataConfig config;
  config.data.root = dep::test::fixture("dep-data");
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  std::vector<dep::KeyedText> items;
  for (const auto& category : data.categories) {
    auto part = dep::dpl_texts_to_embed(data.test_rows.at(category), category);
    items.insert(items.end(), part.begin(), part.end());
  }
  constexpr int64_t kDim = 24;
  // A unit vector per text, fixed by the text.
  auto embed = [](const std::vector<std::string>& texts, const std::function<void(int64_t)>& on_batch) {
    std::vector<float> out;
    for (const auto& text : texts) {
      std::mt19937_64 rng(dep::splitmix64(std::hash<std::string>{}(text)));
      std::normal_distribution<double> normal;
      std::vector<double> v(kDim);
      double norm = 0.0;
      for (auto& x : v) {
        x = normal(rng);
        norm += x * x;
      }
      for (const double x : v) out.push_back(static_cast<float>(x / std::sqrt(norm)));
    }
    if (on_batch) on_batch(static_cast<int64_t>(texts.size()));
    return out;
  };
  const std::string store_dir = dir + "/store";
  dep::build_embedding_store(items, dep::StoreSettings{"random", 512, "fp32"}, kDim, 4096, store_dir, embed);

  const std::string out = dir + "/dpl.jsonl";
  // (appended piece by piece: GCC 12 warns falsely on long + chains of std::string)
  const std::string tokenizer = dep::test::fixture("qwen2.5-tokenizer/dep-tokenizer.json");
  std::string cmd = dep::test::binary("dep-data");
  cmd.append(" prompts --config configs/data.json --split test --set data.root=").append(config.data.root);
  cmd.append(" --set tokenizer=").append(tokenizer);
  cmd.append(" --set prompt.variant=dpl --set dpl.embeddings=").append(store_dir);
  cmd.append(" --out ").append(out).append(" --log-level warn");
  REQUIRE(std::system(cmd.c_str()) == 0);

  const auto store = dep::EmbeddingStore::open(store_dir);
  const dep::DplSplitIndex index(data.rows);
  std::ifstream in(out);
  std::string line;
  size_t n = 0, peers = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    REQUIRE(n < data.rows.size());
    const auto& row = data.rows[n++];
    INFO(row.category << " " << row.row.user_id);
    CHECK(j["category"] == row.category);
    CHECK(j["user_id"] == row.row.user_id);
    const auto s = dep::select_dpl({&index, &data.meta, &data, store.get()}, row, 8, config.dpl);
    CHECK(j["history_asins"] == s.history_asins);
    CHECK(j["diff_asins"] == s.diff_asins);
    CHECK(j["dpl_peers"] == s.dpl_peers);
    CHECK(j["dpl_stage1"] == dep::dpl_stage1_messages(s, data.meta));
    REQUIRE(j["dpl_stage1"].size() == s.diff_asins.size());
    for (size_t d = 0; d < s.dpl_peers.size(); ++d) {
      CHECK(!s.dpl_peers[d].empty());
      CHECK(s.dpl_peers[d].size() <= 4);
      peers += s.dpl_peers[d].size();
      std::string last = "[Review by the other user ";  // (appended: GCC 12 warns falsely on the + form)
      last.append(std::to_string(s.dpl_peers[d].size())).append("]:");
      CHECK(j["dpl_stage1"][d].get<std::string>().find(last) != std::string::npos);
    }
  }
  CHECK(n == data.rows.size());
  CHECK(peers > 0);

  // A store that is not there is bad input naming the key's value.
  std::string missing = dep::test::binary("dep-data");
  missing.append(" prompts --split test --set data.root=").append(config.data.root);
  missing.append(" --set tokenizer=").append(tokenizer);
  missing.append(" --set prompt.variant=dpl --set dpl.embeddings=").append(dir).append("/nope");
  missing.append(" --out ").append(dir).append("/x.jsonl 2>/dev/null");
  CHECK(WEXITSTATUS(std::system(missing.c_str())) == 2);
}
