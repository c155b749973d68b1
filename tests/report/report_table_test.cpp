// dep-report's tables from small fake run folders (eval.json written here): the cells carry the
// runs' values beside the paper's with the difference, in the paper's layout (Markdown), one CSV
// line per cell at full precision, and booktabs LaTeX; a missing run or metric names the
// experiment and the file, and the tool then writes nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "dep/core/error.h"
#include "dep/report/paper_results.h"
#include "dep/report/report_table.h"
#include "report_support.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// METEOR per category for the three runs of Table 3.
void write_table3_runs(const std::string& runs) {
  dep::test::write_eval(runs, "no_dr", {{"Books", {{"meteor", 0.25}, {"rouge1", 0.3}}},
                                        {"Movies_and_TV", {{"meteor", 0.2}}},
                                        {"CDs_and_Vinyl", {{"meteor", 0.21}}}});
  dep::test::write_eval(runs, "ae", {{"Books", {{"meteor", 0.26}}},
                                     {"Movies_and_TV", {{"meteor", 0.2350}}},
                                     {"CDs_and_Vinyl", {{"meteor", 0.123456789012345}}}});
  dep::test::write_eval(runs, "dep", {{"Books", {{"meteor", 0.3}}},
                                      {"Movies_and_TV", {{"meteor", 0.24}}},
                                      {"CDs_and_Vinyl", {{"meteor", 0.2}}}});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("a table's cells are the runs' values beside the paper's", "[report][table]") {
  const auto dir = dep::test::report_scratch("table-cells");
  write_table3_runs(dir + "/runs");
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  const auto table = dep::fill_table(paper, paper.target("table3"), dep::RunResults(dir + "/runs"));
  REQUIRE(table.cells.size() == 9);  // 3 rows × 3 categories × METEOR
  const auto* cell = table.find(0, "Books", "meteor");
  REQUIRE(cell);
  CHECK(cell->ours == 0.25);
  CHECK(cell->paper == 0.3016);
  CHECK(std::abs(*cell->diff() - (0.25 - 0.3016)) < 1e-15);
  CHECK(table.find(1, "CDs_and_Vinyl", "meteor")->ours == 0.123456789012345);
  CHECK(table.find(2, "Movies_and_TV", "meteor")->paper == 0.2381);

  const auto md = dep::table_markdown(table);
  INFO(md);
  CHECK_THAT(md, Contains("# Table 3: Ablation study on representation refinement"));
  CHECK_THAT(md, Contains("| Method | run | Books MET. | Movies & TV MET. | CDs & Vinyl MET. |"));
  CHECK_THAT(md, Contains("| w/o DR | `no_dr` | 0.2500 (0.3016, -0.0516) | 0.2000 (0.2325, -0.0325) | 0.2100 (0.2283, -0.0183) |"));
  CHECK_THAT(md, Contains("| w/ AE | `ae` | 0.2600 (0.2994, -0.0394) | 0.2350 (0.2350, +0.0000) | 0.1235 (0.2355, -0.1120) |"));
  CHECK_THAT(md, Contains("| w/ SAE (ours) | `dep` |"));

  CHECK_THAT(md, !Contains("Samples per category"));  // the fake runs carry no `count`

  const auto csv = lines_of(dep::table_csv(table));
  REQUIRE(csv.size() == 10);
  CHECK(csv[0] == "target,row,experiment,category,metric,ours,paper,diff");
  CHECK(csv[1].rfind("table3,w/o DR,no_dr,Books,meteor,0.25,0.3016,", 0) == 0);
  // Full precision: a checker compares `ours` with eval.json exactly.
  CHECK(csv[6].rfind("table3,w/ AE,ae,CDs_and_Vinyl,meteor,0.123456789012345,0.2355,", 0) == 0);
  const double diff = std::stod(csv[6].substr(csv[6].rfind(',') + 1));
  CHECK(diff == 0.123456789012345 - 0.2355);

  const auto tex = dep::table_latex(table);
  INFO(tex);
  CHECK_THAT(tex, Contains("\\begin{tabular}{lrrr}"));
  CHECK_THAT(tex, Contains("\\toprule"));
  CHECK_THAT(tex, Contains("& \\multicolumn{1}{c}{Movies \\& TV}"));
  CHECK_THAT(tex, Contains("\\cmidrule(lr){2-2}\\cmidrule(lr){3-3}\\cmidrule(lr){4-4}"));
  CHECK_THAT(tex, Contains("w/o DR & 0.2500 {\\scriptsize(0.3016, $-0.0516$)}"));
  CHECK_THAT(tex, Contains("\\bottomrule"));
}

TEST_CASE("Table 1's blocks and Table 9's improvement row", "[report][table]") {
  const auto dir = dep::test::report_scratch("table-blocks");
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  const std::string runs = dir + "/runs";
  // Every Table 1 experiment gets the same four metrics, shifted per experiment so cells differ.
  double shift = 0.0;
  for (const auto& id : dep::experiments_of(paper.target("table1"))) {
    json cats;
    for (const char* c : {"Books", "Movies_and_TV", "CDs_and_Vinyl"})
      cats[c] = {{"rouge1", 0.3 + shift}, {"meteor", 0.2 + shift}, {"corpus_bleu", 5.0 + shift}, {"bertscore_f1", 0.5}};
    dep::test::write_eval(runs, id, cats);
    shift += 0.01;
  }
  const auto t1 = dep::fill_table(paper, paper.target("table1"), dep::RunResults(runs));
  CHECK(t1.cells.size() == 10 * 3 * 4);
  const auto md = dep::table_markdown(t1);
  INFO(md);
  CHECK_THAT(md, Contains("| | Method | run | Books R-1 | Books MET. | Books BL. | Books BS. | Movies & TV R-1 |"));
  CHECK_THAT(md, Contains("| 32B | Non-Perso | `non_perso_32b` | 0.3000 (0.3025, -0.0025) |"));
  CHECK_THAT(md, Contains("| 7B | DEP (ours) | `dep` | 0.3900 (0.3745, +0.0155) | 0.2900 (0.3156, -0.0256) | 5.0900 (13.5300, -8.4400) |"));
  const auto tex = dep::table_latex(t1);
  CHECK_THAT(tex, Contains("\\begin{tabular}{llrrrrrrrrrrrr}"));
  CHECK_THAT(tex, Contains("\\midrule\n7B & Non-Perso & "));  // a rule between the 32B and 7B blocks
  const auto csv = dep::table_csv(t1);
  CHECK_THAT(csv, Contains("table1,32B / RAG,rag_32b,Books,corpus_bleu,5.01,6.8178,"));

  dep::test::write_eval(runs, "no_guidance", {{"Books", {{"rouge1", 0.35}, {"meteor", 0.25}, {"corpus_bleu", 4.0}}},
                                              {"Movies_and_TV", {{"rouge1", 0.3}, {"meteor", 0.2}, {"corpus_bleu", 3.0}}},
                                              {"CDs_and_Vinyl", {{"rouge1", 0.3}, {"meteor", 0.2}, {"corpus_bleu", 3.0}}}});
  const auto t9 = dep::fill_table(paper, paper.target("table9"), dep::RunResults(runs));
  const auto* improvement = t9.find(2, "Books", "corpus_bleu");
  REQUIRE(improvement);
  CHECK(std::abs(improvement->ours - (5.09 - 4.0)) < 1e-12);  // dep − no_guidance
  CHECK(improvement->paper == 0.1649);
  CHECK(t9.source_of(2) == "dep minus no_guidance");
  CHECK_THAT(dep::table_csv(t9), Contains("table9,+Improvement,dep minus no_guidance,Books,corpus_bleu,"));
}

TEST_CASE("a missing run or metric names the experiment and the file", "[report][table]") {
  const auto dir = dep::test::report_scratch("table-missing");
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  const std::string runs = dir + "/runs";
  write_table3_runs(runs);
  std::filesystem::remove(runs + "/ae/eval.json");
  CHECK_THROWS_WITH(dep::fill_table(paper, paper.target("table3"), dep::RunResults(runs)),
                    Contains("runs/ae/eval.json") && Contains("experiment \"ae\""));
  dep::test::write_eval(runs, "ae", {{"Books", {{"rouge1", 0.3}}}});
  CHECK_THROWS_WITH(dep::fill_table(paper, paper.target("table3"), dep::RunResults(runs)),
                    Contains("runs/ae/eval.json") && Contains("experiment \"ae\" has no meteor for Books"));
  dep::test::write_eval(runs, "ae", {{"Books", {{"meteor", 0.3}}}});
  CHECK_THROWS_WITH(dep::fill_table(paper, paper.target("table3"), dep::RunResults(runs)),
                    Contains("experiment \"ae\" has no category \"Movies_and_TV\""));
  try {
    dep::fill_table(paper, paper.target("table3"), dep::RunResults(runs));
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
  }
}

TEST_CASE("dep-report table writes the three files, or nothing when a run is missing", "[report][table][cli]") {
  const auto dir = dep::test::report_scratch("table-cli");
  const std::string runs = dir + "/runs";
  write_table3_runs(runs);
  const std::string paper = " --paper \"" + dep::test::repo_paper_results() + "\"";
  auto r = dep::test::run_report("table table3 --runs \"" + runs + "\" --out \"" + dir + "/results/table3\"" + paper, dir);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* ext : {".md", ".csv", ".tex"}) CHECK(std::filesystem::exists(dir + "/results/table3" + ext));
  CHECK_THAT(dep::test::read_text(dir + "/results/table3.md"), Contains("| w/o DR | `no_dr` | 0.2500 (0.3016, -0.0516)"));
  CHECK_THAT(dep::test::read_text(dir + "/results/table3.csv"), Contains("table3,w/ SAE (ours),dep,Books,meteor,0.3,0.3156,"));

  std::filesystem::remove_all(runs + "/dep");
  r = dep::test::run_report("table table3 --runs \"" + runs + "\" --out \"" + dir + "/again/table3\"" + paper, dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("runs/dep/eval.json") && Contains("experiment \"dep\""));
  CHECK_FALSE(std::filesystem::exists(dir + "/again/table3.md"));
  CHECK_FALSE(std::filesystem::exists(dir + "/again/table3.csv"));

  r = dep::test::run_report("table figure2 --runs \"" + runs + "\" --out \"" + dir + "/f\"" + paper, dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("use dep-report figure figure2"));
  r = dep::test::run_report("table table3 --runs \"" + dir + "/nowhere\" --out \"" + dir + "/f\"" + paper, dir);
  CHECK(r.exit_code == 2);
}

