// Differentiable replacement of placeholder-token embedding rows by soft-prompt vectors.
#include "dep/decoder/soft_prompt.h"

#include <torch/torch.h>

#include "dep/core/error.h"
#include "dep/core/safetensors.h"

namespace dep {

torch::Tensor inject_soft_prompt(const torch::Tensor& embeds, const torch::Tensor& ids,
                                 const std::vector<int64_t>& placeholder_ids, const torch::Tensor& vectors) {
  const int64_t n = static_cast<int64_t>(placeholder_ids.size());
  if (n == 0) return embeds;
  if (embeds.dim() != 3 || ids.dim() != 2 || ids.size(0) != embeds.size(0) || ids.size(1) != embeds.size(1)) {
    fail("inject_soft_prompt", "embeds [B,T,H] and ids [B,T] do not match: " + shape_string(embeds.sizes().vec()) +
                                   " vs " + shape_string(ids.sizes().vec()));
  }
  const int64_t B = embeds.size(0), H = embeds.size(2);
  torch::Tensor v = vectors;
  if (v.dim() == 2) v = v.unsqueeze(0).expand({B, v.size(0), v.size(1)});
  if (v.dim() != 3 || v.size(0) != B || v.size(1) != n || v.size(2) != H) {
    fail("inject_soft_prompt", "vectors must be [" + std::to_string(n) + ", " + std::to_string(H) + "] or [B, " +
                                   std::to_string(n) + ", " + std::to_string(H) + "], got " +
                                   shape_string(vectors.sizes().vec()));
  }
  // slot[b,t] = i where ids[b,t] == placeholder_ids[i], else -1; then one gather and one index_put.
  const auto device_ids = ids.to(embeds.device());
  auto slot = torch::full_like(device_ids, -1, torch::kLong);
  for (int64_t i = 0; i < n; ++i) slot.masked_fill_(device_ids == placeholder_ids[i], i);
  auto where = slot.ge(0).nonzero();  // [N,2] (b, t)
  if (where.size(0) == 0) return embeds;
  auto rows = where.select(1, 0);
  auto cols = where.select(1, 1);
  auto slots = slot.index({rows, cols});
  auto values = v.to(embeds.device()).index({rows, slots}).to(embeds.scalar_type());
  return embeds.index_put({rows, cols}, values);
}

}  // namespace dep
