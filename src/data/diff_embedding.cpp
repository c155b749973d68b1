// Difference-aware embeddings (see diff_embedding.h).
#include "dep/diff_embedding.h"

#include <algorithm>
#include <cmath>

namespace dep {

std::vector<double> peer_weights(const float* user_mean, const std::vector<const float*>& peer_means, int64_t dim,
                                 PeerWeighting weighting) {
  const size_t m = peer_means.size();
  std::vector<double> w(m, m ? 1.0 / static_cast<double>(m) : 0.0);
  if (weighting == PeerWeighting::kMean || m == 0) return w;
  std::vector<double> a(m);
  double sum = 0.0;
  for (size_t r = 0; r < m; ++r) {
    double s = 0.0;
    for (int64_t d = 0; d < dim; ++d) {
      const double diff = static_cast<double>(user_mean[d]) - static_cast<double>(peer_means[r][d]);
      s += diff * diff;
    }
    a[r] = std::sqrt(s);
    sum += a[r];
  }
  if (sum == 0.0) return w;
  // softmax of the normalised distances (each in [0, 1], so the weights stay close to uniform)
  double max_v = 0.0;
  for (size_t r = 0; r < m; ++r) max_v = std::max(max_v, a[r] / sum);
  double z = 0.0;
  for (size_t r = 0; r < m; ++r) {
    w[r] = std::exp(a[r] / sum - max_v);
    z += w[r];
  }
  for (auto& v : w) v /= z;
  return w;
}

void difference_vector(const float* own, const std::vector<const float*>& peers, const std::vector<double>& weights,
                       int64_t dim, float* out) {
  double wsum = 0.0;
  for (double v : weights) wsum += v;
  for (int64_t d = 0; d < dim; ++d) {
    // Σ w_r (own − peer_r) = (Σ w_r) own − Σ w_r peer_r
    double acc = wsum * static_cast<double>(own[d]);
    for (size_t r = 0; r < peers.size(); ++r) acc -= weights[r] * static_cast<double>(peers[r][d]);
    out[d] = static_cast<float>(acc);
  }
}

std::vector<float> mean_rows(const float* rows, int64_t count, int64_t dim) {
  std::vector<double> acc(static_cast<size_t>(dim), 0.0);
  for (int64_t r = 0; r < count; ++r)
    for (int64_t d = 0; d < dim; ++d) acc[static_cast<size_t>(d)] += rows[r * dim + d];
  std::vector<float> mean(static_cast<size_t>(dim), 0.0f);
  if (count > 0)
    for (int64_t d = 0; d < dim; ++d) mean[static_cast<size_t>(d)] = static_cast<float>(acc[static_cast<size_t>(d)] / count);
  return mean;
}

}  // namespace dep
