// config.json's model_type → the CausalLM implementation that loads it. A new architecture is one
// line here plus its own file.
#include <filesystem>
#include <functional>
#include <utility>

#include "dep/core/error.h"
#include "dep/core/model_config.h"
#include "dep/decoder/causal_lm.h"
#include "dep/decoder/qwen2.h"

namespace dep {

namespace {

using Loader = std::function<std::unique_ptr<CausalLM>(const std::string&, torch::ScalarType, torch::Device)>;

const std::vector<std::pair<std::string, Loader>>& registry() {
  static const std::vector<std::pair<std::string, Loader>> entries = {
      {"qwen2", [](const std::string& dir, torch::ScalarType dtype, torch::Device device) {
         return std::unique_ptr<CausalLM>(new Qwen2Model(Qwen2Model::load(dir, dtype, device)));
       }},
  };
  return entries;
}

}  // namespace

std::vector<std::string> supported_causal_lm_types() {
  std::vector<std::string> out;
  for (const auto& entry : registry()) out.push_back(entry.first);
  return out;
}

std::unique_ptr<CausalLM> load_causal_lm(const std::string& model_dir, torch::ScalarType dtype, torch::Device device) {
  const nlohmann::json json = read_model_config_json(model_dir);
  const auto type = json.find("model_type");
  const std::string model_type = type != json.end() && type->is_string() ? type->get<std::string>() : "";
  for (const auto& [name, load] : registry()) {
    if (name == model_type) return load(model_dir, dtype, device);
  }
  std::string supported;
  for (const auto& name : supported_causal_lm_types()) supported += (supported.empty() ? "" : ", ") + name;
  fail((std::filesystem::path(model_dir) / "config.json").string(),
       "model_type '" + model_type + "' is not a supported decoder (supported: " + supported + ")");
}

}  // namespace dep
