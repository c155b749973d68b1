// Adapter metadata parsing (adapter_file_info.h). Torch-free: the fuzz build compiles it alone.
#include "dep/adapter/adapter_file_info.h"

#include <cerrno>
#include <cstdlib>

#include "dep/core/error.h"
#include "dep/core/json.h"

namespace dep {

namespace {
// `dep.adapter` holds the config JSON (the key dep has always written); the method and hidden size
// sit beside it. Files without a method key are DEP's (written before there were other methods).
constexpr const char* kConfigKey = "dep.adapter";
constexpr const char* kMethodKey = "dep.adapter_method";
constexpr const char* kHiddenKey = "dep.adapter_hidden_size";
constexpr const char* kDefaultMethod = "dep";

// A whole decimal integer >= 0 (std::stoll would accept "12abc" and " -3").
bool parse_size(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  out = std::strtoll(text.c_str(), nullptr, 10);
  return true;
}
}  // namespace

std::map<std::string, std::string> adapter_file_metadata(const std::string& method, const nlohmann::ordered_json& config,
                                                         int64_t hidden_size) {
  return {{"format", "pt"}, {kConfigKey, config.dump()}, {kMethodKey, method}, {kHiddenKey, std::to_string(hidden_size)}};
}

std::optional<AdapterFileInfo> adapter_file_info(const std::map<std::string, std::string>& metadata,
                                                 const std::string& where) {
  auto config = metadata.find(kConfigKey);
  if (config == metadata.end()) return std::nullopt;
  AdapterFileInfo info;
  const std::string config_where = where + ": " + kConfigKey + " metadata";
  info.config = parse_json(config->second, config_where);
  if (!info.config.is_object()) fail(config_where, "expected a JSON object, got " + json_excerpt(info.config));
  auto method = metadata.find(kMethodKey);
  info.method = method != metadata.end() ? method->second : kDefaultMethod;
  if (auto hidden = info.config.find("hidden_size"); hidden != info.config.end()) {
    if (!hidden->is_number_integer() || hidden->get<int64_t>() < 0) {
      fail(config_where, "hidden_size must be an integer >= 0, got " + json_excerpt(*hidden));
    }
    info.hidden_size = hidden->get<int64_t>();
  }
  if (auto hidden = metadata.find(kHiddenKey); hidden != metadata.end()) {
    if (!parse_size(hidden->second, info.hidden_size)) {
      fail(where, std::string(kHiddenKey) + " metadata is not a non-negative integer: " + text_excerpt(hidden->second));
    }
  }
  return info;
}

}  // namespace dep
