// Paired bootstrap intervals (see paired_bootstrap.h).
#include "dep/demo/paired_bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "dep/core/error.h"

namespace dep {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) fail_internal("percentile", "no values");
  std::sort(values.begin(), values.end());
  const double rank = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(rank));
  const size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (rank - static_cast<double>(below)) * (values[above] - values[below]);
}

std::pair<double, double> paired_bootstrap_interval(int64_t samples, const WeightedStatistic& difference,
                                                    const BootstrapOptions& options) {
  if (samples <= 0) fail_internal("paired_bootstrap_interval", "no samples");
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<int64_t> pick(0, samples - 1);
  std::vector<double> values;
  values.reserve(static_cast<size_t>(options.resamples));
  std::vector<double> weights(static_cast<size_t>(samples));
  for (int64_t r = 0; r < options.resamples; ++r) {
    std::fill(weights.begin(), weights.end(), 0.0);
    for (int64_t i = 0; i < samples; ++i) weights[static_cast<size_t>(pick(rng))] += 1.0;
    values.push_back(difference(weights));
  }
  const double tail = (1.0 - options.confidence) / 2.0 * 100.0;
  return {percentile(values, tail), percentile(values, 100.0 - tail)};
}

}  // namespace dep
