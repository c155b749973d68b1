// Data-parallel training over PyTorch's own distributed engine (docs/distributed.md): a
// GradientSync on a c10d process group, NCCL on CUDA and Gloo on CPU, with the rendezvous through
// c10d's TCPStore (rank 0 serves it at MASTER_ADDR:MASTER_PORT), as torch.distributed does under
// torchrun. The c10d headers stay in the .cpp: callers see only this class.
#pragma once

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "dep/core/distributed_env.h"
#include "dep/train/gradient_sync.h"
#include "dep/train/train_config.h"

namespace dep {

class C10dGradientSync final : public GradientSync {
 public:
  // Joins the job `env` describes; `device` is where the gradients live (cuda:LOCAL_RANK or cpu)
  // and picks the backend when `backend` is auto. Every wait (the rendezvous, each all-reduce)
  // gives up after `timeout`, the epoch-end wait for the main rank after `epoch_end_timeout`,
  // with a one-line dep::Error (internal, exit 1) naming the rank and what it waited for.
  C10dGradientSync(const DistributedEnv& env, const torch::Device& device, DistributedBackend backend,
                   std::chrono::milliseconds timeout, std::chrono::milliseconds epoch_end_timeout);
  ~C10dGradientSync() override;

  // Whether this build can make `backend` (auto: Gloo, always there when c10d is).
  static bool available(DistributedBackend backend);

  int64_t rank() const override;
  int64_t world_size() const override;
  const std::string& backend_name() const;
  // Flattens the gradients into one buffer, sums it over the ranks with one all-reduce, writes it back.
  void all_reduce_gradients(const std::vector<torch::Tensor>& parameters) override;
  void sum_over_ranks(std::vector<double>& values) override;
  void agree(const std::string& what, int64_t value, bool after_main_work) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dep
