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
//  - the loop sums the window's logged terms and counts over the ranks (sum_over_ranks), so the
//    main rank logs and checkpoints the window's totals, and a SIGINT/SIGTERM seen by any rank
//    stops every rank after the same update (with several ranks the stop waits for the window's
//    end); a non-finite loss ends its rank, and the others then fail at the next collective;
//  - agree() checks that every rank resumed at the same update and waits for the main rank's
//    epoch-end work (validation, saving).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
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
  // Sums `values` over every rank, in place.
  virtual void sum_over_ranks(std::vector<double>& /*values*/) {}
  // Blocks until every rank arrives, and fails naming `what` unless they all bring the same
  // `value`. `after_main_work`: the main rank may arrive late (it validated and saved alone), so
  // the wait is the longer epoch-end one.
  virtual void agree(const std::string& /*what*/, int64_t /*value*/, bool /*after_main_work*/) {}
};

// One process, rank 0 of 1: the gradients are already the window's.
class SingleProcess final : public GradientSync {
 public:
  int64_t rank() const override { return 0; }
  int64_t world_size() const override { return 1; }
  void all_reduce_gradients(const std::vector<torch::Tensor>&) override {}
};

}  // namespace dep
