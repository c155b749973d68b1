// scripts/reproduce.sh --smoke end to end (issues 15 and 16): Table 1 (Non-Perso, RAG, PAG, DPL,
// PPlug, DEP, and the 32B rows) and Table 2 (the his/diff × text ablations) on the built-in world,
// one world shared by both targets, and Figure 3 (Table 1's runs, no new step) for a plot. Every
// step runs for real (embed, dep-train with METEOR selection, dep-generate, dep-eval, dep-report);
// the test then checks that every cell of results/table{1,2}.csv came from a run: no empty cell,
// each of our numbers equal to the run's eval.json value, every cell the paper's layout asks for
// present, each run's per-sample scores lined up with its generations, and the figure a
// well-formed SVG.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dep/core/config.h"
#include "../report/xml_check.h"  // the report tests' well-formedness check
#include "test_paths.h"

namespace {

// One CSV record (RFC 4180 quoting: "a ""b"", c").
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) ++n;
  return n;
}

// Checks results/TARGET.csv against the runs and the paper's layout; returns the experiments seen.
std::set<std::string> check_target(const std::string& dir, const std::string& target) {
  INFO("target " << target);
  const std::string prefix = dir + "/results/" + target;
  for (const char* ext : {".md", ".tex"}) {
    INFO(prefix << ext);
    CHECK(std::filesystem::file_size(prefix + ext) > 0);
  }
  std::ifstream csv(prefix + ".csv");
  REQUIRE(csv);
  std::string line;
  REQUIRE(std::getline(csv, line));
  const auto header = csv_fields(line);
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  for (const char* name : {"experiment", "category", "metric", "ours"}) REQUIRE(column.count(name));
  std::map<std::string, nlohmann::json> evals;
  std::set<std::string> cells;
  size_t number = 1;
  while (std::getline(csv, line)) {
    ++number;
    if (line.empty()) continue;
    const auto f = csv_fields(line);
    INFO(prefix << ".csv:" << number << ": " << line);
    REQUIRE(f.size() == header.size());
    const std::string& experiment = f[column["experiment"]];
    const std::string& category = f[column["category"]];
    const std::string& metric = f[column["metric"]];
    const std::string& ours = f[column["ours"]];
    REQUIRE(!experiment.empty());
    REQUIRE(!ours.empty());
    if (!evals.count(experiment)) evals[experiment] = dep::read_json_file(dir + "/runs/" + experiment + "/eval.json");
    const auto& value = evals[experiment].at("categories").at(category).at(metric);
    REQUIRE(value.is_number());
    CHECK(std::stod(ours) == value.get<double>());
    cells.insert(experiment + "/" + category + "/" + metric);
  }
  // Every row × category × metric of the paper's layout has its cell.
  const auto paper = dep::read_json_file(std::string(DEP_SOURCE_DIR) + "/configs/experiments/paper_results.json");
  const auto& layout = paper.at("targets").at(target);
  std::set<std::string> experiments;
  for (const auto& row : layout.at("rows")) {
    const std::string experiment = row.at("experiment").get<std::string>();
    experiments.insert(experiment);
    for (const auto& category : layout.at("categories"))
      for (const auto& metric : layout.at("metrics")) {
        const std::string cell = experiment + "/" + category.get<std::string>() + "/" + metric.get<std::string>();
        INFO("cell " << cell);
        CHECK(cells.count(cell) == 1);
      }
  }
  return experiments;
}

}  // namespace

TEST_CASE("reproduce.sh smoke: every cell of Table 1 and Table 2 comes from a run of every method, Figure 3 is well-formed SVG",
          "[e2e]") {
  const std::string dir = dep::test::scratch_dir("reproduce-smoke-" + std::to_string(::getpid()));
  const std::string log = dir + ".log";
  std::filesystem::remove(log);
  for (const char* target : {"table1", "table2", "figure3"}) {
    const std::string command = "DEP_BUILD_DIR='" + std::string(DEP_BINARY_DIR) + "' '" + std::string(DEP_SOURCE_DIR) +
                                "/scripts/reproduce.sh' " + target + " --smoke --smoke-dir '" + dir + "' >> '" + log +
                                "' 2>&1";
    INFO("log: " << log);
    REQUIRE(std::system(command.c_str()) == 0);
  }
  std::set<std::string> experiments = check_target(dir, "table1");
  for (const char* method : {"non_perso", "rag", "pag", "dpl", "pplug", "dep"}) CHECK(experiments.count(method) == 1);
  for (const auto& e : check_target(dir, "table2")) experiments.insert(e);
  for (const auto& experiment : experiments) {
    INFO("run " << experiment);
    const std::string run = dir + "/runs/" + experiment;
    const size_t generations = count_lines(run + "/generations.jsonl");
    CHECK(generations > 0);
    CHECK(count_lines(run + "/eval_per_sample.jsonl") == generations);
  }
  // The plot: well-formed XML with an <svg> root.
  std::ifstream svg_file(dir + "/results/figure3.svg");
  REQUIRE(svg_file);
  const std::string svg((std::istreambuf_iterator<char>(svg_file)), std::istreambuf_iterator<char>());
  CHECK(dep::test::xml_problem(svg) == "");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("<rect") != std::string::npos);
  // Trained methods chose their checkpoint by val METEOR (the paper's selection).
  const auto dep_run = dep::read_json_file(dir + "/runs/dep/experiment.json");
  const std::string train_dir = dep_run.at("stages").at("train").get<std::string>();
  std::ifstream metrics(train_dir + "/metrics.jsonl");
  bool meteor_validation = false;
  std::string line;
  while (std::getline(metrics, line))
    if (line.find("\"validation\"") != std::string::npos && line.find("\"meteor\"") != std::string::npos)
      meteor_validation = true;
  CHECK(meteor_validation);
}
