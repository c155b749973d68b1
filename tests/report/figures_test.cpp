// dep-report's figures: the uniqueness split (hand-computed distances, median, groups; the target
// review left out of a user's mean), Figure 3's per-group METEOR joined from generations and
// per-sample scores, the figures over K as well-formed SVG, and the tool end to end (an embedding
// store written by dep-embed import, PNG when rsvg-convert is installed).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "dep/core/error.h"
#include "dep/report/figures.h"
#include "dep/report/svg.h"
#include "report_support.h"
#include "xml_check.h"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using nlohmann::json;

namespace {

const char kCds[] = "CDs_and_Vinyl";

dep::Review review(const std::string& asin, int64_t ts) { return {asin, 5.0, "text " + asin, ts, "title"}; }

// Users with profile means u1 (1,0), u2 (0,0), u3 (0,4), u4 (3,0) — global mean (1,1), distances
// 1, √2, √10, √5 — and targets far away, which must not move the means; u5 has no profile.
struct World {
  std::vector<dep::UserRow> rows;
  dep::InMemoryReviewEmbeddings store{2};
  World() {
    auto add = [&](const std::string& user, std::vector<std::vector<float>> profile) {
      dep::UserRow row;
      row.user_id = user;
      std::vector<float> values;
      for (size_t k = 0; k < profile.size(); ++k) {
        row.profile.push_back(review(user + "-p" + std::to_string(k), 1000 + static_cast<int64_t>(k)));
        values.insert(values.end(), profile[k].begin(), profile[k].end());
      }
      row.data = review(user + "-target", 5000);
      values.insert(values.end(), {100.0f, -100.0f});  // the target's row: never averaged
      rows.push_back(row);
      store.add(kCds, user, values);
    };
    add("u1", {{0, 0}, {2, 0}});
    add("u2", {{0, 0}});
    add("u3", {{0, 2}, {0, 6}, {0, 4}});
    add("u4", {{3, 0}});
    dep::UserRow empty;
    empty.user_id = "u5";
    empty.data = review("u5-target", 1);
    rows.push_back(empty);
  }
};

// A finished run: one generation per user of `scores` (CDs) plus a Books sample, per-sample METEOR,
// and eval.json's CDs METEOR as dep-eval computes it (the mean).
void write_run(const std::string& runs, const std::string& id, const std::vector<std::pair<std::string, double>>& scores,
               double eval_shift = 0.0) {
  std::string gen, per;
  double sum = 0;
  for (const auto& [user, meteor] : scores) {
    gen += json{{"index", 0}, {"category", kCds}, {"user_id", user}, {"sample_id", std::string(kCds) + "/" + user},
                {"prediction", "p"}, {"reference", "r"}}.dump() + "\n";
    per += json{{"rouge1", 0.5}, {"meteor", meteor}}.dump() + "\n";
    sum += meteor;
  }
  gen += json{{"category", "Books"}, {"user_id", "b1"}, {"sample_id", "Books/b1"}, {"prediction", "p"}, {"reference", "r"}}.dump() + "\n";
  per += json{{"meteor", 0.99}}.dump() + "\n";
  dep::test::write_text(runs + "/" + id + "/generations.jsonl", gen);
  dep::test::write_text(runs + "/" + id + "/eval_per_sample.jsonl", per);
  dep::test::write_eval(runs, id, {{kCds, {{"meteor", sum / static_cast<double>(scores.size()) + eval_shift}}},
                                   {"Books", {{"meteor", 0.99}}}});
}

void write_figure3_runs(const std::string& runs) {
  write_run(runs, "non_perso", {{"u1", 0.10}, {"u2", 0.12}, {"u3", 0.14}, {"u4", 0.16}});
  write_run(runs, "dpl", {{"u1", 0.20}, {"u2", 0.22}, {"u3", 0.30}, {"u4", 0.34}});
  write_run(runs, "dep", {{"u4", 0.40}, {"u3", 0.42}, {"u2", 0.30}, {"u1", 0.26}});
}

}  // namespace

