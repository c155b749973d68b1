// DeviceConfig → torch::Device / ScalarType / threads, and what LibTorch reports at run time.
#include "dep/torch/device.h"

#include <torch/cuda.h>
#include <torch/version.h>

#include "dep/torch/tensor_io.h"

namespace dep {

torch::Device torch_device(const DeviceConfig& config, const std::string& where) {
  return parse_device(config.device.str(), where);
}

torch::ScalarType torch_dtype(const DeviceConfig& config) {
  switch (config.resolved_dtype()) {
    case ComputeDtype::kBf16: return torch::kBFloat16;
    case ComputeDtype::kFp16: return torch::kFloat16;
    case ComputeDtype::kFp32:
    case ComputeDtype::kAuto: break;
  }
  return torch::kFloat32;
}

void apply_threads(const DeviceConfig& config) {
  if (config.threads > 0 || !config.device.is_cuda()) set_torch_threads(static_cast<int>(config.threads));
}

std::string torch_runtime() {
  std::string line = std::string("LibTorch ") + TORCH_VERSION + ", CUDA available: ";
  if (!torch::cuda::is_available()) return line + "no";
  const auto n = torch::cuda::device_count();
  return line + "yes (" + std::to_string(n) + " device" + (n == 1 ? "" : "s") + ")";
}

}  // namespace dep
