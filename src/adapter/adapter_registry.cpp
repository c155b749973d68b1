// Adapter method name → implementation. A new method is one line here plus its own file.
#include <functional>
#include <utility>

#include "dep/adapter/adapter.h"
#include "dep/adapter/dep_adapter.h"
#include "dep/adapter/pplug_adapter.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/safetensors.h"

namespace dep {

namespace {

using Factory = std::function<std::shared_ptr<Adapter>(const nlohmann::json&, int64_t)>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> entries = {
      {DepAdapter::kMethod, [](const nlohmann::json& config, int64_t hidden) {
         return std::make_shared<DepAdapter>(parse_config<AdapterConfig>(config, "adapter"), hidden);
       }},
      {PplugAdapter::kMethod, [](const nlohmann::json& config, int64_t hidden) {
         return std::make_shared<PplugAdapter>(parse_config<PplugConfig>(config, "adapter"), hidden);
       }},
  };
  return entries;
}

}  // namespace

std::vector<std::string> adapter_methods() {
  std::vector<std::string> out;
  for (const auto& entry : registry()) out.push_back(entry.first);
  return out;
}

std::shared_ptr<Adapter> make_adapter(const std::string& method, const nlohmann::json& config, int64_t hidden_size) {
  for (const auto& [name, make] : registry()) {
    if (name == method) return make(config, hidden_size);
  }
  std::string known;
  for (const auto& name : adapter_methods()) known += (known.empty() ? "" : ", ") + name;
  fail("adapter.method", "'" + method + "' is not a known adapter method (" + known + ")");
}

std::shared_ptr<Adapter> make_adapter(const std::string& method, const nlohmann::ordered_json& config,
                                      int64_t hidden_size) {
  return make_adapter(method, nlohmann::json::parse(config.dump()), hidden_size);
}

std::shared_ptr<Adapter> adapter_for_checkpoint(const SafetensorsCheckpoint& checkpoint, int64_t hidden_size) {
  AdapterFileInfo info;
  if (!read_adapter_file_info(checkpoint, info)) {
    // A reference checkpoint: only DEP's tensors exist without dep's metadata.
    info.method = DepAdapter::kMethod;
    AdapterConfig config = infer_adapter_config(checkpoint);
    info.hidden_size = config.hidden_size;
    info.config = nlohmann::json::parse(config_to_json(config).dump());
  }
  if (info.hidden_size != 0 && info.hidden_size != hidden_size) {
    fail(checkpoint.description(), "adapter trained for hidden size " + std::to_string(info.hidden_size) +
                                       " (align_mlp_*.2.weight) but the decoder has hidden size " +
                                       std::to_string(hidden_size) + ": it belongs to another base model");
  }
  info.config["hidden_size"] = hidden_size;
  return make_adapter(info.method, info.config, hidden_size);
}

std::shared_ptr<Adapter> load_adapter(const std::string& path, int64_t hidden_size) {
  auto adapter = adapter_for_checkpoint(SafetensorsCheckpoint::open(path), hidden_size);
  load_adapter_weights(path, *adapter);
  return adapter;
}

}  // namespace dep
