// The synthetic DPL generator: deterministic, readable by the DPL reader, built like DPL's splits,
// items with several reviewers, and styles a trivial classifier can tell apart (learnable).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dep/core/atomic_file.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/peers.h"
#include "dep/data/synthetic_data.h"
#include "test_paths.h"

namespace {

std::map<std::string, double> word_counts(const std::string& text) {
  std::map<std::string, double> counts;
  std::istringstream in(text);
  std::string w;
  while (in >> w) counts[w] += 1.0;
  return counts;
}

double cosine(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
  double dot = 0, na = 0, nb = 0;
  for (const auto& [w, v] : a) {
    na += v * v;
    auto it = b.find(w);
    if (it != b.end()) dot += v * it->second;
  }
  for (const auto& kv : b) nb += kv.second * kv.second;
  return dot / std::sqrt(na * nb + 1e-12);
}

}  // namespace

TEST_CASE("synthetic data is deterministic by seed", "[data][synth]") {
  dep::SynthConfig c;
  auto a = dep::generate_synthetic(c);
  auto b = dep::generate_synthetic(c);
  c.seed = 8;
  auto d = dep::generate_synthetic(c);
  REQUIRE(a.size() == 3);
  CHECK(dep::user_row_json(dep::dpl_test_row(a[1].user_reviews[3].first, a[1].user_reviews[3].second)) ==
        dep::user_row_json(dep::dpl_test_row(b[1].user_reviews[3].first, b[1].user_reviews[3].second)));
  CHECK(a[0].user_reviews[0].second[0].text != d[0].user_reviews[0].second[0].text);
}

TEST_CASE("synthetic data follows the DPL schema and split construction", "[data][synth]") {
  dep::SynthConfig c;
  c.users = {10, 8, 9};
  c.shared_user_fraction = 0.2;
  const auto data = dep::generate_synthetic(c);
  const auto dir = dep::test::scratch_dir("data-synth");
  dep::write_synthetic_dpl(data, dir);
  for (const auto& cat : data) {
    for (const auto& [asin, meta] : cat.meta) {
      CHECK(meta.description.size() >= 100);
      CHECK(meta.description.size() <= 2000);
    }
    for (const auto& [user, reviews] : cat.user_reviews) {
      CHECK(reviews.size() >= size_t(c.min_profile + 10));
      std::set<std::string> asins;
      for (size_t i = 0; i < reviews.size(); ++i) {
        CHECK(reviews[i].text.size() >= 200);
        CHECK(reviews[i].rating >= 1.0);
        CHECK(reviews[i].rating <= 5.0);
        if (i) CHECK(reviews[i].timestamp > reviews[i - 1].timestamp);
        asins.insert(reviews[i].asin);
      }
      CHECK(asins.size() == reviews.size());  // one review per item and user, as DPL dedups
    }
  }
  // the second category holds 20% of the first category's users as well
  CHECK(data[1].user_reviews.size() == 8 + 2);
  dep::DataConfig config;
  config.data.root = dir;
  const int64_t users = 10 + 10 + 11;
  for (auto split : {dep::DepSplit::kTrain, dep::DepSplit::kVal, dep::DepSplit::kTest}) {
    const auto d = dep::load_dep_data(config, split);
    CHECK(d.report.skipped == 0);
    // meta rows + test rows (always read: the peer pool) + the split's own rows (train: 8 per user)
    const int64_t own = split == dep::DepSplit::kTrain ? 8 * users : split == dep::DepSplit::kVal ? users : 0;
    CHECK(d.report.rows == 3 * c.items + users + own);
    CHECK(static_cast<int64_t>(d.rows.size()) == users);
  }
}

TEST_CASE("synthetic items have several reviewers, so every test sample has peers", "[data][synth]") {
  dep::SynthConfig c;
  const auto dir = dep::test::scratch_dir("data-synth-peers");
  dep::write_synthetic_dpl(dep::generate_synthetic(c), dir);
  dep::DataConfig config;
  config.data.root = dir;
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  for (const auto& r : data.rows) {
    std::vector<std::string> asins;
    for (const auto& p : r.row.profile) asins.push_back(p.asin);
    dep::SlotRules rules;
    auto slots = dep::select_slot_items(data.pool, r.category, r.row.user_id, asins, rules);
    CHECK(slots.size() == 8);
  }
}

