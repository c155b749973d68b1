// The device the [cuda] tests run on, and how they skip without one.
#pragma once

#include <catch2/catch.hpp>
#include <torch/cuda.h>
#include <torch/types.h>

#include <cstdlib>
#include <cstring>
#include <optional>

namespace dep::test {

// The first GPU; without one, the CPU when DEP_CUDA_TESTS_ON_CPU=1 (scripts/device/run.sh
// --rehearse: the same checks, on the CPU), else none.
inline std::optional<torch::Device> cuda_test_device() {
  if (torch::cuda::is_available()) return torch::Device(torch::kCUDA, 0);
  const char* on_cpu = std::getenv("DEP_CUDA_TESTS_ON_CPU");
  if (on_cpu != nullptr && std::strcmp(on_cpu, "1") == 0) return torch::Device(torch::kCPU);
  return std::nullopt;
}

}  // namespace dep::test

// Declares `name` as the test device, or WARNs that the case was skipped and returns.
#define DEP_CUDA_DEVICE_OR_SKIP(name)                                                        \
  const auto name##_or_none = dep::test::cuda_test_device();                                 \
  if (!name##_or_none) {                                                                     \
    WARN("skipped: no CUDA device (set DEP_CUDA_TESTS_ON_CPU=1 to run it on the CPU)");      \
    return;                                                                                  \
  }                                                                                          \
  const torch::Device name = *name##_or_none;                                                \
  INFO("device " << name.str())
