// K-means as scikit-learn's KMeans(init="k-means++", n_init=1, algorithm="lloyd") computes it in
// fp64 (sklearn/cluster/_kmeans.py, _k_means_lloyd.pyx, _k_means_common.pyx), single-threaded.
#include "dep/data/kmeans.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>

#include "dep/core/error.h"
#include "dep/data/numpy_random_state.h"

namespace dep {

namespace {

// numpy's pairwise summation of a contiguous array (np.add.reduce on the inner axis).
double pairwise_sum(const double* a, int64_t n) {
  if (n < 8) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    double r[8];
    for (int k = 0; k < 8; ++k) r[k] = a[k];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int k = 0; k < 8; ++k) r[k] += a[i + k];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  int64_t half = n / 2;
  half -= half % 8;
  return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

// sklearn's _euclidean_dense_dense: four-way unrolled squared distance.
double squared_distance(const double* a, const double* b, int64_t dim) {
  double result = 0.0;
  const int64_t blocks = dim / 4;
  for (int64_t i = 0; i < blocks; ++i, a += 4, b += 4)
    result += ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]) +
               (a[3] - b[3]) * (a[3] - b[3]));
  for (int64_t i = 0; i < dim % 4; ++i) result += (a[i] - b[i]) * (a[i] - b[i]);
  return result;
}

double dot(const double* a, const double* b, int64_t dim) {
  double s = 0.0;
  for (int64_t d = 0; d < dim; ++d) s += a[d] * b[d];
  return s;
}

// The uniform draws of the seeding: numpy's RandomState, or a plain seeded generator.
class SeedingDraws {
 public:
  SeedingDraws(const KMeansOptions& o)
      : sklearn_(o.seeding == KMeansSeeding::kSklearn), numpy_(static_cast<uint32_t>(o.seed)), plain_(o.seed) {}
  double uniform() { return sklearn_ ? numpy_.random_sample() : std::uniform_real_distribution<double>()(plain_); }

 private:
  bool sklearn_;
  NumpyRandomState numpy_;
  std::mt19937_64 plain_;
};

struct Problem {
  const double* x;  // centred points [n, dim]
  int64_t n, dim;
  std::vector<double> norms;  // squared row norms
};

// _euclidean_distances(X[c:c+1], X, Y_norm_squared=norms, squared=True): -2 x·y + |x|² + |y|², ≥ 0.
std::vector<double> distances_to(const Problem& p, int64_t c) {
  const double* row = p.x + c * p.dim;
  const double own = dot(row, row, p.dim);
  std::vector<double> out(static_cast<size_t>(p.n));
  for (int64_t i = 0; i < p.n; ++i) {
    double d = -2.0 * dot(row, p.x + i * p.dim, p.dim);
    d += own;
    d += p.norms[i];
    out[i] = std::max(d, 0.0);
  }
  return out;
}

// sklearn's _kmeans_plusplus with unit sample weights.
std::vector<int64_t> kmeans_plusplus(const Problem& p, int64_t clusters, int64_t trials, SeedingDraws& draws) {
  std::vector<int64_t> picks;
  // random_state.choice(n, p=w/Σw): searchsorted(cumsum(p)/cdf[-1], u, side="right").
  std::vector<double> cdf(static_cast<size_t>(p.n));
  double acc = 0.0;
  for (int64_t i = 0; i < p.n; ++i) cdf[i] = acc += 1.0 / static_cast<double>(p.n);
  const double last = cdf.back();
  for (auto& v : cdf) v /= last;
  const double u = draws.uniform();
  picks.push_back(std::min<int64_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin(), p.n - 1));

  std::vector<double> closest = distances_to(p, picks[0]);
  double potential = std::accumulate(closest.begin(), closest.end(), 0.0);
  std::vector<double> cumulative(static_cast<size_t>(p.n));
  for (int64_t c = 1; c < clusters; ++c) {
    std::partial_sum(closest.begin(), closest.end(), cumulative.begin());
    std::vector<int64_t> candidates;
    for (int64_t t = 0; t < trials; ++t) {
      const double v = draws.uniform() * potential;
      const auto id = std::lower_bound(cumulative.begin(), cumulative.end(), v) - cumulative.begin();
      candidates.push_back(std::min<int64_t>(id, p.n - 1));
    }
    int64_t best = -1;
    double best_potential = 0.0;
    std::vector<double> best_closest;
    for (const int64_t candidate : candidates) {
      auto d = distances_to(p, candidate);
      for (int64_t i = 0; i < p.n; ++i) d[i] = std::min(closest[i], d[i]);
      const double pot = std::accumulate(d.begin(), d.end(), 0.0);
      if (best < 0 || pot < best_potential) {  // argmin: the first minimum
        best = candidate;
        best_potential = pot;
        best_closest = std::move(d);
      }
    }
    picks.push_back(best);
    potential = best_potential;
    closest = std::move(best_closest);
  }
  return picks;
}

