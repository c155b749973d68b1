// Difference-aware embeddings (see diff_embedding.h).
#include "dep/data/diff_embedding.h"

#include <algorithm>
#include <cmath>

namespace dep {

double l2_distance(const float* a, const float* b, int64_t dim) {
  // four partial sums: independent chains the compiler can keep in flight (no -ffast-math needed)
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  int64_t d = 0;
  for (; d + 4 <= dim; d += 4)
    for (int k = 0; k < 4; ++k) {
      const double diff = static_cast<double>(a[d + k]) - static_cast<double>(b[d + k]);
      s[k] += diff * diff;
    }
  for (; d < dim; ++d) {
    const double diff = static_cast<double>(a[d]) - static_cast<double>(b[d]);
    s[0] += diff * diff;
  }
  return std::sqrt((s[0] + s[1]) + (s[2] + s[3]));
}

std::vector<double> weights_from_distances(const std::vector<double>& a, PeerWeighting weighting) {
  const size_t m = a.size();
  std::vector<double> w(m, m ? 1.0 / static_cast<double>(m) : 0.0);
  if (weighting == PeerWeighting::kMean || m == 0) return w;
  double sum = 0.0;
  for (double v : a) sum += v;
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

std::vector<double> peer_weights(const float* user_mean, const std::vector<const float*>& peer_means, int64_t dim,
                                 PeerWeighting weighting) {
  std::vector<double> a(peer_means.size());
  if (weighting == PeerWeighting::kReference)
    for (size_t r = 0; r < peer_means.size(); ++r) a[r] = l2_distance(user_mean, peer_means[r], dim);
  return weights_from_distances(a, weighting);
}

void difference_vector(const float* own, const std::vector<const float*>& peers, const std::vector<double>& weights,
                       int64_t dim, float* out) {
  // Σ w_r (own − peer_r) = (Σ w_r) own − Σ w_r peer_r, peer by peer (contiguous rows vectorise)
  double wsum = 0.0;
  for (double v : weights) wsum += v;
  std::vector<double> acc(static_cast<size_t>(dim));
  for (int64_t d = 0; d < dim; ++d) acc[static_cast<size_t>(d)] = wsum * static_cast<double>(own[d]);
  for (size_t r = 0; r < peers.size(); ++r) {
    const double w = weights[r];
    const float* p = peers[r];
    for (int64_t d = 0; d < dim; ++d) acc[static_cast<size_t>(d)] -= w * static_cast<double>(p[d]);
  }
  for (int64_t d = 0; d < dim; ++d) out[d] = static_cast<float>(acc[static_cast<size_t>(d)]);
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
