// ROUGE-1/ROUGE-L per rouge_score 0.1.2 and its bootstrap aggregation (numpy legacy RNG draws).
#include "dep/metrics/rouge.h"

#include <algorithm>
#include <map>
#include <random>
#include <unordered_map>

#include "dep/metrics/porter_stemmer.h"
#include "python_text.h"

namespace dep {

std::vector<std::string> rouge_tokenize(std::string_view text, bool stem) {
  // Lowercasing can only turn a few non-ASCII letters into ASCII (e.g. KELVIN SIGN -> k,
  // U+0130 -> i + combining dot); everything else outside [a-z0-9] is a separator anyway.
  std::string lowered = metrics_detail::py_lower(text);
  std::vector<std::string> tokens;
  std::string current;
  for (char ch : lowered) {
    bool keep = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (keep) {
      current.push_back(ch);
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  if (stem) {
    for (auto& t : tokens) {
      if (t.size() > 3) t = porter_stem(t);
    }
    // rouge_score drops tokens that are no longer [a-z0-9]+ (only an empty stem could be).
    tokens.erase(std::remove_if(tokens.begin(), tokens.end(),
                                [](const std::string& t) { return t.empty(); }),
                 tokens.end());
  }
  return tokens;
}

namespace {

double fmeasure(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

std::map<std::vector<std::string>, int> ngram_counts(const std::vector<std::string>& tokens,
                                                      int n) {
  std::map<std::vector<std::string>, int> counts;
  for (size_t i = 0; i + static_cast<size_t>(n) <= tokens.size(); ++i) {
    counts[std::vector<std::string>(tokens.begin() + static_cast<long>(i),
                                    tokens.begin() + static_cast<long>(i) + n)]++;
  }
  return counts;
}

}  // namespace

RougeScore rouge_n_score(const std::vector<std::string>& target,
                         const std::vector<std::string>& prediction, int n) {
  RougeScore s;
  long overlap = 0;
  long target_total = 0;
  long prediction_total = 0;
  if (n == 1) {
    std::unordered_map<std::string_view, std::pair<int, int>> counts;
    for (const auto& t : target) counts[t].first++;
    for (const auto& t : prediction) counts[t].second++;
    for (const auto& [tok, c] : counts) overlap += std::min(c.first, c.second);
    target_total = static_cast<long>(target.size());
    prediction_total = static_cast<long>(prediction.size());
  } else {
    auto t = ngram_counts(target, n);
    auto p = ngram_counts(prediction, n);
    for (const auto& [g, c] : t) {
      target_total += c;
      auto it = p.find(g);
      if (it != p.end()) overlap += std::min(c, it->second);
    }
    for (const auto& [g, c] : p) prediction_total += c;
  }
  s.precision = static_cast<double>(overlap) / static_cast<double>(std::max(prediction_total, 1L));
  s.recall = static_cast<double>(overlap) / static_cast<double>(std::max(target_total, 1L));
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

RougeScore rouge_l_score(const std::vector<std::string>& target,
                         const std::vector<std::string>& prediction) {
  RougeScore s;
  if (target.empty() || prediction.empty()) return s;
  // One rolling row of the LCS table.
  std::vector<int> prev(prediction.size() + 1, 0), cur(prediction.size() + 1, 0);
  for (size_t i = 1; i <= target.size(); ++i) {
    for (size_t j = 1; j <= prediction.size(); ++j) {
      cur[j] = target[i - 1] == prediction[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  double lcs = prev[prediction.size()];
  s.precision = lcs / static_cast<double>(prediction.size());
  s.recall = lcs / static_cast<double>(target.size());
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

double bootstrap_median(const std::vector<double>& values, uint32_t seed, int resamples) {
  if (values.empty() || resamples <= 0) return 0.0;
  // numpy's RandomState.seed(int) is MT19937's init_genrand, identical to std::mt19937(seed).
  std::mt19937 rng(seed);
  const uint32_t n = static_cast<uint32_t>(values.size());
  const uint32_t max = n - 1;
  uint32_t mask = max;
  for (int shift = 1; shift < 32; shift <<= 1) mask |= mask >> shift;
  std::vector<double> means(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    double sum = 0;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t draw = 0;
      if (max != 0) {
        do {
          draw = static_cast<uint32_t>(rng()) & mask;
        } while (draw > max);
      }
      sum += values[draw];
    }
    means[static_cast<size_t>(r)] = sum / n;
  }
  std::sort(means.begin(), means.end());
  // np.percentile(q=50, linear): position 0.5*(k-1) between two order statistics.
  double pos = 0.5 * static_cast<double>(resamples - 1);
  size_t lo = static_cast<size_t>(pos);
  double frac = pos - static_cast<double>(lo);
  if (lo + 1 >= means.size()) return means[lo];
  double a = means[lo], b = means[lo + 1];
  // numpy's _lerp interpolates from the nearer end.
  return frac >= 0.5 ? b - (b - a) * (1 - frac) : a + (b - a) * frac;
}

}  // namespace dep
