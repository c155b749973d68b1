// DataConfig's cross-field checks (data_config.h): what the sample builder would reject, said
// while the config is read.
#include "dep/data/data_config.h"

#include "dep/data/dep_prompt.h"

namespace dep {

void DataConfig::validate(const std::string& source, const std::string& prefix) const {
  const PromptVariant variant = parse_prompt_variant(prompt.variant);
  if (history.k > embeddings.slots && (shows_his_tokens(variant) || shows_diff_tokens(variant))) {
    config_detail::fail_at(source, prefix + "history.k",
                           std::to_string(history.k) + " reviews shown but only " + std::to_string(embeddings.slots) +
                               " embedding slots (" + prefix + "embeddings.slots) for their soft prompts");
  }
}

}  // namespace dep
