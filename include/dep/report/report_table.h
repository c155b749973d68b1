// A target's cells — our number from a finished run beside the paper's, per row × column × metric —
// and the three ways dep-report writes them: Markdown in the paper's layout, one CSV line per cell,
// and a booktabs LaTeX table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dep/report/paper_results.h"
#include "dep/report/run_results.h"

namespace dep {

struct ReportCell {
  size_t row = 0;          // index into the target's rows
  std::string column;      // category (or figure 3's user group)
  std::string metric;      // eval.json key
  double ours = 0.0;
  std::optional<double> paper;
  std::optional<int64_t> samples;  // how many samples the value averages, where the report knows it

  std::optional<double> diff() const {
    if (!paper) return std::nullopt;
    return ours - *paper;
  }
};

struct ReportTable {
  const PaperResults* paper = nullptr;
  const PaperTarget* target = nullptr;
  std::string runs_dir;
  std::vector<ReportCell> cells;  // row-major: row, then column, then metric

  // The cell of (row, column, metric), or nullptr.
  const ReportCell* find(size_t row, const std::string& column, const std::string& metric) const;
  // The run(s) a row's numbers come from: "dep", or "dep minus no_guidance" for a difference row.
  std::string source_of(size_t row) const;
};

// Every cell of a table (or a figure over K) from the runs' eval.json files; any missing run or
// metric is a dep::Error naming the experiment and the file, so no cell is left empty.
ReportTable fill_table(const PaperResults& paper, const PaperTarget& target, const RunResults& runs);

// Categories whose rows were scored on different numbers of samples (eval.json's `count`): a
// partial or limited run beside a full one. One line per such category, naming each run's count.
std::vector<std::string> sample_count_mismatches(const ReportTable& table);

// "0.3012" at the paper's precision; "+0.0013" with a sign (a difference that rounds to zero is +).
std::string format_value(double value, int decimals);
std::string format_signed(double value, int decimals);

// The paper's layout: one line per row, a column per category × metric, each cell
// "ours (paper, Δ)"; the title, the note and where each row's numbers come from.
std::string table_markdown(const ReportTable& table);
// target,row,experiment,category,metric,ours,paper,diff — full precision (shortest round trip), so
// a checker can compare `ours` with eval.json exactly; `extra_columns` appends a figure's x,group,samples.
std::string table_csv(const ReportTable& table, bool extra_columns = false);
// A booktabs table (\usepackage{booktabs}): categories as column groups, each cell
// "ours (paper, Δ)" with the paper's figures small.
std::string table_latex(const ReportTable& table);

}  // namespace dep
