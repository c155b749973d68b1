// Cells of a target from the runs, and their Markdown, CSV and LaTeX forms (see report_table.h).
#include "dep/report/report_table.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace dep {
namespace {

bool any_group(const PaperTarget& t) {
  for (const auto& r : t.rows)
    if (!r.group.empty()) return true;
  return false;
}

std::string column_label(const ReportTable& t, const std::string& column) {
  return t.target->groups.empty() ? t.paper->category_label(column) : column;
}

// Shortest text that reads back as the same double (nlohmann's dump), for the CSV.
std::string exact(double v) { return nlohmann::json(v).dump(); }

// A figure's x (K) as printed on its axis: "3", not "3.0".
std::string format_x(double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string tex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        out += '\\';
        out += c;
        break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '\\': out += "\\textbackslash{}"; break;
      default: out += c;
    }
  }
  return out;
}

std::string cell_text(const ReportCell& c, int decimals) {
  std::string s = format_value(c.ours, decimals);
  if (c.paper) s += " (" + format_value(*c.paper, decimals) + ", " + format_signed(*c.diff(), decimals) + ")";
  return s;
}

}  // namespace

const ReportCell* ReportTable::find(size_t row, const std::string& column, const std::string& metric) const {
  for (const auto& c : cells)
    if (c.row == row && c.column == column && c.metric == metric) return &c;
  return nullptr;
}

std::string ReportTable::source_of(size_t row) const {
  const auto& r = target->rows.at(row);
  return r.is_difference() ? r.minuend + " minus " + r.subtrahend : r.experiment;
}

ReportTable fill_table(const PaperResults& paper, const PaperTarget& target, const RunResults& runs) {
  ReportTable table{&paper, &target, runs.runs_dir(), {}};
  for (size_t i = 0; i < target.rows.size(); ++i) {
    const auto& row = target.rows[i];
    for (const auto& category : target.categories)
      for (const auto& metric : target.metrics) {
        ReportCell cell;
        cell.row = i;
        cell.column = category;
        cell.metric = metric;
        cell.ours = row.is_difference()
                        ? runs.metric(row.minuend, category, metric) - runs.metric(row.subtrahend, category, metric)
                        : runs.metric(row.experiment, category, metric);
        cell.paper = row.published(category, metric);
        if (!row.is_difference()) {
          if (auto count = runs.optional_metric(row.experiment, category, "count"))
            cell.samples = static_cast<int64_t>(*count);
        }
        table.cells.push_back(cell);
      }
  }
  return table;
}

std::vector<std::string> sample_count_mismatches(const ReportTable& t) {
  std::vector<std::string> out;
  for (const auto& column : t.target->columns()) {
    std::map<std::string, int64_t> counts;  // run → samples
    for (const auto& c : t.cells)
      if (c.column == column && c.samples) counts[t.source_of(c.row)] = *c.samples;
    std::set<int64_t> distinct;
    for (const auto& [run, n] : counts) distinct.insert(n);
    if (distinct.size() < 2) continue;
    std::string line = column + ":";
    for (const auto& [run, n] : counts) line += " " + run + " " + std::to_string(n) + ",";
    line.pop_back();
    out.push_back(line);
  }
  return out;
}

namespace {

// "Books 317, Movies & TV 1925, …": the counts when every run agrees.
std::string sample_counts_line(const ReportTable& t) {
  std::string line;
  for (const auto& column : t.target->columns())
    for (const auto& c : t.cells)
      if (c.column == column && c.samples) {
        line += (line.empty() ? "" : ", ") + column_label(t, column) + " " + std::to_string(*c.samples);
        break;
      }
  return line;
}

}  // namespace

