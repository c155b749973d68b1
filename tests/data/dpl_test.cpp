// DPL's selection and prompts: the dpl-select fixture (DPL's own code with rank_bm25 on the dep-data
// fixture), the same selection and the k-means peers recomputed with rank_bm25 and scikit-learn in
// the venv on the test and val splits, and each stage prompt against a hand-written one.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sys/wait.h>

#include "dep/data/dep_dataset.h"
#include "dep/data/dpl_prompt.h"
#include "dep/data/dpl_selection.h"
#include "test_paths.h"

namespace {

dep::DataConfig fixture_config() {
  dep::DataConfig c;
  c.data.root = dep::test::fixture("dep-data");
  return c;
}

std::string venv_python() {
  const char* venv = std::getenv("DEP_VENV");
  const std::string python =
      (venv && *venv ? std::string(venv) : std::string(DEP_SOURCE_DIR) + "/.venv") + "/bin/python3";
  return std::filesystem::exists(python) ? python : std::string();
}

// DPL's selection code (utils/preprocess.py create_data, utils/utils.py get_selected_profile and
// get_others_by_kmeans) on the fixture split, with the review embeddings dep wrote (float32, as
// SentenceTransformer returns them).
const char kDpl[] = R"PY(
import json, sys, warnings
from collections import defaultdict
import numpy as np
from rank_bm25 import BM25Okapi
from sklearn.cluster import KMeans
warnings.filterwarnings("ignore")
root, split, emb_path, out_path = sys.argv[1:5]
emb = json.load(open(emb_path))
def get_selected_profile(profile, review_title, description, n):
    corpus = [f'{x["title"]} {x["description"]}' for x in profile]
    bm25 = BM25Okapi([doc.split() for doc in corpus])
    return bm25.get_top_n(f'{review_title} {description}'.split(), profile, n=n)
def kmeans_peers(points, n=4):
    kmeans = KMeans(n_clusters=n + 1, random_state=42).fit(points)
    labels, centres = kmeans.labels_, kmeans.cluster_centers_
    clusters = {i: [] for i in range(n + 1)}
    for i, label in enumerate(labels[1:], start=1):
        clusters[label].append((i - 1, points[i]))
    out = []
    for c in [c for c in clusters if c != labels[0] and clusters[c]]:
        d = [np.linalg.norm(v[1] - centres[c]) for v in clusters[c]]
        out.append(clusters[c][np.argmin(d)][0])
    return out
result = []
for category in ["Books", "Movies_and_TV", "CDs_and_Vinyl"]:
    meta = {}
    for line in open(f"{root}/{category}/meta.jsonl"):
        m = json.loads(line); meta[m["asin"]] = (m["title"], m["description"])
    test = {}
    for line in open(f"{root}/{category}/test.jsonl"):
        r = json.loads(line); test[r["user_id"]] = [p["asin"] for p in r["profile"]] + [r["data"]["asin"]]
    rows = [json.loads(l) for l in open(f"{root}/{category}/{split}.jsonl")]
    user_profile_map, asin_reviewers_map = {}, defaultdict(set)
    for s in rows:
        user_profile_map[s["user_id"]] = s["profile"]
        for p in s["profile"]: asin_reviewers_map[p["asin"]].add(s["user_id"])
    def embedding(user, asin):  # the user's embedding row: test profile oldest first
        return emb[category + "/" + user][test[user].index(asin)]
    for s in rows:
        user, profile = s["user_id"], [dict(p) for p in s["profile"]]
        for p in profile: p["description"] = meta[p["asin"]][1]
        title, description = s["data"]["title"], meta[s["data"]["asin"]][1]
        diff_profile = [p for p in profile if len(sorted(asin_reviewers_map[p["asin"]] - {user})) >= 4]
        history = get_selected_profile(profile, title, description, 8)
        diff = get_selected_profile(diff_profile, title, description, 8) if diff_profile else []
        peers = []
        for p in diff:
            reviewers = sorted(asin_reviewers_map[p["asin"]]); reviewers.remove(user)
            points = np.array([embedding(user, p["asin"])] + [embedding(r, p["asin"]) for r in reviewers],
                              dtype=np.float32)
            peers.append([reviewers[i] for i in kmeans_peers(points)])
        result.append({"category": category, "user_id": user, "history_asins": [p["asin"] for p in history],
                       "diff_asins": [p["asin"] for p in diff], "dpl_peers": peers})
json.dump(result, open(out_path, "w"))
)PY";

