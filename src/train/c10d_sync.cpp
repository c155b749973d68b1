// C10dGradientSync: the rendezvous (TCPStore), the process group (Gloo / NCCL) and the three
// collectives the loop needs, each waited for with a timeout that turns a dead or hung rank into
// one line instead of a hang (see c10d_sync.h, docs/distributed.md).
#include "dep/train/c10d_sync.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "dep/core/error.h"
#include "dep/core/log.h"

#if defined(DEP_HAVE_C10D)
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#endif
#if defined(DEP_C10D_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(DEP_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace dep {

namespace {

std::string seconds(std::chrono::milliseconds t) {
  std::ostringstream out;
  out << static_cast<double>(t.count()) / 1000.0 << " s";
  return out.str();
}

// The first line of a c10d/Gloo message, without the source location it starts with.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.front() == '[') {
    const auto close = line.find("] ");
    if (close != std::string::npos && close < 200) line = line.substr(close + 2);
  }
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

#if defined(DEP_HAVE_C10D)

struct C10dGradientSync::Impl {
  DistributedEnv env;
  std::string backend_name;
  std::chrono::milliseconds timeout;
  std::chrono::milliseconds epoch_end_timeout;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> group;
  torch::Device device = torch::kCPU;
  int64_t agreements = 0;  // store keys of the epoch-end waits

  std::string who() const {
    return "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size);
  }

  // Waits for `work`; a failure or a timeout is one line naming what the rank waited for.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what, std::chrono::milliseconds limit,
            const std::string& key) {
    try {
      if (!work->wait(limit)) throw std::runtime_error("timed out");
    } catch (const std::exception& e) {
      fail_internal("dep-train", who() + ": " + what + " failed within " + key + " = " + seconds(limit) +
                                     " (a rank died or hung): " + first_line(e.what()));
    }
  }

  void all_reduce(torch::Tensor& buffer, c10d::ReduceOp::RedOpType op, const std::string& what,
                  std::chrono::milliseconds limit, const std::string& key) {
    std::vector<at::Tensor> tensors{buffer};
    c10d::AllreduceOptions options;
    options.reduceOp = op;
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = group->allreduce(tensors, options);
    } catch (const std::exception& e) {
      fail_internal("dep-train", who() + ": " + what + " failed (a rank died or hung): " + first_line(e.what()));
    }
    wait(work, what, limit, key);
  }
};

C10dGradientSync::C10dGradientSync(const DistributedEnv& env, const torch::Device& device, DistributedBackend backend,
                                   std::chrono::milliseconds timeout, std::chrono::milliseconds epoch_end_timeout)
    : impl_(std::make_unique<Impl>()) {
  auto& s = *impl_;
  s.env = env;
  s.timeout = timeout;
  s.epoch_end_timeout = epoch_end_timeout;
  s.device = device;
  if (backend == DistributedBackend::kAuto) backend = device.is_cuda() ? DistributedBackend::kNccl : DistributedBackend::kGloo;
  s.backend_name = enum_name(distributed_backend_names(), backend);
  if (!available(backend)) {
    fail("distributed.backend", "'" + s.backend_name + "' is not in this build" +
                                    (backend == DistributedBackend::kNccl ? " (built without CUDA/NCCL); use gloo" : ""));
  }
  if (backend == DistributedBackend::kNccl && !device.is_cuda()) {
    fail("distributed.backend", "nccl needs device.device = cuda (each rank takes cuda:LOCAL_RANK)");
  }
  const std::string where = s.env.master_addr + ":" + std::to_string(s.env.master_port);
  log::info(log::format("distributed: %s (%s), %s over %s, rendezvous at %s", s.who().c_str(), env.launcher.c_str(),
                        s.backend_name.c_str(), device.str().c_str(), where.c_str()));
  // Rendezvous: rank 0 serves the store and waits for every other rank to connect.
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(env.master_port);
  // Under torchrun the agent already serves the store at MASTER_ADDR:MASTER_PORT (as
  // torch.distributed does, every rank is then a client).
  const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  options.isServer = env.rank == 0 && !(agent_store && std::string(agent_store) == "True");
  options.numWorkers = static_cast<int>(env.world_size);
  options.waitWorkers = true;
  options.timeout = timeout;
  try {
    s.store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    fail_internal("dep-train", s.who() + ": rendezvous at " + where + " failed within distributed.timeout_s = " +
                                   seconds(timeout) + ": " + first_line(e.what()));
  }
  try {
    if (backend == DistributedBackend::kGloo) {
#if defined(DEP_C10D_GLOO)
      auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
      // As torch.distributed: GLOO_SOCKET_IFNAME picks the interface; a job on this machine
      // alone talks over loopback; otherwise the address this host's name resolves to.
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
        gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      } else if (loopback(env.master_addr)) {
        gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      s.group = c10::make_intrusive<c10d::ProcessGroupGloo>(s.store, static_cast<int>(env.rank),
                                                            static_cast<int>(env.world_size), gloo);
#endif
    } else {
#if defined(DEP_C10D_NCCL)
      // Blocking waits make a timed-out all-reduce throw on this thread (instead of the
      // watchdog tearing the process down without a message we chose).
      setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
      auto nccl = c10d::ProcessGroupNCCL::Options::create();
      nccl->timeout = timeout;
      s.group = c10::make_intrusive<c10d::ProcessGroupNCCL>(s.store, static_cast<int>(env.rank),
                                                            static_cast<int>(env.world_size), nccl);
#endif
    }
  } catch (const std::exception& e) {
    fail_internal("dep-train", s.who() + ": the " + s.backend_name + " process group could not start: " + first_line(e.what()));
  }
}

