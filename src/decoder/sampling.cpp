// HF-order logits processing and the multinomial draw, for one row or a decode batch; top-p finds its
// cut without sorting the whole vocabulary when a rounding-error bound proves the cut.
#include "dep/decoder/sampling.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <thread>
#if __has_include(<c10/util/ParallelGuard.h>)
#include <c10/util/ParallelGuard.h>
#define DEP_HAS_PARALLEL_GUARD 1
#endif

#include "dep/core/error.h"
#include "dep/core/safetensors.h"

namespace dep {

// Scratch for one row (outside the anonymous namespace: TokenSampler::Buffers holds it).
struct RowBuffers {
  torch::Tensor probs;  // [V] fp32
  torch::Tensor noise;  // [V] fp32: Exp(1) draws when none were prefetched
  std::vector<uint16_t> buckets;
};

void SamplingParams::validate(const std::string& where) const {
  if (do_sample && !(temperature > 0.0)) fail(where, "temperature must be > 0 when sampling, got " + std::to_string(temperature));
  if (top_k < 0) fail(where, "top_k must be ≥ 0, got " + std::to_string(top_k));
  if (!(top_p >= 0.0 && top_p <= 1.0)) fail(where, "top_p must be in [0, 1], got " + std::to_string(top_p));
  if (!(repetition_penalty > 0.0)) fail(where, "repetition_penalty must be > 0, got " + std::to_string(repetition_penalty));
}

void apply_repetition_penalty(torch::Tensor& scores, const torch::Tensor& history, double penalty) {
  if (penalty == 1.0 || !history.defined() || history.numel() == 0) return;
  auto ids = history.to(scores.device());
  auto picked = scores.gather(0, ids);
  picked = torch::where(picked < 0, picked * penalty, picked / penalty);
  scores.scatter_(0, ids, picked);
}

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

void check_row(const torch::Tensor& scores, const char* where) {
  if (scores.dim() != 1 || scores.scalar_type() != torch::kFloat32 || !scores.is_contiguous() || !scores.device().is_cpu()) {
    fail(where, "expected a contiguous fp32 CPU row [V], got " + shape_string(scores.sizes().vec()) + " " +
                    c10::toString(scores.scalar_type()));
  }
}

// One entry of the ascending order top-p walks: by score, equal scores by index.
struct Entry {
  float score;
  int64_t index;
  float prob;
};
bool precedes(const Entry& a, const Entry& b) {
  return a.score < b.score || (a.score == b.score && a.index < b.index);
}

// The first entry top-p keeps; every entry that precedes it in the ascending order is removed.
struct Cut {
  float score;
  int64_t index;
};

// The definition: sort every finite score (-inf entries have probability 0 and sit below all of
// them, so they add nothing to the cumulative sum) and walk up until the cumulative exceeds t.
Cut cut_by_full_sort(const float* x, const float* p, int64_t V, float t) {
  std::vector<Entry> entries;
  for (int64_t i = 0; i < V; ++i) {
    if (x[i] != kNegInf) entries.push_back({x[i], i, p[i]});
  }
  if (entries.empty()) fail("top-p", "every score is -inf");
  std::sort(entries.begin(), entries.end(), precedes);
  double cumulative = 0.0;
  const size_t last = entries.size() - 1;
  for (size_t j = 0; j < last; ++j) {
    cumulative += entries[j].prob;
    if (static_cast<float>(cumulative) > t) return {entries[j].score, entries[j].index};
  }
  return {entries[last].score, entries[last].index};  // min_tokens_to_keep = 1
}

// The same cut from a partial sort. Scores are bucketed by value (a monotone map, so each bucket is a
// contiguous run of the ascending order); only the buckets around the one where the probability mass
// crosses t are sorted, and the mass below them is summed bucket by bucket. Any two summation orders
// of n non-negative doubles differ by at most about 2·n·u·Σ (u = 2^-53), so a cumulative value more
// than that away from t's rounding boundary decides the same way as the full sort's; when some entry
// is not that far, there is no answer (nullopt) and the caller sorts everything.
std::optional<Cut> cut_by_buckets(const float* x, const float* p, int64_t V, float t, std::vector<uint16_t>& ids) {
  float lo = std::numeric_limits<float>::infinity(), hi = kNegInf;
  int64_t finite = 0;
  for (int64_t i = 0; i < V; ++i) {
    const bool kept = x[i] > kNegInf;
    lo = std::min(lo, kept ? x[i] : lo);
    hi = std::max(hi, x[i]);
    finite += kept ? 1 : 0;
  }
  const int64_t nb = std::min<int64_t>(4096, finite / 8);
  if (nb < 8 || !(hi > lo)) return std::nullopt;  // too small (or flat) to gain anything
  const float scale = static_cast<float>(nb) / (hi - lo);
  if (!std::isfinite(scale) || !(scale > 0.0f)) return std::nullopt;
  // bucket(v) = min(nb − 1, ⌊(v − lo)·scale⌋): each step rounds monotonically, so equal scores share a
  // bucket and higher scores never land lower; -inf entries go to the extra bucket nb.
  ids.resize(V);
  const uint16_t outside = static_cast<uint16_t>(nb);
  const float top = static_cast<float>(nb - 1);
  for (int64_t i = 0; i < V; ++i) {
    const float position = std::min(std::max(0.0f, (x[i] - lo) * scale), top);  // -inf → 0, replaced below
    ids[i] = x[i] > kNegInf ? static_cast<uint16_t>(position) : outside;
  }
  std::vector<double> mass(nb + 1, 0.0);
  std::vector<int64_t> count(nb + 1, 0);
  for (int64_t i = 0; i < V; ++i) {
    mass[ids[i]] += p[i];
    ++count[ids[i]];
  }
  double total = 0.0;  // -inf entries (bucket nb) have p = 0
  for (int64_t b = 0; b < nb; ++b) total += mass[b];
  // Bound on |this order's cumulative − the full sort's|, with a factor 2 to spare.
  const double bound = 4.0 * static_cast<double>(finite + nb + 2) * 0x1p-53 * std::max(total * 1.01, 1e-30);

  int64_t first = 0;  // the bucket where the running mass first exceeds t
  {
    double run = 0.0;
    while (first < nb - 1 && !(run + mass[first] > t)) run += mass[first++];
  }
  int64_t last = first;
  while (count[first] == 0 && first > 0) --first;
  std::vector<Entry> window;
  for (int attempt = 0; attempt < 8; ++attempt) {
    double below = 0.0;
    int64_t below_count = 0, above_count = 0;
    for (int64_t b = 0; b < first; ++b) {
      below += mass[b];
      below_count += count[b];
    }
    for (int64_t b = last + 1; b < nb; ++b) above_count += count[b];
    if (finite - below_count - above_count > finite / 4 + 64) return std::nullopt;  // sort it all
    // Everything below the window must be removed for certain: its largest cumulative is `below`.
    if (below_count > 0 && !(static_cast<float>(below + bound) <= t)) {
      do --first; while (count[first] == 0);
      continue;
    }
    window.clear();
    for (int64_t i = 0; i < V; ++i) {
      if (ids[i] >= first && ids[i] <= last) window.push_back({x[i], i, p[i]});
    }
    std::sort(window.begin(), window.end(), precedes);
    double cumulative = below;
    for (size_t j = 0; j < window.size(); ++j) {
      cumulative += window[j].prob;
      const bool top_entry = above_count == 0 && j + 1 == window.size();
      if (top_entry || static_cast<float>(cumulative - bound) > t) return Cut{window[j].score, window[j].index};
      if (!(static_cast<float>(cumulative + bound) <= t)) return std::nullopt;  // too close to call
    }
    // The whole window is removed: the cut lies above it.
    do ++last; while (count[last] == 0);
  }
  return std::nullopt;
}

// top-p on raw rows: x [V] scores (modified), p [V] = softmax(x), `ids` scratch. True when the
// partial sort decided.
bool top_p_row(float* x, const float* p, int64_t V, double top_p, TopPMethod method, std::vector<uint16_t>& ids) {
  int64_t bad = 0;  // NaN or +inf (softmax gives NaN)
  for (int64_t i = 0; i < V; ++i) bad += x[i] < std::numeric_limits<float>::infinity() ? 0 : 1;
  if (bad > 0) fail("top-p", "scores contain NaN or +inf");
  // HF compares the fp32 cumulative sums with 1 − top_p converted to fp32.
  const float t = static_cast<float>(1.0 - top_p);
  std::optional<Cut> cut;
  if (method == TopPMethod::kAuto) cut = cut_by_buckets(x, p, V, t, ids);
  const bool partial = cut.has_value();
  if (!cut) cut = cut_by_full_sort(x, p, V, t);
  const float score = cut->score;
  const int64_t index = cut->index;
  // Removed: below the cut's score, or equal to it at a lower index (two loops, so both vectorise).
  for (int64_t i = 0; i < index; ++i) x[i] = x[i] <= score ? kNegInf : x[i];
  for (int64_t i = index; i < V; ++i) x[i] = x[i] < score ? kNegInf : x[i];
  return partial;
}

// Temperature and top-k on one fp32 row, in place.
void apply_temperature_top_k(torch::Tensor& scores, const SamplingParams& p) {
  if (p.temperature != 1.0) scores.div_(p.temperature);
  const int64_t vocab = scores.size(0);
  if (p.top_k > 0 && p.top_k < vocab) {
    const float kth = std::get<0>(scores.topk(p.top_k)).select(0, p.top_k - 1).item<float>();
    float* x = scores.data_ptr<float>();
    for (int64_t i = 0; i < vocab; ++i) {
      if (x[i] < kth) x[i] = kNegInf;  // ties at the threshold survive, as in HF
    }
  }
}

// torch::multinomial(probs, 1) without replacement: argmax(probs / noise) with noise ~ Exp(1),
// where argmax returns the first NaN, else the first maximum.
int64_t exponential_race(const float* probs, const float* noise, int64_t V) {
  int64_t best = 0;
  float best_value = probs[0] / noise[0];
  if (std::isnan(best_value)) return 0;
  for (int64_t i = 1; i < V; ++i) {
    const float v = probs[i] / noise[i];
    if (std::isnan(v)) return i;
    if (v > best_value) {
      best_value = v;
      best = i;
    }
  }
  return best;
}

// The whole choice for one fp32 row `scores` (a private copy, modified). `ready_noise` holds this
// row's Exp(1) draws when they were taken ahead of time from its generator (nullptr: draw now).
int64_t choose_in_row(torch::Tensor& scores, RowBuffers& buffers, const SamplingParams& params,
                      const torch::Tensor& history, torch::Generator* generator, const float* ready_noise) {
  apply_repetition_penalty(scores, history, params.repetition_penalty);
  if (!params.do_sample) return scores.argmax().item<int64_t>();
  if (generator == nullptr) fail_internal("sampling", "a sampling row needs a generator");
  apply_temperature_top_k(scores, params);
  const int64_t V = scores.size(0);
  if (params.top_p < 1.0) {
    at::_softmax_out(buffers.probs, scores, 0, false);
    top_p_row(scores.data_ptr<float>(), buffers.probs.data_ptr<float>(), V, params.top_p, TopPMethod::kAuto,
              buffers.buckets);
  }
  at::_softmax_out(buffers.probs, scores, 0, false);
  const float* probs = buffers.probs.data_ptr<float>();
  int64_t bad = 0;
  for (int64_t i = 0; i < V; ++i) bad += std::isnan(probs[i]) ? 1 : 0;
  if (bad > 0) fail("sampling", "probabilities contain NaN (non-finite logits)");
  if (ready_noise == nullptr) {
    buffers.noise.exponential_(1.0, *generator);
    ready_noise = buffers.noise.data_ptr<float>();
  }
  return exponential_race(probs, ready_noise, V);
}

RowBuffers row_buffers(int64_t vocab) {
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  return RowBuffers{torch::empty({vocab}, f32), torch::empty({vocab}, f32), {}};
}

// Runs f(chunk) for chunks 0..n-1 on n threads (this one included) and rethrows the first error.
// Plain threads: at::parallel_for is serial in translation units built without OpenMP. Torch ops
// inside stay single-threaded (no nested OpenMP teams).
template <typename F>
void run_chunks(int64_t n, const F& f) {
  std::vector<std::exception_ptr> errors(n);
  auto run = [&](int64_t chunk) {
    try {
#ifdef DEP_HAS_PARALLEL_GUARD
      c10::ParallelGuard single_threaded_ops(true);
#endif
      torch::NoGradGuard no_grad;
      f(chunk);
    } catch (...) {
      errors[chunk] = std::current_exception();
    }
  };
  std::vector<std::thread> helpers;
  for (int64_t chunk = 1; chunk < n; ++chunk) helpers.emplace_back(run, chunk);
  run(0);
  for (auto& helper : helpers) helper.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace

bool apply_top_p(torch::Tensor& scores, double top_p, TopPMethod method) {
  check_row(scores, "top-p");
  if (top_p >= 1.0 || scores.numel() == 0) return false;
  torch::NoGradGuard no_grad;
  auto probs = at::_softmax(scores, 0, false);
  std::vector<uint16_t> buckets;
  return top_p_row(scores.data_ptr<float>(), probs.data_ptr<float>(), scores.size(0), top_p, method, buckets);
}

void apply_sampling_warpers(torch::Tensor& scores, const SamplingParams& p) {
  check_row(scores, "sampling warpers");
  apply_temperature_top_k(scores, p);
  apply_top_p(scores, p.top_p);
}

int64_t choose_next_token(const torch::Tensor& logits, const torch::Tensor& history, const SamplingParams& params,
                          torch::Generator& generator) {
  torch::NoGradGuard no_grad;
  torch::Tensor scores = logits.to(torch::kCPU, torch::kFloat32, /*non_blocking=*/false, /*copy=*/true).contiguous();
  check_row(scores, "logits");
  auto buffers = row_buffers(scores.size(0));
  return choose_in_row(scores, buffers, params, history, &generator, nullptr);
}

struct TokenSampler::Buffers {
  torch::Tensor scores;               // [max_rows, V] fp32: the warped scores
  std::vector<RowBuffers> rows;       // per batch row
  torch::Tensor prefetched;           // [max_rows, V] fp32: Exp(1) draws taken ahead of time
  std::vector<torch::Generator> prefetched_for;  // whose draws prefetched[k] holds
  std::thread prefetcher;
  std::exception_ptr prefetch_error;
};

TokenSampler::TokenSampler(int64_t max_rows, int64_t vocab)
    : max_rows_(max_rows), vocab_(vocab), buffers_(std::make_unique<Buffers>()) {
  if (max_rows <= 0 || vocab <= 0) fail("TokenSampler", "rows and vocabulary size must be positive");
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  buffers_->scores = torch::empty({max_rows, vocab}, f32);
  buffers_->prefetched = torch::empty({max_rows, vocab}, f32);
  for (int64_t b = 0; b < max_rows; ++b) buffers_->rows.push_back(row_buffers(vocab));
}

TokenSampler::~TokenSampler() {
  if (buffers_ && buffers_->prefetcher.joinable()) buffers_->prefetcher.join();
}

void TokenSampler::wait_for_prefetch() {
  if (buffers_->prefetcher.joinable()) buffers_->prefetcher.join();
  if (auto error = buffers_->prefetch_error) {
    buffers_->prefetch_error = nullptr;
    buffers_->prefetched_for.clear();
    std::rethrow_exception(error);
  }
}

void TokenSampler::prefetch_noise(const std::vector<SamplerRow>& rows) {
  wait_for_prefetch();
  auto& b = *buffers_;
  b.prefetched_for.clear();
  for (const auto& row : rows) {
    if (row.params == nullptr || !row.params->do_sample || row.generator == nullptr) continue;
    if (static_cast<int64_t>(b.prefetched_for.size()) == max_rows_) break;
    b.prefetched_for.push_back(*row.generator);  // shares the generator's state
  }
  if (b.prefetched_for.empty()) return;
  // One Exp(1) draw per vocabulary entry and generator, in the order choose() would take them.
  b.prefetcher = std::thread([&b] {
    try {
#ifdef DEP_HAS_PARALLEL_GUARD
      c10::ParallelGuard single_threaded_ops(true);
#endif
      torch::NoGradGuard no_grad;
      for (size_t k = 0; k < b.prefetched_for.size(); ++k) {
        b.prefetched[static_cast<int64_t>(k)].exponential_(1.0, b.prefetched_for[k]);
      }
    } catch (...) {
      b.prefetch_error = std::current_exception();
    }
  });
}

void TokenSampler::choose(const torch::Tensor& logits, const std::vector<SamplerRow>& rows, std::vector<int64_t>& tokens) {
  const int64_t B = static_cast<int64_t>(rows.size());
  if (logits.dim() != 2 || logits.size(0) != B || logits.size(1) != vocab_ || B > max_rows_) {
    fail("TokenSampler", "logits " + shape_string(logits.sizes().vec()) + " do not match " + std::to_string(B) +
                             " rows of " + std::to_string(vocab_) + " (at most " + std::to_string(max_rows_) + " rows)");
  }
  torch::NoGradGuard no_grad;
  tokens.assign(B, 0);
  if (B == 0) return;
  auto& b = *buffers_;
  // One device copy for the batch; the fp32 conversion happens row by row on the sampling threads.
  const torch::Tensor host_logits = logits.device().is_cpu() ? logits : logits.to(torch::kCPU);
  wait_for_prefetch();
  // Which prefetched draws belong to which row (matched by generator, so row order does not matter).
  std::vector<const float*> ready(B, nullptr);
  for (size_t k = 0; k < b.prefetched_for.size(); ++k) {
    for (int64_t r = 0; r < B; ++r) {
      if (rows[r].generator != nullptr && *rows[r].generator == b.prefetched_for[k] && rows[r].params->do_sample) {
        ready[r] = b.prefetched[static_cast<int64_t>(k)].data_ptr<float>();
      }
    }
  }
  const bool unclaimed = std::count(ready.begin(), ready.end(), nullptr) > B - static_cast<int64_t>(b.prefetched_for.size());
  b.prefetched_for.clear();
  if (unclaimed) fail_internal("TokenSampler", "prefetched draws of a generator that is not in this batch");
  // Rows are independent (own params, history, generator) and every per-row step gives the same
  // result on one thread as on several, so chunks of rows run in parallel.
  const int64_t threads = std::min<int64_t>(B, std::max(1, at::get_num_threads()));
  run_chunks(threads, [&](int64_t chunk) {
    for (int64_t r = chunk * B / threads; r < (chunk + 1) * B / threads; ++r) {
      auto scores = b.scores[r];
      scores.copy_(host_logits[r]);
      tokens[r] = choose_in_row(scores, b.rows[r], *rows[r].params, rows[r].history, rows[r].generator, ready[r]);
    }
  });
}

}  // namespace dep