TEST_CASE("uniqueness: distances of profile means to the global mean, split at the median", "[report][figure]") {
  World w;
  const auto split = dep::split_by_uniqueness(w.rows, kCds, w.store, "store");
  REQUIRE(split.users.size() == 4);
  CHECK(split.left_out == 1);
  CHECK(split.users[0].user_id == "u1");
  CHECK_THAT(split.users[0].distance, WithinAbs(1.0, 1e-12));
  CHECK(split.users[1].user_id == "u2");
  CHECK_THAT(split.users[1].distance, WithinAbs(std::sqrt(2.0), 1e-12));
  CHECK(split.users[2].user_id == "u4");
  CHECK_THAT(split.users[2].distance, WithinAbs(std::sqrt(5.0), 1e-12));
  CHECK(split.users[3].user_id == "u3");
  CHECK_THAT(split.users[3].distance, WithinAbs(std::sqrt(10.0), 1e-12));
  CHECK(split.users[3].reviews == 3);
  CHECK_THAT(split.median, WithinAbs(0.5 * (std::sqrt(2.0) + std::sqrt(5.0)), 1e-12));
  CHECK(std::string(split.group_of("u3", "x")) == "Unique");
  CHECK(std::string(split.group_of("u4", "x")) == "Unique");
  CHECK(std::string(split.group_of("u1", "x")) == "Non-Unique");
  CHECK(std::string(split.group_of("u2", "x")) == "Non-Unique");
  CHECK_THROWS_WITH(split.group_of("u5", "gen.jsonl:3"), Contains("gen.jsonl:3") && Contains("\"u5\""));

  // Odd count: the median user is not above the median, so Non-Unique.
  w.rows.erase(w.rows.begin());  // u1 leaves: global mean moves to (1, 4/3)
  const auto odd = dep::split_by_uniqueness(w.rows, kCds, w.store, "store");
  REQUIRE(odd.users.size() == 3);
  CHECK(odd.count(true) == 1);
  CHECK(odd.users[1].unique == false);
  CHECK(odd.median == odd.users[1].distance);

  // A store whose rows are not the profile + target of the test row.
  World bad;
  bad.rows[1].profile.push_back(review("extra", 2000));
  CHECK_THROWS_WITH(dep::split_by_uniqueness(bad.rows, kCds, bad.store, "STORE"),
                    Contains("STORE") && Contains("\"u2\"") && Contains("other data"));
}

TEST_CASE("figure 3: METEOR per uniqueness group from generations joined with per-sample scores", "[report][figure]") {
  const auto dir = dep::test::report_scratch("figure3");
  const std::string runs = dir + "/runs";
  write_figure3_runs(runs);
  World w;
  const auto split = dep::split_by_uniqueness(w.rows, kCds, w.store, "store");
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  const auto& target = paper.target("figure3");
  const auto table = dep::fill_uniqueness_figure(paper, target, dep::RunResults(runs), split);
  REQUIRE(table.cells.size() == 6);
  CHECK_THAT(table.find(0, "Unique", "meteor")->ours, WithinAbs(0.15, 1e-12));      // u3, u4
  CHECK_THAT(table.find(0, "Non-Unique", "meteor")->ours, WithinAbs(0.11, 1e-12));  // u1, u2
  CHECK_THAT(table.find(1, "Unique", "meteor")->ours, WithinAbs(0.32, 1e-12));
  CHECK_THAT(table.find(2, "Unique", "meteor")->ours, WithinAbs(0.41, 1e-12));  // order of lines does not matter
  CHECK_THAT(table.find(2, "Non-Unique", "meteor")->ours, WithinAbs(0.28, 1e-12));
  CHECK(table.find(2, "Unique", "meteor")->samples == 2);
  CHECK_FALSE(table.find(2, "Unique", "meteor")->paper.has_value());

  const auto svg = dep::uniqueness_figure_svg(table, split);
  CHECK(dep::test::xml_problem(svg).empty());
  CHECK_THAT(svg, Contains("Unique (2 users)"));
  CHECK_THAT(svg, Contains(">0.410</text>"));
  const auto md = dep::uniqueness_markdown(table, split);
  CHECK_THAT(md, Contains("| DEP | `dep` | 0.4100 | 0.2800 |"));
  CHECK_THAT(md, Contains("4 with profile reviews (2 Unique, 2 Non-Unique)"));
  CHECK_THAT(md, Contains("1 without profile reviews left out"));
  const auto csv = dep::table_csv(table, true);
  CHECK_THAT(csv, Contains("target,row,experiment,category,metric,ours,paper,diff,x,group,samples\n"));
  CHECK_THAT(csv, Contains("figure3,DPL,dpl,CDs_and_Vinyl,meteor,0.32,,,,Unique,2\n"));

  // A per-sample file that is not the one eval.json summarises, and one of another length.
  write_run(runs, "dpl", {{"u1", 0.20}, {"u2", 0.22}, {"u3", 0.30}, {"u4", 0.34}}, 0.01);
  CHECK_THROWS_WITH(dep::fill_uniqueness_figure(paper, target, dep::RunResults(runs), split),
                    Contains("dpl/eval_per_sample.jsonl") && Contains("differs from eval.json"));
  write_run(runs, "dpl", {{"u1", 0.20}, {"u2", 0.22}, {"u3", 0.30}, {"u4", 0.34}});
  dep::test::write_text(runs + "/dpl/eval_per_sample.jsonl", "{\"meteor\": 0.2}\n");
  CHECK_THROWS_WITH(dep::fill_uniqueness_figure(paper, target, dep::RunResults(runs), split),
                    Contains("dpl/eval_per_sample.jsonl") && Contains("1 scored samples for 5 lines"));
  std::filesystem::remove(runs + "/dpl/generations.jsonl");
  CHECK_THROWS_WITH(dep::fill_uniqueness_figure(paper, target, dep::RunResults(runs), split),
                    Contains("dpl/generations.jsonl") && Contains("experiment \"dpl\""));
}

