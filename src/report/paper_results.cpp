// Reading configs/experiments/paper_results.json (see paper_results.h), strictly: a typo in a key
// or a value for a column the target does not have is an error, never a silently empty cell.
#include "dep/report/paper_results.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "dep/core/error.h"
#include "dep/core/json.h"

namespace dep {
namespace {

using Json = nlohmann::ordered_json;

void only_keys(const Json& j, const std::set<std::string>& allowed, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!allowed.count(it.key())) fail(where, "unknown key \"" + it.key() + "\"");
}

const Json& member(const Json& j, const std::string& key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) fail(where, "missing \"" + key + "\"");
  return *it;
}

std::string string_of(const Json& j, const std::string& where) {
  if (!j.is_string() || j.get<std::string>().empty()) fail(where, "must be a non-empty string");
  return j.get<std::string>();
}

std::string optional_string(const Json& j, const std::string& key, const std::string& where) {
  auto it = j.find(key);
  return it == j.end() ? std::string() : string_of(*it, where + "." + key);
}

std::vector<std::string> string_list(const Json& j, const std::string& where) {
  if (!j.is_array() || j.empty()) fail(where, "must be a non-empty list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    out.push_back(string_of(j[i], where + "[" + std::to_string(i) + "]"));
    if (std::count(out.begin(), out.end(), out.back()) > 1) fail(where, "\"" + out.back() + "\" is listed twice");
  }
  return out;
}

