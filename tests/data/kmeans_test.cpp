// numpy's RandomState draws and k-means against scikit-learn: the Python helper (run with the venv)
// makes random point sets of several shapes, fits KMeans(n_clusters, random_state=42) as DPL does
// (n_init "auto" = one k-means++ init in scikit-learn >= 1.4) and records the k-means++ picks; dep's
// kmeans must give the same picks and labels on (nearly) all of them.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "dep/core/error.h"
#include "dep/data/kmeans.h"
#include "dep/data/numpy_random_state.h"
#include "test_paths.h"

namespace {

std::string venv_python() {
  const char* venv = std::getenv("DEP_VENV");
  const std::string python =
      (venv && *venv ? std::string(venv) : std::string(DEP_SOURCE_DIR) + "/.venv") + "/bin/python3";
  return std::filesystem::exists(python) ? python : std::string();
}

const char kSklearn[] = R"PY(
import json, sys, warnings
warnings.filterwarnings("ignore")  # ConvergenceWarning on the duplicate-point sets
import numpy as np
import sklearn
from sklearn.cluster import KMeans
import sklearn.cluster._kmeans as km

picks = []
original = km._kmeans_plusplus
def recording(*args, **kwargs):
    centers, indices = original(*args, **kwargs)
    picks.append([int(i) for i in indices])
    return centers, indices
km._kmeans_plusplus = recording

rng = np.random.default_rng(20261207)
sets = []
kinds = ["blobs", "uniform", "duplicates", "unit1024", "few16"]
for s in range(int(sys.argv[2])):
    kind = kinds[s % len(kinds)]
    k = 5 if s % 5 else int(rng.choice([2, 3, 8]))
    if kind == "few16":  # DPL's most common case: an item with 4 or 5 other reviewers
        n, dim = int(rng.integers(k, k + 3)), 16
        x = rng.normal(size=(n, dim))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    elif kind == "unit1024":  # DPL's case: a handful of unit review embeddings
        n, dim = int(rng.integers(k, 40)), 1024
        base = rng.normal(size=(3, dim))
        x = base[rng.integers(0, 3, n)] + rng.normal(scale=1.5, size=(n, dim))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    else:
        n, dim = int(rng.integers(k, 200)), int(rng.choice([2, 3, 8, 32, 128]))
        if kind == "blobs":
            centres = rng.normal(scale=5.0, size=(int(rng.integers(2, 8)), dim))
            x = centres[rng.integers(0, len(centres), n)] + rng.normal(size=(n, dim))
        elif kind == "uniform":
            x = rng.uniform(-1, 1, size=(n, dim))
        else:  # few distinct points: empty clusters and zero distances
            distinct = rng.normal(size=(int(rng.integers(k, k + 3)), dim))
            x = distinct[rng.integers(0, len(distinct), n)]
    entry = {"kind": kind, "k": k, "n": n, "dim": dim, "points": x.ravel().tolist()}
    for dtype, name in ((np.float64, "f64"), (np.float32, "f32")):
        picks.clear()
        fit = KMeans(n_clusters=k, random_state=42).fit(x.astype(dtype))
        entry[name] = {"labels": fit.labels_.tolist(), "picks": picks[0], "inertia": float(fit.inertia_),
                       "centers": fit.cluster_centers_.astype(np.float64).ravel().tolist()}
    entry["points32"] = x.astype(np.float32).astype(np.float64).ravel().tolist()
    sets.append(entry)
json.dump({"sklearn": sklearn.__version__, "sets": sets}, open(sys.argv[1], "w"))
)PY";

}  // namespace

TEST_CASE("NumpyRandomState draws what np.random.RandomState(seed).random_sample() draws", "[data][kmeans]") {
  // np.random.RandomState(42).random_sample(3) and RandomState(0).random_sample(2), printed by numpy 2.4.
  dep::NumpyRandomState r42(42);
  CHECK(r42.random_sample() == 0.3745401188473625);
  CHECK(r42.random_sample() == 0.9507143064099162);
  CHECK(r42.random_sample() == 0.7319939418114051);
  dep::NumpyRandomState r0(0);
  CHECK(r0.random_sample() == 0.5488135039273248);
  CHECK(r0.random_sample() == 0.7151893663724195);
}

TEST_CASE("k-means: well-separated blobs come out as the blobs, both seedings", "[data][kmeans]") {
  std::vector<double> points;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 6; ++i) {
      points.push_back(100.0 * c + 0.1 * i);
      points.push_back(-50.0 * c + 0.05 * (i % 3));
    }
  for (const auto seeding : {dep::KMeansSeeding::kSklearn, dep::KMeansSeeding::kPlain}) {
    dep::KMeansOptions options;
    options.clusters = 3;
    options.seeding = seeding;
    const auto r = dep::kmeans(points.data(), 18, 2, options);
    REQUIRE(r.labels.size() == 18);
    for (int c = 0; c < 3; ++c)
      for (int i = 1; i < 6; ++i) CHECK(r.labels[c * 6 + i] == r.labels[c * 6]);
    CHECK(r.labels[0] != r.labels[6]);
    CHECK(r.labels[6] != r.labels[12]);
    CHECK(r.labels[0] != r.labels[12]);
    CHECK(r.centers[r.labels[6] * 2] == Approx(100.25));
  }
  dep::KMeansOptions five;
  CHECK_THROWS_WITH(dep::kmeans(points.data(), 4, 2, five), "kmeans: n_samples=4 should be >= n_clusters=5");
}

