// Reading finished runs (see run_results.h).
#include "dep/report/run_results.h"

#include <filesystem>

#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/core/jsonl.h"

namespace dep {
namespace {

// The non-blank lines of a JSONL file with their 1-based numbers, each parsed as an object.
std::vector<std::pair<size_t, nlohmann::json>> read_jsonl(const std::string& path, const std::string& experiment) {
  std::vector<std::pair<size_t, nlohmann::json>> out;
  JsonlMessages messages;
  messages.cannot_open = "no such file: the run of experiment \"" + experiment + "\" is missing or unfinished";
  for_each_jsonl_object(path, [&](nlohmann::json& j, const std::string&, int64_t number) {
    out.emplace_back(static_cast<size_t>(number), std::move(j));
  }, messages);
  return out;
}

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) fail(where, std::string("needs a string field \"") + key + "\"");
  return it->get<std::string>();
}

}  // namespace

const nlohmann::json& RunResults::eval(const std::string& experiment) const {
  auto it = evals_.find(experiment);
  if (it != evals_.end()) return it->second;
  const std::string path = eval_path(experiment);
  if (!std::filesystem::is_regular_file(path))
    fail(path, "no eval.json: the run of experiment \"" + experiment + "\" is missing or unfinished");
  auto j = read_json_file(path);
  if (!j.is_object() || !j.contains("categories") || !j["categories"].is_object())
    fail(path, "experiment \"" + experiment + "\": not a dep-eval summary (no \"categories\" object)");
  return evals_.emplace(experiment, std::move(j)).first->second;
}

double RunResults::metric(const std::string& experiment, const std::string& category, const std::string& metric) const {
  const auto& categories = eval(experiment)["categories"];
  const std::string path = eval_path(experiment);
  auto c = categories.find(category);
  if (c == categories.end())
    fail(path, "experiment \"" + experiment + "\" has no category \"" + category + "\" in its eval.json");
  auto m = c->find(metric);
  if (m == c->end())
    fail(path, "experiment \"" + experiment + "\" has no " + metric + " for " + category +
                   " (was dep-eval run with that metric?)");
  if (!m->is_number()) fail(path, "experiment \"" + experiment + "\": " + category + "." + metric + " is not a number");
  return m->get<double>();
}

std::optional<double> RunResults::optional_metric(const std::string& experiment, const std::string& category,
                                                 const std::string& metric) const {
  const auto& categories = eval(experiment)["categories"];
  auto c = categories.find(category);
  if (c == categories.end()) return std::nullopt;
  auto m = c->find(metric);
  if (m == c->end() || !m->is_number()) return std::nullopt;
  return m->get<double>();
}

std::vector<ScoredSample> RunResults::samples(const std::string& experiment) const {
  const std::string gen_path = run_dir(experiment) + "/generations.jsonl";
  const std::string score_path = run_dir(experiment) + "/eval_per_sample.jsonl";
  const auto generations = read_jsonl(gen_path, experiment);
  const auto scores = read_jsonl(score_path, experiment);
  if (generations.size() != scores.size())
    fail(score_path, "experiment \"" + experiment + "\": " + std::to_string(scores.size()) + " scored samples for " +
                         std::to_string(generations.size()) + " lines of " + gen_path + " (stale or partial eval?)");
  std::vector<ScoredSample> out;
  out.reserve(generations.size());
  for (size_t i = 0; i < generations.size(); ++i) {
    const auto& [gen_line, g] = generations[i];
    const std::string where = gen_path + ":" + std::to_string(gen_line);
    ScoredSample s;
    s.category = string_field(g, "category", where);
    s.user_id = string_field(g, "user_id", where);
    s.sample_id = string_field(g, "sample_id", where);
    const auto& [score_line, sc] = scores[i];
    for (auto it = sc.begin(); it != sc.end(); ++it)
      if (it->is_number()) s.scores[it.key()] = it->get<double>();
    if (s.scores.empty()) fail(score_path + ":" + std::to_string(score_line), "no scores on this line");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace dep
