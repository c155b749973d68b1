// The multi-stage runner (see stage_pipeline.h).
#include "dep/generate/stage_pipeline.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>

#include "dep/core/error.h"
#include "dep/core/hash.h"
#include "dep/core/interrupt.h"
#include "dep/data/dep_prompt.h"

namespace fs = std::filesystem;

namespace dep {

namespace {

std::string hash_text(const std::string& text) {
  Fnv1a h;
  h.add(text);
  return h.hex();
}

// One prompt to answer: which unit and index it fills (or which sample, in the last stage).
struct PendingPrompt {
  std::string key;
  int64_t index = 0;
  size_t sample = 0;
  std::string prompt_hash;
};

}  // namespace

uint64_t StagePipeline::request_seed(int64_t base_seed, const std::string& key, const std::string& stage,
                                     int64_t index) {
  Fnv1a h;
  h.add(key);
  h.add(stage);
  h.add_value(index);
  return splitmix64(static_cast<uint64_t>(base_seed) ^ splitmix64(h.value()));
}

StagePipeline::StagePipeline(std::vector<std::unique_ptr<GenerationStage>> stages, StagePipelineOptions options,
                             StageGenerator generator)
    : stages_(std::move(stages)), options_(std::move(options)), generator_(std::move(generator)) {
  if (stages_.empty()) fail_internal("StagePipeline", "no stages");
  if (!generator_) fail_internal("StagePipeline", "no generator");
  std::set<std::string> names;
  std::string previous;
  for (const auto& stage : stages_) {
    const std::string name = stage->name();
    if (name.empty() || name.find('/') != std::string::npos || !names.insert(name).second)
      fail_internal("StagePipeline", "stage names must be distinct file-name parts: '" + name + "'");
    Fnv1a h;
    h.add(name);
    h.add(stage->settings().dump());
    h.add(options_.shared.dump());
    h.add(previous);
    previous = h.hex();
    fingerprints_.push_back(previous);
    counts_.push_back({name, 0, 0, 0});
  }
}

void StagePipeline::open_caches() {
  if (!caches_.empty() || stages_.size() < 2) return;
  for (size_t s = 0; s + 1 < stages_.size(); ++s) {
    const std::string path =
        (fs::path(options_.cache_dir) / (stages_[s]->name() + options_.cache_suffix + ".jsonl")).string();
    caches_.push_back(std::make_unique<StageCache>(path, stages_[s]->name(), fingerprints_[s], options_.fsync_every));
    if (caches_.back()->size() > 0)
      spdlog::info("stage {}: {} cached outputs in {}", stages_[s]->name(), caches_.back()->size(), path);
  }
}

std::vector<std::pair<std::string, std::string>> StagePipeline::fingerprints() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t s = 0; s < stages_.size(); ++s) out.emplace_back(stages_[s]->name(), fingerprints_[s]);
  return out;
}

std::string StagePipeline::render(const ChatMessages& m) const {
  return chat_prompt(m.system, m.user, options_.newline_after_system);
}

void StagePipeline::sync() {
  for (auto& c : caches_) c->sync();
}

void StagePipeline::run(const std::vector<StageSample>& samples,
                        const std::function<void(size_t, const StageResult&)>& on_final) {
  open_caches();
  std::vector<EarlierOutputs> earlier(samples.size());
  auto stop_if_interrupted = [&] {
    if (!interrupt_requested()) return;
    sync();
    throw_if_interrupted("dep-generate");
  };
  for (size_t s = 0; s < stages_.size(); ++s) {
    const GenerationStage& stage = *stages_[s];
    const bool last = s + 1 == stages_.size();
    const std::string name = stage.name();
    std::vector<StageRequest> requests;
    std::vector<PendingPrompt> pending;
    std::map<std::string, std::vector<std::string>> units;  // key → raw outputs (this chunk)
    std::vector<std::string> keys(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      keys[i] = stage.key(samples[i]);
      if (!last && units.count(keys[i])) continue;  // shared unit, already planned
      const auto prompts = stage.prompts(samples[i], earlier[i]);
      if (last && prompts.size() != 1)
        fail_internal("stage " + name, "the last stage must give one prompt per sample, gave " +
                                           std::to_string(prompts.size()));
      auto& texts = units[keys[i]];
      texts.resize(prompts.size());
      for (size_t j = 0; j < prompts.size(); ++j) {
        std::string prompt = render(prompts[j]);
        std::string hash = hash_text(prompt);
        if (!last) {
          const StageEntry* cached = caches_[s]->find(keys[i], static_cast<int64_t>(j));
          if (cached && cached->prompt_hash == hash) {
            texts[j] = cached->text;
            ++counts_[s].cached;
            continue;
          }
        }
        requests.push_back({std::move(prompt), request_seed(options_.seed, keys[i], name, static_cast<int64_t>(j))});
        pending.push_back({keys[i], static_cast<int64_t>(j), i, std::move(hash)});
      }
    }
    if (!requests.empty()) {
      generator_(requests, [&](size_t r, const StageResult& result) {
        const PendingPrompt& p = pending[r];
        ++counts_[s].generated;
        counts_[s].generated_tokens += result.generated_tokens;
        if (last) {
          StageResult cleaned = result;
          cleaned.text = stage.clean(result.text);
          on_final(p.sample, cleaned);
        } else {
          caches_[s]->append({p.key, p.index, p.prompt_hash, result.text, result.prompt_tokens,
                              result.generated_tokens, result.stopped ? "stop" : "length"});
          units[p.key][static_cast<size_t>(p.index)] = result.text;
        }
        stop_if_interrupted();
      });
    }
    if (last) break;
    caches_[s]->sync();
    stop_if_interrupted();
    for (size_t i = 0; i < samples.size(); ++i) {
      auto& outputs = earlier[i][name];
      for (const auto& text : units[keys[i]]) outputs.push_back(stage.clean(text));
    }
  }
}

}  // namespace dep
