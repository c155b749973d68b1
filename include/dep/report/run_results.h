// What dep-report reads of a finished run: `<runs>/<experiment>/eval.json` (dep-eval --summary:
// categories.<category>.<metric>), and for per-user analyses generations.jsonl (dep-generate) joined
// line by line with eval_per_sample.jsonl (dep-eval --per-sample, same order). A missing run, file,
// category or metric is a dep::Error naming the experiment and the file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dep {

// One generated sample with its scores.
struct ScoredSample {
  std::string category;
  std::string user_id;
  std::string sample_id;
  std::map<std::string, double> scores;  // metric → value (eval_per_sample.jsonl's keys)
};

class RunResults {
 public:
  explicit RunResults(std::string runs_dir) : runs_(std::move(runs_dir)) {}

  const std::string& runs_dir() const { return runs_; }
  std::string run_dir(const std::string& experiment) const { return runs_ + "/" + experiment; }
  std::string eval_path(const std::string& experiment) const { return run_dir(experiment) + "/eval.json"; }

  // categories.<category>.<metric> of the experiment's eval.json (read once).
  double metric(const std::string& experiment, const std::string& category, const std::string& metric) const;
  // The same, or nothing when the category has no such number (e.g. `count` in a hand-made file).
  std::optional<double> optional_metric(const std::string& experiment, const std::string& category,
                                        const std::string& metric) const;

  // generations.jsonl joined with eval_per_sample.jsonl by line order (blank lines skipped, as
  // dep-eval does); different line counts are an error naming both files.
  std::vector<ScoredSample> samples(const std::string& experiment) const;

 private:
  const nlohmann::json& eval(const std::string& experiment) const;
  std::string runs_;
  mutable std::map<std::string, nlohmann::json> evals_;
};

}  // namespace dep
