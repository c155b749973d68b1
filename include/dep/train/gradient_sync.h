// The seam between the training loop and the processes it runs in. One process today
// (SingleProcess, a no-op); data-parallel training adds an implementation beside it (e.g. over
// c10d's ProcessGroup) without editing the loop. The contract the loop relies on:
//  - every rank walks the same global sample order; WindowSampler(rank, world_size) hands each
//    rank its share of every accumulation window, and every rank knows the window's global
//    label-token count, so its cross-entropy is already divided by the global denominator;
//  - after the window's backward passes and before clipping, all_reduce_gradients() SUMS the
//    adapter gradients over the ranks (the sum of the ranks' partial losses is the window's loss),
//    so clipping, AdamW and the schedule see what one process with the whole window would;
//  - only the main rank (rank 0) logs, writes metrics.jsonl, validates and saves checkpoints;
//    every rank restores the same checkpoint on --resume.
// Left to the implementation that brings several ranks: TrainState's samples_seen/tokens_seen and
// the logged window sums are this rank's share, and a stop (non-finite loss, SIGTERM) is decided
// per rank, so it has to agree on them across ranks before the loop acts.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace dep {

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  virtual int64_t rank() const = 0;
  virtual int64_t world_size() const = 0;
  bool is_main() const { return rank() == 0; }
  // Sums the gradients of `parameters` over every rank, in place. A rank whose share of the
  // window was empty contributes zeros (its undefined gradients count as zero).
  virtual void all_reduce_gradients(const std::vector<torch::Tensor>& parameters) = 0;
};

// One process, rank 0 of 1: the gradients are already the window's.
class SingleProcess final : public GradientSync {
 public:
  int64_t rank() const override { return 0; }
  int64_t world_size() const override { return 1; }
  void all_reduce_gradients(const std::vector<torch::Tensor>&) override {}
};

}  // namespace dep
