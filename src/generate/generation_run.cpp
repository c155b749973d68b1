// The dep-generate run loop (see generation_run.h).
#include "dep/generate/generation_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "dep/core/atomic_file.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/generate/embedding_source.h"
#include "dep/embed/embedding_store.h"
#include "dep/core/error.h"
#include "dep/generate/checkpoint_loader.h"
#include "dep/core/interrupt.h"
#include "dep/core/log.h"
#include "dep/core/progress.h"
#include "dep/generate/review_generator.h"
#include "dep/data/sample_builder.h"
#include "dep/data/splits.h"
#include "dep/core/hash.h"
#include "dep/data/pag_prompt.h"
#include "dep/generate/dpl_stages.h"
#include "dep/generate/pag_stages.h"
#include "dep/generate/stage_pipeline.h"

namespace fs = std::filesystem;

namespace dep {

namespace {
// A dep-embed store directory (what dep-train reads too), or a single safetensors file with one
// tensor per user (embedding_source.h).
std::unique_ptr<ReviewEmbeddings> open_embeddings(const std::string& path) {
  if (fs::is_directory(path)) return EmbeddingStore::open(path);
  return open_review_embeddings(path);
}

// What identifies a run's outputs: a resumed run and every shard must agree on all of it.
nlohmann::ordered_json run_header(const GenerateConfig& config, const PersonalizationModel& model,
                                  const std::vector<std::string>& categories, int64_t samples,
                                  const std::string& sample_set, const Shard& shard, int64_t shard_samples) {
  nlohmann::ordered_json h;
  h["format"] = "dep-generate/1";
  h["split"] = config.split;
  h["categories"] = categories;
  h["limit"] = config.limit;
  h["samples"] = samples;
  h["sample_set"] = sample_set;
  h["shard"] = {{"index", shard.index}, {"count", shard.count}};
  h["shard_samples"] = shard_samples;
  h["model"] = {{"layout", checkpoint_layout_name(model.origin.layout)},
                {"adapter_hash", model.origin.adapter_hash},
                {"llm_fingerprint", model.origin.llm_fingerprint},
                {"vocab_size", model.llm().vocab_size()},
                {"dtype", std::string(c10::toString(model.llm().dtype()))},
                {"device_type", model.llm().device().is_cuda() ? "cuda" : "cpu"}};
  // Only when set, so headers of runs without the ablation keep their shape.
  if (model.zero_soft_prompt()) h["model"]["zero_soft_prompt"] = true;
  h["sampling"] = config_to_json(config.sampling);
  h["data"] = config_to_json(config.data);
  return h;
}

// Multi-stage methods run through the StagePipeline (stage_pipeline.h); the others in one step.
bool is_multi_stage(const GenerateConfig& config) {
  return config.data.prompt.variant == "pag" || config.data.prompt.variant == "dpl";
}

// What the method's stages read besides the data: DPL's split maps and its embedding store.
struct StageResources {
  std::unique_ptr<DepSampleBuilder> builder;  // RAG's retrieval and length control (PAG)
  std::unique_ptr<DplSplitIndex> dpl_index;
  std::unique_ptr<ReviewEmbeddings> dpl_embeddings;
};

// What every stage of a multi-stage method depends on: the model, the sampling, where the data
// comes from and the chat template. Stage-specific settings are each stage's own (settings()).
nlohmann::ordered_json shared_stage_settings(const GenerateConfig& config, const PersonalizationModel& model) {
  nlohmann::ordered_json j;
  j["model"] = {{"layout", checkpoint_layout_name(model.origin.layout)},
                {"adapter_hash", model.origin.adapter_hash},
                {"llm_fingerprint", model.origin.llm_fingerprint},
                {"vocab_size", model.llm().vocab_size()},
                {"dtype", std::string(c10::toString(model.llm().dtype()))},
                {"device_type", model.llm().device().is_cuda() ? "cuda" : "cpu"}};
  j["sampling"] = config_to_json(config.sampling);
  j["data"] = {{"source", config_to_json(config.data.data)},
               {"splits", config_to_json(config.data.splits)},
               {"split", config.split},
               {"no_newline_after_system", config.data.quirks.no_newline_after_system}};
  return j;
}

// The stages of the configured method; `data`, `encoder` and `resources` (filled here) must
// outlive them.
std::vector<std::unique_ptr<GenerationStage>> method_stages(const GenerateConfig& config, const DepData& data,
                                                            const TokenEncoder& encoder, StageResources& resources) {
  if (config.data.prompt.variant == "dpl") {
    resources.dpl_index = std::make_unique<DplSplitIndex>(data.rows);
    if (!config.data.dpl.embeddings.empty()) resources.dpl_embeddings = open_embeddings(config.data.dpl.embeddings);
    DplStageOptions dpl;
    dpl.inputs.index = resources.dpl_index.get();
    dpl.inputs.meta = &data.meta;
    dpl.inputs.data = &data;
    dpl.inputs.embeddings = resources.dpl_embeddings.get();
    dpl.k = config.data.history.k;
    dpl.config = config.data.dpl;
    return dpl_stages(std::move(dpl));
  }
  resources.builder = std::make_unique<DepSampleBuilder>(config.data, data, encoder);
  const DepSampleBuilder& builder = *resources.builder;
  PagStageOptions pag;
  pag.prompts = PagPrompts::load(config.stages.pag_prompts);
  pag.profile_reviews = config.stages.pag_profile_reviews;
  pag.meta = &data.meta;
  pag.history = [&builder](const SplitRow& row) {
    const SamplePlan plan = builder.plan(row);
    return std::vector<int64_t>(plan.history.begin(), plan.history.begin() + plan.k);
  };
  pag.history_settings = config_to_json(config.data.history);
  return pag_stages(std::move(pag));
}

}  // namespace

namespace {

// A resumed record must still be the sample at its index: an edited or reordered dataset (another
// reference, user or category there) would otherwise keep a prediction for a different review.
void check_record_matches_sample(const GenerationRecord& r, const SplitRow& row, DepSplit split,
                                 const std::string& path) {
  const std::string sample_id = std::string(split_name(split)) + "/" + row.category + "/" + row.row.user_id;
  const char* differing = r.category != row.category       ? "category"
                          : r.user_id != row.row.user_id   ? "user_id"
                          : r.sample_id != sample_id       ? "sample_id"
                          : r.reference != row.row.data.text ? "reference"
                                                             : nullptr;
  if (differing != nullptr) {
    fail(path, "the record of sample " + std::to_string(r.index) + " (" + r.sample_id + ") does not match the data's " +
                   "sample at that index (" + sample_id + "): its " + differing +
                   " differs; the data changed since these outputs were generated, so choose another output.dir");
  }
}

// Creates the output directory and removes what it created (when still empty) unless keep() is
// called: a failed start leaves no empty directory behind.
class OutputDirectoryGuard {
 public:
  explicit OutputDirectoryGuard(const std::string& dir) {
    fs::path p = fs::absolute(dir);
    std::error_code ec;
    while (!p.empty() && !fs::exists(p, ec)) {
      created_.push_back(p);
      if (p == p.parent_path()) break;
      p = p.parent_path();
    }
    fs::create_directories(dir);
  }
  ~OutputDirectoryGuard() {
    if (kept_) return;
    std::error_code ec;
    for (const auto& p : created_) {  // innermost first
      if (!fs::is_directory(p, ec) || !fs::is_empty(p, ec)) break;
      fs::remove(p, ec);
    }
  }
  OutputDirectoryGuard(const OutputDirectoryGuard&) = delete;
  OutputDirectoryGuard& operator=(const OutputDirectoryGuard&) = delete;
  void keep() { kept_ = true; }

