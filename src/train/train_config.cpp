// TrainConfig's cross-field checks (train_config.h), run by every parse before anything loads.
// The checks against the inputs (store width, tokenizer vs model vocabulary) need the files and
// run in dep-train before the weights load (train_inputs_check in apps/dep_train.cpp).
#include "dep/train/train_config.h"

namespace dep {

void TrainConfig::validate(const std::string& source) const { data.validate(source, "data."); }

}  // namespace dep
