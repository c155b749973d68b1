// The `device` section every torch config shares (train, generate, embed): where the model runs,
// its compute dtype and the CPU threads. Torch-free, so apps parse, validate and dump it without
// LibTorch; dep/torch/device.h turns it into torch types.
#pragma once

#include <cstdint>
#include <string>

#include "dep/core/config.h"

namespace dep {

// `auto`: bf16 on CUDA, fp32 on CPU.
enum class ComputeDtype { kAuto, kFp32, kBf16, kFp16 };

inline const EnumNames<ComputeDtype>& compute_dtype_names() {
  static const EnumNames<ComputeDtype> names = {
      {ComputeDtype::kAuto, "auto"}, {ComputeDtype::kFp32, "fp32"}, {ComputeDtype::kBf16, "bf16"},
      {ComputeDtype::kFp16, "fp16"}};
  return names;
}

// "cpu", "cuda" (the current GPU) or "cuda:N". A config value type: parsed from its string, so a
// config naming "tpu" is rejected while it is read, with the valid forms.
struct DeviceName {
  enum class Kind { kCpu, kCuda };
  Kind kind = Kind::kCpu;
  int index = -1;  // -1: no index given

  // Throws std::invalid_argument naming the valid forms.
  static DeviceName parse(const std::string& text);
  std::string str() const;
  bool is_cuda() const { return kind == Kind::kCuda; }
};

struct DeviceConfig {
  DeviceName device;
  ComputeDtype dtype = ComputeDtype::kAuto;
  int64_t threads = 0;  // CPU threads, 0 = all

  DeviceConfig() = default;
  explicit DeviceConfig(ComputeDtype default_dtype) : dtype(default_dtype) {}

  template <class V>
  void visit(V& v) {
    v("device", device, "cpu, cuda or cuda:N");
    v.choice("dtype", dtype, compute_dtype_names(), "compute dtype: auto (bf16 on CUDA, fp32 on CPU), fp32, bf16, fp16");
    v("threads", threads, "CPU threads (0 = all hardware threads)", Bounds::non_negative());
  }

  // The dtype a run uses: `auto` resolved for this device.
  ComputeDtype resolved_dtype() const;
};

}  // namespace dep
