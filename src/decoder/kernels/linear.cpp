// The linear op's checks and dispatch to a device kernel (see linear.h).
#include "linear.h"

#include <torch/torch.h>

namespace dep::detail {

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  const bool needs_graph = torch::GradMode::is_enabled() && x.requires_grad();
  if (!needs_graph && x.device().is_cpu()) {
    auto fast = small_batch_linear_bf16(x, weight, bias);
    if (fast.defined()) return fast;
  }
  return torch::linear(x, weight, bias);
}

}  // namespace dep::detail
