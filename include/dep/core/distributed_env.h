// Where this process stands in a multi-process job, read from the launcher's environment the way
// PyTorch reads it (docs/distributed.md): torchrun / torch elastic (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT), Slurm's srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the master
// is the first host of SLURM_NODELIST unless MASTER_ADDR is set) and Open MPI's mpirun
// (OMPI_COMM_WORLD_RANK / _SIZE / _LOCAL_RANK). Torch-free: dep-train, dep-embed and dep-generate
// all read it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace dep {

struct DistributedEnv {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;  // the process's index on its machine: its GPU
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;  // torch's default
  std::string launcher = "none";  // torchrun, slurm, mpirun or none

  bool distributed() const { return world_size > 1; }

  // `lookup(name)` is getenv (tests pass a map). The first launcher whose variables are set wins:
  // torchrun (RANK + WORLD_SIZE), then Slurm (SLURM_PROCID + SLURM_NTASKS), then Open MPI; none: a
  // single process. A malformed or inconsistent value is a dep::Error naming the variable.
  using Lookup = std::function<std::optional<std::string>(const std::string&)>;
  static DistributedEnv read(const Lookup& lookup);
  static DistributedEnv from_environment();
};

// The first host of a Slurm node list: "node07" from "node07,gpu[1-2]", "node01" from
// "node[01-04,07]", "a-3" from "a-[3-5]x"... (the first number of a bracket keeps its zero padding).
std::string first_slurm_host(const std::string& nodelist);

}  // namespace dep
