// Host-to-device copies that do not stall the host: a CPU tensor headed for a GPU is staged in
// pinned (page-locked) memory and copied with non_blocking, so the copy is queued on the stream
// instead of synchronising it (a pageable copy makes LibTorch wait for the stream to drain).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace dep {

// `tensor` on `device`. CPU → CUDA goes through pinned memory, non-blocking (the pinned block is
// held by LibTorch's host allocator until the copy has run); every other case is tensor.to(device).
torch::Tensor to_device(const torch::Tensor& tensor, torch::Device device);

// A 1-D int64 tensor of `values` on `device`, copied as to_device does.
torch::Tensor int64_tensor_on(const std::vector<int64_t>& values, torch::Device device);

}  // namespace dep
