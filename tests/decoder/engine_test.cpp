// KV-cache consistency and the generation engine on tiny-qwen2: fixture greedy tokens, cached ==
// uncached, padded == alone, continuous batching with mixed lengths and stops, seeds, soft prompts.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/decoder/engine.h"
#include "dep/decoder/qwen2.h"
#include "dep/decoder/soft_prompt.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

const dep::Qwen2Model& tiny() {
  static const auto model = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
  return model;
}

std::vector<int64_t> prompt(int64_t length, int64_t salt) {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < length; ++i) ids.push_back(3 + (i * 37 + salt * 101) % 990);
  return ids;
}

// Reference: the request alone, greedy, uncached (recomputes the whole prefix every step).
std::vector<int64_t> uncached_greedy(const std::vector<int64_t>& ids, int64_t n) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> seq = ids, out;
  for (int64_t i = 0; i < n; ++i) {
    auto t = torch::tensor(seq, torch::kLong).view({1, -1});
    auto logits = tiny().forward_ids(t, {}, {}, nullptr, true);
    out.push_back(logits.view({-1}).argmax().item<int64_t>());
    seq.push_back(out.back());
  }
  return out;
}

}  // namespace

TEST_CASE("tiny-qwen2 12-step greedy continuation with KV cache matches the reference", "[generate][fixtures]") {
  auto ref = dep::load_safetensors(dep::test::fixture("tiny-qwen2/reference.safetensors"));
  for (auto backend : {dep::AttentionBackend::kEager, dep::default_attention_backend()}) {
    auto model = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
    model.attention = backend;
    auto tokens = dep::greedy_continuation(model, ref.at("input_ids"), ref.at("attention_mask"), 12);
    CHECK(torch::equal(tokens, ref.at("greedy_tokens")));
  }
}

TEST_CASE("cached decoding equals the uncached forward", "[generate][cache]") {
  torch::NoGradGuard no_grad;
  const auto& model = tiny();
  auto ids = torch::tensor(prompt(9, 1), torch::kLong).view({1, 9});
  auto full = model.forward_ids(ids);
  // Prefill 4 tokens, then 2, then one at a time: every chunk equals the matching uncached rows.
  auto cache = model.make_cache(1, 16);
  auto a = model.forward_ids(ids.narrow(1, 0, 4), {}, {}, &cache);
  auto b = model.forward_ids(ids.narrow(1, 4, 2), {}, {}, &cache);
  CHECK(cache.next_position(0) == 6);
  std::vector<torch::Tensor> parts = {a, b};
  for (int64_t t = 6; t < 9; ++t) parts.push_back(model.forward_ids(ids.narrow(1, t, 1), {}, {}, &cache));
  auto cached = torch::cat(parts, 1);
  CHECK((cached - full).abs().max().item<double>() <= 1e-4);
}

TEST_CASE("a left-padded batch equals each sequence alone", "[generate][padding]") {
  torch::NoGradGuard no_grad;
  const auto& model = tiny();
  const std::vector<int64_t> lengths = {7, 3, 11};
  const int64_t T = 11;
  auto ids = torch::zeros({3, T}, torch::kLong);
  auto mask = torch::zeros({3, T}, torch::kLong);
  for (int64_t b = 0; b < 3; ++b) {
    auto p = prompt(lengths[b], b);
    ids[b].narrow(0, T - lengths[b], lengths[b]).copy_(torch::tensor(p, torch::kLong));
    mask[b].narrow(0, T - lengths[b], lengths[b]).fill_(1);
  }
  auto batch = model.forward_ids(ids, mask);
  auto tokens = dep::greedy_continuation(model, ids, mask, 6);
  for (int64_t b = 0; b < 3; ++b) {
    auto alone = model.forward_ids(ids[b].narrow(0, T - lengths[b], lengths[b]).view({1, -1}));
    auto rows = batch[b].narrow(0, T - lengths[b], lengths[b]);
    CHECK((rows - alone[0]).abs().max().item<double>() <= 1e-4);
    auto alone_tokens = dep::greedy_continuation(model, ids[b].narrow(0, T - lengths[b], lengths[b]).view({1, -1}), {}, 6);
    CHECK(torch::equal(tokens[b], alone_tokens[0]));
  }
}

