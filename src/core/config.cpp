// Type checks, bounds, unknown-key detection and overrides for typed JSON configs.
#include "dep/core/config.h"

#include <algorithm>
#include <sstream>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"

namespace dep {
namespace {

// Optimal-string-alignment distance: typos that swap two letters cost 1.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

std::string Bounds::describe() const {
  const bool has_min = min != -std::numeric_limits<double>::infinity();
  const bool has_max = max != std::numeric_limits<double>::infinity();
  if (has_min && has_max) return "in [" + format_number(min) + ", " + format_number(max) + "]";
  if (has_min) return (min_exclusive ? "> " : ">= ") + format_number(min);
  if (has_max) return "<= " + format_number(max);
  return "any value";
}

std::string closest_match(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, key.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(key, c);
    // A key that extends a known one ("lrate" for "lr") is a likely slip too.
    const bool extends = c.size() >= 2 && key.compare(0, c.size(), c) == 0;
    if (extends) d = std::min(d, std::max<size_t>(1, best_distance - 1));
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

void apply_override(nlohmann::json& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    fail("--set " + assignment, "expected KEY.PATH=VALUE");
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value;
  if (nlohmann::json::accept(text)) {
    value = parse_json(text, "--set " + path);  // valid JSON, still bounded and strict
  } else {
    value = text;  // a bare word is a string
  }
  nlohmann::json* node = &config;
  std::string done;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) fail("--set " + assignment, "empty key in path '" + path + "'");
    if (!node->is_object()) {
      fail("--set " + assignment, "'" + done + "' is not an object, cannot set '" + key + "' in it");
    }
    done = done.empty() ? key : done + "." + key;
    if (dot == std::string::npos) {
      (*node)[key] = value;
      return;
    }
    if (!node->contains(key)) (*node)[key] = nlohmann::json::object();
    node = &(*node)[key];
    start = dot + 1;
  }
}

void write_effective_config(const std::string& path, const nlohmann::ordered_json& config) {
  write_file_atomic(path, config.dump(2) + "\n");
}

namespace config_detail {

std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

void fail_at(const std::string& source, const std::string& path, const std::string& what) {
  fail(path.empty() ? source : source + ": " + path, what);
}

Reader::Reader(const nlohmann::json& object, std::string source, std::string prefix)
    : object_(object), source_(std::move(source)), prefix_(std::move(prefix)) {}

void Reader::finish() const {
  for (const auto& item : object_.items()) {
    if (std::find(known_.begin(), known_.end(), item.key()) != known_.end()) continue;
    std::string hint = closest_match(item.key(), known_);
    fail_at(source_, join_path(prefix_, item.key()),
            "unknown key" + (hint.empty() ? std::string() : " (did you mean '" + join_path(prefix_, hint) + "'?)"));
  }
}

namespace {
[[noreturn]] void wrong_type(const std::string& source, const std::string& path, const char* expected,
                             const nlohmann::json& v) {
  fail_at(source, path, std::string("expected ") + expected + ", got " + v.type_name() + " " + json_excerpt(v));
}

void check_bounds(const std::string& source, const std::string& path, double value, const Bounds& bounds) {
  if (!bounds.contains(value)) {
    fail_at(source, path, "value " + format_number(value) + " out of range (must be " + bounds.describe() + ")");
  }
}
}  // namespace

void Reader::read_value(const nlohmann::json& v, bool& out, const std::string& path, Bounds) {
  if (!v.is_boolean()) wrong_type(source_, path, "a boolean", v);
  out = v.get<bool>();
}

void Reader::read_value(const nlohmann::json& v, int64_t& out, const std::string& path, Bounds bounds) {
  if (!v.is_number_integer()) wrong_type(source_, path, "an integer", v);
  out = v.get<int64_t>();
  check_bounds(source_, path, static_cast<double>(out), bounds);
}

void Reader::read_value(const nlohmann::json& v, int& out, const std::string& path, Bounds bounds) {
  int64_t wide = 0;
  read_value(v, wide, path, bounds);
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    fail_at(source_, path, "value " + std::to_string(wide) + " does not fit a 32-bit integer");
  }
  out = static_cast<int>(wide);
}

void Reader::read_value(const nlohmann::json& v, double& out, const std::string& path, Bounds bounds) {
  if (!v.is_number()) wrong_type(source_, path, "a number", v);
  out = v.get<double>();
  check_bounds(source_, path, out, bounds);
}

void Reader::read_value(const nlohmann::json& v, std::string& out, const std::string& path, Bounds) {
  if (!v.is_string()) wrong_type(source_, path, "a string", v);
  out = v.get<std::string>();
}

void Reader::read_value(const nlohmann::json& v, std::vector<std::string>& out, const std::string& path, Bounds) {
  if (!v.is_array()) wrong_type(source_, path, "an array of strings", v);
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) wrong_type(source_, path + "[" + std::to_string(i) + "]", "a string", v[i]);
    out.push_back(v[i].get<std::string>());
  }
}

void Reader::read_value(const nlohmann::json& v, std::vector<int64_t>& out, const std::string& path, Bounds bounds) {
  if (!v.is_array()) wrong_type(source_, path, "an array of integers", v);
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t x = 0;
    read_value(v[i], x, path + "[" + std::to_string(i) + "]", bounds);
    out.push_back(x);
  }
}

void Reader::read_value(const nlohmann::json& v, std::vector<double>& out, const std::string& path, Bounds bounds) {
  if (!v.is_array()) wrong_type(source_, path, "an array of numbers", v);
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    double x = 0;
    read_value(v[i], x, path + "[" + std::to_string(i) + "]", bounds);
    out.push_back(x);
  }
}

std::string not_one_of(const std::string& value, const std::vector<std::string>& choices) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  const std::string hint = closest_match(value, choices);
  return "'" + value + "' is not one of " + list + (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)");
}

void Reader::choice(const char* key, std::string& member, const std::vector<std::string>& choices,
                    const char* help) {
  (*this)(key, member, help);
  if (std::find(choices.begin(), choices.end(), member) == choices.end()) {
    fail_at(source_, join_path(prefix_, key), not_one_of(member, choices));
  }
}

void Documenter::choice(const char* key, const std::string& member, const std::vector<std::string>& choices,
                        const char* help) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  row(key, "\"" + member + "\"", std::string(help) + " (one of: " + list + ")");
}

std::string Documenter::bounds_note(const Bounds& bounds) {
  std::string d = bounds.describe();
  return d == "any value" ? std::string() : " (" + d + ")";
}

void Documenter::row(const char* key, const std::string& value, const std::string& help) {
  out_ += "| `" + join_path(prefix_, key) + "` | `" + value + "` | " + help + " |\n";
}

}  // namespace config_detail
}  // namespace dep
