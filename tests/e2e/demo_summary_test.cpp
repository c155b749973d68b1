// The demo summary's statistics: numpy's percentile, paired bootstrap intervals, the per-method
// summary with its intervals, and writer identification from his vs diff embeddings.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dep/core/atomic_file.h"
#include "dep/data/review_embeddings.h"
#include "dep/demo/demo_chart.h"
#include "dep/demo/demo_summary.h"
#include "dep/demo/paired_bootstrap.h"
#include "dep/demo/user_identification.h"
#include "test_paths.h"

TEST_CASE("percentile interpolates linearly like numpy.percentile", "[demo][bootstrap]") {
  // numpy.percentile([4, 1, 3, 2], q) for q = 0, 25, 50, 97.5, 100
  const std::vector<double> v = {4, 1, 3, 2};
  CHECK(dep::percentile(v, 0) == Approx(1.0));
  CHECK(dep::percentile(v, 25) == Approx(1.75));
  CHECK(dep::percentile(v, 50) == Approx(2.5));
  CHECK(dep::percentile(v, 97.5) == Approx(3.925));
  CHECK(dep::percentile(v, 100) == Approx(4.0));
}

TEST_CASE("paired bootstrap: a constant gain has a zero-width interval, a mixed one straddles it", "[demo][bootstrap]") {
  const std::vector<double> a = {0.1, 0.5, 0.3, 0.9, 0.2, 0.4, 0.8, 0.6};
  auto mean = [](const std::vector<double>& x, const std::vector<double>& w) {
    double s = 0, n = 0;
    for (size_t i = 0; i < x.size(); ++i) s += w[i] * x[i], n += w[i];
    return s / n;
  };
  std::vector<double> shifted = a;
  for (auto& x : shifted) x += 0.25;
  const auto [low, high] = dep::paired_bootstrap_interval(
      8, [&](const std::vector<double>& w) { return mean(shifted, w) - mean(a, w); }, {});
  CHECK(low == Approx(0.25));
  CHECK(high == Approx(0.25));
  // Gains of +1 and -1 on alternate samples: the interval holds 0 and is symmetric-ish.
  std::vector<double> mixed = a;
  for (size_t i = 0; i < mixed.size(); ++i) mixed[i] += i % 2 ? 1.0 : -1.0;
  const auto [l2, h2] = dep::paired_bootstrap_interval(
      8, [&](const std::vector<double>& w) { return mean(mixed, w) - mean(a, w); }, {});
  CHECK(l2 < 0);
  CHECK(h2 > 0);
  // Same options, same draws.
  const auto again = dep::paired_bootstrap_interval(
      8, [&](const std::vector<double>& w) { return mean(mixed, w) - mean(a, w); }, {});
  CHECK(again.first == l2);
  CHECK(again.second == h2);
}

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// A method directory with two samples: predictions, per-sample scores and losses.
void method_dir(const std::filesystem::path& dir, const std::string& p0, const std::string& p1, double m0, double m1,
                double ce0, double ce1) {
  write(dir / "generations.jsonl",
        "{\"sample_id\":\"test/Books/A\",\"category\":\"Books\",\"prediction\":\"" + p0 +
            "\",\"reference\":\"the cat sat on the mat\"}\n"
            "{\"sample_id\":\"test/Books/B\",\"category\":\"Books\",\"prediction\":\"" + p1 +
            "\",\"reference\":\"a dog ran in the park today\"}\n");
  write(dir / "eval_per_sample.jsonl", "{\"meteor\":" + std::to_string(m0) + ",\"rouge1\":0.5}\n{\"meteor\":" +
                                           std::to_string(m1) + ",\"rouge1\":0.25}\n");
  write(dir / "loss.json", "{\"loss\":0,\"per_sample\":[{\"sample_id\":\"test/Books/B\",\"ce_sum\":" + std::to_string(ce1) +
                               ",\"tokens\":10},{\"sample_id\":\"test/Books/A\",\"ce_sum\":" + std::to_string(ce0) +
                               ",\"tokens\":30}]}\n");
}

}  // namespace

