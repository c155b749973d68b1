// HF's linear warmup/decay, kept in double like Python's float arithmetic.
#include "dep/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace dep {

int64_t updates_per_epoch(int64_t micro_batches, int64_t accumulation) {
  return std::max<int64_t>((micro_batches + accumulation - 1) / accumulation, 1);
}

int64_t warmup_steps_for(int64_t total_steps, double warmup_ratio, int64_t warmup_steps) {
  if (warmup_steps >= 1) return warmup_steps;
  return static_cast<int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio));
}

double LinearSchedule::factor(int64_t step) const {
  if (step < warmup_) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup_));
  return std::max(0.0, static_cast<double>(total_ - step) / static_cast<double>(std::max<int64_t>(1, total_ - warmup_)));
}

}  // namespace dep
