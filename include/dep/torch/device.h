// The shared `device` config section (dep/core/device_config.h) in torch terms, and the runtime
// line of `--version` for tools that link LibTorch.
#pragma once

#include <torch/types.h>

#include <string>

#include "dep/core/device_config.h"

namespace dep {

// The configured device; CUDA without a GPU is a bad-input error naming `where`.
torch::Device torch_device(const DeviceConfig& config, const std::string& where);
// The compute dtype, `auto` resolved for the device.
torch::ScalarType torch_dtype(const DeviceConfig& config);
// Sets the CPU threads when the run is on the CPU or threads are given (0 = all hardware threads).
void apply_threads(const DeviceConfig& config);

// "LibTorch 2.x.y, CUDA available: yes (N devices)" for --version.
std::string torch_runtime();

}  // namespace dep
