// Adapter files: metadata (method, config, hidden size), saving and loading the parameters.
#include "dep/adapter/adapter.h"

#include <torch/torch.h>

#include <set>

#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/core/safetensors.h"

namespace dep {

int64_t Adapter::trainable_parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) {
    if (p.requires_grad()) n += p.numel();
  }
  return n;
}

std::map<std::string, std::string> adapter_metadata(const Adapter& adapter) {
  return adapter_file_metadata(adapter.method(), adapter.config_json(), adapter.hidden_size());
}

bool read_adapter_file_info(const SafetensorsCheckpoint& checkpoint, AdapterFileInfo& info) {
  for (const auto& file : checkpoint.files()) {
    if (auto found = adapter_file_info(file->metadata(), file->path())) {
      info = std::move(*found);
      return true;
    }
  }
  return false;
}

NamedTensors adapter_tensors(const Adapter& adapter) {
  NamedTensors out;
  for (const auto& item : adapter.named_parameters()) out.emplace_back(item.key(), item.value().detach());
  return out;
}

void save_adapter(const std::string& path, const Adapter& adapter,
                  const std::map<std::string, std::string>& extra_metadata) {
  auto metadata = extra_metadata;
  for (auto& [key, value] : adapter_metadata(adapter)) metadata[key] = value;
  save_safetensors(path, adapter_tensors(adapter), metadata);
}

void load_adapter_weights(const std::string& path, Adapter& adapter) {
  const auto checkpoint = SafetensorsCheckpoint::open(path);
  AdapterFileInfo info;
  if (read_adapter_file_info(checkpoint, info)) {
    if (info.method != adapter.method()) {
      fail(path, "is a '" + info.method + "' adapter; the configured adapter is '" + adapter.method() + "'");
    }
    if (info.hidden_size != 0 && info.hidden_size != adapter.hidden_size()) {
      fail(path, "adapter for hidden size " + std::to_string(info.hidden_size) + "; the configured adapter has hidden size " +
                     std::to_string(adapter.hidden_size()));
    }
  }
  auto file = SafetensorsFile::open(path);
  std::string problems;
  std::set<std::string> known;
  torch::NoGradGuard no_grad;
  for (auto& item : adapter.named_parameters()) {
    known.insert(item.key());
    const TensorInfo* tensor = file->find(item.key());
    auto& param = item.value();
    if (!tensor) {
      problems += "\n  " + item.key() + ": missing (expected " + shape_string(param.sizes().vec()) + ")";
      continue;
    }
    if (tensor->shape != param.sizes().vec()) {
      problems += "\n  " + item.key() + ": expected " + shape_string(param.sizes().vec()) + ", found " +
                  shape_string(tensor->shape);
      continue;
    }
    param.copy_(tensor_view(file, *tensor).to(param.device(), param.scalar_type()));
  }
  for (const auto& tensor : file->tensors()) {
    if (!known.count(tensor.name)) problems += "\n  " + tensor.name + ": not a parameter of this adapter";
  }
  if (!problems.empty()) fail(path, "adapter does not match the configured adapter:" + problems);
}

}  // namespace dep
