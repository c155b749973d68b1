// ROUGE-1 and ROUGE-L as Google's rouge_score computes them (default tokenizer, optional
// Porter stemmer, F-measure), and the BootstrapAggregator median the `evaluate` wrapper reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

// rouge_score's tokenizer: lowercase, every character outside [a-z0-9] becomes a space, split;
// with `stem`, tokens longer than 3 characters go through nltk's Porter stemmer.
std::vector<std::string> rouge_tokenize(std::string_view text, bool stem);

struct RougeScore {
  double precision = 0;
  double recall = 0;
  double fmeasure = 0;
};

// Clipped unigram overlap of prediction against target (rouge_score's score(target, prediction)).
RougeScore rouge_n_score(const std::vector<std::string>& target,
                         const std::vector<std::string>& prediction, int n = 1);
// Longest-common-subsequence P/R/F; 0 when either side is empty.
RougeScore rouge_l_score(const std::vector<std::string>& target,
                         const std::vector<std::string>& prediction);

// rouge_score's BootstrapAggregator "mid" value: the median (numpy percentile 50, linear
// interpolation) of `resamples` means of size-n resamples with replacement. The draws follow
// numpy's legacy global RNG (MT19937 seeded with np.random.seed(seed), randint by masked
// rejection), so with the same seed the result equals rouge_score's. It is random by nature:
// the paper's `evaluate` call did not seed, so its value varies around the plain mean.
double bootstrap_median(const std::vector<double>& values, uint32_t seed, int resamples = 1000);

}  // namespace dep
