// dep-eval's inputs: a JSONL of {prediction, reference, category} (dep-generate's output or any
// such file) and the reference code's predictions_{category}.txt with a references file. The
// first byte picks the form; accepted samples are scored as dep-eval scores them (ROUGE, METEOR,
// BLEU), and every score must lie in its range.
#include <string>

#include "dep/metrics/eval_report.h"
#include "fuzz_support.h"

DEP_FUZZ_JSON_MUTATOR

namespace {
const dep::Evaluator& evaluator() {
  static const dep::Evaluator instance{dep::EvalOptions{}};  // loads WordNet and Punkt once
  return instance;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evaluator();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  dep::fuzz::expect_bad_input_only([&] {
    std::vector<dep::EvalSample> samples;
    if (size > 0 && data[0] == '#') {
      // "#" + predictions text + "\x01" + references JSONL.
      const size_t cut = text.find('\x01');
      const std::string predictions = text.substr(1, cut == std::string::npos ? std::string::npos : cut - 1);
      const std::string references = cut == std::string::npos ? std::string() : text.substr(cut + 1);
      const auto p = dep::fuzz::write_scratch("predictions_Books.txt", reinterpret_cast<const uint8_t*>(predictions.data()),
                                              predictions.size());
      const auto r = dep::fuzz::write_scratch("references.jsonl", reinterpret_cast<const uint8_t*>(references.data()),
                                              references.size());
      samples = dep::read_prediction_text(p, r, "Books");
    } else {
      samples = dep::read_eval_jsonl(dep::fuzz::write_scratch("generations.jsonl", data, size), "all");
    }
    for (const auto& s : samples) {
      const auto scores = evaluator().score(s);
      for (double f : {scores.rouge1, scores.rouge1_stem, scores.rougeL, scores.meteor}) {
        dep::fuzz::check(f >= 0.0 && f <= 1.0, "ROUGE and METEOR within [0, 1]");
      }
      dep::fuzz::check(scores.bleu >= 0.0 && scores.bleu <= 100.0, "BLEU within [0, 100]");
    }
  });
  return 0;
}
