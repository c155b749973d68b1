// GenerateConfig's cross-field checks (generate_config.h), run by every parse before anything loads.
#include "dep/generate/generate_config.h"

namespace dep {

void GenerateConfig::validate(const std::string& source) const {
  data.validate(source, "data.");
  if (!data.tokenizer.empty() && !model.tokenizer.empty() && data.tokenizer != model.tokenizer) {
    config_detail::fail_at(source, "data.tokenizer",
                           "differs from model.tokenizer; prompts must be tokenized with the model's tokenizer");
  }
  if ((data.prompt.variant == "pag" || data.prompt.variant == "dpl") && model.adapter != kNoAdapter) {
    config_detail::fail_at(source, "model.adapter",
                           "prompt variant '" + data.prompt.variant +
                               "' runs the decoder alone (its prompts have no soft-prompt placeholders): set it to \"none\"");
  }
  for (const auto& c : categories) {
    bool known = false;
    for (const auto& configured : data.data.categories) known |= c == configured;
    if (!known) config_detail::fail_at(source, "categories", "'" + c + "' is not one of data.data.categories");
  }
}

}  // namespace dep
