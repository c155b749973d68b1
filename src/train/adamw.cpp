// AdamW in the operation order of torch.optim.adamw._single_tensor_adamw, so a run matches
// PyTorch's optimizer to rounding; clip_grad_norm follows torch.nn.utils.clip_grad_norm_.
#include "dep/train/adamw.h"

#include <torch/torch.h>

#include <cmath>
#include <set>

#include "dep/core/error.h"

namespace dep {

void AdamW::add_param(const std::string& name, const torch::Tensor& tensor, double weight_decay) {
  Param p;
  p.name = name;
  p.tensor = tensor;
  p.weight_decay = weight_decay;
  p.exp_avg = torch::zeros_like(tensor, torch::MemoryFormat::Preserve);
  p.exp_avg_sq = torch::zeros_like(tensor, torch::MemoryFormat::Preserve);
  params_.push_back(std::move(p));
}

void AdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  for (auto& p : params_) {
    const torch::Tensor& grad = p.tensor.grad();
    if (!grad.defined()) continue;
    p.step += 1;
    p.tensor.mul_(1.0 - lr * p.weight_decay);
    p.exp_avg.lerp_(grad, 1.0 - options_.beta1);
    p.exp_avg_sq.mul_(options_.beta2).addcmul_(grad, grad, 1.0 - options_.beta2);
    const double bias_correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(p.step));
    const double bias_correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(p.step));
    const double step_size = lr / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);
    auto denom = (p.exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options_.eps);
    p.tensor.addcdiv_(p.exp_avg, denom, -step_size);
  }
}

void AdamW::zero_grad() {
  for (auto& p : params_) {
    // set_to_none, torch's default: an untouched parameter stays "no gradient".
    if (p.tensor.grad().defined()) p.tensor.mutable_grad().reset();
  }
}

NamedTensors AdamW::state() const {
  NamedTensors out;
  for (const auto& p : params_) {
    out.emplace_back("exp_avg." + p.name, p.exp_avg);
    out.emplace_back("exp_avg_sq." + p.name, p.exp_avg_sq);
    out.emplace_back("step." + p.name, torch::tensor(p.step, torch::kLong));
  }
  return out;
}

void AdamW::load_state(const std::map<std::string, torch::Tensor>& state, const std::string& source) {
  std::string problems;
  std::set<std::string> used;
  auto get = [&](const std::string& key, const std::vector<int64_t>& shape) -> torch::Tensor {
    auto it = state.find(key);
    if (it == state.end()) {
      problems += "\n  " + key + ": missing";
      return {};
    }
    used.insert(key);
    if (it->second.sizes().vec() != shape) {
      problems += "\n  " + key + ": expected " + shape_string(shape) + ", found " + shape_string(it->second.sizes().vec());
      return {};
    }
    return it->second;
  };
  torch::NoGradGuard no_grad;
  for (auto& p : params_) {
    auto m = get("exp_avg." + p.name, p.tensor.sizes().vec());
    auto v = get("exp_avg_sq." + p.name, p.tensor.sizes().vec());
    auto s = get("step." + p.name, {});
    if (m.defined()) p.exp_avg.copy_(m);
    if (v.defined()) p.exp_avg_sq.copy_(v);
    if (s.defined()) p.step = s.item<int64_t>();
  }
  for (const auto& [key, tensor] : state) {
    if (!used.count(key)) problems += "\n  " + key + ": not a state of this optimizer";
  }
  if (!problems.empty()) fail(source, "optimizer state does not match the trained parameters:" + problems);
}

bool decays(const std::string& parameter_name) {
  auto ends_with = [&](const std::string& suffix) {
    return parameter_name.size() >= suffix.size() &&
           parameter_name.compare(parameter_name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("bias")) return false;
  return parameter_name.find("norm") == std::string::npos;
}

double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> norms;
  for (const auto& p : params) {
    if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(torch::kFloat32));
  }
  if (norms.empty()) return 0.0;
  auto total = torch::stack(norms).norm(2);
  if (max_norm > 0) {
    auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (const auto& p : params) {
      if (p.grad().defined()) p.grad().mul_(coef.to(p.grad().scalar_type()));
    }
  }
  return total.item<double>();
}

}  // namespace dep
