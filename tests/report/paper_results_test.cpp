// configs/experiments/paper_results.json: the numbers typed once from the paper's OCR text agree
// wherever the paper prints a number twice (Table 2 = Table 6's METEOR, Table 3 = Table 7's, DEP's
// row in Tables 1, 6, 7 and 9, Table 8's Recency = Table 1's RAG 32B, Table 9's improvement row),
// figures carry no invented digits, and the loader refuses what would leave a cell silently empty.
#include <catch2/catch.hpp>

#include <cmath>

#include "dep/core/error.h"
#include "dep/report/paper_results.h"
#include "report_support.h"

using Catch::Matchers::Contains;

namespace {

const dep::PaperRow& row_of(const dep::PaperTarget& t, const std::string& experiment) {
  for (const auto& r : t.rows)
    if (r.experiment == experiment) return r;
  FAIL("no row for " << experiment << " in " << t.id);
  throw 0;
}

double value(const dep::PaperRow& r, const std::string& column, const std::string& metric) {
  auto v = r.published(column, metric);
  INFO(r.display_label() << " " << column << " " << metric);
  REQUIRE(v.has_value());
  return *v;
}

// Every metric the two rows share, per category, is the same printed number.
void check_same(const dep::PaperTarget& a, const dep::PaperTarget& b, const std::string& experiment) {
  const auto& ra = row_of(a, experiment);
  const auto& rb = row_of(b, experiment);
  int compared = 0;
  for (const auto& c : a.categories)
    for (const auto& m : a.metrics) {
      if (std::find(b.metrics.begin(), b.metrics.end(), m) == b.metrics.end()) continue;
      INFO(a.id << " vs " << b.id << ": " << experiment << " " << c << " " << m);
      CHECK(value(ra, c, m) == value(rb, c, m));
      ++compared;
    }
  CHECK(compared >= 3);
}

}  // namespace