// Random unit vectors for every review of every test row (the embedding layout), seeded.
dep::InMemoryReviewEmbeddings random_embeddings(const dep::DepData& data, int64_t dim, nlohmann::json& as_json) {
  dep::InMemoryReviewEmbeddings out(dim);
  std::mt19937 rng(1207);
  std::normal_distribution<float> normal;
  for (const auto& kv : data.test_rows)
    for (const auto& row : kv.second) {
      const int64_t rows = static_cast<int64_t>(row.profile.size()) + 1;
      std::vector<float> values(static_cast<size_t>(rows * dim));
      for (int64_t r = 0; r < rows; ++r) {
        double norm = 0.0;
        for (int64_t d = 0; d < dim; ++d) norm += std::pow(values[r * dim + d] = normal(rng), 2);
        for (int64_t d = 0; d < dim; ++d) values[r * dim + d] = static_cast<float>(values[r * dim + d] / std::sqrt(norm));
      }
      auto& rows_json = as_json[kv.first + "/" + row.user_id];
      for (int64_t r = 0; r < rows; ++r)
        rows_json.push_back(std::vector<double>(values.begin() + r * dim, values.begin() + (r + 1) * dim));
      out.add(kv.first, row.user_id, std::move(values));
    }
  return out;
}

}  // namespace

TEST_CASE("DPL selection matches DPL's own code on the dep-data fixture (dpl-select)", "[data][dpl]") {
  const auto config = fixture_config();
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  const dep::DplSplitIndex index(data.rows);
  std::ifstream in(dep::test::fixture("dpl-select/expected_select_test.jsonl"));
  std::string line;
  size_t i = 0, short_diff = 0;
  while (std::getline(in, line)) {
    const auto want = nlohmann::json::parse(line);
    REQUIRE(i < data.rows.size());
    const auto& row = data.rows[i++];
    INFO(row.category << " " << row.row.user_id);
    REQUIRE(row.category == want["category"]);
    REQUIRE(row.row.user_id == want["user_id"]);
    const auto s = dep::select_dpl({&index, &data.meta, &data, nullptr}, row, 8, config.dpl);
    CHECK(s.history_asins == want["history_asins"].get<std::vector<std::string>>());
    CHECK(s.diff_asins == want["diff_asins"].get<std::vector<std::string>>());
    CHECK(s.diff_reviewers == want["diff_reviewers"].get<std::vector<std::vector<std::string>>>());
    short_diff += s.diff_asins.size() < 8;
    CHECK(s.dpl_peers.size() == s.diff_asins.size());
    for (const auto& p : s.dpl_peers) CHECK(p.empty());  // no embeddings: no peers
  }
  CHECK(i == data.rows.size());
  CHECK(short_diff == 6);  // the README's six samples with fewer than K diff items
}

