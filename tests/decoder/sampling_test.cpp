// Sampling internals: the partial-sort top-p cut equals the full sort (random rows, ties, -inf, top_p
// from tiny to near 1), the HF definition of top-p, the draw equals torch::multinomial, and the batch
// sampler equals choosing row by row.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <limits>

#include "dep/decoder/sampling.h"

namespace {

const float kNegInf = -std::numeric_limits<float>::infinity();

// A random score row: Gaussian with `scale`, optionally quantised to multiples of 1/`levels` (ties)
// and with a fraction of entries at -inf (as after top-k).
torch::Tensor random_row(torch::Generator& g, int64_t V, double scale, int levels, double masked) {
  auto x = at::normal(0.0, scale, {V}, g);
  if (levels > 0) x = (x * levels).round() / levels;
  if (masked > 0) x.masked_fill_(torch::rand({V}, g) < masked, kNegInf);
  return x.contiguous();
}

// HF TopPLogitsWarper with ties broken by index: sort ascending (stable), softmax, cumsum, remove
// cumsum ≤ 1 − top_p, keep the top entry.
torch::Tensor hf_top_p(const torch::Tensor& scores, double top_p) {
  auto sorted = scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/false);
  auto cumulative = std::get<0>(sorted).softmax(0).cumsum(0);
  auto remove = cumulative <= (1.0 - top_p);
  remove[-1] = false;
  return scores.masked_fill(remove.scatter(0, std::get<1>(sorted), remove), kNegInf);
}

}  // namespace

TEST_CASE("top-p: the partial sort keeps exactly the set the full sort keeps", "[sampling][top_p]") {
  auto g = at::detail::createCPUGenerator(12345);
  const double top_ps[] = {1e-6, 0.05, 0.3, 0.8, 0.9, 0.95, 0.99, 0.999, 0.999999};
  struct Shape {
    int64_t vocab;
    double scale;
    int levels;
    double masked;
  };
  // Flat rows (random weights), peaked rows (trained models), heavy ties, rows after top-k.
  const Shape shapes[] = {{151936, 0.2, 0, 0.0}, {151936, 3.0, 0, 0.0}, {151936, 8.0, 0, 0.0},
                          {151936, 1.0, 4, 0.0}, {151936, 2.0, 0, 0.9}, {20000, 1.0, 1, 0.0},
                          {5000, 30.0, 0, 0.5},  {1000, 0.5, 0, 0.0},   {64, 1.0, 2, 0.0}};
  int cases = 0, partial = 0;
  for (const auto& shape : shapes) {
    for (int rep = 0; rep < 2; ++rep) {
      const auto row = random_row(g, shape.vocab, shape.scale, shape.levels, shape.masked);
      for (double top_p : top_ps) {
        auto full = row.clone(), fast = row.clone();
        dep::apply_top_p(full, top_p, dep::TopPMethod::kFullSort);
        const bool decided = dep::apply_top_p(fast, top_p, dep::TopPMethod::kAuto);
        partial += decided ? 1 : 0;
        ++cases;
        INFO("vocab " << shape.vocab << " scale " << shape.scale << " levels " << shape.levels << " masked "
                      << shape.masked << " top_p " << top_p);
        REQUIRE(torch::equal(fast, full));
        // Something is kept, and the maximum always is.
        CHECK(torch::isfinite(fast).any().item<bool>());
        CHECK(fast.max().item<float>() == row.max().item<float>());
      }
    }
  }
  // The fast path is what ran (the full sort is only its fallback).
  CHECK(partial > cases * 3 / 4);
}

