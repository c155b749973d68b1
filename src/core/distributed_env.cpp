// The launcher's environment (see distributed_env.h).
#include "dep/core/distributed_env.h"

#include <cctype>
#include <cstdlib>

#include "dep/core/error.h"

namespace dep {

namespace {

int64_t integer(const DistributedEnv::Lookup& lookup, const std::string& name, int64_t fallback, int64_t minimum) {
  const auto text = lookup(name);
  if (!text || text->empty()) return fallback;
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text->size()) fail(name, "'" + *text + "' is not an integer");
  if (value < minimum) fail(name, std::to_string(value) + " is below " + std::to_string(minimum));
  return value;
}

bool set(const DistributedEnv::Lookup& lookup, const std::string& name) {
  const auto v = lookup(name);
  return v && !v->empty();
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  // The list is comma-separated at the top level; commas inside [...] separate ranges.
  std::string first;
  int depth = 0;
  for (char c : nodelist) {
    if (c == '[') depth += 1;
    if (c == ']') depth -= 1;
    if (c == ',' && depth == 0) break;
    first += c;
  }
  const auto open = first.find('[');
  if (open == std::string::npos) return first;
  const auto close = first.find(']', open);
  if (close == std::string::npos) fail("SLURM_NODELIST", "'" + nodelist + "' has an unclosed '['");
  // The bracket's first range starts with the first host's number, as written (zero-padded).
  std::string number;
  for (size_t i = open + 1; i < close && std::isdigit(static_cast<unsigned char>(first[i])); ++i) number += first[i];
  if (number.empty()) fail("SLURM_NODELIST", "'" + nodelist + "': no host number after '['");
  return first.substr(0, open) + number + first_slurm_host(first.substr(close + 1));
}

DistributedEnv DistributedEnv::read(const Lookup& lookup) {
  DistributedEnv env;
  std::string rank_var, size_var, local_var;
  if (set(lookup, "RANK") || set(lookup, "WORLD_SIZE")) {
    env.launcher = "torchrun";
    rank_var = "RANK", size_var = "WORLD_SIZE", local_var = "LOCAL_RANK";
  } else if (set(lookup, "SLURM_PROCID") && set(lookup, "SLURM_NTASKS")) {
    env.launcher = "slurm";
    rank_var = "SLURM_PROCID", size_var = "SLURM_NTASKS", local_var = "SLURM_LOCALID";
  } else if (set(lookup, "OMPI_COMM_WORLD_RANK")) {
    env.launcher = "mpirun";
    rank_var = "OMPI_COMM_WORLD_RANK", size_var = "OMPI_COMM_WORLD_SIZE", local_var = "OMPI_COMM_WORLD_LOCAL_RANK";
  } else {
    return env;
  }
  if (!set(lookup, rank_var)) fail(rank_var, "not set, but " + size_var + " is");
  if (!set(lookup, size_var)) fail(size_var, "not set, but " + rank_var + " is");
  env.rank = integer(lookup, rank_var, 0, 0);
  env.world_size = integer(lookup, size_var, 1, 1);
  env.local_rank = integer(lookup, local_var, env.rank, 0);
  if (env.rank >= env.world_size) {
    fail(rank_var, std::to_string(env.rank) + " is not below " + size_var + " = " + std::to_string(env.world_size));
  }
  if (set(lookup, "MASTER_ADDR")) {
    env.master_addr = *lookup("MASTER_ADDR");
  } else if (env.launcher == "slurm" && set(lookup, "SLURM_NODELIST")) {
    env.master_addr = first_slurm_host(*lookup("SLURM_NODELIST"));
  } else if (env.launcher == "slurm" && set(lookup, "SLURM_JOB_NODELIST")) {
    env.master_addr = first_slurm_host(*lookup("SLURM_JOB_NODELIST"));
  }
  env.master_port = integer(lookup, "MASTER_PORT", env.master_port, 1);
  if (env.master_port > 65535) fail("MASTER_PORT", std::to_string(env.master_port) + " is not a TCP port");
  return env;
}

DistributedEnv DistributedEnv::from_environment() {
  return read([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace dep