TEST_CASE("DPL selection and k-means peers equal DPL's code run with rank_bm25 and scikit-learn", "[data][dpl][sklearn]") {
  const std::string python = venv_python();
  if (python.empty()) {
    WARN("WARN: no Python venv (DEP_VENV): DPL's selection was not recomputed with rank_bm25 / scikit-learn");
    return;
  }
  const auto dir = dep::test::scratch_dir("dpl-reference");
  std::ofstream(dir + "/dpl.py") << kDpl;
  size_t peers_total = 0, splits_checked = 0, items = 0, identical = 0;
  for (const auto split : {dep::DepSplit::kTest, dep::DepSplit::kVal}) {
    const auto config = fixture_config();
    const auto data = dep::load_dep_data(config, split);
    nlohmann::json emb_json;
    const auto embeddings = random_embeddings(data, 16, emb_json);
    std::ofstream(dir + "/emb.json") << emb_json.dump();
    const std::string split_name = dep::split_name(split);
    const std::string command = python + " " + dir + "/dpl.py " + dep::test::fixture("dep-data") + " " + split_name +
                                " " + dir + "/emb.json " + dir + "/want.json 2>&1";
    const int status = std::system(command.c_str());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      WARN("WARN: rank_bm25 or scikit-learn missing from the venv (scripts/requirements.txt): not compared");
      return;
    }
    std::ifstream in(dir + "/want.json");
    std::map<std::pair<std::string, std::string>, nlohmann::json> want;
    for (const auto& j : nlohmann::json::parse(in)) want[{j["category"], j["user_id"]}] = j;
    // DPL's maps come from the current split only; val rows are not shuffled by DPL.
    std::vector<dep::SplitRow> rows;
    for (const auto& category : data.categories)
      for (const auto& r : dep::read_user_rows(config.data.root + "/" + category + "/" + split_name + ".jsonl", {}))
        rows.push_back({category, r});
    const dep::DplSplitIndex index(rows);
    REQUIRE(rows.size() == want.size());
    for (const auto& row : rows) {
      INFO(split_name << " " << row.category << " " << row.row.user_id);
      const auto& w = want.at({row.category, row.row.user_id});
      const auto s = dep::select_dpl({&index, &data.meta, &data, &embeddings}, row, 8, config.dpl);
      CHECK(s.history_asins == w["history_asins"].get<std::vector<std::string>>());
      CHECK(s.diff_asins == w["diff_asins"].get<std::vector<std::string>>());
      const auto want_peers = w["dpl_peers"].get<std::vector<std::vector<std::string>>>();
      REQUIRE(s.dpl_peers.size() == want_peers.size());
      for (size_t d = 0; d < s.dpl_peers.size(); ++d) {
        // A cluster of exactly two reviews has both members equidistant from its centre: scikit-learn
        // breaks that tie by float32 rounding (DPL's embeddings are float32), which dep follows
        // except where BLAS's summation order decides.
        CHECK(s.dpl_peers[d].size() == want_peers[d].size());
        ++items;
        identical += s.dpl_peers[d] == want_peers[d];
        CHECK(s.dpl_peers[d].size() <= 4);
        CHECK(s.peer_reviews[d].size() == s.dpl_peers[d].size());
        peers_total += s.dpl_peers[d].size();
      }
    }
    ++splits_checked;
  }
  CHECK(splits_checked == 2);
  CHECK(peers_total > 0);
  WARN("DPL peers identical to DPL's code with scikit-learn on " << identical << " of " << items
                                                                 << " diff items (test + val splits)");
  CHECK(identical * 100 >= items * 95);
}

namespace {

// A known sample: two history reviews, one diff item with two chosen peers.
struct KnownSample {
  dep::MetaTable meta;
  dep::SplitRow row;
  dep::DplSelection selection;
  KnownSample() {
    meta["I1"] = {"Item One", "First item."};
    meta["I2"] = {"Item Two", "Second item."};
    meta["T"] = {"Target Item", "The target."};
    row.category = "Books";
    row.row.user_id = "U";
    row.row.data = {"T", 4.0, "Target text.", 30, "Target title"};
    selection.history = {{"I2", 5.0, "Loved it.", 20, "Great"}, {"I1", 2.5, "Meh.", 10, "So-so"}};
    selection.history_asins = {"I2", "I1"};
    selection.diff = {{"I1", 2.5, "Meh.", 10, "So-so"}};
    selection.diff_asins = {"I1"};
    selection.dpl_peers = {{"P1", "P2"}};
    selection.peer_reviews = {{{"I1", 5.0, "Wonderful.", 11, "Yes"}, {"I1", 1.0, "Awful.", 12, "No"}}};
  }
};

}  // namespace

