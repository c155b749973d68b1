// dep-eval's library side: reading predictions/references (dep-generate JSONL, any JSONL with
// prediction/reference, or the reference code's predictions_{category}.txt plus a references
// file), scoring each sample, and the per-category summary (Markdown table, JSON).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dep {

struct EvalSample {
  std::string prediction;
  std::string reference;
  std::string category;
  std::string source;  // "file:line" or "file#k", for messages
};

// The separator the reference generation script writes after every prediction.
extern const char* const kPredictionSeparator;  // "\n" + 33 dashes + "\n"

// One JSON object per line with string fields "prediction" and "reference" and an optional
// "category" (default `default_category`). Blank lines are skipped; anything else that is not
// such an object is a dep::Error naming file:line.
std::vector<EvalSample> read_eval_jsonl(const std::string& path, const std::string& default_category);

// Splits on kPredictionSeparator, drops the trailing empty piece, strips each (Python strip).
std::vector<std::string> split_predictions(const std::string& text);

// predictions_{category}.txt with its references: a JSONL file whose lines carry "reference" or
// "out_str" (the dataset's column), or a text file in the predictions format. Counts must agree.
std::vector<EvalSample> read_prediction_text(const std::string& predictions_path,
                                             const std::string& references_path,
                                             const std::string& category);

// "predictions_Books.txt" -> "Books"; otherwise the file stem.
std::string category_from_path(const std::string& path);

struct MetricSelection {
  bool rouge = true;
  bool meteor = true;
  bool bleu = true;
  bool bertscore = false;
  // "rouge,meteor,bleu,bertscore" (any subset); unknown names are a dep::Error.
  static MetricSelection parse(const std::string& list);
};

struct SampleScores {
  double rouge1 = 0, rouge1_stem = 0, rougeL = 0;
  double meteor = 0;
  double bleu = 0;  // sentence BLEU, 0-100
  std::optional<double> bertscore_f1;
};

struct EvalOptions {
  MetricSelection metrics;
  std::string wordnet_dir;   // empty: WordNet::default_dir()
  std::string punkt_path;    // empty: PunktParameters::default_english_path()
  uint32_t bootstrap_seed = 0;
  int bootstrap_resamples = 1000;
  // BERTScore F1 of each (candidate, reference) pair of one category, batched as bert_score does;
  // supplied by the caller (the LED scorer needs LibTorch, which dep_metrics does not link).
  std::function<std::vector<double>(const std::vector<std::string>&, const std::vector<std::string>&)> bertscore;
};

struct CategorySummary {
  std::string category;
  size_t count = 0;
  double rouge1 = 0, rouge1_stem = 0, rougeL = 0;                  // means of F
  double rouge1_bootstrap = 0, rougeL_bootstrap = 0;               // evaluate's aggregate (seeded)
  double meteor = 0;
  double corpus_bleu = 0;
  double mean_sentence_bleu = 0;
  std::optional<double> bertscore_f1;
};

class Evaluator {
 public:
  explicit Evaluator(EvalOptions options);
  ~Evaluator();
  SampleScores score(const EvalSample& sample) const;
  // Fills bertscore_f1 per category (bert_score batches within each category, in input order).
  void add_bertscore(const std::vector<EvalSample>& samples, std::vector<SampleScores>& scores) const;
  // Categories in order of first appearance; corpus BLEU over each category's samples.
  std::vector<CategorySummary> summarize(const std::vector<EvalSample>& samples,
                                         const std::vector<SampleScores>& scores) const;
  const EvalOptions& options() const { return options_; }

 private:
  struct Impl;
  EvalOptions options_;
  std::unique_ptr<Impl> impl_;
};

// The paper-style table: one row per category (R-1, R-L, METEOR, BLEU, BERTScore as selected).
std::string markdown_table(const std::vector<CategorySummary>& summaries, const MetricSelection& metrics);
nlohmann::ordered_json summary_json(const std::vector<CategorySummary>& summaries, const EvalOptions& options);
nlohmann::json sample_json(const SampleScores& scores, const MetricSelection& metrics);

}  // namespace dep
