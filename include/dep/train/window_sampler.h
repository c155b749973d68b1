// The data order of training: each epoch is a seeded permutation of the train samples, cut into
// micro-batches, grouped into accumulation windows (one optimizer update each, the last one per
// epoch may be short). The order is a pure function of (seed, epoch), so the cursor (epoch,
// window) is all a resume needs. With several ranks every window holds `grad_accumulation`
// micro-batches per rank of the same global order, and rank r takes every world_size-th of them.
#pragma once

#include <cstdint>
#include <vector>

#include "dep/data/dep_sample.h"
#include "dep/train/train_config.h"

namespace dep {

// Sample order of one epoch: a permutation of 0..n-1 that depends only on (seed, epoch)
// (identity when shuffle is off).
std::vector<int64_t> epoch_order(int64_t n, int64_t seed, int64_t epoch, bool shuffle);

// Micro-batch `index` of `order` (batch_size samples, the last one may be short).
std::vector<const DepSample*> micro_batch(const std::vector<DepSample>& samples, const std::vector<int64_t>& order,
                                          int64_t index, int64_t batch_size);

// One accumulation window as this rank sees it.
struct Window {
  std::vector<std::vector<const DepSample*>> micro_batches;  // this rank's share
  int64_t global_micro_batches = 0;  // over every rank: the SAE term's `mean` divisor
  int64_t global_label_tokens = 0;   // over every rank: the cross-entropy denominator
};

class WindowSampler {
 public:
  WindowSampler(const std::vector<DepSample>& samples, const LoopConfig& loop, int64_t rank = 0, int64_t world_size = 1);

  int64_t samples() const { return static_cast<int64_t>(samples_.size()); }
  int64_t windows_per_epoch() const { return windows_per_epoch_; }

  // Fixes the order of `epoch` (0-based) for the windows that follow.
  void start_epoch(int64_t epoch);
  // Window `index` of the current epoch.
  Window window(int64_t index) const;

 private:
  const std::vector<DepSample>& samples_;
  LoopConfig loop_;
  int64_t rank_;
  int64_t world_size_;
  int64_t micro_per_epoch_;
  int64_t windows_per_epoch_;
  std::vector<int64_t> order_;
};

}  // namespace dep