TEST_CASE("paper_results.json has every target of issue 16 with its experiments", "[report][paper]") {
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  for (const char* id : {"table1", "table2", "table3", "table6", "table7", "table8", "table9", "figure2", "figure3",
                         "figure5"})
    CHECK_NOTHROW(paper.target(id));
  using V = std::vector<std::string>;
  CHECK(dep::experiments_of(paper.target("table1")) ==
        V{"non_perso_32b", "rag_32b", "pag_32b", "dpl_32b", "non_perso", "rag", "pag", "dpl", "pplug", "dep"});
  CHECK(dep::experiments_of(paper.target("table2")) ==
        V{"non_perso", "his_no_text", "diff_no_text", "both_no_text", "his_text", "diff_text", "dep"});
  CHECK(dep::experiments_of(paper.target("table3")) == V{"no_dr", "ae", "dep"});
  CHECK(dep::experiments_of(paper.target("table8")) ==
        V{"retrieval_random", "retrieval_bm25", "retrieval_dense", "retrieval_recency"});
  CHECK(dep::experiments_of(paper.target("table9")) == V{"no_guidance", "dep"});
  CHECK(dep::experiments_of(paper.target("figure2")) == V{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"});
  CHECK(dep::experiments_of(paper.target("figure3")) == V{"non_perso", "dpl", "dep"});
  CHECK(paper.target("figure3").category == "CDs_and_Vinyl");
  CHECK(paper.target("table1").metrics == V{"rouge1", "meteor", "corpus_bleu", "bertscore_f1"});
  CHECK(paper.target("table1").rows.size() == 10);  // 4 at 32B, 6 at 7B
  CHECK(paper.target("table1").rows[0].group == "32B");
}

TEST_CASE("the paper's numbers agree wherever the paper prints them twice", "[report][paper]") {
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  const auto &t1 = paper.target("table1"), &t2 = paper.target("table2"), &t3 = paper.target("table3"),
             &t6 = paper.target("table6"), &t7 = paper.target("table7"), &t8 = paper.target("table8"),
             &t9 = paper.target("table9");
  for (const auto& r : t2.rows) check_same(t6, t2, r.experiment);
  for (const auto& r : t3.rows) check_same(t7, t3, r.experiment);
  check_same(t1, t6, "non_perso");
  check_same(t1, t6, "dep");
  check_same(t7, t6, "dep");
  check_same(t9, t6, "dep");
  // Table 8 ran RAG on the 32B model: its Recency row is Table 1's RAG 32B row.
  const auto& recency = row_of(t8, "retrieval_recency");
  const auto& rag32 = row_of(t1, "rag_32b");
  for (const auto& c : t8.categories)
    for (const auto& m : t8.metrics) CHECK(value(recency, c, m) == value(rag32, c, m));
  // Table 9's "+Improvement" is w/ minus w/o guidance, to the printed 4 decimals.
  const dep::PaperRow* improvement = nullptr;
  for (const auto& r : t9.rows)
    if (r.is_difference()) improvement = &r;
  REQUIRE(improvement);
  CHECK(improvement->minuend == "dep");
  CHECK(improvement->subtrahend == "no_guidance");
  for (const auto& c : t9.categories)
    for (const auto& m : t9.metrics)
      CHECK(std::abs(value(*improvement, c, m) -
                     (value(row_of(t9, "dep"), c, m) - value(row_of(t9, "no_guidance"), c, m))) < 5e-5);
  // docs/reference-behaviour.md §11 states DEP's Table 1 row (BLEU to 2 decimals).
  const auto& dep_row = row_of(t1, "dep");
  CHECK(value(dep_row, "Books", "rouge1") == 0.3745);
  CHECK(value(dep_row, "Books", "meteor") == 0.3156);
  CHECK(std::abs(value(dep_row, "Books", "corpus_bleu") - 13.53) < 0.005);
  CHECK(value(dep_row, "Books", "bertscore_f1") == 0.5557);
  CHECK(value(dep_row, "Movies_and_TV", "rouge1") == 0.3092);
  CHECK(value(dep_row, "Movies_and_TV", "meteor") == 0.2381);
  CHECK(std::abs(value(dep_row, "Movies_and_TV", "corpus_bleu") - 6.68) < 0.005);
  CHECK(value(dep_row, "Movies_and_TV", "bertscore_f1") == 0.5114);
  CHECK(value(dep_row, "CDs_and_Vinyl", "rouge1") == 0.3165);
  CHECK(value(dep_row, "CDs_and_Vinyl", "meteor") == 0.2364);
  CHECK(std::abs(value(dep_row, "CDs_and_Vinyl", "corpus_bleu") - 6.52) < 0.005);
  CHECK(value(dep_row, "CDs_and_Vinyl", "bertscore_f1") == 0.5151);
  // Every table cell has its printed number.
  for (const auto& t : paper.targets) {
    if (t.kind != "table") continue;
    for (const auto& r : t.rows)
      for (const auto& c : t.columns())
        for (const auto& m : t.metrics) {
          INFO(t.id << " " << r.display_label() << " " << c << " " << m);
          CHECK(r.published(c, m).has_value());
        }
  }
}

TEST_CASE("the figures carry no digits the paper does not print", "[report][paper]") {
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  for (const auto& t : paper.targets) {
    if (t.kind != "figure") continue;
    for (const auto& r : t.rows) CHECK(r.paper.empty());
  }
  const auto& f2 = paper.target("figure2");
  for (size_t k = 0; k < f2.rows.size(); ++k) CHECK(f2.rows[k].x == static_cast<double>(k));
}

TEST_CASE("paper_results.json: a typo or a stray value is refused, naming the file and key", "[report][paper]") {
  const auto dir = dep::test::report_scratch("paper-errors");
  auto load_bad = [&](const std::string& name, const std::string& target_json) {
    const std::string path = dir + "/" + name + ".json";
    dep::test::write_text(path, R"({"targets": {"t": )" + target_json + "}}");
    return path;
  };
  const std::string ok_row = R"({"label": "A", "experiment": "a", "paper": {"Books": {"meteor": 0.1}}})";
  const auto good = load_bad("good", R"({"title": "T", "kind": "table", "categories": ["Books"], "metrics": ["meteor"],
                                        "rows": [)" + ok_row + "]}");
  CHECK(dep::load_paper_results(good).target("t").rows[0].published("Books", "meteor") == 0.1);
  CHECK_THROWS_WITH(dep::load_paper_results(good).target("nope"), Contains("no target \"nope\"") && Contains("t"));
  CHECK_THROWS_WITH(
      dep::load_paper_results(load_bad("typo", R"({"title": "T", "kind": "table", "categories": ["Books"],
                                                   "metrics": ["meteor"], "rowz": []})")),
      Contains("targets.t") && Contains("unknown key \"rowz\""));
  CHECK_THROWS_WITH(
      dep::load_paper_results(load_bad("column", R"({"title": "T", "kind": "table", "categories": ["Books"],
        "metrics": ["meteor"], "rows": [{"label": "A", "experiment": "a", "paper": {"Music": {"meteor": 0.1}}}]})")),
      Contains("rows[0].paper.Music") && Contains("not a column"));
  CHECK_THROWS_WITH(
      dep::load_paper_results(load_bad("metric", R"({"title": "T", "kind": "table", "categories": ["Books"],
        "metrics": ["meteor"], "rows": [{"label": "A", "experiment": "a", "paper": {"Books": {"bleu": 1}}}]})")),
      Contains("paper.Books.bleu") && Contains("not a metric"));
  CHECK_THROWS_WITH(
      dep::load_paper_results(load_bad("difference", R"({"title": "T", "kind": "table", "categories": ["Books"],
        "metrics": ["meteor"], "rows": [)" + ok_row + R"(, {"label": "D", "difference": ["a", "b"], "paper": {}}]})")),
      Contains("names \"b\", which no row runs"));
  CHECK_THROWS_WITH(
      dep::load_paper_results(load_bad("noexp", R"({"title": "T", "kind": "table", "categories": ["Books"],
        "metrics": ["meteor"], "rows": [{"label": "A", "paper": {}}]})")),
      Contains("rows[0]") && Contains("exactly one of \"experiment\" and \"difference\""));
}

TEST_CASE("dep-report experiments prints the ids a target needs", "[report][paper][cli]") {
  const auto dir = dep::test::report_scratch("experiments-cli");
  const std::string paper = " --paper \"" + dep::test::repo_paper_results() + "\"";
  auto r = dep::test::run_report("experiments table3" + paper, dir);
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output == "no_dr\nae\ndep\n");
  r = dep::test::run_report("experiments table5" + paper, dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("no target \"table5\""));
  r = dep::test::run_report("experiments table3 --paper \"" + dir + "/missing.json\"", dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("missing.json"));
}