TEST_CASE("the engine generates a batch with mixed lengths, stops and continuous batching", "[generate][engine]") {
  const auto& model = tiny();
  // Discover what greedy produces, then make some requests stop on a token they will generate.
  std::vector<dep::GenerationRequest> requests;
  std::vector<std::vector<int64_t>> expected;
  for (int64_t i = 0; i < 7; ++i) {
    dep::GenerationRequest r;
    r.prompt_ids = prompt(3 + (i * 5) % 13, i);
    r.max_new_tokens = 4 + (i * 3) % 9;
    auto full = uncached_greedy(r.prompt_ids, r.max_new_tokens);
    if (i % 2 == 1) {
      const int64_t stop_at = std::min<int64_t>(2, r.max_new_tokens - 1);
      r.stop_ids = {full[stop_at]};
      auto first = std::find(full.begin(), full.end(), full[stop_at]);
      full.erase(first + 1, full.end());
    }
    requests.push_back(r);
    expected.push_back(full);
  }
  std::vector<std::vector<int64_t>> streamed(requests.size());
  std::vector<int> finished_events(requests.size(), 0);
  dep::GenerationEngine engine(model, {/*max_batch=*/3, {}});
  auto results = engine.generate(requests, [&](const dep::TokenEvent& e) {
    streamed[e.request].push_back(e.token);
    finished_events[e.request] += e.finished ? 1 : 0;
  });
  REQUIRE(results.size() == requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    INFO("request " << i);
    CHECK(results[i].tokens == expected[i]);
    CHECK(streamed[i] == results[i].tokens);
    CHECK(finished_events[i] == 1);
    CHECK(results[i].finish == (i % 2 == 1 ? dep::FinishReason::kStop : dep::FinishReason::kLength));
  }
}

TEST_CASE("sampling seeds reproduce regardless of batch composition", "[generate][sampling]") {
  const auto& model = tiny();
  auto make = [](int64_t salt, uint64_t seed) {
    dep::GenerationRequest r;
    r.prompt_ids = prompt(5 + salt, salt);
    r.max_new_tokens = 10;
    r.sampling.do_sample = true;
    r.sampling.temperature = 0.9;
    r.sampling.top_k = 40;
    r.sampling.top_p = 0.95;
    r.sampling.repetition_penalty = 1.1;
    r.sampling.seed = seed;
    return r;
  };
  dep::GenerationEngine engine(model, {4, {}});
  auto alone = engine.generate({make(2, 77)});
  auto mixed = engine.generate({make(0, 1), make(1, 2), make(2, 77), make(3, 3), make(4, 4)});
  CHECK(alone[0].tokens == mixed[2].tokens);
  dep::GenerationEngine narrow(model, {1, {}});
  auto sequential = narrow.generate({make(3, 3), make(2, 77)});
  CHECK(sequential[1].tokens == alone[0].tokens);
  // A different seed gives a different draw (10 tokens from a flat-ish distribution).
  auto other = engine.generate({make(2, 78)});
  CHECK(other[0].tokens != alone[0].tokens);
}

TEST_CASE("engine soft prompts equal injecting the vectors by hand", "[generate][soft_prompt]") {
  const auto& model = tiny();
  torch::manual_seed(3);
  dep::GenerationRequest r;
  r.prompt_ids = {11, 995, 12, 13, 996, 14, 995};  // 995/996 are placeholders (995 twice)
  r.placeholder_ids = {995, 996};
  r.soft_vectors = torch::randn({2, model.config().hidden_size});
  r.max_new_tokens = 6;
  dep::GenerationEngine engine(model, {2, {}});
  auto result = engine.generate({r})[0];

  torch::NoGradGuard no_grad;
  std::vector<int64_t> seq = r.prompt_ids;
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < r.max_new_tokens; ++i) {
    auto ids = torch::tensor(seq, torch::kLong).view({1, -1});
    auto embeds = model.embed_tokens(ids);
    // Only the prompt is injected: a generated id equal to a placeholder is an ordinary token.
    for (int64_t t = 0; t < 7; ++t) {
      if (seq[t] == 995) embeds[0][t].copy_(r.soft_vectors[0]);
      if (seq[t] == 996) embeds[0][t].copy_(r.soft_vectors[1]);
    }
    auto logits = model.forward(embeds, {}, {}, nullptr, true);
    expected.push_back(logits.view({-1}).argmax().item<int64_t>());
    seq.push_back(expected.back());
  }
  CHECK(result.tokens == expected);
  // And the vectors matter.
  dep::GenerationRequest plain = r;
  plain.placeholder_ids.clear();
  plain.soft_vectors = torch::Tensor();
  CHECK(engine.generate({plain})[0].tokens != result.tokens);
}

