// Val generations with the current adapter, scored by METEOR (see validation_meteor.h).
#include "dep/validation/validation_meteor.h"

#include <torch/torch.h>

#include <chrono>

#include "dep/text/bpe_tokenizer.h"
#include "dep/adapter/dep_model.h"
#include "dep/core/error.h"
#include "dep/generate/generation_model.h"
#include "dep/core/log.h"
#include "dep/metrics/meteor.h"
#include "dep/metrics/punkt.h"
#include "dep/decoder/qwen2.h"
#include "dep/generate/review_generator.h"
#include "dep/metrics/word_tokenizer.h"
#include "dep/metrics/wordnet.h"

namespace dep {

struct ValidationMeteor::Scorer {
  WordNet wordnet;
  WordTokenizer tokenizer;
  MeteorScorer meteor;
  Scorer(const std::string& wordnet_dir, const std::string& punkt_path)
      : wordnet(wordnet_dir.empty() ? WordNet::default_dir() : wordnet_dir),
        tokenizer(PunktParameters::load_json(punkt_path.empty() ? PunktParameters::default_english_path() : punkt_path)),
        meteor(tokenizer, wordnet) {}
};

ValidationMeteor::ValidationMeteor(const ValidationConfig& config, std::vector<DepSample> prompts,
                                   std::shared_ptr<BpeTokenizer> tokenizer)
    : config_(config), prompts_(std::move(prompts)), tokenizer_(std::move(tokenizer)) {
  if (!tokenizer_) fail_internal("ValidationMeteor", "no tokenizer");
  if (config_.generation_samples > 0 && samples() > config_.generation_samples) {
    prompts_.resize(static_cast<size_t>(config_.generation_samples));
  }
  for (const auto& s : prompts_) {
    if (!s.labels.empty()) {
      fail("validation", "sample " + s.sample_id + " is a training sample (prompt + target); METEOR validation "
                         "generates from prompt-only samples");
    }
  }
  scorer_ = std::make_unique<Scorer>(config_.wordnet, config_.punkt);
}

ValidationMeteor::~ValidationMeteor() = default;

MeteorValidation ValidationMeteor::evaluate(DepModel& model) const {
  MeteorValidation out;
  if (prompts_.empty()) fail("validation.select_by", "'meteor' needs val samples to generate for; there are none");
  const auto start = std::chrono::steady_clock::now();
  GenerationModel generation;
  // Borrowed, not owned: the trainer's DepModel outlives this call.
  generation.llm = std::shared_ptr<Qwen2Model>(&model.llm(), [](Qwen2Model*) {});
  generation.adapter = model.adapter();
  generation.tokenizer = tokenizer_;
  generation.adapter_source = "the adapter being trained";
  GenerateEngineConfig engine;
  engine.max_batch = config_.max_batch;

  const bool was_training = model.adapter()->is_training();
  model.adapter()->eval();
  std::vector<ReviewGeneration> generations;
  {
    torch::NoGradGuard no_grad;
    ReviewGenerator generator(generation, config_.sampling, engine);
    std::vector<const DepSample*> samples;
    for (const auto& s : prompts_) samples.push_back(&s);
    generations = generator.generate(samples);
  }
  model.adapter()->train(was_training);

  double sum = 0;
  for (size_t i = 0; i < prompts_.size(); ++i) {
    const double score = scorer_->meteor.score(prompts_[i].target, generations[i].prediction).score;
    sum += score;
    out.scores.push_back(score);
    out.predictions.push_back(std::move(generations[i].prediction));
    out.generated_tokens += generations[i].generated_tokens;
    out.stopped += generations[i].finish == FinishReason::kStop;
  }
  out.samples = static_cast<int64_t>(prompts_.size());
  out.meteor = sum / static_cast<double>(out.samples);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log::info(log::format("validation METEOR %.4f over %lld generations (%lld tokens, %lld stopped, %.1f s)", out.meteor,
                        (long long)out.samples, (long long)out.generated_tokens, (long long)out.stopped, out.seconds));
  return out;
}

}  // namespace dep
