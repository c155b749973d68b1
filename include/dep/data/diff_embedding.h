// The difference-aware embedding of one history item (paper eq. 4, docs/reference-behaviour.md §3.2): the weighted sum
// of (own review − peer review) over every peer, with the reference weights (softmax of the
// sum-normalised distances between the users' mean embeddings) or the plain mean.
#pragma once

#include <cstdint>
#include <vector>

namespace dep {

enum class PeerWeighting { kReference, kMean };

// Weights of m peers. Reference: a_r = ‖μ_u − μ_r‖₂, ã = a / Σa, w = softmax(ã); if every
// distance is 0 (Σa = 0, where the reference would divide by zero) the weights are uniform.
// `peer_means[r]` points at μ_r (dim floats).
std::vector<double> peer_weights(const float* user_mean, const std::vector<const float*>& peer_means,
                                 int64_t dim, PeerWeighting weighting);

// The same weights from precomputed distances a_r = ‖μ_u − μ_r‖₂ (the builder caches them per peer).
std::vector<double> weights_from_distances(const std::vector<double>& distances, PeerWeighting weighting);

// ‖a − b‖₂ over dim floats, accumulated in double.
double l2_distance(const float* a, const float* b, int64_t dim);

// out = Σ_r w_r (own − peer_r), dim floats, accumulated in double.
void difference_vector(const float* own, const std::vector<const float*>& peers, const std::vector<double>& weights,
                       int64_t dim, float* out);

// Mean of rows [0, count) of a row-major [*, dim] block.
std::vector<float> mean_rows(const float* rows, int64_t count, int64_t dim);

}  // namespace dep