TEST_CASE("inject_soft_prompt is differentiable and replaces every occurrence", "[soft_prompt]") {
  auto embeds = torch::zeros({2, 4, 3});
  auto ids = torch::tensor({{5, 7, 5, 1}, {7, 2, 2, 5}}, torch::kLong);
  auto vectors = torch::arange(12, torch::kFloat32).view({2, 2, 3}).requires_grad_(true);
  auto out = dep::inject_soft_prompt(embeds, ids, {5, 7}, vectors);
  CHECK(torch::equal(out[0][0], vectors[0][0].detach()));
  CHECK(torch::equal(out[0][2], vectors[0][0].detach()));
  CHECK(torch::equal(out[0][1], vectors[0][1].detach()));
  CHECK(torch::equal(out[1][3], vectors[1][0].detach()));
  CHECK(torch::equal(out[1][1], torch::zeros({3})));
  out.sum().backward();
  // Each vector's gradient counts its occurrences.
  CHECK(torch::equal(vectors.grad().select(2, 0), torch::tensor({{2.f, 1.f}, {1.f, 1.f}})));
}

TEST_CASE("HF processor order: penalty, temperature, top-k ties, top-p", "[sampling]") {
  auto scores = torch::tensor({2.0f, -1.0f, 0.5f, 0.5f, -3.0f});
  dep::apply_repetition_penalty(scores, torch::tensor({0, 1, 1}, torch::kLong), 2.0);
  CHECK(torch::allclose(scores, torch::tensor({1.0f, -2.0f, 0.5f, 0.5f, -3.0f})));
  dep::SamplingParams p;
  p.do_sample = true;
  p.temperature = 0.5;
  p.top_k = 2;
  auto warped = scores.clone();
  dep::apply_sampling_warpers(warped, p);
  // /0.5 → {2,-4,1,1,-6}; the 2nd largest is 1 and both tied entries survive.
  CHECK(std::isinf(warped[1].item<float>()));
  CHECK(std::isinf(warped[4].item<float>()));
  CHECK(warped[2].item<float>() == 1.0f);
  CHECK(warped[3].item<float>() == 1.0f);
  // top-p 0.5: probs {e^2, e, e}/(e^2+2e) = {0.576, 0.212, 0.212}; ascending cumsum 0.212, 0.424, 1.0
  // → both 1's have cumsum ≤ 0.5 and go; the top token stays.
  p.top_p = 0.5;
  auto nucleus = scores.clone();
  dep::apply_sampling_warpers(nucleus, p);
  CHECK(nucleus[0].item<float>() == 2.0f);
  CHECK(std::isinf(nucleus[2].item<float>()));
  CHECK(std::isinf(nucleus[3].item<float>()));
  // Greedy ignores the warpers but not the penalty.
  auto generator = at::detail::createCPUGenerator(0);
  dep::SamplingParams greedy;
  greedy.repetition_penalty = 4.0;
  CHECK(dep::choose_next_token(torch::tensor({2.0f, 1.0f}), torch::tensor({0}, torch::kLong), greedy, generator) == 1);
}

TEST_CASE("generation_config.json gives the stop ids and sampling defaults", "[generate][config]") {
  const auto dir = dep::test::scratch_dir("generation-config");
  dep::write_file_atomic(dir + "/config.json", dep::read_file(dep::test::fixture("tiny-qwen2/config.json")));
  // Without generation_config.json: config.json's eos id, greedy.
  auto plain = dep::GenerationDefaults::load(dir);
  CHECK(plain.eos_token_ids == std::vector<int64_t>{2});
  CHECK_FALSE(plain.sampling.do_sample);
  // Qwen2.5-Instruct's file (docs/reference-behaviour.md §A.8).
  dep::write_file_atomic(dir + "/generation_config.json",
                         R"({"bos_token_id":151643, "pad_token_id":151643, "do_sample":true,
                             "eos_token_id":[151645,151643], "repetition_penalty":1.05,
                             "temperature":0.7, "top_p":0.8, "top_k":20})");
  auto d = dep::GenerationDefaults::load(dir);
  CHECK(d.eos_token_ids == std::vector<int64_t>{151645, 151643});
  CHECK(d.sampling.do_sample);
  CHECK(d.sampling.temperature == Approx(0.7));
  CHECK(d.sampling.top_k == 20);
  CHECK(d.sampling.top_p == Approx(0.8));
  CHECK(d.sampling.repetition_penalty == Approx(1.05));
  dep::write_file_atomic(dir + "/generation_config.json", R"({"top_p": 1.5})");
  CHECK_THROWS_AS(dep::GenerationDefaults::load(dir), dep::Error);
}

