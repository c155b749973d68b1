// Epoch orders, micro-batches and accumulation windows (see window_sampler.h).
#include "dep/train/window_sampler.h"

#include <algorithm>
#include <random>

#include "dep/adapter/dep_batch.h"
#include "dep/core/error.h"
#include "dep/train/lr_schedule.h"

namespace dep {

std::vector<int64_t> epoch_order(int64_t n, int64_t seed, int64_t epoch, bool shuffle) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (!shuffle) return order;
  // mt19937_64's output sequence is fixed by the standard (unlike std::shuffle's use of it).
  std::mt19937_64 rng(static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) + 1);
  for (int64_t i = n - 1; i > 0; --i) {
    const uint64_t j = rng() % static_cast<uint64_t>(i + 1);
    std::swap(order[i], order[j]);
  }
  return order;
}

std::vector<const DepSample*> micro_batch(const std::vector<DepSample>& samples, const std::vector<int64_t>& order,
                                          int64_t index, int64_t batch_size) {
  std::vector<const DepSample*> out;
  const int64_t n = static_cast<int64_t>(order.size());
  for (int64_t i = index * batch_size; i < std::min(n, (index + 1) * batch_size); ++i) out.push_back(&samples[order[i]]);
  return out;
}

WindowSampler::WindowSampler(const std::vector<DepSample>& samples, const LoopConfig& loop, int64_t rank,
                             int64_t world_size)
    : samples_(samples), loop_(loop), rank_(rank), world_size_(world_size) {
  if (world_size_ < 1 || rank_ < 0 || rank_ >= world_size_) {
    fail_internal("WindowSampler", "rank " + std::to_string(rank_) + " of " + std::to_string(world_size_));
  }
  const int64_t n = static_cast<int64_t>(samples_.size());
  micro_per_epoch_ = (n + loop_.batch_size - 1) / loop_.batch_size;
  windows_per_epoch_ = updates_per_epoch(micro_per_epoch_, loop_.grad_accumulation * world_size_);
}

void WindowSampler::start_epoch(int64_t epoch) {
  order_ = epoch_order(static_cast<int64_t>(samples_.size()), loop_.seed, epoch, loop_.shuffle);
}

Window WindowSampler::window(int64_t index) const {
  const int64_t span = loop_.grad_accumulation * world_size_;
  const int64_t first = index * span;
  const int64_t last = std::min(micro_per_epoch_, first + span);
  Window out;
  out.global_micro_batches = last - first;
  for (int64_t m = first; m < last; ++m) {
    auto batch = micro_batch(samples_, order_, m, loop_.batch_size);
    for (const auto* s : batch) out.global_label_tokens += sample_label_tokens(*s);
    if ((m - first) % world_size_ == rank_) out.micro_batches.push_back(std::move(batch));
  }
  return out;
}

}  // namespace dep
