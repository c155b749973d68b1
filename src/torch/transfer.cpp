// Pinned, non-blocking host-to-device copies (see transfer.h).
#include "dep/torch/transfer.h"

#include <torch/torch.h>

namespace dep {

torch::Tensor to_device(const torch::Tensor& tensor, torch::Device device) {
  if (!tensor.defined() || tensor.device() == device) return tensor;
  // A tensor in an autograd graph takes the plain differentiable copy.
  if (tensor.device().is_cpu() && device.is_cuda() && !tensor.requires_grad()) {
    // pin_memory copies into a block of the caching host allocator; the non-blocking copy records
    // an event on it, so the block is not handed out again before the copy has read it.
    return tensor.pin_memory().to(device, /*non_blocking=*/true);
  }
  return tensor.to(device);
}

torch::Tensor int64_tensor_on(const std::vector<int64_t>& values, torch::Device device) {
  return to_device(torch::tensor(values, torch::TensorOptions().dtype(torch::kLong)), device);
}

}  // namespace dep
