// Soft-prompt injection, the one place soft vectors enter a decoder (training forward, held-out
// loss and generation prefill alike): embedding rows at placeholder token ids are replaced by given
// vectors, differentiably, so gradients reach the vectors.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace dep {

// embeds [B,T,H]; ids [B,T]; placeholder_ids (n ids); vectors [B,n,H] or [n,H] (shared by the batch).
// Returns embeds where ids == placeholder_ids[i] take vectors[..., i, :] (every occurrence), cast
// to the embeddings' dtype. Autograd flows to `vectors` (and to `embeds` at the other positions).
torch::Tensor inject_soft_prompt(const torch::Tensor& embeds, const torch::Tensor& ids,
                                 const std::vector<int64_t>& placeholder_ids, const torch::Tensor& vectors);

}  // namespace dep
