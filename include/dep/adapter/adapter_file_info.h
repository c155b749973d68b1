// What an adapter file says about itself in its safetensors metadata: the method, its config and
// the decoder hidden size it was trained for. Torch-free, so the fuzz build can check the parsing.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace dep {

struct AdapterFileInfo {
  std::string method;
  nlohmann::json config;  // a JSON object
  int64_t hidden_size = 0;
};

// The metadata an adapter file carries: the method, its config and the hidden size ("format": "pt").
std::map<std::string, std::string> adapter_file_metadata(const std::string& method, const nlohmann::ordered_json& config,
                                                         int64_t hidden_size);

// The adapter described by one file's metadata (dep's own files), or nullopt when the metadata has
// no adapter config (a reference checkpoint). A config that is not a JSON object, or a hidden size
// that is not a non-negative integer, is a dep::Error naming `where` and the metadata key.
std::optional<AdapterFileInfo> adapter_file_info(const std::map<std::string, std::string>& metadata,
                                                 const std::string& where);

}  // namespace dep
