// The demo's results: per method, METEOR / ROUGE-1 / BLEU from dep-eval's summary JSON and the
// held-out loss, combined into build/demo/summary.json and a small printed table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dep {

struct MethodResult {
  std::string name;       // "dep", "non_perso", ...
  std::string eval_json;  // dep-eval --summary output ("" when the method was not evaluated)
  std::string loss_json;  // dep-make-tiny heldout-loss output ("" when not computed)
};

// Per method: `meteor`, `rouge1` (means over all test samples: the per-category means weighted
// by their counts), `bleu` (the per-category corpus BLEU weighted by counts; corpus BLEU over the
// pooled split would differ slightly), `heldout_loss`, `samples`, and `per_category` as dep-eval
// wrote it. Missing inputs give nulls, so a partial run still has a well-formed summary.
nlohmann::ordered_json demo_summary(const std::vector<MethodResult>& methods);

// A fixed-width table of the summary (one row per method).
std::string demo_table(const nlohmann::ordered_json& summary);

}  // namespace dep
