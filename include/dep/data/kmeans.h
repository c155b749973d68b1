// K-means for DPL's representative peers (docs/methods-dpl.md): scikit-learn's KMeans with
// k-means++ seeding (2 + ⌊ln k⌋ local trials, squared distances, cumulative-potential
// searchsorted), one init, Lloyd iterations with sklearn's tolerance (tol × mean per-feature
// variance), its empty-cluster relocation and its final E-step, all in fp64.
//
// KMeansSeeding::kSklearn draws exactly as sklearn does from numpy's RandomState(seed), so on the
// same points it picks the same centres and labels (up to floating-point ties: sklearn's
// distances go through BLAS); kPlain is an ordinary seeded k-means++ (std::mt19937_64) with the
// same algorithm otherwise.
#pragma once

#include <cstdint>
#include <vector>

namespace dep {

enum class KMeansSeeding { kSklearn, kPlain };

struct KMeansOptions {
  int64_t clusters = 5;
  uint64_t seed = 42;
  KMeansSeeding seeding = KMeansSeeding::kSklearn;
  int64_t max_iter = 300;
  double tol = 1e-4;
  int64_t local_trials = 0;  // 0: 2 + floor(ln clusters), sklearn's default
};

struct KMeansResult {
  std::vector<int64_t> init_indices;  // k-means++ picks (rows of the input), in pick order
  std::vector<int32_t> labels;        // [n]
  std::vector<double> centers;        // [clusters, dim] row-major, in the input's frame
  double inertia = 0.0;
  int64_t iterations = 0;
};

// Clusters `n` points of `dim` values (row-major). n < clusters is a dep::Error (as sklearn).
KMeansResult kmeans(const double* points, int64_t n, int64_t dim, const KMeansOptions& options);
KMeansResult kmeans(const float* points, int64_t n, int64_t dim, const KMeansOptions& options);

}  // namespace dep