TEST_CASE("DPL stage prompts, character for character", "[data][dpl][prompt]") {
  const KnownSample k;
  CHECK(dep::dpl_stage1_system() ==
        "Given the title and description of an item, along with the current user's review and 4 other users' reviews "
        "for the same item, analyze and output the differences between the current user and other users by "
        "considering the following aspects:\n[Writing Style]: word choice and sentence structure.\n[Emotional "
        "Style]: sentiment tone (positive, negative, or neutral).\n[Semantic Style]: information density and "
        "contextual coherence.\n");
  CHECK(dep::dpl_stage2_system(8) ==
        "Given titles and descriptions of 8 items, along with the differences in writing style, emotional style, and "
        "semantic style between the current user's review and other users' reviews for each item, and the current "
        "user's past reviews, generate a profile summary of the current user.\nThe summary should be formatted as "
        "follows:\n[Summary]: <summary>");
  CHECK(dep::dpl_stage2_system(1).rfind("Given titles and descriptions of an item, along", 0) == 0);
  CHECK(dep::dpl_stage3_system() ==
        "Given the title and description of an item, along with the current user's past reviews and profile summary, "
        "and the output review rating and review title, generate a personalized item review for the current "
        "user.\nThe review should be formatted as follows:\n[Review]: <review>");

  const auto stage1 = dep::dpl_stage1_messages(k.selection, k.meta);
  REQUIRE(stage1.size() == 1);
  CHECK(stage1[0] ==
        "[Item Information]:\n"
        "- [Item Title]: Item One\n"
        "- [Item Description]: First item.\n"
        "\n[Review by the current user]:\n"
        "- [User's Rating]: 2.5\n"
        "- [Review Title]: So-so\n"
        "- [Review Text]: Meh.\n"
        "\n[Review by the other user 1]:\n"
        "- [User's Rating]: 5.0\n"
        "- [Review Title]: Yes\n"
        "- [Review Text]: Wonderful.\n"
        "\n[Review by the other user 2]:\n"
        "- [User's Rating]: 1.0\n"
        "- [Review Title]: No\n"
        "- [Review Text]: Awful.\n");

  const std::string past =
      "[Review 1]:\n- [Item Title]: Item Two\n- [Item Description]: Second item.\n- [Review Rating]: 5.0\n"
      "- [Review Title]: Great\n- [Review Text]: Loved it.\n"
      "[Review 2]:\n- [Item Title]: Item One\n- [Item Description]: First item.\n- [Review Rating]: 2.5\n"
      "- [Review Title]: So-so\n- [Review Text]: Meh.\n";
  CHECK(dep::dpl_stage2_message(k.selection, k.meta, {"U is harsher.", "ignored extra output"}) ==
        "[Item Title]: Item One\n"
        "[Item Description]: First item.\n"
        "[Differences between the current user's review and the other user's reviews]:\nU is harsher.\n"
        "\n[User's Past Reviews]:\n" +
            past + "\n");
  CHECK(dep::dpl_stage3_message(k.row, k.selection, k.meta, "[Summary]:  Picky reader.\n") ==
        "[Item Title]: Target Item\n"
        "[Item Description]: The target.\n"
        "[User's Past Reviews]:\n" +
            past +
            "\n[User's Profile Summary]:\nPicky reader.\n"
            "[Output Review Rating]: 4.0\n"
            "[Output Review Title]: Target title\n");
  // Without the prefix the summary goes in as it is.
  CHECK(dep::dpl_stage3_message(k.row, k.selection, k.meta, "Picky.").find("[User's Profile Summary]:\nPicky.\n[") !=
        std::string::npos);

  CHECK(dep::strip_dpl_prefix("[Review]: \u00a0Great book. \n", "[Review]:") == "Great book.");
  CHECK(dep::strip_dpl_prefix(" [Review]: x", "[Review]:") == " [Review]: x");
  CHECK(dep::strip_dpl_prefix("[Review]:", "[Review]:").empty());
  CHECK(dep::dpl_chat_prompt("S\n", "U\n") == "<|im_start|>system\nS\n<|im_end|><|im_start|>user\nU\n<|im_end|>\n<|im_start|>assistant\n");
}

TEST_CASE("dep-data prompts: rag and pag show history_asins in retrieval order, text only", "[data][dpl][app]") {
  const auto dir = dep::test::scratch_dir("data-prompts-rag-pag");
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> bm25;
  std::ifstream fixture(dep::test::fixture("dpl-select/expected_select_test.jsonl"));
  std::string line;
  while (std::getline(fixture, line)) {
    const auto j = nlohmann::json::parse(line);
    bm25[{j["category"], j["user_id"]}] = j["history_asins"].get<std::vector<std::string>>();
  }
  for (const std::string variant : {"rag", "pag"}) {
    const std::string out = dir + "/" + variant + ".jsonl";
    const std::string cmd = dep::test::binary("dep-data") + " prompts --config configs/data.json --split test" +
                            " --set data.root=" + dep::test::fixture("dep-data") + " --set tokenizer=" +
                            dep::test::fixture("qwen2.5-tokenizer/dep-tokenizer.json") + " --set prompt.variant=" +
                            variant + " --set history.retrieval=bm25 --out " + out + " --log-level warn";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::ifstream in(out);
    size_t n = 0;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line);
      INFO(variant << " " << j["category"] << " " << j["user_id"]);
      const auto shown = j["history_asins"].get<std::vector<std::string>>();
      const auto& want = bm25.at({j["category"], j["user_id"]});
      REQUIRE(!shown.empty());
      REQUIRE(shown.size() <= want.size());  // the length control may show fewer
      CHECK(std::equal(shown.begin(), shown.end(), want.begin()));
      CHECK(j["prompt"].get<std::string>().find("<his_token_start>") == std::string::npos);
      ++n;
    }
    CHECK(n == 17);
  }
}