std::map<std::string, std::string> label_table(const Json& j, const std::string& where,
                                               std::map<std::string, std::string>* names = nullptr) {
  if (!j.is_object()) fail(where, "must be an object");
  std::map<std::string, std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string at = where + "." + it.key();
    if (it->is_string()) {
      out[it.key()] = string_of(*it, at);
    } else {
      if (!it->is_object()) fail(at, "must be a string or {\"label\", \"name\"}");
      only_keys(*it, {"label", "name"}, at);
      out[it.key()] = string_of(member(*it, "label", at), at + ".label");
      if (names) (*names)[it.key()] = string_of(member(*it, "name", at), at + ".name");
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

PaperRow parse_row(const Json& j, const PaperTarget& target, const std::string& where) {
  if (!j.is_object()) fail(where, "must be an object");
  only_keys(j, {"group", "label", "experiment", "difference", "x", "paper"}, where);
  PaperRow row;
  row.group = optional_string(j, "group", where);
  row.label = string_of(member(j, "label", where), where + ".label");
  const bool has_experiment = j.contains("experiment"), has_difference = j.contains("difference");
  if (has_experiment == has_difference) fail(where, "needs exactly one of \"experiment\" and \"difference\"");
  if (has_experiment) {
    row.experiment = string_of(j["experiment"], where + ".experiment");
  } else {
    const auto pair = string_list(j["difference"], where + ".difference");
    if (pair.size() != 2) fail(where + ".difference", "must name two experiments: [minuend, subtrahend]");
    row.minuend = pair[0];
    row.subtrahend = pair[1];
  }
  if (j.contains("x")) {
    if (!j["x"].is_number()) fail(where + ".x", "must be a number");
    row.x = j["x"].get<double>();
  } else if (!target.x_label.empty()) {
    fail(where, "a row of a figure over \"" + target.x_label + "\" needs \"x\"");
  }
  const Json& paper = member(j, "paper", where);
  if (!paper.is_object()) fail(where + ".paper", "must be an object (column → metric → value or null)");
  for (auto c = paper.begin(); c != paper.end(); ++c) {
    const std::string at = where + ".paper." + c.key();
    if (!contains(target.columns(), c.key())) fail(at, "\"" + c.key() + "\" is not a column of " + target.id);
    if (!c->is_object()) fail(at, "must be an object (metric → value or null)");
    for (auto m = c->begin(); m != c->end(); ++m) {
      if (!contains(target.metrics, m.key())) fail(at + "." + m.key(), "not a metric of " + target.id);
      if (m->is_null()) continue;  // the paper prints no number there
      if (!m->is_number()) fail(at + "." + m.key(), "must be a number or null");
      row.paper[c.key()][m.key()] = m->get<double>();
    }
  }
  return row;
}

PaperTarget parse_target(const std::string& id, const Json& j, const std::string& where) {
  if (!j.is_object()) fail(where, "must be an object");
  only_keys(j, {"title", "kind", "note", "x_label", "category", "groups", "categories", "metrics", "rows"}, where);
  PaperTarget t;
  t.id = id;
  t.title = string_of(member(j, "title", where), where + ".title");
  t.kind = string_of(member(j, "kind", where), where + ".kind");
  if (t.kind != "table" && t.kind != "figure") fail(where + ".kind", "must be \"table\" or \"figure\"");
  t.note = optional_string(j, "note", where);
  t.x_label = optional_string(j, "x_label", where);
  t.category = optional_string(j, "category", where);
  if (j.contains("groups")) t.groups = string_list(j["groups"], where + ".groups");
  if (j.contains("categories")) t.categories = string_list(j["categories"], where + ".categories");
  if (t.groups.empty() == t.categories.empty()) fail(where, "needs exactly one of \"categories\" and \"groups\"");
  if (!t.groups.empty() && t.category.empty()) fail(where, "a target split into \"groups\" needs its \"category\"");
  t.metrics = string_list(member(j, "metrics", where), where + ".metrics");
  const Json& rows = member(j, "rows", where);
  if (!rows.is_array() || rows.empty()) fail(where + ".rows", "must be a non-empty list");
  for (size_t i = 0; i < rows.size(); ++i)
    t.rows.push_back(parse_row(rows[i], t, where + ".rows[" + std::to_string(i) + "]"));
  for (const auto& row : t.rows)
    if (row.is_difference())
      for (const auto& id_needed : {row.minuend, row.subtrahend}) {
        const bool filled = std::any_of(t.rows.begin(), t.rows.end(),
                                        [&](const PaperRow& r) { return r.experiment == id_needed; });
        if (!filled) fail(where, "the difference row \"" + row.label + "\" names \"" + id_needed + "\", which no row runs");
      }
  return t;
}

}  // namespace

std::string PaperRow::display_label() const { return group.empty() ? label : group + " / " + label; }

std::optional<double> PaperRow::published(const std::string& column, const std::string& metric) const {
  auto c = paper.find(column);
  if (c == paper.end()) return std::nullopt;
  auto m = c->second.find(metric);
  if (m == c->second.end()) return std::nullopt;
  return m->second;
}

const PaperTarget& PaperResults::target(const std::string& id) const {
  std::string known;
  for (const auto& t : targets) {
    if (t.id == id) return t;
    known += (known.empty() ? "" : ", ") + t.id;
  }
  fail(path, "no target \"" + id + "\" (known: " + known + ")");
}

std::string PaperResults::metric_label(const std::string& metric) const {
  auto it = metric_labels.find(metric);
  return it == metric_labels.end() ? metric : it->second;
}

std::string PaperResults::metric_name(const std::string& metric) const {
  auto it = metric_names.find(metric);
  return it == metric_names.end() ? metric_label(metric) : it->second;
}

std::string PaperResults::category_label(const std::string& category) const {
  auto it = category_labels.find(category);
  return it == category_labels.end() ? category : it->second;
}

PaperResults load_paper_results(const std::string& path) {
  const Json j = read_ordered_json_file(path);
  if (!j.is_object()) fail(path, "expected a JSON object");
  only_keys(j, {"about", "decimals", "metrics", "categories", "targets"}, path);
  PaperResults out;
  out.path = path;
  if (j.contains("decimals")) {
    if (!j["decimals"].is_number_integer() || j["decimals"].get<int64_t>() < 0 || j["decimals"].get<int64_t>() > 12)
      fail(path + ": decimals", "must be an integer in 0..12");
    out.decimals = static_cast<int>(j["decimals"].get<int64_t>());
  }
  if (j.contains("metrics")) out.metric_labels = label_table(j["metrics"], path + ": metrics", &out.metric_names);
  if (j.contains("categories")) out.category_labels = label_table(j["categories"], path + ": categories");
  const Json& targets = member(j, "targets", path);
  if (!targets.is_object() || targets.empty()) fail(path + ": targets", "must be a non-empty object");
  for (auto it = targets.begin(); it != targets.end(); ++it)
    out.targets.push_back(parse_target(it.key(), *it, path + ": targets." + it.key()));
  return out;
}

std::vector<std::string> experiments_of(const PaperTarget& target) {
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (!id.empty() && !contains(out, id)) out.push_back(id);
  };
  for (const auto& row : target.rows) {
    add(row.experiment);
    add(row.minuend);
    add(row.subtrahend);
  }
  return out;
}

std::string default_paper_results_path() {
  const std::string relative = "configs/experiments/paper_results.json";
  if (std::filesystem::exists(relative)) return relative;
  return std::string(DEP_REPORT_SOURCE_DIR) + "/" + relative;
}

}  // namespace dep
