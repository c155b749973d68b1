// dep-report: the paper's tables and figures from finished runs, our numbers beside the published
// ones (configs/experiments/paper_results.json), so no cell is ever written by hand.
//   dep-report experiments TARGET [--paper F]
//   dep-report table TARGET --runs DIR --out PREFIX [--paper F]            PREFIX.{md,csv,tex}
//   dep-report figure TARGET --runs DIR --out PREFIX [--paper F]           PREFIX.{svg,png,md,csv}
//              [--embeddings STORE --config DATA_CONFIG]                    (figure3's uniqueness split)
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/core/cli.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/log.h"
#include "dep/core/output_path.h"
#include "dep/data/data_config.h"
#include "dep/data/dataset.h"
#include "dep/embed/embedding_store.h"
#include "dep/report/figures.h"
#include "dep/report/paper_results.h"
#include "dep/report/report_table.h"
#include "dep/report/run_results.h"
#include "dep/report/uniqueness.h"

namespace {

namespace fs = std::filesystem;

struct Options {
  std::string target;
  std::string paper;
  std::string runs;
  std::string out;
  std::string embeddings;
  std::string data_config;
};

void add_target_and_paper(CLI::App& cmd, Options& o) {
  cmd.add_option("TARGET", o.target, "table1, table2, table3, table6 … table9, figure2, figure3, figure5")->required();
  cmd.add_option("--paper", o.paper,
                 "the paper's numbers and layouts (default: configs/experiments/paper_results.json in the current "
                 "directory, else in the source tree dep-report was built from)");
}

void add_runs_and_out(CLI::App& cmd, Options& o, const std::string& outputs) {
  cmd.add_option("--runs", o.runs, "folder with one finished run per experiment: RUNS/<id>/eval.json, …")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd.add_option("--out", o.out, "output prefix: writes " + outputs)->required();
}

// Every output is checked before any work and written in full before any replaces its target.
void write_outputs(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::unique_ptr<dep::AtomicFileWriter>> writers;
  for (const auto& [path, text] : files) {
    writers.push_back(std::make_unique<dep::AtomicFileWriter>(path));
    writers.back()->write(text);
  }
  for (auto& w : writers) {
    w->commit();
    std::fprintf(stderr, "wrote %s\n", w->path().c_str());
  }
}

void check_outputs(const std::string& prefix, const std::vector<std::string>& extensions) {
  if (prefix.empty()) dep::fail("--out", "empty output prefix");
  for (const auto& ext : extensions) dep::check_output_file(prefix + ext, "--out");
  const fs::path parent = fs::path(prefix).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string dirs = path;
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// PREFIX.png from PREFIX.svg when rsvg-convert is installed; the SVG is the figure, so a missing
// or failing converter is a warning, and a PNG of an earlier run is removed rather than left
// beside an SVG it no longer shows.
void write_png(const std::string& prefix) {
  std::error_code ec;
  if (!on_path("rsvg-convert")) {
    fs::remove(prefix + ".png", ec);
    dep::log::info("rsvg-convert not found: no PNG (the SVG is the figure)");
    return;
  }
  const std::string tmp = prefix + ".png.tmp." + std::to_string(::getpid());
  const std::string cmd = "rsvg-convert -o '" + tmp + "' '" + prefix + ".svg'";
  if (prefix.find('\'') != std::string::npos || std::system(cmd.c_str()) != 0) {
    fs::remove(tmp, ec);
    fs::remove(prefix + ".png", ec);
    dep::log::warn("rsvg-convert failed on " + prefix + ".svg: no PNG");
    return;
  }
  fs::rename(tmp, prefix + ".png");
  std::fprintf(stderr, "wrote %s.png\n", prefix.c_str());
}

dep::PaperResults load_paper(const Options& o) {
  return dep::load_paper_results(o.paper.empty() ? dep::default_paper_results_path() : o.paper);
}

const dep::PaperTarget& target_of_kind(const dep::PaperResults& paper, const Options& o, const std::string& kind) {
  const auto& target = paper.target(o.target);
  if (target.kind != kind)
    dep::fail(o.target, "is a " + target.kind + ": use dep-report " + target.kind + " " + o.target);
  return target;
}

// Runs scored on different samples still give a table, marked in its Markdown and said here.
void warn_sample_counts(const dep::ReportTable& table) {
  for (const auto& m : dep::sample_count_mismatches(table)) dep::log::warn("sample counts differ between runs: " + m);
}

void run_table(const Options& o) {
  const auto paper = load_paper(o);
  const auto& target = target_of_kind(paper, o, "table");
  check_outputs(o.out, {".md", ".csv", ".tex"});
  const auto table = dep::fill_table(paper, target, dep::RunResults(o.runs));
  warn_sample_counts(table);
  write_outputs({{o.out + ".md", dep::table_markdown(table)},
                 {o.out + ".csv", dep::table_csv(table)},
                 {o.out + ".tex", dep::table_latex(table)}});
}

// Figure 3's users: the category's test split, read with dep's DPL reader from --config's data root.
dep::UniquenessSplit uniqueness_split(const Options& o, const dep::PaperTarget& target) {
  if (o.embeddings.empty() || o.data_config.empty())
    dep::fail(o.target, "needs --embeddings STORE and --config DATA_CONFIG (the users' review embeddings and data)");
  const auto config = dep::load_config<dep::DataConfig>(o.data_config, {});
  const auto& cats = config.data.categories;
  if (std::find(cats.begin(), cats.end(), target.category) == cats.end())
    dep::fail(o.data_config + ": data.categories", "has no \"" + target.category + "\", which " + o.target + " needs");
  const std::string test_path = config.data.root + "/" + target.category + "/test.jsonl";
  dep::ReadOptions read_options;
  read_options.skip_bad_lines = config.data.skip_bad_lines;
  const auto rows = dep::read_user_rows(test_path, read_options);
  const auto store = dep::EmbeddingStore::open(o.embeddings);
  return dep::split_by_uniqueness(rows, target.category, *store, o.embeddings);
}

void run_figure(const Options& o) {
  const auto paper = load_paper(o);
  const auto& target = target_of_kind(paper, o, "figure");
  check_outputs(o.out, {".svg", ".md", ".csv", ".png"});
  const dep::RunResults runs(o.runs);
  if (!target.groups.empty()) {
    const auto split = uniqueness_split(o, target);
    const auto table = dep::fill_uniqueness_figure(paper, target, runs, split);
    warn_sample_counts(table);
    write_outputs({{o.out + ".svg", dep::uniqueness_figure_svg(table, split)},
                   {o.out + ".md", dep::uniqueness_markdown(table, split)},
                   {o.out + ".csv", dep::table_csv(table, true)}});
  } else {
    const auto table = dep::fill_table(paper, target, runs);
    warn_sample_counts(table);
    write_outputs({{o.out + ".svg", dep::k_figure_svg(table)},
                   {o.out + ".md", dep::table_markdown(table)},
                   {o.out + ".csv", dep::table_csv(table, true)}});
  }
  write_png(o.out);
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-report",
                 "the paper's tables and figures from finished runs, our numbers beside the published ones "
                 "(docs/REPRODUCING.md, 'Reading the results')");
    auto& app = cli.app();
    app.require_subcommand(1);
    app.footer(
        "Targets: table1 table2 table3 table6 table7 table8 table9 (dep-report table), figure2 figure3 figure5 "
        "(dep-report figure).\n"
        "Runs: RUNS/<experiment>/eval.json (dep-eval --summary); figure3 also reads generations.jsonl and "
        "eval_per_sample.jsonl.\n"
        "A missing run, category or metric is an error naming the experiment and the file (exit 2); nothing is "
        "written then.\n"
        "Formats and Figure 3's uniqueness split: docs/REPRODUCING.md, 'Reading the results (dep-report)'.");
    Options o;

    auto* experiments = app.add_subcommand("experiments", "print the experiment ids TARGET needs, one per line");
    add_target_and_paper(*experiments, o);

    auto* table = app.add_subcommand(
        "table", "write PREFIX.md (the paper's layout), PREFIX.csv (one line per cell) and PREFIX.tex (booktabs): "
                 "ours beside the paper's number and the difference; a missing run or metric is an error (exit 2)");
    add_target_and_paper(*table, o);
    add_runs_and_out(*table, o, "PREFIX.md, PREFIX.csv, PREFIX.tex");

    auto* figure = app.add_subcommand(
        "figure", "write PREFIX.svg (+ PREFIX.png with rsvg-convert) and the plotted values in PREFIX.md and PREFIX.csv");
    add_target_and_paper(*figure, o);
    add_runs_and_out(*figure, o, "PREFIX.svg, PREFIX.png, PREFIX.md, PREFIX.csv");
    figure->add_option("--embeddings", o.embeddings,
                       "figure3: the review embedding store (dep-embed output) holding the category's test users");
    figure->add_option("--config", o.data_config,
                       "figure3: a data config (configs/data.json layout) whose data.root holds "
                       "<category>/test.jsonl, the users split by uniqueness");

    cli.parse(argc, argv);
    if (experiments->parsed()) {
      for (const auto& id : dep::experiments_of(load_paper(o).target(o.target))) std::printf("%s\n", id.c_str());
    } else if (table->parsed()) {
      run_table(o);
    } else {
      run_figure(o);
    }
    return 0;
  });
}