TEST_CASE("figures over K: a line per metric and category, well-formed SVG", "[report][figure]") {
  const auto dir = dep::test::report_scratch("figure-k");
  const std::string runs = dir + "/runs";
  for (int k = 0; k <= 8; ++k) {
    json cats;
    for (const char* c : {"Books", "Movies_and_TV", "CDs_and_Vinyl"})
      cats[c] = {{"rouge1", 0.2 + 0.01 * k}, {"meteor", 0.15 + 0.01 * k}, {"corpus_bleu", 1.0 + k}};
    dep::test::write_eval(runs, "k" + std::to_string(k), cats);
  }
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  const auto f2 = dep::fill_table(paper, paper.target("figure2"), dep::RunResults(runs));
  const auto svg2 = dep::k_figure_svg(f2);
  INFO(svg2);
  CHECK(dep::test::xml_problem(svg2).empty());
  auto count = [](const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
  };
  CHECK(count(svg2, "<polyline") == 3);  // BLEU, one panel per category
  CHECK(count(svg2, "<circle") == 27);
  CHECK_THAT(svg2, Contains("CDs &amp; Vinyl: BLEU"));
  CHECK_THAT(svg2, Contains("<title>BLEU at 8: 9.00</title>"));
  const auto f5 = dep::fill_table(paper, paper.target("figure5"), dep::RunResults(runs));
  const auto svg5 = dep::k_figure_svg(f5);
  CHECK(dep::test::xml_problem(svg5).empty());
  CHECK(count(svg5, "<polyline") == 9);  // per category: ROUGE-1 and METEOR together, BLEU alone
  CHECK_THAT(svg5, Contains("Books: ROUGE-1 and METEOR"));
  CHECK_THAT(dep::table_csv(f5, true), Contains("figure5,K=3,k3,Books,corpus_bleu,4.0,,,3,,\n"));
  CHECK_THAT(dep::table_markdown(f5), Contains("| K=0 | `k0` | 0.2000 | 0.1500 | 1.0000 |"));

  std::filesystem::remove_all(runs + "/k4");
  CHECK_THROWS_WITH(dep::fill_table(paper, paper.target("figure2"), dep::RunResults(runs)),
                    Contains("runs/k4/eval.json") && Contains("experiment \"k4\""));
}

TEST_CASE("the SVG writer escapes text and the XML check catches broken documents", "[report][figure]") {
  dep::Svg svg(100, 50);
  svg.text(10, 10, "Movies & TV <\"quoted\">");
  svg.rect(0, 0, 10, 10, "#000", "a < b & c");
  const auto s = svg.str();
  CHECK(dep::test::xml_problem(s).empty());
  CHECK_THAT(s, Contains("Movies &amp; TV &lt;&quot;quoted&quot;&gt;"));
  CHECK_FALSE(dep::test::xml_problem("<svg><g></svg>").empty());
  CHECK_FALSE(dep::test::xml_problem("<svg><text>a & b</text></svg>").empty());
  CHECK_FALSE(dep::test::xml_problem("<svg x=1></svg>").empty());
  CHECK_FALSE(dep::test::xml_problem("<svg></svg><svg></svg>").empty());
  // The demo's bar chart shape: single bars with whiskers and rotated labels.
  dep::Svg bars(400, 300);
  dep::BarPanelStyle style;
  style.title = "METEOR";
  style.rotate_labels = true;
  dep::Bar b;
  b.value = 0.2;
  b.interval = std::make_pair(0.15, 0.25);
  dep::bar_panel(bars, {{"non_perso", {b}}, {"dep", {b}}}, style, 0, 0, 400, 300);
  CHECK(dep::test::xml_problem(bars.str()).empty());
  CHECK_THAT(bars.str(), Contains("transform=\"rotate(-30"));
}

