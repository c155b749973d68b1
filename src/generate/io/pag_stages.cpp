// PAG's two stages (see pag_stages.h).
#include "dep/generate/pag_stages.h"

#include "dep/core/error.h"

namespace dep {

namespace {

nlohmann::ordered_json template_json(const ChatTemplate& t) { return {{"system", t.system}, {"user", t.user}}; }

class PagProfileStage : public GenerationStage {
 public:
  explicit PagProfileStage(std::shared_ptr<const PagStageOptions> options) : options_(std::move(options)) {}
  std::string name() const override { return "profile"; }
  nlohmann::ordered_json settings() const override {
    return {{"template", template_json(options_->prompts.profile)}, {"profile_reviews", options_->profile_reviews}};
  }
  // One profile per user and category: the user's samples (of any split) share it.
  std::string key(const StageSample& sample) const override {
    return sample.row->category + "/" + sample.row->row.user_id;
  }
  std::vector<ChatMessages> prompts(const StageSample& sample, const EarlierOutputs&) const override {
    const auto m = pag_profile_messages(options_->prompts, sample.row->row, *options_->meta, options_->profile_reviews);
    return {{m.system, m.user}};
  }

 private:
  std::shared_ptr<const PagStageOptions> options_;
};

class PagGenerateStage : public GenerationStage {
 public:
  explicit PagGenerateStage(std::shared_ptr<const PagStageOptions> options) : options_(std::move(options)) {}
  std::string name() const override { return "generate"; }
  nlohmann::ordered_json settings() const override {
    return {{"template", template_json(options_->prompts.generate)},
            {"strip_prefix", options_->prompts.strip_prefix},
            {"history", options_->history_settings}};
  }
  std::vector<ChatMessages> prompts(const StageSample& sample, const EarlierOutputs& earlier) const override {
    const auto it = earlier.find("profile");
    if (it == earlier.end() || it->second.size() != 1)
      fail_internal("PAG", "sample " + sample.sample_id + " has no profile from stage 1");
    // The profile as stage 1 generated it: pag_generation_messages removes strip_prefix (a
    // setting of this stage, so changing it leaves the cached profiles valid).
    const auto m = pag_generation_messages(options_->prompts, sample.row->row, *options_->meta,
                                           options_->history(*sample.row), it->second.front());
    return {{m.system, m.user}};
  }

 private:
  std::shared_ptr<const PagStageOptions> options_;
};

}  // namespace

std::vector<std::unique_ptr<GenerationStage>> pag_stages(PagStageOptions options) {
  if (!options.meta || !options.history) fail_internal("pag_stages", "meta and history are required");
  auto shared = std::make_shared<const PagStageOptions>(std::move(options));
  std::vector<std::unique_ptr<GenerationStage>> stages;
  stages.push_back(std::make_unique<PagProfileStage>(shared));
  stages.push_back(std::make_unique<PagGenerateStage>(shared));
  return stages;
}

}  // namespace dep
