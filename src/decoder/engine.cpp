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

torch::Tensor prefill_requests(const CausalLM& model, const std::vector<const GenerationRequest*>& requests,
                               KvCache& cache) {
  const int64_t k = static_cast<int64_t>(requests.size());
  if (k == 0) fail_internal("prefill_requests", "no requests");
  int64_t longest = 0;
  for (const auto* r : requests) longest = std::max<int64_t>(longest, static_cast<int64_t>(r->prompt_ids.size()));
  const int64_t H = model.hidden_size();
  // Right padding with zero embeddings: under the causal mask a prompt's real tokens never see the
  // padding after them, so no attention mask and no position ids are needed, and each prompt's
  // rows go through exactly the kernels (causal attention, positions 0..T-1) they would alone.
  auto embeds = torch::zeros({k, longest, H}, torch::TensorOptions().dtype(model.dtype()).device(model.device()));
  std::vector<int64_t> last_rows(k);
  for (int64_t i = 0; i < k; ++i) {
    const auto& r = *requests[i];
    const int64_t prompt = static_cast<int64_t>(r.prompt_ids.size());
    auto ids = torch::from_blob(const_cast<int64_t*>(r.prompt_ids.data()), {1, prompt}, torch::kLong).clone();
    auto row = model.embed_tokens(ids);
    if (!r.placeholder_ids.empty()) row = inject_soft_prompt(row, ids, r.placeholder_ids, r.soft_vectors);
    embeds[i].narrow(0, 0, prompt).copy_(row[0]);
    last_rows[i] = i * longest + prompt - 1;
  }
  auto hidden = model.hidden_states(embeds, {}, {}, &cache).reshape({k * longest, H});
  auto index = torch::tensor(last_rows, torch::kLong).to(model.device());
  return model.lm_head(hidden.index_select(0, index));
}

GenerationEngine::GenerationEngine(const CausalLM& model, EngineOptions options)
    : model_(model), options_(std::move(options)) {
  if (options_.max_batch <= 0) fail("max_batch", "must be positive");
  if (options_.prefill_tokens <= 0) fail("prefill_tokens", "must be positive");
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
  // Both caches are allocated once here; the decode loop only writes into them.
  KvCache cache = model_.make_cache(rows, capacity);
  // A prefill forward holds at most prefill_tokens padded tokens (always at least one prompt).
  const int64_t prefill_rows = std::clamp<int64_t>(options_.prefill_tokens / longest_prompt, 1, rows);
  KvCache prefill_cache = model_.make_cache(prefill_rows, longest_prompt);
  std::vector<Slot> slots(rows);
  auto step_ids = torch::empty({rows, 1}, torch::kLong);  // reused every decode step
  // On CUDA the step's ids travel from pinned memory without blocking the host.
  const bool on_device = model_.device().is_cuda();
  torch::Tensor device_ids;
  if (on_device) {
    step_ids = step_ids.pin_memory();
    device_ids = torch::empty({rows, 1}, torch::TensorOptions().dtype(torch::kLong).device(model_.device()));
  }
  int64_t width = 0;  // active rows are 0..width-1
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
  // Fills the free rows (ascending) with waiting requests, several prompts per prefill forward; a
  // request that finishes on its first token gives its row back. Returns the rows still free.
  std::vector<const GenerationRequest*> group;
  std::vector<int64_t> group_rows, group_lengths;
  auto refill = [&](std::vector<int64_t> free) {
    std::sort(free.begin(), free.end());
    while (!free.empty() && next_request < n) {
      group.clear();
      group_rows.clear();
      group_lengths.clear();
      int64_t padded = 0;
      while (next_request < n && static_cast<int64_t>(group.size()) < std::min<int64_t>(prefill_rows, free.size())) {
        const auto& r = requests[next_request];
        const int64_t prompt = static_cast<int64_t>(r.prompt_ids.size());
        const int64_t width_if_added = std::max(padded, prompt);
        if (!group.empty() && width_if_added * static_cast<int64_t>(group.size() + 1) > options_.prefill_tokens) break;
        padded = width_if_added;
        const int64_t row = free[group.size()];
        Slot& s = slots[row];
        s = Slot{};
        s.request = next_request++;
        s.history = torch::empty({prompt + r.max_new_tokens}, torch::kLong);
        std::copy(r.prompt_ids.begin(), r.prompt_ids.end(), s.history.data_ptr<int64_t>());
        s.history_length = prompt;
        s.generator = at::detail::createCPUGenerator(r.sampling.seed);
        group.push_back(&r);
        group_rows.push_back(row);
        group_lengths.push_back(prompt);
      }
      prefill_cache.clear();
      auto logits = prefill_requests(model_, group, prefill_cache);
      cache.copy_rows_from(prefill_cache, group_rows, group_lengths);
      sampler_rows.clear();
      for (int64_t row : group_rows) sampler_rows.push_back(sampler_row(slots[row]));
      sampler.choose(logits, sampler_rows, chosen);
      std::vector<int64_t> still_free(free.begin() + static_cast<int64_t>(group.size()), free.end());
      for (size_t i = 0; i < group.size(); ++i) {
        if (accept(slots[group_rows[i]], chosen[i])) {
          cache.clear_row(group_rows[i]);
          still_free.push_back(group_rows[i]);
        }
      }
      std::sort(still_free.begin(), still_free.end());
      free = std::move(still_free);
    }
    return free;
  };
  // Rows left free once no request waits: highest first, so compaction only ever moves rows that
  // are still running.
  auto compact = [&](const std::vector<int64_t>& free) {
    for (auto it = free.rbegin(); it != free.rend(); ++it) {
      const int64_t row = *it;
      const int64_t last = width - 1;
      if (row != last) {
        cache.move_row(last, row);
        slots[row] = std::move(slots[last]);
        cache.clear_row(last);
      }
      --width;
    }
  };

  {
    std::vector<int64_t> all(rows);
    for (int64_t b = 0; b < rows; ++b) all[b] = b;
    width = rows;
    compact(refill(all));
  }
  while (width > 0) {
    auto* ids = step_ids.data_ptr<int64_t>();
    bool all_plain_greedy = true;
    for (int64_t b = 0; b < width; ++b) {
      ids[b] = slots[b].last_token;
      const auto& p = requests[slots[b].request].sampling;
      all_plain_greedy = all_plain_greedy && !p.do_sample && p.repetition_penalty == 1.0;
    }
    torch::Tensor input = step_ids.narrow(0, 0, width);
    if (on_device) input = device_ids.narrow(0, 0, width).copy_(input, /*non_blocking=*/true);
    auto logits = model_.forward_ids(input, {}, {}, &cache, /*last_only=*/true).select(1, 0);
    // The step's one host synchronisation: the batch's tokens come back together (for the stop
    // check and the callback).
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
    if (!finished.empty()) {
      for (int64_t row : finished) cache.clear_row(row);
      compact(refill(finished));
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
