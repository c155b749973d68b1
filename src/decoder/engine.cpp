// Fixed-length greedy continuation and the continuous-batching generation engine.
#include "dep/decoder/engine.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/model_config.h"
#include "dep/decoder/soft_prompt.h"

namespace dep {

namespace {

// config.json's eos_token_id (one id or a list; absent = none).
std::vector<int64_t> config_eos_token_ids(const std::string& model_dir) {
  const nlohmann::json json = read_model_config_json(model_dir);
  auto eos = json.find("eos_token_id");
  if (eos == json.end() || eos->is_null()) return {};
  if (eos->is_number_integer()) return {eos->get<int64_t>()};
  if (!eos->is_array()) return {};
  try {
    return eos->get<std::vector<int64_t>>();
  } catch (const nlohmann::json::exception&) {
    fail((std::filesystem::path(model_dir) / "config.json").string(),
         "key 'eos_token_id' has the wrong type: " + eos->dump());
  }
}

}  // namespace

GenerationDefaults GenerationDefaults::load(const std::string& model_dir) {
  GenerationDefaults d;
  const auto path = (std::filesystem::path(model_dir) / "generation_config.json").string();
  if (!std::filesystem::exists(path)) {
    d.eos_token_ids = config_eos_token_ids(model_dir);
    return d;
  }
  const nlohmann::json json = read_json_file(path);
  auto read = [&](const char* key, auto& out) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) return;
    try {
      out = it->get<std::decay_t<decltype(out)>>();
    } catch (const nlohmann::json::exception&) {
      fail(path, std::string("key '") + key + "' has the wrong type: " + it->dump());
    }
  };
  if (auto eos = json.find("eos_token_id"); eos != json.end()) {
    if (eos->is_number_integer()) d.eos_token_ids = {eos->get<int64_t>()};
    else read("eos_token_id", d.eos_token_ids);
  } else {
    d.eos_token_ids = config_eos_token_ids(model_dir);
  }
  read("do_sample", d.sampling.do_sample);
  read("temperature", d.sampling.temperature);
  read("top_k", d.sampling.top_k);
  read("top_p", d.sampling.top_p);
  read("repetition_penalty", d.sampling.repetition_penalty);
  d.sampling.validate(path);
  return d;
}

torch::Tensor greedy_continuation(const CausalLM& model, const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask, int64_t max_new_tokens) {
  if (input_ids.dim() != 2) fail("input_ids", "expected shape [B, T], got " + shape_string(input_ids.sizes().vec()));
  if (max_new_tokens <= 0) fail("max_new_tokens", "must be positive");
  torch::NoGradGuard no_grad;
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  KvCache cache = model.make_cache(B, T + max_new_tokens);
  auto out = torch::empty({B, max_new_tokens}, torch::TensorOptions().dtype(torch::kLong).device(model.device()));
  auto logits = model.forward_ids(input_ids, attention_mask, {}, &cache, /*last_only=*/true);
  for (int64_t i = 0; i < max_new_tokens; ++i) {
    auto next = logits.select(1, 0).to(torch::kFloat32).argmax(-1);  // fp32 as HF generate
    out.select(1, i).copy_(next);
    if (i + 1 < max_new_tokens) logits = model.forward_ids(next.view({B, 1}), {}, {}, &cache, true);
  }
  return out.to(torch::kCPU);
}

namespace {

// One cache row's sequence.
struct Slot {
  size_t request = 0;
  torch::Tensor history;  // [prompt + max_new] I64 (CPU): ids seen, for the repetition penalty
  int64_t history_length = 0;
  int64_t generated = 0;
  int64_t last_token = 0;
  torch::Generator generator;
};

void validate_request(const GenerationRequest& r, size_t index, int64_t hidden) {
  const std::string where = "request " + std::to_string(index);
  if (r.prompt_ids.empty()) fail(where, "empty prompt");
  if (r.max_new_tokens <= 0) fail(where, "max_new_tokens must be positive");
  r.sampling.validate(where);
  const int64_t n = static_cast<int64_t>(r.placeholder_ids.size());
  if (n > 0 && (!r.soft_vectors.defined() || r.soft_vectors.dim() != 2 || r.soft_vectors.size(0) != n ||
                r.soft_vectors.size(1) != hidden)) {
    fail(where, "soft_vectors must be [" + std::to_string(n) + ", " + std::to_string(hidden) + "]");
  }
}

}  // namespace

torch::Tensor prefill_request(const CausalLM& model, const GenerationRequest& request, KvCache& cache,
                              bool last_only) {
  const int64_t prompt = static_cast<int64_t>(request.prompt_ids.size());
  auto ids = torch::from_blob(const_cast<int64_t*>(request.prompt_ids.data()), {1, prompt}, torch::kLong).clone();
  auto embeds = model.embed_tokens(ids);
  if (!request.placeholder_ids.empty()) {
    embeds = inject_soft_prompt(embeds, ids, request.placeholder_ids, request.soft_vectors);
  }
  return model.forward(embeds, {}, {}, &cache, last_only);
}

GenerationEngine::GenerationEngine(const CausalLM& model, EngineOptions options)
    : model_(model), options_(std::move(options)) {
  if (options_.max_batch <= 0) fail("max_batch", "must be positive");
}