TEST_CASE("dep-report figure: figure2 and figure3 end to end", "[report][figure][cli]") {
  const auto dir = dep::test::report_scratch("figure-cli");
  const std::string runs = dir + "/runs";
  const std::string paper = " --paper \"" + dep::test::repo_paper_results() + "\"";
  for (int k = 0; k <= 8; ++k) {
    json cats;
    for (const char* c : {"Books", "Movies_and_TV", "CDs_and_Vinyl"}) cats[c] = {{"corpus_bleu", 1.0 + k}};
    dep::test::write_eval(runs, "k" + std::to_string(k), cats);
  }
  auto r = dep::test::run_report("figure figure2 --runs \"" + runs + "\" --out \"" + dir + "/results/figure2\"" + paper, dir);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(dep::test::xml_problem(dep::test::read_text(dir + "/results/figure2.svg")).empty());
  CHECK_THAT(dep::test::read_text(dir + "/results/figure2.csv"), Contains("figure2,K=8,k8,CDs_and_Vinyl,corpus_bleu,9.0,,,8,,"));
  if (std::system("command -v rsvg-convert > /dev/null 2>&1") == 0)
    CHECK(std::filesystem::file_size(dir + "/results/figure2.png") > 0);

  // Figure 3 from a data folder and a store written by dep-embed import.
  World w;
  std::string test_jsonl, vectors;
  for (const auto& row : w.rows) {
    json profile = json::array();
    for (const auto& p : row.profile)
      profile.push_back({{"asin", p.asin}, {"rating", p.rating}, {"text", p.text}, {"timestamp", p.timestamp}, {"title", p.title}});
    test_jsonl += json{{"user_id", row.user_id}, {"profile", profile},
                       {"data", {{"asin", row.data.asin}, {"rating", 5.0}, {"text", row.data.text},
                                 {"timestamp", row.data.timestamp}, {"title", "t"}}}}.dump() + "\n";
    if (row.profile.empty()) continue;
    int64_t n = 0;
    const float* v = w.store.user_rows(kCds, row.user_id, &n);
    for (int64_t k = 0; k < n; ++k)
      vectors += json{{"key", std::string(kCds) + "/" + row.user_id + "/" + std::to_string(k)},
                      {"text", row.user_id + " review " + std::to_string(k)},
                      {"embedding", {v[2 * k], v[2 * k + 1]}}}.dump() + "\n";
  }
  dep::test::write_text(dir + "/data/CDs_and_Vinyl/test.jsonl", test_jsonl);
  dep::test::write_text(dir + "/vectors.jsonl", vectors);
  dep::test::write_text(dir + "/data.json", json{{"data", {{"root", dir + "/data"}, {"categories", {kCds}}}}}.dump());
  const std::string import = "\"" + dep::test::binary("dep-embed") + "\" import --jsonl \"" + dir + "/vectors.jsonl\" --out \"" +
                             dir + "/store\" --log-level warn > /dev/null 2>&1";
  REQUIRE(std::system(import.c_str()) == 0);
  write_figure3_runs(runs);
  const std::string fig3 = "figure figure3 --runs \"" + runs + "\" --out \"" + dir + "/results/figure3\"" + paper;
  r = dep::test::run_report(fig3, dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("needs --embeddings STORE and --config DATA_CONFIG"));
  dep::test::write_text(dir + "/books.json", json{{"data", {{"root", dir + "/data"}, {"categories", {"Books"}}}}}.dump());
  r = dep::test::run_report(fig3 + " --embeddings \"" + dir + "/store\" --config \"" + dir + "/books.json\"", dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("books.json: data.categories") && Contains("has no \"CDs_and_Vinyl\""));
  r = dep::test::run_report(fig3 + " --embeddings \"" + dir + "/store\" --config \"" + dir + "/data.json\"", dir);
  REQUIRE(r.exit_code == 0);
  const auto svg = dep::test::read_text(dir + "/results/figure3.svg");
  CHECK(dep::test::xml_problem(svg).empty());
  CHECK_THAT(svg, Contains("METEOR by user uniqueness, CDs &amp; Vinyl"));
  CHECK_THAT(dep::test::read_text(dir + "/results/figure3.csv"), Contains("figure3,DEP,dep,CDs_and_Vinyl,meteor,0.41"));
  CHECK_THAT(dep::test::read_text(dir + "/results/figure3.md"), Contains("| Non-Perso | `non_perso` | 0.1500 | 0.1100 |"));
}
