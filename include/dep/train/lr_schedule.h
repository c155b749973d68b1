// The learning-rate schedule and step arithmetic of HF Trainer (transformers ≥ 4.46): linear warmup
// then linear decay to zero (get_linear_schedule_with_warmup), warmup = ceil(ratio · total), and
// one optimizer update per accumulation window including a last, partial one per epoch.
#pragma once

#include <cstdint>

namespace dep {

// Updates per epoch: ceil(micro_batches / accumulation) (the last window may be short).
int64_t updates_per_epoch(int64_t micro_batches, int64_t accumulation);

// Warmup steps: `warmup_steps` when ≥ 1, else ceil(total · warmup_ratio) (TrainingArguments.get_warmup_steps).
int64_t warmup_steps_for(int64_t total_steps, double warmup_ratio, int64_t warmup_steps);

// LambdaLR factor of update `step` (0-based: the first update uses factor(0) = 0 when warmup > 0).
class LinearSchedule {
 public:
  LinearSchedule(int64_t total_steps, int64_t warmup_steps) : total_(total_steps), warmup_(warmup_steps) {}
  double factor(int64_t step) const;
  int64_t total_steps() const { return total_; }
  int64_t warmup_steps() const { return warmup_; }

 private:
  int64_t total_;
  int64_t warmup_;
};

}  // namespace dep