std::vector<GenerationResult> GenerationEngine::generate(const std::vector<GenerationRequest>& requests,
                                                         const TokenCallback& on_token) {
  const size_t n = requests.size();
  std::vector<GenerationResult> results(n);
  if (n == 0) return results;
  int64_t capacity = 0, longest_prompt = 0;
  for (size_t i = 0; i < n; ++i) {
    validate_request(requests[i], i, model_.hidden_size());
    const int64_t p = static_cast<int64_t>(requests[i].prompt_ids.size());
    capacity = std::max(capacity, p + requests[i].max_new_tokens);
    longest_prompt = std::max(longest_prompt, p);
  }
  torch::NoGradGuard no_grad;
  const int64_t rows = std::min<int64_t>(options_.max_batch, static_cast<int64_t>(n));
  KvCache cache = model_.make_cache(rows, capacity);
  KvCache prefill_cache = model_.make_cache(1, longest_prompt);
  std::vector<Slot> slots(rows);
  auto step_ids = torch::empty({rows, 1}, torch::kLong);  // reused every decode step
  int64_t width = 0;                                      // active rows are 0..width-1
  size_t next_request = 0;

  auto stop_ids_of = [&](const GenerationRequest& r) -> const std::vector<int64_t>& {
    return r.stop_ids.empty() ? options_.stop_ids : r.stop_ids;
  };
  // Records the chosen token; true when the sequence is finished.
  auto accept = [&](Slot& s, int64_t token) {
    const auto& r = requests[s.request];
    auto& result = results[s.request];
    result.tokens.push_back(token);
    s.history.data_ptr<int64_t>()[s.history_length++] = token;
    s.last_token = token;
    ++s.generated;
    const auto& stop = stop_ids_of(r);
    bool finished = false;
    if (std::find(stop.begin(), stop.end(), token) != stop.end()) {
      finished = true;
      result.finish = FinishReason::kStop;
    } else if (s.generated >= r.max_new_tokens) {
      finished = true;
      result.finish = FinishReason::kLength;
    }
    if (on_token) on_token(TokenEvent{s.request, token, finished, result.finish});
    return finished;
  };
  TokenSampler sampler(rows, model_.vocab_size());
  std::vector<SamplerRow> sampler_rows;  // reused every step
  std::vector<int64_t> chosen, finished;
  auto sampler_row = [&](Slot& s) {
    SamplerRow row;
    row.params = &requests[s.request].sampling;
    if (row.params->repetition_penalty != 1.0) row.history = s.history.narrow(0, 0, s.history_length);
    row.generator = &s.generator;
    return row;
  };
  auto active_rows = [&] {
    sampler_rows.clear();
    for (int64_t b = 0; b < width; ++b) sampler_rows.push_back(sampler_row(slots[b]));
  };
  // Prefills waiting requests into `row` until one is still running after its first token.
  auto admit = [&](int64_t row) {
    while (next_request < n) {
      const size_t index = next_request++;
      const auto& r = requests[index];
      Slot& s = slots[row];
      s = Slot{};
      s.request = index;
      const int64_t prompt = static_cast<int64_t>(r.prompt_ids.size());
      s.history = torch::empty({prompt + r.max_new_tokens}, torch::kLong);
      std::copy(r.prompt_ids.begin(), r.prompt_ids.end(), s.history.data_ptr<int64_t>());
      s.history_length = prompt;
      s.generator = at::detail::createCPUGenerator(r.sampling.seed);

      prefill_cache.clear();
      auto logits = prefill_request(model_, r, prefill_cache, /*last_only=*/true);
      cache.copy_rows_from(prefill_cache, {row});
      sampler_rows.assign(1, sampler_row(s));
      sampler.choose(logits.select(1, 0), sampler_rows, chosen);
      if (!accept(s, chosen[0])) return true;
    }
    return false;
  };

  while (width < rows && next_request < n) {
    if (admit(width)) ++width;
  }
  while (width > 0) {
    auto* ids = step_ids.data_ptr<int64_t>();
    bool all_plain_greedy = true;
    for (int64_t b = 0; b < width; ++b) {
      ids[b] = slots[b].last_token;
      const auto& p = requests[slots[b].request].sampling;
      all_plain_greedy = all_plain_greedy && !p.do_sample && p.repetition_penalty == 1.0;
    }
    auto logits = model_.forward_ids(step_ids.narrow(0, 0, width), {}, {}, &cache, /*last_only=*/true).select(1, 0);
    finished.clear();
    if (all_plain_greedy) {
      auto next = logits.to(torch::kFloat32).argmax(-1).to(torch::kCPU);
      const int64_t* greedy_ids = next.data_ptr<int64_t>();
      for (int64_t b = 0; b < width; ++b) {
        if (accept(slots[b], greedy_ids[b])) finished.push_back(b);
      }
    } else {
      active_rows();
      sampler.choose(logits, sampler_rows, chosen);
      for (int64_t b = 0; b < width; ++b) {
        if (accept(slots[b], chosen[b])) finished.push_back(b);
      }
    }
    // Highest rows first, so compaction only ever moves rows that are still running.
    for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
      const int64_t row = *it;
      cache.clear_row(row);
      if (admit(row)) continue;
      const int64_t last = width - 1;
      if (row != last) {
        cache.move_row(last, row);
        slots[row] = std::move(slots[last]);
        cache.clear_row(last);
      }
      --width;
    }
    // The next step's rows are known: their multinomial noise is drawn while the model runs.
    if (width > 0) {
      active_rows();
      sampler.prefetch_noise(sampler_rows);
    }
  }
  return results;
}

}  // namespace dep
