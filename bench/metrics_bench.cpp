// Scoring throughput of dep's metrics: ROUGE-1/L (with and without stemming), METEOR and
// sentence BLEU per pair plus corpus BLEU, on one thread; scripts/bench_metrics.sh runs the
// Python reference stack on the same pairs in the same run.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "dep/core/app.h"
#include "dep/metrics/bleu.h"
#include "dep/metrics/eval_report.h"
#include "dep/metrics/meteor.h"
#include "dep/metrics/punkt.h"
#include "dep/metrics/rouge.h"
#include "dep/metrics/word_tokenizer.h"
#include "dep/metrics/wordnet.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"metrics_bench: ROUGE+METEOR+BLEU scoring throughput"};
    std::string pairs_path, wordnet_dir = dep::WordNet::default_dir();
    std::string punkt_path = dep::PunktParameters::default_english_path();
    int runs = 3;
    app.add_option("--pairs", pairs_path, "JSONL with prediction/reference")->required();
    app.add_option("--wordnet", wordnet_dir);
    app.add_option("--punkt", punkt_path);
    app.add_option("--runs", runs)->capture_default_str();
    app.parse(argc, argv);

    auto samples = dep::read_eval_jsonl(pairs_path, "all");
    auto t0 = std::chrono::steady_clock::now();
    dep::WordNet wordnet(wordnet_dir);
    dep::WordTokenizer tokenizer(dep::PunktParameters::load_json(punkt_path));
    double load_seconds = seconds_since(t0);

    std::vector<double> times;
    double checksum = 0;
    for (int r = 0; r < std::max(1, runs); ++r) {
      // A fresh scorer per run: no synonym cache carried over from the previous run.
      dep::WordNet fresh(wordnet_dir);
      dep::MeteorScorer meteor(tokenizer, fresh);
      auto start = std::chrono::steady_clock::now();
      double sum = 0;
      std::vector<std::string> hyps, refs;
      for (const auto& s : samples) {
        auto hn = dep::rouge_tokenize(s.prediction, false), rn = dep::rouge_tokenize(s.reference, false);
        sum += dep::rouge_n_score(rn, hn).fmeasure + dep::rouge_l_score(rn, hn).fmeasure;
        sum += dep::rouge_n_score(dep::rouge_tokenize(s.reference, true), dep::rouge_tokenize(s.prediction, true)).fmeasure;
        sum += meteor.score(s.reference, s.prediction).score;
        sum += dep::sentence_bleu(s.prediction, s.reference).score / 100.0;
        hyps.push_back(s.prediction);
        refs.push_back(s.reference);
      }
      sum += dep::corpus_bleu(hyps, refs).score / 100.0;
      times.push_back(seconds_since(start));
      checksum = sum;
    }
    std::sort(times.begin(), times.end());
    double median = times[times.size() / 2];
    std::printf("{\"pairs\": %zu, \"runs\": %d, \"load_seconds\": %.4f, \"seconds_median\": %.4f, "
                "\"pairs_per_s\": %.1f, \"checksum\": %.9f}\n",
                samples.size(), static_cast<int>(times.size()), load_seconds, median,
                static_cast<double>(samples.size()) / median, checksum);
    return 0;
  });
}
