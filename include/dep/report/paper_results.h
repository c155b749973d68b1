// The paper's published numbers and the layout of its tables and figures
// (configs/experiments/paper_results.json): per target its rows, each with the experiment whose run
// fills it and the values as printed (none where the paper prints none). dep-report reads it, so the
// mapping from a table row to an experiment lives in one place.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dep {

struct PaperRow {
  std::string group;  // the row block as printed ("32B", "w/o text"); empty when none
  std::string label;  // as printed ("DEP (ours)")
  // The experiment whose run fills the row, or — for a row the paper derives (Table 9's
  // "+Improvement") — the two whose difference it is: minuend − subtrahend.
  std::string experiment;
  std::string minuend, subtrahend;
  std::optional<double> x;  // a figure's x value (K)
  // column (category or group) → metric → the published value; absent where the paper prints none.
  std::map<std::string, std::map<std::string, double>> paper;

  bool is_difference() const { return !minuend.empty(); }
  // "group / label", or the label alone.
  std::string display_label() const;
  // The published value of a cell, if printed.
  std::optional<double> published(const std::string& column, const std::string& metric) const;
};

struct PaperTarget {
  std::string id;  // "table1", "figure3"
  std::string title;
  std::string kind;  // "table" | "figure"
  std::string note;
  std::string x_label;                  // figures over K
  std::string category;                 // figure3: the one category its runs are scored on
  std::vector<std::string> groups;      // figure3: the user groups (the columns)
  std::vector<std::string> categories;  // the columns of tables and K figures
  std::vector<std::string> metrics;     // eval.json keys (rouge1, meteor, corpus_bleu, bertscore_f1)
  std::vector<PaperRow> rows;

  // What the columns are: the groups when the target has them, else the categories.
  const std::vector<std::string>& columns() const { return groups.empty() ? categories : groups; }
};

struct PaperResults {
  std::string path;  // where it was read from, for messages
  int decimals = 4;  // the printed precision
  std::map<std::string, std::string> metric_labels;    // rouge1 → "R-1"
  std::map<std::string, std::string> metric_names;     // rouge1 → "ROUGE-1"
  std::map<std::string, std::string> category_labels;  // Movies_and_TV → "Movies & TV"
  std::vector<PaperTarget> targets;                    // in file order

  // The target with this id; an unknown id is a dep::Error listing the known ones.
  const PaperTarget& target(const std::string& id) const;
  std::string metric_label(const std::string& metric) const;
  std::string metric_name(const std::string& metric) const;
  std::string category_label(const std::string& category) const;
};

// Reads and checks the file: every target has a kind, columns, metrics and rows; every row an
// experiment id (or a difference of two), paper values only for its target's columns and metrics.
// Any problem is a dep::Error naming the file and the JSON path.
PaperResults load_paper_results(const std::string& path);

// The experiment ids a target needs, each once, in row order (a difference row needs both of its).
std::vector<std::string> experiments_of(const PaperTarget& target);

// Where --paper points when not given: configs/experiments/paper_results.json under the current
// directory when it exists there, else the copy in the source tree dep was built from.
std::string default_paper_results_path();

}  // namespace dep
