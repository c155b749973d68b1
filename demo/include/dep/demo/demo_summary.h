// The demo's results: per method, METEOR / ROUGE-1 / BLEU of its generations and the held-out loss
// of the test reviews, with paired-bootstrap 95% intervals of every method's improvement over the
// baselines (Non-Perso, and DEP with its soft vectors zeroed), combined into summary.json, a
// printed table and summary.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/demo/paired_bootstrap.h"

namespace dep {

// One method's outputs, all in `dir` (each file optional; a missing one gives nulls):
// generations.jsonl (dep-generate), eval.json (dep-eval --summary), eval_per_sample.jsonl
// (dep-eval --per-sample, the same order as generations.jsonl) and loss.json (dep-make-tiny
// heldout-loss, with per-sample sums).
struct MethodRun {
  std::string name;  // "dep", "non_perso", ...
  std::string dir;
};

struct DemoSummaryOptions {
  std::vector<std::string> baselines = {"non_perso", "dep_zero_soft"};
  BootstrapOptions bootstrap;  // 1,000 resamples, seed 1, 95%
};

// summary.json: `methods.<name>.{meteor, rouge1, bleu, heldout_loss}` (METEOR and ROUGE-1: means
// over the test samples; BLEU: per-category corpus BLEU weighted by counts; loss: token-mean CE),
// `samples`, `per_category` (dep-eval's), `ci.<metric>` (the method's own 95% interval), and
// `intervals.<method>_vs_<baseline>.<metric>` = [low, high], the 95% interval of the improvement
// (METEOR, ROUGE-1, BLEU gained; held-out loss reduced): above 0 means better.
nlohmann::ordered_json demo_summary(const std::vector<MethodRun>& methods, const DemoSummaryOptions& options = {});

// The printed table: one row per method, then each method's improvement over each baseline with
// its interval.
std::string demo_table(const nlohmann::ordered_json& summary);

// summary.md: the same tables in Markdown, with what the columns mean.
std::string demo_markdown(const nlohmann::ordered_json& summary);

}  // namespace dep