 private:
  std::vector<fs::path> created_;
  bool kept_ = false;
};

}  // namespace

GenerationRunSummary run_generation(const GenerateConfig& input_config, const Shard& shard) {
  GenerateConfig config = input_config;
  if (config.output.dir.empty()) fail("output.dir", "no output directory configured");
  const bool needs_embeddings = config.model.adapter != kNoAdapter;
  if (needs_embeddings && config.embeddings.empty()) fail("embeddings", "no review embeddings configured");
  // One tokenizer for the prompts and the model: data.tokenizer names it when model.tokenizer does not.
  if (config.model.tokenizer.empty()) config.model.tokenizer = config.data.tokenizer;
  if (!config.data.tokenizer.empty() && config.data.tokenizer != config.model.tokenizer) {
    fail("data.tokenizer", "differs from model.tokenizer; prompts must be tokenized with the model's tokenizer");
  }
  // A run that fails before its first sample leaves no directory behind that it created.
  OutputDirectoryGuard directory_guard(config.output.dir);

  const PersonalizationModel model = load_personalization_model(config.model, config.device);
  // Unset sampling fields and stop ids come from the model: the header and the effective config
  // record the values the run decodes with.
  const ModelDecodingDefaults model_defaults{read_model_generation_config(config.model.dir), model.tokenizer()};
  log::info(describe_sampling(config.sampling, model_defaults));
  config.sampling = effective_sampling(config.sampling, model_defaults);
  const DepData data = load_dep_data(config.data, parse_split(config.split));
  for (const auto& c : config.categories) {
    if (std::find(data.categories.begin(), data.categories.end(), c) == data.categories.end()) {
      fail("categories", "'" + c + "' is not a configured category");
    }
  }

  // The selected samples, in split order: their position is the sample index everywhere.
  std::vector<size_t> selected;
  for (size_t i = 0; i < data.rows.size(); ++i) {
    const auto& c = data.rows[i].category;
    if (config.categories.empty() || std::find(config.categories.begin(), config.categories.end(), c) != config.categories.end()) {
      selected.push_back(i);
    }
  }
  if (config.limit > 0 && static_cast<int64_t>(selected.size()) > config.limit) selected.resize(config.limit);
  std::vector<std::string> categories;
  Fnv1a set_hash;
  std::vector<int64_t> owned;
  for (size_t k = 0; k < selected.size(); ++k) {
    const auto& row = data.rows[selected[k]];
    if (std::find(categories.begin(), categories.end(), row.category) == categories.end()) categories.push_back(row.category);
    set_hash.add(row.category);
    set_hash.add(row.row.user_id);
    if (shard.owns(static_cast<int64_t>(k))) owned.push_back(static_cast<int64_t>(k));
  }

  // A multi-stage method's stages read the data through RAG's builder (no embeddings); its stage
  // fingerprints go into the header, so a resumed run must have the same stage settings.
  const bool staged = is_multi_stage(config);
  StageResources stage_resources;
  std::unique_ptr<StagePipeline> pipeline;
  const TokenEncoder encoder = encoder_of(*model.tokenizer());
  std::unique_ptr<ReviewGenerator> stage_generator;
  if (staged) {
    stage_generator = std::make_unique<ReviewGenerator>(model, config.sampling, config.engine);
    StagePipelineOptions options;
    options.cache_dir =
        config.stages.cache_dir.empty() ? (fs::path(config.output.dir) / "stages").string() : config.stages.cache_dir;
    options.cache_suffix = shard.whole() ? "" : shard.stem().substr(std::string("generations").size());
    options.fsync_every = config.output.fsync_every;
    options.seed = config.sampling.seed;
    options.newline_after_system = !config.data.quirks.no_newline_after_system;
    options.shared = shared_stage_settings(config, model);
    auto generate = [&encoder, gen = stage_generator.get()](
                        const std::vector<StageRequest>& requests,
                        const std::function<void(size_t, const StageResult&)>& done) {
      std::vector<std::vector<int64_t>> ids;
      std::vector<uint64_t> seeds;
      for (const auto& r : requests) {
        ids.push_back(encoder(r.prompt));
        seeds.push_back(r.seed);
      }
      gen->generate_prompts(ids, seeds, [&](size_t i, const ReviewGeneration& g) {
        done(i, {g.prediction, g.prompt_tokens, g.generated_tokens, g.finish == FinishReason::kStop});
      });
    };
    pipeline =
        std::make_unique<StagePipeline>(method_stages(config, data, encoder, stage_resources), options, generate);
  }

  const std::string stem = (fs::path(config.output.dir) / shard.stem()).string();
  const std::string header_path = stem + ".header.json";
  auto header = run_header(config, model, categories, static_cast<int64_t>(selected.size()), set_hash.hex(), shard,
                           static_cast<int64_t>(owned.size()));
  if (pipeline) {
    for (const auto& [name, fingerprint] : pipeline->fingerprints()) header["stages"][name] = fingerprint;
  }
  GenerationLog log(stem + ".jsonl", config.output.fsync_every);
  // The header says what the records were generated with: records without it cannot be adopted
  // under this run's settings.
  const bool header_exists = fs::exists(header_path);
  if (!header_exists && !log.records().empty()) {
    fail(log.path(), "holds " + std::to_string(log.records().size()) + " records but " + header_path +
                         " is missing, so the settings they were generated with are unknown; move the file "
                         "away (or restore the header) and rerun");
  }
  // The header and effective config are written with the first sample (or now, on a resume), so
  // that a run failing before its first sample leaves nothing that would refuse the corrected rerun.
  bool outputs_started = false;
  const auto start_outputs = [&] {
    if (outputs_started) return;
    write_or_check_header(header_path, header);
    write_effective_config(stem + ".config.json", config_to_json(config));
    outputs_started = true;
  };
  if (header_exists) start_outputs();
  for (const auto& r : log.records()) {
    if (r.index < 0 || r.index >= static_cast<int64_t>(selected.size()) || !shard.owns(r.index)) {
      fail(log.path(), "holds sample " + std::to_string(r.index) + ", which is not part of this run");
    }
    check_record_matches_sample(r, data.rows[selected[static_cast<size_t>(r.index)]], data.split, log.path());
  }
  std::vector<int64_t> pending;
  for (auto k : owned)
    if (!log.contains(k)) pending.push_back(k);

  GenerationRunSummary summary;
  summary.shard_samples = static_cast<int64_t>(owned.size());
  summary.resumed = summary.shard_samples - static_cast<int64_t>(pending.size());
  if (summary.resumed > 0) {
    log::info("resuming: " + std::to_string(summary.resumed) + " of " + std::to_string(summary.shard_samples) +
                       " samples already in " + log.path());
  }

  if (!pending.empty() && pipeline) {
    Progress progress("generate", summary.shard_samples, "samples");
    progress.resume_from(summary.resumed);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    const auto chunk = static_cast<size_t>(config.engine.chunk);
    const std::string split(split_name(data.split));
    for (size_t begin = 0; begin < pending.size(); begin += chunk) {
      throw_if_interrupted("dep-generate");
      const size_t end = std::min(pending.size(), begin + chunk);
      std::vector<StageSample> samples;
      for (size_t p = begin; p < end; ++p) {
        const SplitRow& row = data.rows[selected[pending[p]]];
        samples.push_back({&row, split + "/" + row.category + "/" + row.row.user_id});
      }
      pipeline->run(samples, [&](size_t position, const StageResult& g) {
        const SplitRow& row = *samples[position].row;
        GenerationRecord r;
        r.index = pending[begin + position];
        r.category = row.category;
        r.user_id = row.row.user_id;
        r.sample_id = samples[position].sample_id;
        r.prediction = g.text;
        r.reference = row.row.data.text;
        r.prompt_tokens = g.prompt_tokens;
        r.generated_tokens = g.generated_tokens;
        r.finish = g.stopped ? "stop" : "length";
        start_outputs();  // the header goes down with the first record, as in the one-stage path
        log.append(r);
        ++summary.generated;
        summary.generated_tokens += g.generated_tokens;
        const double t = elapsed();
        progress.advance(1, log::format("%.1f tok/s", t > 0 ? summary.generated_tokens / t : 0.0));
        if (interrupt_requested()) {
          log.sync();
          pipeline->sync();
          throw_if_interrupted("dep-generate");
        }
      });
    }
    log.sync();
    pipeline->sync();
    summary.seconds = elapsed();
    progress.finish(
        log::format("%.1f tok/s", summary.seconds > 0 ? summary.generated_tokens / summary.seconds : 0.0));
    summary.stages = pipeline->counts();
    for (const auto& c : pipeline->counts()) {
      log::info(log::format("stage %s: %lld prompts from the cache, %lld generated (%lld tokens)", c.stage.c_str(),
                            static_cast<long long>(c.cached), static_cast<long long>(c.generated),
                            static_cast<long long>(c.generated_tokens)));
    }
  } else if (!pending.empty()) {
    // Baselines read no embeddings (dense retrieval for RAG would; it says so when missing).
    const auto embeddings = config.embeddings.empty() ? nullptr : open_embeddings(config.embeddings);
    DepSampleBuilder builder(config.data, data, encoder_of(*model.tokenizer()), embeddings.get());
    ReviewGenerator generator(model, config.sampling, config.engine);
    Progress progress("generate", summary.shard_samples, "samples");
    progress.resume_from(summary.resumed);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    const auto chunk = static_cast<size_t>(config.engine.chunk);
    for (size_t begin = 0; begin < pending.size(); begin += chunk) {
      throw_if_interrupted("dep-generate");
      const size_t end = std::min(pending.size(), begin + chunk);
      std::vector<DepSample> samples;
      samples.reserve(end - begin);
      for (size_t p = begin; p < end; ++p) samples.push_back(builder.build(data.rows[selected[pending[p]]], false));
      std::vector<const DepSample*> pointers;
      for (const auto& s : samples) pointers.push_back(&s);
      generator.generate(pointers, [&](size_t position, const ReviewGeneration& g) {
        const DepSample& s = samples[position];
        GenerationRecord r;
        r.index = pending[begin + position];
        r.category = s.category;
        r.user_id = s.user_id;
        r.sample_id = s.sample_id;
        r.prediction = g.prediction;
        r.reference = s.target;
        r.prompt_tokens = g.prompt_tokens;
        r.generated_tokens = g.generated_tokens;
        r.finish = g.finish == FinishReason::kStop ? "stop" : "length";
        start_outputs();
        log.append(r);
        ++summary.generated;
        summary.generated_tokens += g.generated_tokens;
        const double t = elapsed();
        progress.advance(1, log::format("%.1f tok/s", t > 0 ? summary.generated_tokens / t : 0.0));
        if (interrupt_requested()) {
          log.sync();
          throw_if_interrupted("dep-generate");
        }
      });
    }
    log.sync();
    summary.seconds = elapsed();
    progress.finish(
        log::format("%.1f tok/s", summary.seconds > 0 ? summary.generated_tokens / summary.seconds : 0.0));
  }

  start_outputs();  // a shard with no samples still gets its header
  directory_guard.keep();
  summary.complete = static_cast<int64_t>(log.records().size()) == summary.shard_samples;
  if (!summary.complete) fail_internal(log.path(), "samples missing after the run");
  log.finalize_sorted();
  summary.files.push_back(log.path());
  if (shard.whole() && config.output.predictions_txt) {
    for (const auto& f : write_prediction_texts(config.output.dir, log.records())) summary.files.push_back(f);
  }
  int64_t tokens = 0, chars = 0;
  for (const auto& r : log.records()) {
    tokens += r.generated_tokens;
    chars += static_cast<int64_t>(r.prediction.size());
  }
  const double n = std::max<double>(1.0, static_cast<double>(log.records().size()));
  summary.mean_tokens = tokens / n;
  summary.mean_chars = chars / n;
  nlohmann::ordered_json s;
  s["samples"] = summary.shard_samples;
  s["resumed"] = summary.resumed;
  s["generated"] = summary.generated;
  s["generated_tokens"] = summary.generated_tokens;
  s["seconds"] = summary.seconds;
  s["samples_per_second"] = summary.seconds > 0 ? summary.generated / summary.seconds : 0.0;
  s["tokens_per_second"] = summary.seconds > 0 ? summary.generated_tokens / summary.seconds : 0.0;
  s["mean_generated_tokens"] = summary.mean_tokens;
  s["mean_prediction_bytes"] = summary.mean_chars;
  if (pipeline) {
    for (const auto& c : pipeline->counts()) {
      s["stages"][c.stage] = {{"cached", c.cached}, {"generated", c.generated}, {"generated_tokens", c.generated_tokens}};
    }
  }
  write_file_atomic(stem + ".summary.json", s.dump(2) + "\n");
  log::info(log::format(
      "done: %lld samples (%lld resumed), mean %.1f tokens / %.0f bytes per review; this run %lld samples, %lld tokens "
      "in %s (%.2f samples/s, %.1f tok/s)",
      static_cast<long long>(summary.shard_samples), static_cast<long long>(summary.resumed), summary.mean_tokens,
      summary.mean_chars, static_cast<long long>(summary.generated), static_cast<long long>(summary.generated_tokens),
      format_duration(summary.seconds).c_str(), s["samples_per_second"].get<double>(),
      s["tokens_per_second"].get<double>()));
  return summary;
}

}  // namespace dep