TEST_CASE("top-p: the cut is HF's (ascending cumsum ≤ 1 − top_p removed)", "[sampling][top_p]") {
  auto g = at::detail::createCPUGenerator(7);
  for (int rep = 0; rep < 40; ++rep) {
    const auto row = random_row(g, 2000, 0.5 + rep * 0.2, 0, rep % 3 == 0 ? 0.5 : 0.0);
    for (double top_p : {0.1, 0.5, 0.9, 0.95, 0.99}) {
      auto ours = row.clone();
      dep::apply_top_p(ours, top_p);
      INFO("rep " << rep << " top_p " << top_p);
      CHECK(torch::equal(ours, hf_top_p(row, top_p)));
    }
  }
  // Ties straddling the cut: the lower indices of a tie go first, as a stable ascending sort orders them.
  auto tied = torch::tensor({1.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  dep::apply_top_p(tied, 0.5, dep::TopPMethod::kAuto);
  // probs {e, 1, 1, 1, 1}/(e + 4) = {0.405, 0.149 ×4}; ascending cumsum 0.149, 0.297, 0.446, 0.595, 1
  // → ids 1, 2, 3 (cumsum ≤ 0.5) go, id 4 and id 0 stay.
  CHECK(torch::equal(torch::isfinite(tied), torch::tensor({true, false, false, false, true})));
}

TEST_CASE("the draw is torch::multinomial's, generator state included", "[sampling]") {
  auto g = at::detail::createCPUGenerator(3);
  dep::SamplingParams plain;
  plain.do_sample = true;
  for (int64_t V : {7, 1000, 151936}) {
    for (uint64_t seed = 0; seed < 6; ++seed) {
      const auto logits = random_row(g, V, 1.0 + seed, 0, seed % 2 ? 0.5 : 0.0);
      auto ours = at::detail::createCPUGenerator(seed);
      auto theirs = at::detail::createCPUGenerator(seed);
      for (int step = 0; step < 3; ++step) {
        const int64_t token = dep::choose_next_token(logits, {}, plain, ours);
        const int64_t expected = torch::multinomial(logits.softmax(0), 1, false, theirs).item<int64_t>();
        INFO("V " << V << " seed " << seed << " step " << step);
        CHECK(token == expected);
      }
    }
  }
}

TEST_CASE("the batch sampler equals choosing each row alone, in any batch position", "[sampling]") {
  const int64_t V = 151936;
  auto g = at::detail::createCPUGenerator(11);
  std::vector<dep::SamplingParams> params(5);
  params[0].do_sample = true;  // DEP's settings
  params[0].temperature = 0.8;
  params[0].top_p = 0.95;
  params[1].repetition_penalty = 1.3;  // greedy with a penalty
  params[2] = params[0];
  params[2].top_k = 50;
  params[2].repetition_penalty = 1.1;
  params[3] = params[0];
  params[3].top_p = 0.5;
  params[4].do_sample = true;  // plain multinomial
  auto history = torch::randint(0, V, {40}, g, torch::kLong);
  auto logits = (at::normal(0.0, 2.0, {5, V}, g)).to(torch::kBFloat16);

  // Alone, row by row (fresh generators seeded 100 + r).
  std::vector<int64_t> alone;
  for (int r = 0; r < 5; ++r) {
    auto gen = at::detail::createCPUGenerator(100 + r);
    alone.push_back(dep::choose_next_token(logits[r], history, params[r], gen));
  }
  // As a batch, in two orders.
  for (bool reversed : {false, true}) {
    std::vector<torch::Generator> gens;
    std::vector<dep::SamplerRow> rows;
    std::vector<int64_t> order = {0, 1, 2, 3, 4};
    if (reversed) std::reverse(order.begin(), order.end());
    for (int64_t r : order) gens.push_back(at::detail::createCPUGenerator(100 + r));
    for (size_t i = 0; i < order.size(); ++i) rows.push_back({&params[order[i]], history, &gens[i]});
    dep::TokenSampler sampler(8, V);
    std::vector<int64_t> tokens;
    sampler.choose(logits.index_select(0, torch::tensor(order, torch::kLong)), rows, tokens);
    for (size_t i = 0; i < order.size(); ++i) {
      INFO("row " << order[i] << (reversed ? " (reversed batch)" : ""));
      CHECK(tokens[i] == alone[order[i]]);
    }
  }
}
