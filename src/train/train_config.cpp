// TrainConfig's cross-field checks (train_config.h), run by every parse before anything loads.
// The checks against the inputs (store width, tokenizer vs model vocabulary) need the files and
// run in dep-train before the weights load (train_inputs_check in apps/dep_train.cpp).
#include "dep/train/train_config.h"

namespace dep {

void TrainConfig::validate(const std::string& source) const {
  data.validate(source, "data.");
  // PPlug's adapter reads the block only its prompt variant builds, and fills the tokens only its prompt has.
  const bool pplug_adapter = adapter.method == "pplug";
  const bool pplug_prompt = data.prompt.variant == "pplug";
  if (pplug_adapter != pplug_prompt) {
    config_detail::fail_at(source, pplug_adapter ? "data.prompt.variant" : "adapter.method",
                           pplug_adapter ? "must be \"pplug\" with adapter.method \"pplug\" (its prompt holds the PPlug tokens)"
                                         : "must be \"pplug\" with data.prompt.variant \"pplug\" (no other adapter fills its tokens)");
  }
}

}  // namespace dep