// One E-step (labels by the gemm form of the distance, first minimum) and, when `update`, the
// M-step with empty-cluster relocation and centre averaging (lloyd_iter_chunked_dense).
void lloyd_step(const Problem& p, int64_t k, const std::vector<double>& old_centers, std::vector<double>& new_centers,
                std::vector<int32_t>& labels, std::vector<double>& shift, bool update) {
  const int64_t dim = p.dim;
  std::vector<double> center_norms(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) center_norms[j] = dot(&old_centers[j * dim], &old_centers[j * dim], dim);
  std::vector<double> weight(static_cast<size_t>(k), 0.0);
  if (update) std::fill(new_centers.begin(), new_centers.end(), 0.0);
  for (int64_t i = 0; i < p.n; ++i) {
    const double* row = p.x + i * dim;
    int32_t label = 0;
    double best = center_norms[0] + -2.0 * dot(row, &old_centers[0], dim);
    for (int64_t j = 1; j < k; ++j) {
      const double d = center_norms[j] + -2.0 * dot(row, &old_centers[j * dim], dim);
      if (d < best) {
        best = d;
        label = static_cast<int32_t>(j);
      }
    }
    labels[i] = label;
    if (update) {
      weight[label] += 1.0;
      for (int64_t d = 0; d < dim; ++d) new_centers[label * dim + d] += row[d];
    }
  }
  if (!update) return;

  // _relocate_empty_clusters_dense: each empty cluster takes the point farthest from its centre.
  std::vector<int64_t> empty;
  for (int64_t j = 0; j < k; ++j)
    if (weight[j] == 0.0) empty.push_back(j);
  if (!empty.empty()) {
    std::vector<double> far(static_cast<size_t>(p.n)), diff(static_cast<size_t>(dim));
    for (int64_t i = 0; i < p.n; ++i) {
      for (int64_t d = 0; d < dim; ++d) {
        const double v = p.x[i * dim + d] - old_centers[labels[i] * dim + d];
        diff[d] = v * v;
      }
      far[i] = pairwise_sum(diff.data(), dim);
    }
    if (*std::max_element(far.begin(), far.end()) > 0.0) {
      // np.argpartition(distances, -n_empty)[:-n_empty-1:-1]: the largest first (exact for one
      // empty cluster; with several, numpy's selection order among the largest is not specified).
      std::vector<int64_t> order(static_cast<size_t>(p.n));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return far[a] > far[b]; });
      for (size_t e = 0; e < empty.size(); ++e) {
        const int64_t point = order[e], to = empty[e], from = labels[point];
        for (int64_t d = 0; d < dim; ++d) {
          new_centers[from * dim + d] -= p.x[point * dim + d];
          new_centers[to * dim + d] = p.x[point * dim + d];
        }
        weight[to] = 1.0;
        weight[from] -= 1.0;
      }
    }
  }
  // _average_centers: multiply by 1/weight; a still-empty cluster copies the heaviest one.
  const int64_t heaviest = std::max_element(weight.begin(), weight.end()) - weight.begin();
  for (int64_t j = 0; j < k; ++j) {
    if (weight[j] > 0) {
      const double alpha = 1.0 / weight[j];
      for (int64_t d = 0; d < dim; ++d) new_centers[j * dim + d] *= alpha;
    } else {
      for (int64_t d = 0; d < dim; ++d) new_centers[j * dim + d] = new_centers[heaviest * dim + d];
    }
  }
  for (int64_t j = 0; j < k; ++j)
    shift[j] = std::sqrt(squared_distance(&new_centers[j * dim], &old_centers[j * dim], dim));
}

}  // namespace

