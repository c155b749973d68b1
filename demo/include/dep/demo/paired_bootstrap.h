// Paired bootstrap over test samples (Koehn 2004; sacreBLEU's paired_bs): every resample draws the
// same sample indices for all methods, so the interval of a difference reflects how consistently
// one method beats another on the same samples. A statistic sees a resample as per-sample weights
// (how often each sample was drawn), which lets corpus-level metrics (BLEU, token-mean losses)
// be recomputed from per-sample sufficient statistics.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace dep {

// A statistic of one method on a weighted set of samples (weights[i] = draws of sample i).
using WeightedStatistic = std::function<double(const std::vector<double>& weights)>;

struct BootstrapOptions {
  int64_t resamples = 1000;
  uint64_t seed = 1;
  double confidence = 0.95;
};

// Percentile interval of `difference(weights)` over `samples`-sized resamples with replacement.
// The draws depend only on (samples, options), so every difference computed with the same options
// sees the same resamples.
std::pair<double, double> paired_bootstrap_interval(int64_t samples, const WeightedStatistic& difference,
                                                    const BootstrapOptions& options);

// numpy.percentile's default (linear interpolation between order statistics), q in [0, 100].
double percentile(std::vector<double> values, double q);

}  // namespace dep