TEST_CASE("k-means agrees with scikit-learn's KMeans(random_state=42) on random point sets", "[data][kmeans][sklearn]") {
  const std::string python = venv_python();
  if (python.empty()) {
    WARN("WARN: no Python venv (DEP_VENV): k-means was not compared with scikit-learn");
    return;
  }
  const auto dir = dep::test::scratch_dir("kmeans-sklearn");
  std::ofstream(dir + "/fit.py") << kSklearn;
  const int sets_wanted = 400;
  const std::string command = "OMP_NUM_THREADS=1 " + python + " " + dir + "/fit.py " + dir + "/sklearn.json " +
                              std::to_string(sets_wanted) + " 2>&1";
  const int status = std::system(command.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    WARN("WARN: scikit-learn missing from the venv (scripts/requirements.txt): k-means not compared");
    return;
  }
  std::ifstream in(dir + "/sklearn.json");
  const auto ref = nlohmann::json::parse(in);
  const auto& sets = ref["sets"];
  REQUIRE(sets.size() == sets_wanted);

  // Picks are compared as indices and as points: on duplicate points sklearn's BLAS rounding
  // (a point's distance to its own duplicate is ~1e-16, not 0) can move a pick to another copy.
  auto same_points = [](const std::vector<double>& points, int64_t dim, const std::vector<int64_t>& a,
                        const std::vector<int64_t>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!std::equal(&points[a[i] * dim], &points[a[i] * dim] + dim, &points[b[i] * dim])) return false;
    return true;
  };
  size_t picks64 = 0, points64 = 0, labels64 = 0, labels32 = 0, points32 = 0;
  double worst_center = 0.0;
  for (const auto& s : sets) {
    dep::KMeansOptions options;
    options.clusters = s["k"].get<int64_t>();
    const int64_t n = s["n"], dim = s["dim"];
    const auto points = s["points"].get<std::vector<double>>();
    const auto r = dep::kmeans(points.data(), n, dim, options);
    const auto want_picks = s["f64"]["picks"].get<std::vector<int64_t>>();
    const bool same_picks = r.init_indices == want_picks;
    points64 += same_points(points, dim, r.init_indices, want_picks);
    const auto want = s["f64"]["labels"].get<std::vector<int32_t>>();
    picks64 += same_picks;
    if (!same_picks)
      UNSCOPED_INFO("fp64 picks differ: " << s["kind"] << " n " << n << " dim " << dim << " k " << options.clusters
                                          << " dep " << nlohmann::json(r.init_indices).dump() << " sklearn "
                                          << s["f64"]["picks"].dump());
    labels64 += r.labels == want;
    if (r.labels == want) {
      const auto centers = s["f64"]["centers"].get<std::vector<double>>();
      for (size_t i = 0; i < centers.size(); ++i)
        worst_center = std::max(worst_center, std::abs(centers[i] - r.centers[i]));
    } else {
      UNSCOPED_INFO("fp64 labels differ: " << s["kind"] << " n " << n << " dim " << dim << " k " << options.clusters
                                           << (same_picks ? " (same picks)" : " (picks differ)"));
    }
    // DPL's embeddings are float32, which scikit-learn clusters in float32; dep clusters their
    // exact values in fp64.
    const auto p32 = s["points32"].get<std::vector<double>>();
    const auto r32 = dep::kmeans(p32.data(), n, dim, options);
    points32 += same_points(p32, dim, r32.init_indices, s["f32"]["picks"].get<std::vector<int64_t>>());
    labels32 += r32.labels == s["f32"]["labels"].get<std::vector<int32_t>>();
  }
  const double total = static_cast<double>(sets.size());
  WARN("k-means vs scikit-learn " << ref["sklearn"].get<std::string>() << " on " << sets.size()
                                  << " sets: fp64 picks identical " << picks64 / total * 100 << "% (as points "
                                  << points64 / total * 100 << "%), labels identical "
                                  << labels64 / total * 100 << "%, largest centre difference " << worst_center
                                  << "; float32 input: picks (as points) " << points32 / total * 100 << "%, labels "
                                  << labels32 / total * 100 << "%");
  // Exact up to floating-point ties (sklearn's sums go through BLAS in another order).
  CHECK(points64 >= sets.size() * 99 / 100);
  CHECK(labels64 >= sets.size() * 99 / 100);
  CHECK(worst_center < 1e-9);
  CHECK(labels32 >= sets.size() * 95 / 100);
}
