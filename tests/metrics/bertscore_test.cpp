// BERTScore greedy matching: hand-computed vectors, and bert_score's greedy_cos_idf (with its
// batch padding) on random embeddings through $DEP_VENV/bin/python3.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "dep/metrics/bertscore.h"
#include "metrics_support.h"

using Catch::Matchers::WithinAbs;

namespace {

dep::TokenEmbeddings sentence(std::vector<std::vector<float>> rows, std::vector<float> weights) {
  dep::TokenEmbeddings e;
  e.tokens = rows.size();
  e.dim = rows.front().size();
  for (const auto& r : rows) e.data.insert(e.data.end(), r.begin(), r.end());
  e.weights = std::move(weights);
  return e;
}

}  // namespace

TEST_CASE("BERTScore greedy matching on hand-computed vectors", "[metrics][bertscore]") {
  // <s> a b </s> against <s> a' </s>; specials carry weight 0 but stay match candidates.
  auto hyp = sentence({{1, 0}, {1, 0}, {0, 1}, {1, 1}}, {0, 1, 1, 0});
  auto ref = sentence({{1, 0}, {3, 4}, {0, 2}}, {0, 1, 0});
  auto s = dep::bertscore_greedy(hyp, ref, false, false);
  // Candidate a=(1,0): best over ref rows {1, 0.6, 0} = 1; b=(0,1): best {0, 0.8, 1} = 1 -> P = 1.
  CHECK_THAT(s.precision, WithinAbs(1.0, 1e-6));
  // Reference a'=(0.6,0.8): best over hyp rows {0.6, 0.6, 0.8, 1.4/sqrt2} = 0.98995 -> R.
  const double r = 1.4 / std::sqrt(2.0);
  CHECK_THAT(s.recall, WithinAbs(r, 1e-6));
  CHECK_THAT(s.f1, WithinAbs(2 * r / (1 + r), 1e-6));

  // Negative similarities: a shorter sentence in a padded batch sees 0 as a candidate.
  auto h2 = sentence({{1, 0}, {-1, 0}, {1, 0}}, {0, 1, 0});
  auto r2 = sentence({{1, 0}, {-1, 0.01f}, {1, 0}}, {0, 1, 0});
  auto plain = dep::bertscore_greedy(h2, r2, false, false);
  auto padded = dep::bertscore_greedy(h2, r2, false, true);
  CHECK(plain.precision > 0.99f);
  CHECK(padded.precision == plain.precision);  // the best (0.99995) beats the padding's 0
  auto h3 = sentence({{1, 0}, {0, -1}, {1, 0}}, {0, 1, 0});
  auto r3 = sentence({{-1, 0}, {0, 1}, {-1, 0}}, {0, 1, 0});
  CHECK_THAT(dep::bertscore_greedy(h3, r3, false, false).precision, WithinAbs(0.0, 1e-6));
  CHECK_THAT(dep::bertscore_greedy(h3, r3, false, false).recall, WithinAbs(0.0, 1e-6));

  // An empty sentence (<s></s> only) scores 0.
  auto empty = sentence({{1, 0}, {0, 1}}, {0, 0});
  auto e = dep::bertscore_greedy(empty, ref, false, false);
  CHECK(e.precision == 0.0f);
  CHECK(e.recall == 0.0f);
  CHECK(e.f1 == 0.0f);
  CHECK(dep::bertscore_weights({0, 17, 5, 2}, 0, 2) == std::vector<float>{0, 1, 1, 0});
}

TEST_CASE("BERTScore greedy matching agrees with bert_score's greedy_cos_idf", "[metrics][bertscore][python]") {
  const char* venv = std::getenv("DEP_VENV");
  const std::string py = (venv && *venv ? std::string(venv) : std::string(DEP_SOURCE_DIR) + "/.venv") + "/bin/python3";
  if (!std::filesystem::exists(py)) FAIL("reference Python not found at " << py << " (set DEP_VENV)");
  std::mt19937 rng(77);
  std::normal_distribution<float> normal(0, 1);
  std::uniform_int_distribution<size_t> length(2, 40);
  const size_t dim = 6;  // low dimension: many negative cosines, so the padding zeros matter
  std::vector<dep::TokenEmbeddings> hyps, refs;
  nlohmann::json req;
  req["batch_size"] = 16;
  req["pairs"] = nlohmann::json::array();
  auto make = [&](size_t n) {
    dep::TokenEmbeddings e;
    e.tokens = n;
    e.dim = dim;
    for (size_t i = 0; i < n * dim; ++i) e.data.push_back(normal(rng));
    std::vector<int64_t> ids{0};
    for (size_t i = 2; i < n; ++i) ids.push_back(static_cast<int64_t>(3 + rng() % 50));
    ids.push_back(2);
    e.weights = dep::bertscore_weights(ids, 0, 2);
    return e;
  };
  auto to_json = [](const dep::TokenEmbeddings& e) {
    return nlohmann::json{{"data", e.data}, {"tokens", e.tokens}, {"dim", e.dim}, {"weights", e.weights}};
  };
  for (int i = 0; i < 150; ++i) {
    hyps.push_back(make(i % 37 == 0 ? 2 : length(rng)));
    refs.push_back(make(i % 41 == 0 ? 2 : length(rng)));
    req["pairs"].push_back({{"hyp", to_json(hyps.back())}, {"ref", to_json(refs.back())}});
  }
  const auto dir = dep::test::scratch_dir("bertscore-python");
  {
    std::ofstream out(dir + "/request.json");
    out << req.dump();
  }
  const std::string cmd = "\"" + py + "\" \"" + std::string(DEP_SOURCE_DIR) + "/tests/metrics/reference_bertscore.py\" \"" +
                          dir + "/request.json\" \"" + dir + "/response.json\" 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir + "/response.json");
  auto expected = nlohmann::json::parse(in);
  auto got = dep::bertscore_batched(hyps, refs, 16);
  REQUIRE(expected.size() == got.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("pair " << i << " lengths " << hyps[i].tokens << "/" << refs[i].tokens);
    CHECK_THAT(got[i].precision, WithinAbs(expected[i][0].get<double>(), 1e-6));
    CHECK_THAT(got[i].recall, WithinAbs(expected[i][1].get<double>(), 1e-6));
    CHECK_THAT(got[i].f1, WithinAbs(expected[i][2].get<double>(), 1e-6));
  }
}
