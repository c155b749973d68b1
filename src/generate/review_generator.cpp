// Samples → adapter soft prompts → engine requests → decoded reviews (see review_generator.h).
#include "dep/generate/review_generator.h"

#include <torch/torch.h>

#include "dep/adapter/dep_batch.h"
#include "dep/core/error.h"
#include "dep/text/bpe_tokenizer.h"
#include "dep/text/python_whitespace.h"
#include "dep/core/hash.h"

namespace dep {

namespace {

std::string placeholder_error() {
  return "its prompt has soft-prompt placeholders ([HIS_TOKEN_i]/[DIFF_TOKEN_i]) but model.adapter is \"none\": "
         "use a baseline prompt (prompt.variant item_only or rag) or give the DEP adapter";
}

// The reference's vLLM settings: what an unset field falls back to when the model does not say.
constexpr bool kReferenceDoSample = true;
constexpr double kReferenceTemperature = 0.8;
constexpr double kReferenceTopP = 0.95;
constexpr int64_t kReferenceTopK = 0;
constexpr double kReferenceRepetitionPenalty = 1.0;

SamplingParams params_of(const GenerateSamplingConfig& s) {
  SamplingParams params;
  params.do_sample = s.do_sample.value();
  params.temperature = s.temperature.value();
  params.top_p = s.top_p.value();
  params.top_k = s.top_k.value();
  params.repetition_penalty = s.repetition_penalty.value();
  return params;
}

// A value as a config shows it (0.8, not 0.800000).
template <class T>
std::string shown(T value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::vector<int64_t> tokenizer_stop_ids(const BpeTokenizer& tokenizer) {
  std::vector<int64_t> out;
  for (const char* token : {kImEndToken, kEndOfTextToken})
    if (const int64_t id = tokenizer.token_to_id(token); id >= 0) out.push_back(id);
  return out;
}

}  // namespace

GenerateSamplingConfig effective_sampling(const GenerateSamplingConfig& user, const ModelDecodingDefaults& model) {
  const ModelGenerationConfig& file = model.generation_config;
  GenerateSamplingConfig from_file;  // the file's values alone, checked against its name
  from_file.do_sample = file.do_sample.value_or(kReferenceDoSample);
  from_file.temperature = file.temperature.value_or(kReferenceTemperature);
  from_file.top_p = file.top_p.value_or(kReferenceTopP);
  from_file.top_k = file.top_k.value_or(kReferenceTopK);
  from_file.repetition_penalty = file.repetition_penalty.value_or(kReferenceRepetitionPenalty);
  if (!file.source.empty()) params_of(from_file).validate(file.source);
  GenerateSamplingConfig out = user;
  if (!out.do_sample) out.do_sample = from_file.do_sample;
  if (!out.temperature) out.temperature = from_file.temperature;
  if (!out.top_p) out.top_p = from_file.top_p;
  if (!out.top_k) out.top_k = from_file.top_k;
  if (!out.repetition_penalty) out.repetition_penalty = from_file.repetition_penalty;
  if (out.stop_ids.empty()) out.stop_ids = file.eos_token_ids;
  if (out.stop_ids.empty() && model.tokenizer) out.stop_ids = tokenizer_stop_ids(*model.tokenizer);
  if (out.stop_ids.empty())
    fail("sampling.stop_ids", "empty, and neither a generation_config.json nor the tokenizer names an eos token");
  return out;
}

std::string describe_sampling(const GenerateSamplingConfig& user, const ModelDecodingDefaults& model) {
  const auto s = effective_sampling(user, model);
  auto origin = [](bool set_by_user, bool in_file) {
    return std::string(set_by_user ? "config" : in_file ? "generation_config.json" : "reference default");
  };
  const auto& m = model.generation_config;
  std::string stops;
  for (auto id : s.stop_ids) stops += (stops.empty() ? "" : ",") + std::to_string(id);
  const std::string stop_origin = !user.stop_ids.empty()        ? "config"
                                  : !m.eos_token_ids.empty()   ? m.source
                                                                : "the tokenizer's <|im_end|>, <|endoftext|>";
  std::string out = "sampling: stop ids [" + stops + "] (" + stop_origin + ")";
  out += std::string(", do_sample ") + (*s.do_sample ? "true" : "false") + " (" +
         origin(user.do_sample.has_value(), m.do_sample.has_value()) + ")";
  out += ", temperature " + shown(*s.temperature) + " (" +
         origin(user.temperature.has_value(), m.temperature.has_value()) + ")";
  out += ", top_p " + shown(*s.top_p) + " (" + origin(user.top_p.has_value(), m.top_p.has_value()) + ")";
  out += ", top_k " + std::to_string(*s.top_k) + " (" + origin(user.top_k.has_value(), m.top_k.has_value()) + ")";
  out += ", repetition_penalty " + shown(*s.repetition_penalty) + " (" +
         origin(user.repetition_penalty.has_value(), m.repetition_penalty.has_value()) + ")";
  return out;
}

uint64_t ReviewGenerator::sample_seed(int64_t base_seed, const std::string& sample_id) {
  Fnv1a hash;
  hash.add(sample_id);
  return splitmix64(static_cast<uint64_t>(base_seed) ^ splitmix64(hash.value()));
}

ReviewGenerator::ReviewGenerator(const PersonalizationModel& model, GenerateSamplingConfig sampling,
                                 GenerateEngineConfig engine, const ModelGenerationConfig& model_generation_config)
    : model_(model),
      sampling_(effective_sampling(sampling, {model_generation_config, model.tokenizer()})),
      engine_(std::move(engine)) {
  params_of(sampling_).validate("sampling");
  const int64_t vocab = model_.llm().vocab_size();
  for (auto id : sampling_.stop_ids) {
    if (id < 0 || id >= vocab) {
      fail("sampling.stop_ids", "id " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(vocab) + ")");
    }
  }
}

GenerationRequest ReviewGenerator::base_request(const DepSample& sample) const {
  GenerationRequest r;
  r.prompt_ids = sample.input_ids;
  r.max_new_tokens = sampling_.max_new_tokens;
  r.sampling = params_of(sampling_);
  r.sampling.seed = sample_seed(sampling_.seed, sample.sample_id);
  r.stop_ids = sampling_.stop_ids;
  return r;
}

GenerationRequest ReviewGenerator::request_without_soft_prompts(const DepSample& sample) const {
  // A placeholder without a vector would be read as its token row: the prompt needs an adapter.
  for (const auto* positions : {&sample.his_positions, &sample.diff_positions}) {
    for (auto p : *positions)
      if (p >= 0) fail("sample " + sample.sample_id, placeholder_error());
  }
  return base_request(sample);
}

std::vector<GenerationRequest> ReviewGenerator::requests(const std::vector<const DepSample*>& samples) const {
  std::vector<GenerationRequest> out;
  if (samples.empty()) return out;
  if (!model_.adapter()) {
    for (const DepSample* s : samples) out.push_back(request_without_soft_prompts(*s));
    return out;
  }
  for (const DepSample* s : samples) {
    if (!s->labels.empty() && s->prompt_length != static_cast<int64_t>(s->input_ids.size())) {
      fail("sample " + s->sample_id, "is a training sample (prompt + target); generation needs prompt-only samples");
    }
  }
  // One adapter forward for the whole set ([B, n, H]); each request takes its row, and the
  // engine's prefill injects it at the placeholders.
  AdapterOutput adapted;
  {
    torch::NoGradGuard no_grad;
    const DepBatch batch = collate_samples(samples, "generation").to(model_.llm().device());
    adapted = model_.adapt(batch.conditioning());
  }
  const std::vector<int64_t> placeholder_ids = model_.placeholder_ids(adapted.placeholders);
  const auto dtype = model_.llm().dtype();
  for (size_t b = 0; b < samples.size(); ++b) {
    GenerationRequest r = base_request(*samples[b]);
    if (adapted.vectors.defined() && !placeholder_ids.empty()) {
      r.placeholder_ids = placeholder_ids;
      r.soft_vectors = adapted.vectors[static_cast<int64_t>(b)].to(dtype);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ReviewGeneration> ReviewGenerator::generate(const std::vector<const DepSample*>& samples,
                                                        const GenerationCallback& on_done) {
  if (samples.empty()) return {};
  return run(requests(samples), on_done);
}

std::vector<ReviewGeneration> ReviewGenerator::generate_prompts(const std::vector<std::vector<int64_t>>& prompt_ids,
                                                                const std::vector<uint64_t>& seeds,
                                                                const GenerationCallback& on_done) {
  if (prompt_ids.size() != seeds.size()) fail_internal("generate_prompts", "one seed per prompt");
  std::vector<GenerationRequest> reqs;
  reqs.reserve(prompt_ids.size());
  for (size_t i = 0; i < prompt_ids.size(); ++i) {
    GenerationRequest r;
    r.prompt_ids = prompt_ids[i];
    r.max_new_tokens = sampling_.max_new_tokens;
    r.sampling = params_of(sampling_);
    r.sampling.seed = seeds[i];
    r.stop_ids = sampling_.stop_ids;
    reqs.push_back(std::move(r));
  }
  return run(reqs, on_done);
}

std::vector<ReviewGeneration> ReviewGenerator::run(const std::vector<GenerationRequest>& reqs,
                                                   const GenerationCallback& on_done) {
  std::vector<ReviewGeneration> results(reqs.size());
  if (reqs.empty()) return results;
  std::vector<std::vector<int64_t>> tokens(reqs.size());
  const auto& tokenizer = *model_.tokenizer();
  auto finish = [&](size_t i, FinishReason reason) {
    auto ids = tokens[i];
    ReviewGeneration& g = results[i];
    g.prompt_tokens = static_cast<int64_t>(reqs[i].prompt_ids.size());
    g.generated_tokens = static_cast<int64_t>(ids.size());
    g.finish = reason;
    // vLLM leaves the stop token out of the text even when special tokens are kept.
    if (reason == FinishReason::kStop && !ids.empty()) ids.pop_back();
    g.prediction = tokenizer.decode(ids, sampling_.skip_special_tokens);
    if (sampling_.strip) g.prediction = python_strip(g.prediction);
    if (on_done) on_done(i, g);
  };
  EngineOptions options;
  options.max_batch = engine_.max_batch;
  options.stop_ids = sampling_.stop_ids;
  GenerationEngine engine(model_.llm(), options);
  engine.generate(reqs, [&](const TokenEvent& event) {
    tokens[event.request].push_back(event.token);
    if (event.finished) finish(event.request, event.finish);
  });
  return results;
}

}  // namespace dep
