// dep-train's selection metric for validation.select_by = "meteor" (the paper's checkpoint
// selection): generate reviews for prompt-only val samples with the engine and the adapter as it
// is at that moment, then score them against their targets with METEOR (nltk's, as `evaluate`).
// It lives in dep_validation (generation + metrics), so dep_train links neither; the trainer sees
// it through the Validator interface (MeteorValidator).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dep/data/dep_sample.h"
#include "dep/train/train_config.h"
#include "dep/train/validator.h"

namespace dep {

class BpeTokenizer;
class DepModel;

struct MeteorValidation {
  double meteor = 0;              // mean single-pair METEOR over the samples, in [0, 1]
  int64_t samples = 0;
  int64_t generated_tokens = 0;
  int64_t stopped = 0;            // samples that ended on a stop id (the rest hit max_new_tokens)
  double seconds = 0;             // generation + scoring wall time
  std::vector<std::string> predictions;  // in sample order
  std::vector<double> scores;            // each sample's METEOR
};

class ValidationMeteor {
 public:
  // `prompts`: prompt-only samples (DepSampleBuilder::build(row, false)) with their targets and
  // his/diff blocks; at most config.generation_samples of them are used (0 = all). `tokenizer`
  // decodes the generations (the DEP tokenizer). Loads WordNet and the Punkt parameters now, so a
  // missing file is an error before training starts.
  ValidationMeteor(const ValidationConfig& config, std::vector<DepSample> prompts,
                   std::shared_ptr<BpeTokenizer> tokenizer);
  ~ValidationMeteor();

  // Generates with `model`'s frozen decoder and its current adapter and scores the generations.
  // The adapter's mode and gradients are left as they were.
  MeteorValidation evaluate(DepModel& model) const;

  int64_t samples() const { return static_cast<int64_t>(prompts_.size()); }

 private:
  struct Scorer;
  ValidationConfig config_;
  std::vector<DepSample> prompts_;
  std::shared_ptr<BpeTokenizer> tokenizer_;
  std::unique_ptr<Scorer> scorer_;
};

// ValidationMeteor as the trainer's selection Validator: "meteor", higher is better.
class MeteorValidator final : public Validator {
 public:
  explicit MeteorValidator(std::shared_ptr<const ValidationMeteor> meteor) : meteor_(std::move(meteor)) {}
  std::string name() const override { return "meteor"; }
  bool higher_is_better() const override { return true; }
  double evaluate(DepModel& model) override { return meteor_->evaluate(model).meteor; }

 private:
  std::shared_ptr<const ValidationMeteor> meteor_;
};

}  // namespace dep
