// Bridges dep's torch-free safetensors reader/writer to torch::Tensor.
#include "dep/torch/tensor_io.h"

#include <torch/torch.h>

#include <thread>

#include "dep/core/error.h"

namespace dep {

torch::ScalarType to_torch_dtype(Dtype dtype, const std::string& where) {
  switch (dtype) {
    case Dtype::kBool: return torch::kBool;
    case Dtype::kU8: return torch::kUInt8;
    case Dtype::kI8: return torch::kInt8;
    case Dtype::kI16: return torch::kInt16;
    case Dtype::kF16: return torch::kFloat16;
    case Dtype::kBF16: return torch::kBFloat16;
    case Dtype::kI32: return torch::kInt32;
    case Dtype::kF32: return torch::kFloat32;
    case Dtype::kF64: return torch::kFloat64;
    case Dtype::kI64: return torch::kInt64;
    case Dtype::kC64: return torch::kComplexFloat;
    default: break;
  }
  fail(where, std::string("dtype ") + dtype_name(dtype) + " has no LibTorch equivalent here");
}

Dtype from_torch_dtype(torch::ScalarType dtype, const std::string& where) {
  switch (dtype) {
    case torch::kBool: return Dtype::kBool;
    case torch::kUInt8: return Dtype::kU8;
    case torch::kInt8: return Dtype::kI8;
    case torch::kInt16: return Dtype::kI16;
    case torch::kFloat16: return Dtype::kF16;
    case torch::kBFloat16: return Dtype::kBF16;
    case torch::kInt32: return Dtype::kI32;
    case torch::kFloat32: return Dtype::kF32;
    case torch::kFloat64: return Dtype::kF64;
    case torch::kInt64: return Dtype::kI64;
    case torch::kComplexFloat: return Dtype::kC64;
    default: break;
  }
  fail(where, std::string("torch dtype ") + c10::toString(dtype) + " cannot be stored in safetensors");
}

torch::Tensor tensor_view(const std::shared_ptr<SafetensorsFile>& file, const TensorInfo& info) {
  const auto dtype = to_torch_dtype(info.dtype, file->path() + ": " + info.name);
  const auto options = torch::TensorOptions().dtype(dtype);
  void* data = const_cast<uint8_t*>(file->data(info));
  const size_t item = static_cast<size_t>(dtype_bits(info.dtype) / 8);
  if (info.numel() == 0) return torch::empty(info.shape, options);
  if (item > 1 && reinterpret_cast<uintptr_t>(data) % item != 0) {
    // The format does not require aligned tensors; copy rather than hand out a misaligned view.
    return torch::from_blob(data, info.shape, options).clone();
  }
  std::shared_ptr<SafetensorsFile> keep = file;
  return torch::from_blob(data, info.shape, [keep](void*) mutable { keep.reset(); }, options);
}

torch::Tensor load_tensor(const SafetensorsCheckpoint& checkpoint, const std::string& name,
                          torch::ScalarType dtype, torch::Device device) {
  auto entry = checkpoint.at(name);
  torch::Tensor view = tensor_view(entry.file, *entry.info);
  return view.to(device, dtype);
}

std::map<std::string, torch::Tensor> load_safetensors(const std::string& path) {
  auto file = SafetensorsFile::open(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& info : file->tensors()) out[info.name] = tensor_view(file, info);
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;
  std::vector<TensorBytes> bytes;
  keep.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
    keep.push_back(cpu);
    bytes.push_back(TensorBytes{name, from_torch_dtype(cpu.scalar_type(), path + ": " + name),
                                cpu.sizes().vec(), cpu.data_ptr(),
                                static_cast<uint64_t>(cpu.numel()) * cpu.element_size()});
  }
  write_safetensors(path, bytes, metadata);
}

torch::ScalarType parse_compute_dtype(const std::string& name, const std::string& where) {
  if (name == "fp32" || name == "float32" || name == "f32") return torch::kFloat32;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  if (name == "fp16" || name == "float16" || name == "f16") return torch::kFloat16;
  fail(where, "unknown dtype '" + name + "' (fp32, bf16 or fp16)");
}

torch::Device parse_device(const std::string& name, const std::string& where) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const std::exception&) {
    fail(where, "unknown device '" + name + "' (cpu, cuda or cuda:N)");
  }
  if (device.is_cuda() && !torch::cuda::is_available()) {
    fail(where, "device '" + name + "' requested but no CUDA GPU is available to this LibTorch");
  }
  if (!device.is_cpu() && !device.is_cuda()) fail(where, "device '" + name + "' is not supported (cpu or cuda)");
  return device;
}

void set_torch_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
}

}  // namespace dep