namespace {

// DEP-style requests: mixed prompt lengths, soft prompts, sampling with per-request seeds.
std::vector<dep::GenerationRequest> mixed_requests(int64_t count) {
  std::vector<dep::GenerationRequest> out;
  const int64_t H = tiny().config().hidden_size;
  auto generator = at::detail::createCPUGenerator(11);
  for (int64_t i = 0; i < count; ++i) {
    dep::GenerationRequest r;
    r.prompt_ids = prompt(2 + (i * 7) % 23, i);
    r.prompt_ids[r.prompt_ids.size() / 2] = 995;  // a placeholder in the middle
    r.placeholder_ids = {995};
    r.soft_vectors = at::normal(0.0, 0.5, {1, H}, generator);
    r.max_new_tokens = 3 + (i * 5) % 11;
    r.sampling.do_sample = i % 4 != 0;  // every fourth greedy
    r.sampling.temperature = 0.8;
    r.sampling.top_p = 0.95;
    r.sampling.repetition_penalty = i % 3 == 0 ? 1.1 : 1.0;
    r.sampling.seed = static_cast<uint64_t>(100 + i);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

// Not bit for bit: the library kernels' summation order depends on the batch shape (MKL's fp32 GEMM
// with a few rows, SDPA's blocking by sequence length; measured 6e-6 on a [5,64]x[64,352] linear and
// 2e-7 on attention when the rows sit in a batch padded to 24), so the prefill logits agree to fp32
// rounding; the same is true of the decode step at different batch widths.
TEST_CASE("batched prefill: each prompt's logits equal its prefill alone", "[generate][engine][prefill]") {
  torch::NoGradGuard no_grad;
  const auto& model = tiny();
  const auto requests = mixed_requests(9);
  std::vector<const dep::GenerationRequest*> all;
  for (const auto& r : requests) all.push_back(&r);
  auto cache = model.make_cache(9, 32);
  const auto batched = dep::prefill_requests(model, all, cache);
  REQUIRE(batched.sizes() == torch::IntArrayRef({9, model.config().vocab_size}));
  for (size_t i = 0; i < requests.size(); ++i) {
    INFO("request " << i);
    auto alone_cache = model.make_cache(1, 32);
    const auto alone = dep::prefill_request(model, requests[i], alone_cache, /*last_only=*/true);
    CHECK((batched[static_cast<int64_t>(i)] - alone[0][0]).abs().max().item<double>() <= 1e-4);
    // Copied with its length, the row keeps only its prompt's slots, all real.
    auto copied = model.make_cache(2, 32);
    std::vector<int64_t> rows = {1};
    copied.copy_rows_from(cache, rows, {static_cast<int64_t>(requests[i].prompt_ids.size())});
    CHECK(copied.length(1) == static_cast<int64_t>(requests[i].prompt_ids.size()));
    CHECK(copied.next_position(1) == copied.length(1));
  }
}

// The same ids, byte for byte, at every max_batch and prefill budget: prompts are prefilled in
// groups whose composition depends on both, and the logits differ from the alone run only by fp32
// rounding (above), far below the gaps the argmax and the sampling keys decide on here.
TEST_CASE("engine output does not depend on max_batch (batched prefill, fp32)", "[generate][engine][prefill]") {
  const auto& model = tiny();
  const auto requests = mixed_requests(21);
  auto run = [&](int64_t max_batch, int64_t prefill_tokens) {
    dep::EngineOptions options;
    options.max_batch = max_batch;
    options.prefill_tokens = prefill_tokens;
    return dep::GenerationEngine(model, options).generate(requests);
  };
  const auto one = run(1, 8192);
  for (auto [max_batch, prefill_tokens] : {std::pair<int64_t, int64_t>{16, 8192}, {16, 40}, {5, 8192}}) {
    INFO("max_batch " << max_batch << ", prefill_tokens " << prefill_tokens);
    const auto many = run(max_batch, prefill_tokens);
    for (size_t i = 0; i < requests.size(); ++i) {
      INFO("request " << i);
      CHECK(many[i].tokens == one[i].tokens);
      CHECK(many[i].finish == one[i].finish);
    }
  }
  // The sampled requests really sample (a different seed changes the text).
  auto reseeded = requests;
  for (auto& r : reseeded) r.sampling.seed += 1000;
  const auto other = dep::GenerationEngine(model, {16, {}}).generate(reseeded);
  int differing = 0;
  for (size_t i = 0; i < requests.size(); ++i) differing += other[i].tokens != one[i].tokens ? 1 : 0;
  CHECK(differing > 5);
}
