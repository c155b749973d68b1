// Held-out loss of the demo's methods on built DEP samples: token-mean cross-entropy over each
// sample's review tokens + <|im_end|> (labels != -100), the quantity training minimises. For
// Non-Perso the frozen decoder alone reads the item-only prompt; for DEP the adapter injects its
// soft prompts first.
#pragma once

#include <cstdint>
#include <vector>

#include "dep/data/dep_sample.h"

namespace dep {

class CausalLM;
class PersonalizationModel;

struct HeldoutLoss {
  double loss = 0;      // Σ CE / tokens
  int64_t tokens = 0;   // label tokens scored
  int64_t samples = 0;
};

// The decoder alone (soft-prompt placeholders, if any, keep their own embedding rows).
HeldoutLoss decoder_heldout_loss(const CausalLM& model, const std::vector<DepSample>& samples);

// The DEP model: adapter outputs injected at the placeholders.
HeldoutLoss dep_heldout_loss(PersonalizationModel& model, const std::vector<DepSample>& samples);

}  // namespace dep
