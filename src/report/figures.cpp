// Figures over K and Figure 3 (see figures.h).
#include "dep/report/figures.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "dep/core/error.h"
#include "dep/report/svg.h"

namespace dep {
namespace {

// BLEU is on 0–100, the other metrics on 0–1: they cannot share an axis.
bool percent_scale(const std::string& metric) { return metric.find("bleu") != std::string::npos; }

// A font size at which a title fits the width (sans-serif glyphs average ~0.6 em), at most `largest`.
double fitted_size(const std::string& text, double width, double largest) {
  return std::min(largest, (width - 20) / (0.6 * static_cast<double>(std::max<size_t>(text.size(), 1))));
}

}  // namespace

std::string k_figure_svg(const ReportTable& table) {
  const auto& target = *table.target;
  std::vector<std::vector<std::string>> panels;  // metric groups, the same for every category
  std::vector<std::string> fractions, percents;
  for (const auto& m : target.metrics) (percent_scale(m) ? percents : fractions).push_back(m);
  if (!fractions.empty()) panels.push_back(fractions);
  if (!percents.empty()) panels.push_back(percents);
  const double pw = 380, ph = 270, top = 34;
  const bool one_row = panels.size() == 1;
  const size_t cols = one_row ? target.categories.size() : panels.size();
  const size_t rows = one_row ? 1 : target.categories.size();
  Svg svg(pw * static_cast<double>(cols), top + ph * static_cast<double>(rows) + 20);
  svg.text(svg.width() / 2, 20, target.title, fitted_size(target.title, svg.width(), 13), "middle", true);
  for (size_t c = 0; c < target.categories.size(); ++c) {
    const auto& category = target.categories[c];
    for (size_t p = 0; p < panels.size(); ++p) {
      std::vector<LineSeries> series;
      std::string names;
      for (const auto& metric : panels[p]) {
        LineSeries s{table.paper->metric_name(metric), {}};
        for (size_t r = 0; r < target.rows.size(); ++r) {
          const ReportCell* cell = table.find(r, category, metric);
          if (cell && target.rows[r].x) s.points.emplace_back(*target.rows[r].x, cell->ours);
        }
        names += (names.empty() ? "" : " and ") + s.name;
        series.push_back(std::move(s));
      }
      LinePanelStyle style;
      style.title = table.paper->category_label(category) + ": " + names;
      style.x_label = target.x_label.empty() ? "x" : target.x_label;
      style.value_format = percent_scale(panels[p].front()) ? "%.2f" : "%.3f";
      const size_t col = one_row ? c : p, row = one_row ? 0 : c;
      line_panel(svg, series, style, pw * static_cast<double>(col), top + ph * static_cast<double>(row), pw, ph);
    }
  }
  svg.text(svg.width() / 2, svg.height() - 6,
           "ours (dep-report from " + table.runs_dir + "); value axes are fitted to the data and need not start at 0", 10,
           "middle", false, 0, "#555");
  return svg.str();
}

ReportTable fill_uniqueness_figure(const PaperResults& paper, const PaperTarget& target, const RunResults& runs,
                                   const UniquenessSplit& split) {
  if (target.groups != std::vector<std::string>{UniquenessSplit::kUnique, UniquenessSplit::kNonUnique})
    fail(paper.path, target.id + ": a uniqueness figure's groups must be [\"Unique\", \"Non-Unique\"]");
  ReportTable table{&paper, &target, runs.runs_dir(), {}};
  for (size_t i = 0; i < target.rows.size(); ++i) {
    const auto& row = target.rows[i];
    if (row.is_difference()) fail(paper.path, target.id + ": a uniqueness figure has no difference rows");
    const auto samples = runs.samples(row.experiment);
    const std::string where = runs.run_dir(row.experiment) + "/generations.jsonl";
    for (const auto& metric : target.metrics) {
      std::map<std::string, double> sum;
      std::map<std::string, int64_t> count;
      double total = 0.0;
      int64_t n = 0;
      for (const auto& s : samples) {
        if (s.category != target.category) continue;
        auto it = s.scores.find(metric);
        if (it == s.scores.end())
          fail(runs.run_dir(row.experiment) + "/eval_per_sample.jsonl",
               "experiment \"" + row.experiment + "\" has no per-sample " + metric + " (sample " + s.sample_id + ")");
        const std::string group = split.group_of(s.user_id, where);
        sum[group] += it->second;
        ++count[group];
        total += it->second;
        ++n;
      }
      if (n == 0) fail(where, "experiment \"" + row.experiment + "\" has no samples of " + target.category);
      // The per-sample file must be the one eval.json summarises (dep-eval's category value is the
      // mean of the per-sample values).
      const double summary = runs.metric(row.experiment, target.category, metric);
      if (std::abs(total / static_cast<double>(n) - summary) > 1e-9 * std::max(1.0, std::abs(summary)))
        fail(runs.run_dir(row.experiment) + "/eval_per_sample.jsonl",
             "experiment \"" + row.experiment + "\": the mean " + metric + " of its " + target.category +
                 " samples differs from eval.json's (" + std::to_string(summary) + "): stale or from another run");
      for (const auto& group : target.groups) {
        if (!count[group]) fail(where, "experiment \"" + row.experiment + "\" has no sample of a " + group + " user");
        ReportCell cell;
        cell.row = i;
        cell.column = group;
        cell.metric = metric;
        cell.ours = sum[group] / static_cast<double>(count[group]);
        cell.paper = row.published(group, metric);
        cell.samples = count[group];
        table.cells.push_back(cell);
      }
    }
  }
  return table;
}

std::string uniqueness_figure_svg(const ReportTable& table, const UniquenessSplit& split) {
  const auto& target = *table.target;
  const std::string metric = target.metrics.front();
  std::vector<BarGroup> groups;
  BarPanelStyle style;
  style.title = table.paper->metric_name(metric) + " by user uniqueness, " + table.paper->category_label(target.category);
  style.value_labels = true;
  for (const auto& row : target.rows) style.series.push_back(row.label);
  for (const auto& group : target.groups) {
    const bool unique = group == UniquenessSplit::kUnique;
    BarGroup g{group + " (" + std::to_string(split.count(unique)) + " users)", {}};
    for (size_t r = 0; r < target.rows.size(); ++r) {
      const ReportCell* cell = table.find(r, group, metric);
      if (!cell) continue;
      Bar b;
      b.value = cell->ours;
      b.tooltip = target.rows[r].label + ", " + group + ": " + svg_number(cell->ours, "%.4f") + " over " +
                  std::to_string(cell->samples.value_or(0)) + " samples";
      g.bars.push_back(b);
    }
    groups.push_back(std::move(g));
  }
  Svg svg(640, 400);
  bar_panel(svg, groups, style, 0, 0, 640, 370);
  svg.text(320, 392,
           "users split at the median distance (" + svg_number(split.median, "%.4g") +
               ") of their mean review embedding to the global mean; the axis need not start at 0",
           10, "middle", false, 0, "#555");
  return svg.str();
}

std::string uniqueness_markdown(const ReportTable& table, const UniquenessSplit& split) {
  std::string out = table_markdown(table);
  out += "\nUsers of the " + split.category + " test split: " + std::to_string(split.users.size()) + " with profile reviews (" +
         std::to_string(split.count(true)) + " Unique, " + std::to_string(split.count(false)) +
         " Non-Unique), median Euclidean distance to the global mean " + svg_number(split.median, "%.6g") +
         (split.left_out ? "; " + std::to_string(split.left_out) + " without profile reviews left out" : "") +
         ". A user's embedding is the mean of their profile reviews' embeddings; the global mean is the mean of "
         "the users' means. Samples per cell: see the CSV's `samples` column.\n";
  return out;
}

}  // namespace dep