std::string format_value(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

std::string format_signed(double value, int decimals) {
  // A difference that prints as zero carries no sign information: "+0.0000", never "-0.0000".
  if (std::abs(value) < 0.5 * std::pow(10.0, -decimals)) value = 0.0;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%+.*f", decimals, value);
  return buf;
}

std::string table_markdown(const ReportTable& t) {
  const auto& target = *t.target;
  const int d = t.paper->decimals;
  const bool grouped = any_group(target);
  std::string out = "# " + target.title + "\n\n";
  if (!target.note.empty()) out += target.note + "\n\n";
  bool any_published = false;
  for (const auto& c : t.cells) any_published |= c.paper.has_value();
  out += std::string(any_published ? "Each cell: ours (paper, ours − paper)" : "Each cell: ours (the paper prints no digits here)") +
         ". Ours from `" + t.runs_dir + "/<experiment>/eval.json`.\n\n";
  std::string header = "|", rule = "|";
  if (grouped) header += " |", rule += "---|";
  header += " Method | run |", rule += "---|---|";
  for (const auto& c : target.columns())
    for (const auto& m : target.metrics) {
      header += " " + md_escape(column_label(t, c)) + " " + md_escape(t.paper->metric_label(m)) + " |";
      rule += "---:|";
    }
  out += header + "\n" + rule + "\n";
  for (size_t i = 0; i < target.rows.size(); ++i) {
    const auto& row = target.rows[i];
    std::string line = "|";
    if (grouped) line += " " + md_escape(row.group) + " |";
    line += " " + md_escape(row.label) + " | `" + t.source_of(i) + "` |";
    for (const auto& c : target.columns())
      for (const auto& m : target.metrics) {
        const ReportCell* cell = t.find(i, c, m);
        line += " " + (cell ? cell_text(*cell, d) : std::string("")) + " |";
      }
    out += line + "\n";
  }
  // A table compares like with like only when every run scored the same samples.
  const auto mismatches = sample_count_mismatches(t);
  if (!mismatches.empty()) {
    out += "\n**Sample counts differ between runs** (eval.json `count`; a partial or limited run?):\n";
    for (const auto& m : mismatches) out += "- " + m + "\n";
  } else if (const auto counts = sample_counts_line(t); !counts.empty() && t.target->groups.empty()) {
    out += "\nSamples per category (eval.json `count`, the same for every run): " + counts + ".\n";
  }
  return out;
}

std::string table_csv(const ReportTable& t, bool extra_columns) {
  std::string out = "target,row,experiment,category,metric,ours,paper,diff";
  out += extra_columns ? ",x,group,samples\n" : "\n";
  const auto& target = *t.target;
  for (const auto& c : t.cells) {
    const auto& row = target.rows.at(c.row);
    const bool grouped_columns = !target.groups.empty();
    const std::string category = grouped_columns ? target.category : c.column;
    out += csv_field(target.id) + "," + csv_field(row.display_label()) + "," + csv_field(t.source_of(c.row)) + "," +
           csv_field(category) + "," + csv_field(c.metric) + "," + exact(c.ours) + "," +
           (c.paper ? exact(*c.paper) : "") + "," + (c.diff() ? exact(*c.diff()) : "");
    if (extra_columns) {
      out += "," + (row.x ? format_x(*row.x) : "") + "," + (grouped_columns ? csv_field(c.column) : "") + "," +
             (c.samples ? std::to_string(*c.samples) : "");
    }
    out += "\n";
  }
  return out;
}

std::string table_latex(const ReportTable& t) {
  const auto& target = *t.target;
  const int d = t.paper->decimals;
  const bool grouped = any_group(target);
  const size_t lead = grouped ? 2 : 1, per = target.metrics.size();
  std::string out = "% " + target.id + " from dep-report; needs \\usepackage{booktabs}. Each cell: ours (paper, ours - paper).\n";
  out += "\\begin{table*}[t]\n\\centering\n\\small\n\\caption{" + tex_escape(target.title) + "}\n";
  out += "\\begin{tabular}{" + std::string(lead, 'l');
  for (size_t c = 0; c < target.columns().size(); ++c) out += std::string(per, 'r');
  out += "}\n\\toprule\n";
  std::string heads = std::string(lead - 1, '&') + " ", rules;
  for (size_t c = 0; c < target.columns().size(); ++c) {
    const size_t first = lead + 1 + c * per, last = first + per - 1;
    heads += " & \\multicolumn{" + std::to_string(per) + "}{c}{" + tex_escape(column_label(t, target.columns()[c])) + "}";
    rules += "\\cmidrule(lr){" + std::to_string(first) + "-" + std::to_string(last) + "}";
  }
  out += heads + " \\\\\n" + rules + "\n";
  out += grouped ? " & Method" : "Method";
  for (size_t c = 0; c < target.columns().size(); ++c)
    for (const auto& m : target.metrics) out += " & " + tex_escape(t.paper->metric_label(m));
  out += " \\\\\n\\midrule\n";
  for (size_t i = 0; i < target.rows.size(); ++i) {
    const auto& row = target.rows[i];
    if (grouped && i > 0 && row.group != target.rows[i - 1].group) out += "\\midrule\n";
    std::string line = grouped ? tex_escape(row.group) + " & " : "";
    line += tex_escape(row.label);
    for (const auto& c : target.columns())
      for (const auto& m : target.metrics) {
        const ReportCell* cell = t.find(i, c, m);
        line += " & ";
        if (!cell) continue;
        line += format_value(cell->ours, d);
        if (cell->paper)
          line += " {\\scriptsize(" + format_value(*cell->paper, d) + ", $" + format_signed(*cell->diff(), d) + "$)}";
      }
    out += line + " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n\\end{table*}\n";
  return out;
}

}  // namespace dep
