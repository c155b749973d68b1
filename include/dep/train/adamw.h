// AdamW with torch.optim.AdamW's single-tensor arithmetic (decoupled decay p ← p·(1 − lr·wd), then
// the bias-corrected Adam step), parameter groups with their own weight decay, and a state that
// saves as named tensors so checkpoints are safetensors and resume is exact.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dep/torch/tensor_io.h"

namespace dep {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class AdamW {
 public:
  struct Param {
    std::string name;
    torch::Tensor tensor;  // a leaf requiring grad, updated in place
    double weight_decay = 0.0;
    // torch's per-parameter state: moments and a step count (a parameter without a gradient
    // at a step is skipped entirely, as torch does).
    torch::Tensor exp_avg, exp_avg_sq;
    int64_t step = 0;
  };

  explicit AdamW(AdamWOptions options = {}) : options_(options) {}

  void add_param(const std::string& name, const torch::Tensor& tensor, double weight_decay);
  // One update at learning rate `lr` from the current gradients.
  void step(double lr);
  void zero_grad();

  const std::vector<Param>& params() const { return params_; }

  // "exp_avg.<name>", "exp_avg_sq.<name>" and "step.<name>" (I64 scalar) for every parameter.
  NamedTensors state() const;
  // Restores the state saved by state(); a parameter set that differs (names, shapes) is a
  // dep::Error naming each problem and `source`.
  void load_state(const std::map<std::string, torch::Tensor>& state, const std::string& source);

 private:
  AdamWOptions options_;
  std::vector<Param> params_;
};

// Decay applies to weights, not biases: HF Trainer's grouping (LayerNorm weights are excluded too;
// the adapter has none).
bool decays(const std::string& parameter_name);

// torch.nn.utils.clip_grad_norm_: scales every gradient by min(1, max_norm / (‖g‖₂ + 1e-6)) and
// returns the total norm ‖g‖₂ before clipping (fp32, over all gradients). max_norm ≤ 0 only measures.
double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace dep
