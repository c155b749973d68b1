// DeviceName parsing and the `auto` dtype rule of the shared device section.
#include "dep/core/device_config.h"

#include <cctype>

namespace dep {

DeviceName DeviceName::parse(const std::string& text) {
  DeviceName out;
  if (text == "cpu") return out;
  out.kind = Kind::kCuda;
  if (text == "cuda") return out;
  const std::string prefix = "cuda:";
  const std::string digits = text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : "";
  bool numeric = !digits.empty() && digits.size() <= 4;
  for (char c : digits) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
  if (!numeric) throw std::invalid_argument("unknown device '" + text + "' (cpu, cuda or cuda:N)");
  out.index = std::stoi(digits);
  return out;
}

std::string DeviceName::str() const {
  if (kind == Kind::kCpu) return "cpu";
  return index < 0 ? "cuda" : "cuda:" + std::to_string(index);
}

ComputeDtype DeviceConfig::resolved_dtype() const {
  if (dtype != ComputeDtype::kAuto) return dtype;
  return device.is_cuda() ? ComputeDtype::kBf16 : ComputeDtype::kFp32;
}

}  // namespace dep
