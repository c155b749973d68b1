// safetensors ↔ LibTorch: zero-copy CPU tensors over the mapping, conversion to a compute
// dtype/device, and saving named tensors.
#pragma once

#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dep/core/safetensors.h"

namespace dep {

torch::ScalarType to_torch_dtype(Dtype dtype, const std::string& where);
Dtype from_torch_dtype(torch::ScalarType dtype, const std::string& where);

// A CPU tensor viewing the mapped bytes (the tensor keeps the mapping alive). Treat it as
// read-only: the mapping is copy-on-write, so writes never reach the file.
torch::Tensor tensor_view(const std::shared_ptr<SafetensorsFile>& file, const TensorInfo& info);

// The tensor converted to `dtype` on `device` (a copy unless it is already CPU + same dtype).
torch::Tensor load_tensor(const SafetensorsCheckpoint& checkpoint, const std::string& name,
                          torch::ScalarType dtype, torch::Device device = torch::kCPU);

// Every tensor of one file, as views (or converted when `dtype` is given).
std::map<std::string, torch::Tensor> load_safetensors(const std::string& path);

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;
// Writes atomically; tensors are moved to CPU and made contiguous first.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// "fp32"/"float32", "bf16"/"bfloat16", "fp16"/"float16" → ScalarType; `where` names the flag.
torch::ScalarType parse_compute_dtype(const std::string& name, const std::string& where);
// "cpu", "cuda", "cuda:1"; CUDA without a GPU is a clear error.
torch::Device parse_device(const std::string& name, const std::string& where);
// 0 = all hardware threads; LibTorch otherwise defaults to what OMP decides.
void set_torch_threads(int threads);

}  // namespace dep
