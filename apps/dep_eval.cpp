// dep-eval: scores predictions against references per category with ROUGE-1/L, METEOR and
// BLEU exactly as the paper's Python stack, printing the Markdown table (stdout) and writing
// summaries; progress and logs go to stderr.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/output_path.h"
#include "dep/metrics/bert_scorer.h"
#include "dep/core/atomic_file.h"
#include "dep/metrics/bleu.h"
#include "dep/core/error.h"
#include "dep/metrics/eval_report.h"
#include "dep/core/progress.h"
#include "dep/torch/device.h"

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-eval",
                 "ROUGE-1/L, METEOR, BLEU and BERTScore per category, matching rouge_score, nltk 3.8, sacreBLEU and "
                 "bert_score",
                 dep::torch_runtime);
    auto& app = cli.app();
    std::vector<std::string> inputs;
    std::vector<std::string> references;
    std::string category, metrics = "rouge,meteor,bleu", summary_path, per_sample_path;
    dep::EvalOptions options;
    app.add_option("INPUT", inputs,
                   "JSONL with prediction/reference[/category] (e.g. dep-generate output), or the "
                   "reference code's predictions_{category}.txt (then pass --references)")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--references", references,
                   "references for each .txt input, in order: JSONL with reference/out_str per line, "
                   "or text in the predictions format")
        ->check(CLI::ExistingFile);
    app.add_option("--category", category,
                   "category for inputs without one (default: from predictions_{category}.txt, else the file name)");
    app.add_option("--metrics", metrics, "comma list of rouge,meteor,bleu,bertscore")->capture_default_str();
    app.add_option("--summary", summary_path, "write the per-category summary JSON here");
    app.add_option("--per-sample", per_sample_path, "write one JSONL line of scores per input sample, in order");
    app.add_option("--wordnet", options.wordnet_dir, "WordNet 3.0 dict directory (default /usr/share/wordnet)");
    app.add_option("--punkt", options.punkt_path, "Punkt English parameters JSON (default data/punkt-english.json)");
    app.add_option("--bootstrap-seed", options.bootstrap_seed,
                   "seed of the ROUGE bootstrap median (random by nature; the paper's run was unseeded)")
        ->capture_default_str();
    std::string bertscore_model;
    int64_t bertscore_layers = -1;
    app.add_option("--bertscore-model", bertscore_model,
                   "LED model directory for --metrics bertscore (config.json, model.safetensors, vocab.json, "
                   "merges.txt; the paper: allenai/led-base-16384)");
    app.add_option("--bertscore-layers", bertscore_layers,
                   "encoder layers to use (-1 = all; the paper: 6 of led-base's 6)")
        ->capture_default_str();
    cli.parse(argc, argv);
    // Outputs are checked before any work: writable, not special files, not one of the inputs,
    // not each other.
    std::vector<std::string> read_paths = inputs;
    read_paths.insert(read_paths.end(), references.begin(), references.end());
    if (!summary_path.empty()) {
      dep::check_output_file(summary_path, "--summary");
      dep::check_not_an_input(summary_path, read_paths, "--summary");
    }
    if (!per_sample_path.empty()) {
      dep::check_output_file(per_sample_path, "--per-sample");
      dep::check_not_an_input(per_sample_path, read_paths, "--per-sample");
      if (!summary_path.empty()) dep::check_not_an_input(per_sample_path, {summary_path}, "--per-sample");
      if (per_sample_path == "-" && summary_path == "-") dep::fail("--per-sample", "only one output can be '-' (stdout)");
    }
    options.metrics = dep::MetricSelection::parse(metrics);
    std::unique_ptr<dep::BertScorer> bert;
    if (options.metrics.bertscore) {
      if (bertscore_model.empty()) dep::fail("--metrics", "bertscore needs --bertscore-model DIR");
      bert = std::make_unique<dep::BertScorer>(dep::BertScorer::load(bertscore_model, bertscore_layers));
      options.bertscore = [&bert](const std::vector<std::string>& cands, const std::vector<std::string>& refs) {
        std::vector<double> f1;
        for (const auto& s : bert->score(cands, refs)) f1.push_back(s.f1);
        return f1;
      };
    }

    std::vector<dep::EvalSample> samples;
    size_t next_reference = 0;
    for (const auto& input : inputs) {
      const std::string cat = category.empty() ? dep::category_from_path(input) : category;
      if (input.size() >= 4 && input.compare(input.size() - 4, 4, ".txt") == 0) {
        if (next_reference >= references.size()) dep::fail(input, "a .txt predictions file needs --references");
        auto part = dep::read_prediction_text(input, references[next_reference++], cat);
        samples.insert(samples.end(), part.begin(), part.end());
      } else {
        auto part = dep::read_eval_jsonl(input, category.empty() ? "all" : category);
        samples.insert(samples.end(), part.begin(), part.end());
      }
    }
    if (next_reference != references.size()) dep::fail("--references", "more reference files than .txt inputs");
    if (samples.empty()) dep::fail(inputs.front(), "no samples to evaluate");

    dep::Evaluator evaluator(options);
    std::vector<dep::SampleScores> scores;
    scores.reserve(samples.size());
    dep::Progress progress("eval", static_cast<int64_t>(samples.size()), "pairs");
    for (const auto& s : samples) {
      scores.push_back(evaluator.score(s));
      progress.advance();
    }
    progress.finish();
    evaluator.add_bertscore(samples, scores);
    const auto summaries = evaluator.summarize(samples, scores);
    std::fputs(dep::markdown_table(summaries, options.metrics).c_str(), stdout);
    if (options.metrics.bleu) std::printf("\nBLEU signature: %s\n", dep::bleu_signature().c_str());
    // Both outputs are written in full before either replaces its target, so a failure (a full
    // disk) leaves neither half-done.
    std::fflush(stdout);  // the table first when an output is "-" (stdout)
    std::unique_ptr<dep::AtomicFileWriter> summary_file, per_sample_file;
    if (!summary_path.empty()) {
      summary_file = std::make_unique<dep::AtomicFileWriter>(summary_path);
      summary_file->write(dep::summary_json(summaries, options).dump(2) + "\n");
    }
    if (!per_sample_path.empty()) {
      per_sample_file = std::make_unique<dep::AtomicFileWriter>(per_sample_path);
      std::string lines;
      for (const auto& s : scores) lines += dep::sample_json(s, options.metrics).dump() + "\n";
      per_sample_file->write(lines);
    }
    if (summary_file) summary_file->commit();
    if (per_sample_file) per_sample_file->commit();
    return 0;
  });
}