TEST_CASE("runs scored on different numbers of samples are marked", "[report][table]") {
  const auto dir = dep::test::report_scratch("table-counts");
  const std::string runs = dir + "/runs";
  const auto paper = dep::load_paper_results(dep::test::repo_paper_results());
  auto write = [&](const std::string& id, int books) {
    dep::test::write_eval(runs, id, {{"Books", {{"meteor", 0.3}, {"count", books}}},
                                     {"Movies_and_TV", {{"meteor", 0.2}, {"count", 17}}},
                                     {"CDs_and_Vinyl", {{"meteor", 0.2}, {"count", 17}}}});
  };
  for (const char* id : {"no_dr", "ae", "dep"}) write(id, 16);
  auto table = dep::fill_table(paper, paper.target("table3"), dep::RunResults(runs));
  CHECK(table.find(0, "Books", "meteor")->samples == 16);
  CHECK(dep::sample_count_mismatches(table).empty());
  CHECK_THAT(dep::table_markdown(table),
             Contains("Samples per category (eval.json `count`, the same for every run): Books 16, Movies & TV 17, CDs & Vinyl 17."));
  write("ae", 5);  // a limited run beside full ones
  table = dep::fill_table(paper, paper.target("table3"), dep::RunResults(runs));
  const auto mismatches = dep::sample_count_mismatches(table);
  REQUIRE(mismatches.size() == 1);
  CHECK(mismatches[0] == "Books: ae 5, dep 16, no_dr 16");
  const auto md = dep::table_markdown(table);
  CHECK_THAT(md, Contains("**Sample counts differ between runs**") && Contains("- Books: ae 5, dep 16, no_dr 16"));
  CHECK_THAT(md, !Contains("Samples per category"));
}