TEST_CASE("the demo summary pairs samples by id and reports improvements with intervals", "[demo][summary]") {
  const std::filesystem::path root = dep::test::scratch_dir("demo-summary");
  method_dir(root / "non_perso", "a cat", "a dog", 0.2, 0.4, 30, 20);
  method_dir(root / "dep", "the cat sat on the mat", "a dog ran in the park", 0.6, 0.8, 15, 10);
  const auto s = dep::demo_summary({{"non_perso", (root / "non_perso").string()}, {"dep", (root / "dep").string()}});
  const auto& dep_m = s.at("methods").at("dep");
  CHECK(dep_m.at("meteor").get<double>() == Approx(0.7));
  CHECK(dep_m.at("rouge1").get<double>() == Approx(0.375));
  CHECK(dep_m.at("heldout_loss").get<double>() == Approx(25.0 / 40.0));  // token-weighted: (15 + 10) / (30 + 10)
  CHECK(s.at("methods").at("non_perso").at("heldout_loss").get<double>() == Approx(50.0 / 40.0));
  CHECK(dep_m.at("bleu").get<double>() > s.at("methods").at("non_perso").at("bleu").get<double>());
  const auto& iv = s.at("intervals").at("dep_vs_non_perso");
  // DEP is better on both samples, so every resample gains: the intervals lie above 0.
  for (const char* metric : {"meteor", "heldout_loss", "bleu"}) {
    INFO(metric);
    CHECK(iv.at(metric)[0].get<double>() > 0);
    CHECK(iv.at(metric)[0].get<double>() <= iv.at(metric)[1].get<double>());
  }
  CHECK(s.at("improvements").at("dep_vs_non_perso").at("heldout_loss").get<double>() == Approx(25.0 / 40.0));
  CHECK_FALSE(s.at("intervals").contains("dep_vs_dep_zero_soft"));  // that baseline did not run
  const auto md = dep::demo_markdown(s), table = dep::demo_table(s), svg = dep::demo_chart_svg(s);
  CHECK(table.find("dep") != std::string::npos);
  CHECK(md.find("Improvement over non_perso") != std::string::npos);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("<rect x=") != std::string::npos);
}

TEST_CASE("writer identification: diff removes what reviewers of an item share", "[demo][identification]") {
  // Two users in one category reviewing the same 6 items in opposite orders; every review is a large
  // item vector plus a small user vector, so his is dominated by the item (each user's held-out
  // items are the other's centroid items) and diff (own minus the peer) is the user alone.
  const std::string dir = dep::test::scratch_dir("demo-identify");
  dep::DepData test;
  test.split = dep::DepSplit::kTest;
  test.categories = {"Books"};
  dep::InMemoryReviewEmbeddings store(3);
  const std::vector<std::vector<float>> items = {{9, 0, 0}, {0, 9, 0}, {0, 0, 9}, {9, 9, 0}, {0, 9, 9}, {9, 0, 9}};
  for (int u = 0; u < 2; ++u) {
    dep::UserRow row;
    row.user_id = u == 0 ? "U0" : "U1";
    std::vector<float> values;
    for (size_t k = 0; k < items.size(); ++k) {
      const size_t i = u == 0 ? k : items.size() - 1 - k;
      dep::Review r;
      r.asin = "B" + std::to_string(i);
      r.timestamp = static_cast<int64_t>(k);
      row.profile.push_back(r);
      for (int d = 0; d < 3; ++d) values.push_back(items[i][d] + (u == 0 ? 1.0f : -1.0f) * (d == 0 ? 1.0f : 0.0f));
    }
    row.data = row.profile.back();
    store.add("Books", row.user_id, values);
    test.test_rows["Books"].push_back(row);
  }
  const auto r = dep::identify_users(test, store, 2);
  CHECK(r.users == 2);
  CHECK(r.heldout == 4);
  CHECK(r.chance == Approx(0.5));
  CHECK(r.diff_accuracy == Approx(1.0));
  CHECK(r.his_accuracy == Approx(0.0));
}
