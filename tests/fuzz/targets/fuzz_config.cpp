// Config JSON through the typed schemas (config.h): dep-train's, dep-generate's, dep-embed's,
// dep-data's and dep-data synth's configs, the adapter section, and the models' config.json. The
// first byte picks the schema, the rest is the file. An accepted config must survive its own
// effective-config dump: dump → parse → dump gives the same text (what a resume compares).
#include <string>

#include "dep/adapter/adapter_config.h"
#include "dep/core/config.h"
#include "dep/core/json.h"
#include "dep/core/model_config.h"
#include "dep/data/data_config.h"
#include "dep/data/synthetic_data.h"
#include "dep/embed/embed_config.h"
#include "dep/generate/generate_config.h"
#include "dep/train/train_config.h"
#include "fuzz_support.h"

namespace {

template <class Config>
void round_trip(const nlohmann::json& json) {
  const std::string first = dep::config_to_json(dep::parse_config<Config>(json, "fuzz.json")).dump();
  const auto reread = dep::parse_json(first, "effective config");
  const std::string second = dep::config_to_json(dep::parse_config<Config>(reread, "effective config")).dump();
  dep::fuzz::check(first == second, "a config's effective dump parses back to the same config");
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  if (size == 0 || max_size < 2) return dep::fuzz::emit(std::string("\0{}", 3), data, max_size);
  const char schema = static_cast<char>(data[0]);
  std::string json = dep::fuzz::mutate_json(std::string(reinterpret_cast<char*>(data) + 1, size - 1), max_size - 1, seed);
  if (seed % 32 == 0) return dep::fuzz::emit(std::string(1, static_cast<char>(seed >> 5)) + json, data, max_size);
  return dep::fuzz::emit(std::string(1, schema) + json, data, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  dep::fuzz::expect_bad_input_only([&] {
    const nlohmann::json json = dep::parse_json(text, "fuzz.json");
    switch (data[0] % 8) {
      case 0: round_trip<dep::TrainConfig>(json); break;
      case 1: round_trip<dep::GenerateConfig>(json); break;
      case 2: round_trip<dep::EmbedStoreConfig>(json); break;
      case 3: round_trip<dep::DataConfig>(json); break;
      case 4: round_trip<dep::SynthConfig>(json); break;
      case 5: round_trip<dep::AdapterConfig>(json); break;
      case 6: dep::Qwen2Config::from_json(json, "config.json"); break;
      case 7: dep::XlmrConfig::from_json(json, "config.json"); break;
    }
  });
  return 0;
}
