// DPL's three stages (see dpl_stages.h).
#include "dep/generate/dpl_stages.h"

#include <unordered_map>

#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/data/dpl_prompt.h"

namespace dep {

namespace {

// The options and each sample's selection, shared by the three stages.
class DplState {
 public:
  explicit DplState(DplStageOptions options) : options_(std::move(options)) {}
  const DplStageOptions& options() const { return options_; }
  const MetaTable& meta() const { return *options_.inputs.meta; }
  const DplSelection& selection(const StageSample& sample) {
    auto it = selections_.find(sample.sample_id);
    if (it == selections_.end())
      it = selections_.emplace(sample.sample_id, select_dpl(options_.inputs, *sample.row, options_.k, options_.config))
               .first;
    return it->second;
  }
  // What decides the selection: stage 1's prompts and, through its fingerprint, everything after.
  nlohmann::ordered_json selection_settings() const {
    return {{"k", options_.k}, {"dpl", config_to_json(options_.config)}};
  }

 private:
  DplStageOptions options_;
  std::unordered_map<std::string, DplSelection> selections_;
};

class DplDifferenceStage : public GenerationStage {
 public:
  explicit DplDifferenceStage(std::shared_ptr<DplState> state) : state_(std::move(state)) {}
  std::string name() const override { return "difference"; }
  nlohmann::ordered_json settings() const override {
    return {{"system", dpl_stage1_system()}, {"selection", state_->selection_settings()}};
  }
  std::vector<ChatMessages> prompts(const StageSample& sample, const EarlierOutputs&) const override {
    std::vector<ChatMessages> out;
    for (auto& m : dpl_stage1_messages(state_->selection(sample), state_->meta()))
      out.push_back({dpl_stage1_system(), std::move(m)});
    return out;
  }

 private:
  std::shared_ptr<DplState> state_;
};

class DplSummaryStage : public GenerationStage {
 public:
  explicit DplSummaryStage(std::shared_ptr<DplState> state) : state_(std::move(state)) {}
  std::string name() const override { return "summary"; }
  nlohmann::ordered_json settings() const override { return {{"system", dpl_stage2_system(state_->options().k)}}; }
  std::vector<ChatMessages> prompts(const StageSample& sample, const EarlierOutputs& earlier) const override {
    const auto it = earlier.find("difference");
    if (it == earlier.end()) fail_internal("DPL", "sample " + sample.sample_id + " has no stage-1 outputs");
    return {{dpl_stage2_system(state_->options().k),
             dpl_stage2_message(state_->selection(sample), state_->meta(), it->second)}};
  }

 private:
  std::shared_ptr<DplState> state_;
};

class DplGenerateStage : public GenerationStage {
 public:
  explicit DplGenerateStage(std::shared_ptr<DplState> state) : state_(std::move(state)) {}
  std::string name() const override { return "generate"; }
  nlohmann::ordered_json settings() const override {
    return {{"system", dpl_stage3_system()}, {"strip_prefix", kReviewPrefix}};
  }
  std::vector<ChatMessages> prompts(const StageSample& sample, const EarlierOutputs& earlier) const override {
    const auto it = earlier.find("summary");
    if (it == earlier.end() || it->second.size() != 1)
      fail_internal("DPL", "sample " + sample.sample_id + " has no summary");
    // dpl_stage3_message strips the summary's "[Summary]:" prefix itself.
    return {{dpl_stage3_system(),
             dpl_stage3_message(*sample.row, state_->selection(sample), state_->meta(), it->second.front())}};
  }
  std::string clean(const std::string& text) const override { return strip_dpl_prefix(text, kReviewPrefix); }

 private:
  static constexpr const char* kReviewPrefix = "[Review]:";
  std::shared_ptr<DplState> state_;
};

}  // namespace

std::vector<std::unique_ptr<GenerationStage>> dpl_stages(DplStageOptions options) {
  if (!options.inputs.index || !options.inputs.meta) fail_internal("dpl_stages", "the split index and meta are required");
  auto state = std::make_shared<DplState>(std::move(options));
  std::vector<std::unique_ptr<GenerationStage>> stages;
  stages.push_back(std::make_unique<DplDifferenceStage>(state));
  stages.push_back(std::make_unique<DplSummaryStage>(state));
  stages.push_back(std::make_unique<DplGenerateStage>(state));
  return stages;
}

}  // namespace dep