KMeansResult kmeans(const double* points, int64_t n, int64_t dim, const KMeansOptions& options) {
  const int64_t k = options.clusters;
  if (k < 1) fail("kmeans", "clusters must be at least 1");
  if (n < k) fail("kmeans", "n_samples=" + std::to_string(n) + " should be >= n_clusters=" + std::to_string(k));
  if (dim < 1) fail("kmeans", "points have no dimensions");

  // Tolerance: tol × mean of the per-feature variances (np.var(X, axis=0)), before centring.
  std::vector<double> mean(static_cast<size_t>(dim), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t d = 0; d < dim; ++d) mean[d] += points[i * dim + d];
  for (auto& m : mean) m /= static_cast<double>(n);
  std::vector<double> variance(static_cast<size_t>(dim), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t d = 0; d < dim; ++d) {
      const double v = points[i * dim + d] - mean[d];
      variance[d] += v * v;
    }
  for (auto& v : variance) v /= static_cast<double>(n);
  const double tol = options.tol == 0.0 ? 0.0 : pairwise_sum(variance.data(), dim) / dim * options.tol;

  // sklearn centres the data (X -= X.mean(axis=0)) for accurate distances; centres move back at the end.
  std::vector<double> x(points, points + n * dim);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t d = 0; d < dim; ++d) x[i * dim + d] -= mean[d];
  Problem p{x.data(), n, dim, std::vector<double>(static_cast<size_t>(n))};
  for (int64_t i = 0; i < n; ++i) p.norms[i] = dot(&x[i * dim], &x[i * dim], dim);

  const int64_t trials =
      options.local_trials > 0 ? options.local_trials : 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  SeedingDraws draws(options);
  KMeansResult result;
  result.init_indices = kmeans_plusplus(p, k, trials, draws);

  std::vector<double> centers(static_cast<size_t>(k * dim)), next(centers.size()), shift(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j)
    std::copy(&x[result.init_indices[j] * dim], &x[result.init_indices[j] * dim] + dim, &centers[j * dim]);
  std::vector<int32_t> labels(static_cast<size_t>(n), -1), old_labels = labels;
  bool strict = false;
  int64_t iteration = 0;
  for (; iteration < options.max_iter; ++iteration) {
    lloyd_step(p, k, centers, next, labels, shift, true);
    std::swap(centers, next);
    if (labels == old_labels) {
      strict = true;
      break;
    }
    double total = 0.0;
    for (const double s : shift) total += s * s;
    if (total <= tol) break;
    old_labels = labels;
  }
  if (!strict) lloyd_step(p, k, centers, centers, labels, shift, false);  // labels of the final centres

  result.inertia = 0.0;
  for (int64_t i = 0; i < n; ++i) result.inertia += squared_distance(&x[i * dim], &centers[labels[i] * dim], dim);
  result.iterations = std::min(iteration + 1, options.max_iter);
  for (int64_t j = 0; j < k; ++j)
    for (int64_t d = 0; d < dim; ++d) centers[j * dim + d] += mean[d];
  result.centers = std::move(centers);
  result.labels = std::move(labels);
  return result;
}

KMeansResult kmeans(const float* points, int64_t n, int64_t dim, const KMeansOptions& options) {
  const std::vector<double> wide(points, points + n * dim);
  return kmeans(wide.data(), n, dim, options);
}

}  // namespace dep