C10dGradientSync::~C10dGradientSync() = default;

bool C10dGradientSync::available(DistributedBackend backend) {
  switch (backend) {
    case DistributedBackend::kAuto:
    case DistributedBackend::kGloo:
#if defined(DEP_C10D_GLOO)
      return true;
#else
      return false;
#endif
    case DistributedBackend::kNccl:
#if defined(DEP_C10D_NCCL)
      return true;
#else
      return false;
#endif
  }
  return false;
}

int64_t C10dGradientSync::rank() const { return impl_->env.rank; }
int64_t C10dGradientSync::world_size() const { return impl_->env.world_size; }
const std::string& C10dGradientSync::backend_name() const { return impl_->backend_name; }

void C10dGradientSync::all_reduce_gradients(const std::vector<torch::Tensor>& parameters) {
  if (parameters.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flat;
  flat.reserve(parameters.size());
  for (const auto& p : parameters) {
    // A rank whose share of the window was empty has no gradients: it adds zeros.
    flat.push_back(p.grad().defined() ? p.grad().reshape({-1}) : torch::zeros({p.numel()}, p.options()));
  }
  auto buffer = torch::cat(flat);
  impl_->all_reduce(buffer, c10d::ReduceOp::SUM, "the all-reduce of the adapter gradients", impl_->timeout,
                    "distributed.timeout_s");
  int64_t offset = 0;
  for (const auto& p : parameters) {
    auto slice = buffer.narrow(0, offset, p.numel()).view_as(p);
    if (p.grad().defined()) {
      p.mutable_grad().copy_(slice);
    } else {
      p.mutable_grad() = slice.clone();
    }
    offset += p.numel();
  }
}

void C10dGradientSync::sum_over_ranks(std::vector<double>& values) {
  if (values.empty()) return;
  auto buffer = torch::tensor(values, torch::TensorOptions().dtype(torch::kFloat64)).to(impl_->device);
  impl_->all_reduce(buffer, c10d::ReduceOp::SUM, "the all-reduce of the window's sums", impl_->timeout,
                    "distributed.timeout_s");
  buffer = buffer.cpu();
  for (size_t i = 0; i < values.size(); ++i) values[i] = buffer[static_cast<int64_t>(i)].item<double>();
}

void C10dGradientSync::agree(const std::string& what, int64_t value, bool after_main_work) {
  auto& s = *impl_;
  const std::string where = "waiting for every rank at " + what;
  if (after_main_work) {
    // The main rank may come late (validation, saving): the others first wait for a store key it
    // sets, up to the epoch-end timeout (a dead main rank takes the store down: they stop at once).
    const std::string key = "dep/agree/" + std::to_string(s.agreements++);
    try {
      if (s.env.rank == 0) {
        s.store->set(key, std::vector<uint8_t>{1});
      } else {
        s.store->wait({key}, s.epoch_end_timeout);
      }
    } catch (const std::exception& e) {
      fail_internal("dep-train", s.who() + ": " + where + " failed within distributed.epoch_end_timeout_s = " +
                                     seconds(s.epoch_end_timeout) + " (the main rank died or hung): " + first_line(e.what()));
    }
  }
  // max(v) and max(-v) over the ranks: equal values iff both come back as this rank's.
  auto buffer =
      torch::tensor(std::vector<int64_t>{value, -value}, torch::TensorOptions().dtype(torch::kInt64)).to(s.device);
  s.all_reduce(buffer, c10d::ReduceOp::MAX, where, s.timeout, "distributed.timeout_s");
  buffer = buffer.cpu();
  const int64_t high = buffer[0].item<int64_t>(), low = -buffer[1].item<int64_t>();
  if (high != low) {
    fail_internal("dep-train", s.who() + ": the ranks disagree on " + what + " (from " + std::to_string(low) + " to " +
                                   std::to_string(high) + "; this rank: " + std::to_string(value) + ")");
  }
}

#else  // no c10d in this LibTorch

struct C10dGradientSync::Impl {};

C10dGradientSync::C10dGradientSync(const DistributedEnv&, const torch::Device&, DistributedBackend,
                                   std::chrono::milliseconds, std::chrono::milliseconds) {
  fail("distributed", "this build has no c10d (LibTorch without distributed support, or no Gloo headers); "
                      "run one process");
}
C10dGradientSync::~C10dGradientSync() = default;
bool C10dGradientSync::available(DistributedBackend) { return false; }
int64_t C10dGradientSync::rank() const { return 0; }
int64_t C10dGradientSync::world_size() const { return 1; }
const std::string& C10dGradientSync::backend_name() const {
  static const std::string none = "none";
  return none;
}
void C10dGradientSync::all_reduce_gradients(const std::vector<torch::Tensor>&) {}
void C10dGradientSync::sum_over_ranks(std::vector<double>&) {}
void C10dGradientSync::agree(const std::string&, int64_t, bool) {}

#endif

}  // namespace dep