TEST_CASE("synthetic users write in recognisably different styles", "[data][synth]") {
  dep::SynthConfig c;
  c.users = {12, 12, 12};
  const auto data = dep::generate_synthetic(c);
  // Nearest centroid on bag-of-words: profile reviews → centroid, the held-out last review → user.
  int correct = 0, total = 0;
  for (const auto& cat : data) {
    std::vector<std::map<std::string, double>> centroids;
    for (const auto& [user, reviews] : cat.user_reviews) {
      std::map<std::string, double> sum;
      for (size_t i = 0; i + 1 < reviews.size(); ++i)
        for (const auto& [w, v] : word_counts(reviews[i].text)) sum[w] += v;
      centroids.push_back(sum);
    }
    for (size_t u = 0; u < cat.user_reviews.size(); ++u) {
      const auto held_out = word_counts(cat.user_reviews[u].second.back().text);
      size_t best = 0;
      double best_score = -1;
      for (size_t v = 0; v < centroids.size(); ++v) {
        const double s = cosine(held_out, centroids[v]);
        if (s > best_score) best_score = s, best = v;
      }
      correct += best == u;
      ++total;
    }
  }
  CHECK(double(correct) / total > 0.7);  // chance is 1/12
  // sentiment follows the rating: a 4- or 5-star review never uses the negative sentences
  int checked = 0;
  for (const auto& cat : data)
    for (const auto& [user, reviews] : cat.user_reviews)
      for (const auto& r : reviews) {
        if (r.rating < 4) continue;
        std::string text = r.text;
        for (auto& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        for (const char* negative : {"could not get past", "falls apart", "i gave up halfway", "nothing about the"})
          CHECK(text.find(negative) == std::string::npos);
        ++checked;
      }
  CHECK(checked > 100);
}

TEST_CASE("dep-data synth writes a deterministic dataset that validate accepts, and a bad line fails it", "[data][synth][app]") {
  const auto dir = dep::test::scratch_dir("data-synth-app");
  const std::string bin = dep::test::binary("dep-data");
  auto run = [](const std::string& cmd) { return WEXITSTATUS(std::system(cmd.c_str())); };
  REQUIRE(run(bin + " synth --out " + dir + "/a --users 6 --items 40 --seed 3 --log-level warn") == 0);
  REQUIRE(run(bin + " synth --out " + dir + "/b --users 6 --items 40 --seed 3 --log-level warn") == 0);
  for (const char* f : {"/Books/train.jsonl", "/CDs_and_Vinyl/test.jsonl", "/Movies_and_TV/meta.jsonl"})
    CHECK(dep::read_file(dir + "/a" + f) == dep::read_file(dir + "/b" + f));
  CHECK(std::filesystem::exists(dir + "/a/synth.config.json"));
  dep::DataConfig config;
  config.data.root = dir + "/a";
  const auto test = dep::load_dep_data(config, dep::DepSplit::kTest);
  CHECK(test.rows.size() == 6 + 6 + 6);  // 10% of 6 users round down: no shared users

  const std::string validate = bin + " validate --set data.root=" + dir + "/a > " + dir + "/v.txt";
  CHECK(run(validate) == 0);
  CHECK(dep::read_file(dir + "/v.txt").find("test      18 samples") != std::string::npos);
  {
    std::ofstream append(dir + "/a/Books/val.jsonl", std::ios::app);
    append << "{\"user_id\": \"broken\"\n";
  }
  CHECK(run(validate + " 2>" + dir + "/err.txt") == 2);
  CHECK(dep::read_file(dir + "/err.txt").find("Books/val.jsonl:7: malformed JSON") != std::string::npos);
  CHECK(run(bin + " validate --skip-bad-lines --set data.root=" + dir + "/a > " + dir + "/v2.txt") == 0);
  CHECK(dep::read_file(dir + "/v2.txt").find("1 skipped") != std::string::npos);
  CHECK(run(bin + " synth --out " + dir + "/c --users 2 --items 5 2>/dev/null") == 2);  // too few items
}

TEST_CASE("synthetic review and description lengths follow their configured ranges", "[data][synth]") {
  dep::SynthConfig c;
  c.review_sentences = {1, 2};
  c.min_review_chars = 0;
  c.description_chars = {30, 60};
  const auto data = dep::generate_synthetic(c);
  dep::SynthConfig long_config;
  const auto long_data = dep::generate_synthetic(long_config);
  size_t short_chars = 0, long_chars = 0, reviews = 0;
  for (size_t k = 0; k < data.size(); ++k) {
    for (const auto& [asin, meta] : data[k].meta) {
      // "Readers call it X and Y." then whole sentences until the drawn length is reached
      CHECK(meta.description.size() >= 30);
      CHECK(meta.description.size() <= 60 + 100);
    }
    for (const auto& [user, list] : data[k].user_reviews)
      for (const auto& r : list) short_chars += r.text.size(), ++reviews;
    for (const auto& [user, list] : long_data[k].user_reviews)
      for (const auto& r : list) long_chars += r.text.size();
  }
  REQUIRE(reviews > 0);
  // opener, consensus, deviation, 0-3 body sentences, closer: much shorter than the default's 2-12
  // body sentences and at least 200 characters
  CHECK(long_chars / reviews >= 200);
  CHECK(short_chars < long_chars * 3 / 4);
  c.review_sentences = {3, 2};
  CHECK_THROWS_WITH(dep::generate_synthetic(c), Catch::Contains("synth.review_sentences"));
  c.review_sentences = {1, 2};
  c.description_chars = {10};
  CHECK_THROWS_WITH(dep::generate_synthetic(c), Catch::Contains("synth.description_chars"));
}
