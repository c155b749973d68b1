// The launchers' environments: torchrun, Slurm (with its bracketed node lists), Open MPI, none.
#include <catch2/catch.hpp>

#include <map>

#include "dep/core/distributed_env.h"
#include "dep/core/error.h"

namespace {

dep::DistributedEnv read(const std::map<std::string, std::string>& vars) {
  return dep::DistributedEnv::read([&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

}  // namespace

TEST_CASE("no launcher variables: one process", "[core][distributed]") {
  const auto env = read({{"MASTER_PORT", "1234"}, {"SLURM_NODELIST", "n1"}});
  CHECK(env.launcher == "none");
  CHECK(env.rank == 0);
  CHECK(env.world_size == 1);
  CHECK_FALSE(env.distributed());
}

TEST_CASE("torchrun's variables", "[core][distributed]") {
  const auto env = read({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.0.0.5"},
                         {"MASTER_PORT", "29400"}, {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}});
  CHECK(env.launcher == "torchrun");  // torchrun inside a Slurm allocation: torchrun's ranks
  CHECK(env.rank == 3);
  CHECK(env.world_size == 8);
  CHECK(env.local_rank == 1);
  CHECK(env.master_addr == "10.0.0.5");
  CHECK(env.master_port == 29400);
  CHECK(env.distributed());
  // Defaults: the local rank is the rank, the master is this machine on torch's port.
  const auto bare = read({{"RANK", "1"}, {"WORLD_SIZE", "2"}});
  CHECK(bare.local_rank == 1);
  CHECK(bare.master_addr == "127.0.0.1");
  CHECK(bare.master_port == 29500);
}

TEST_CASE("Slurm's variables and the first host of its node list", "[core][distributed]") {
  const auto env = read({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"},
                         {"SLURM_NODELIST", "gpu[03-04,07]"}, {"MASTER_PORT", "29600"}});
  CHECK(env.launcher == "slurm");
  CHECK(env.rank == 5);
  CHECK(env.world_size == 8);
  CHECK(env.local_rank == 1);
  CHECK(env.master_addr == "gpu03");
  CHECK(env.master_port == 29600);
  // MASTER_ADDR, when exported, wins over the node list.
  CHECK(read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "a[1-2]"}, {"MASTER_ADDR", "head"}})
            .master_addr == "head");
  CHECK(dep::first_slurm_host("node01") == "node01");
  CHECK(dep::first_slurm_host("node07,gpu[1-2]") == "node07");
  CHECK(dep::first_slurm_host("node[01-04,07]") == "node01");
  CHECK(dep::first_slurm_host("node[7,01-04]") == "node7");
  CHECK(dep::first_slurm_host("rack[2-3]-n[010-012],login1") == "rack2-n010");
  CHECK(dep::first_slurm_host("a-[3-5]x") == "a-3x");
  CHECK_THROWS_WITH(dep::first_slurm_host("node[01-04"), Catch::Contains("SLURM_NODELIST"));
  CHECK_THROWS_WITH(dep::first_slurm_host("node[-4]"), Catch::Contains("no host number"));
}

TEST_CASE("Open MPI's variables (mpirun)", "[core][distributed]") {
  const auto env = read({{"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "4"},
                         {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}, {"MASTER_ADDR", "host1"}});
  CHECK(env.launcher == "mpirun");
  CHECK(env.rank == 2);
  CHECK(env.world_size == 4);
  CHECK(env.local_rank == 0);
  CHECK(env.master_addr == "host1");
}

TEST_CASE("malformed launcher variables are errors naming the variable", "[core][distributed]") {
  CHECK_THROWS_WITH(read({{"RANK", "x"}, {"WORLD_SIZE", "2"}}), Catch::StartsWith("RANK: 'x' is not an integer"));
  CHECK_THROWS_WITH(read({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), Catch::Contains("not below WORLD_SIZE = 2"));
  CHECK_THROWS_WITH(read({{"RANK", "0"}}), Catch::StartsWith("WORLD_SIZE: not set"));
  CHECK_THROWS_WITH(read({{"RANK", "0"}, {"WORLD_SIZE", "0"}}), Catch::Contains("WORLD_SIZE: 0 is below 1"));
  CHECK_THROWS_WITH(read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}),
                    Catch::Contains("MASTER_PORT"));
  CHECK_THROWS_WITH(read({{"OMPI_COMM_WORLD_RANK", "0"}}), Catch::Contains("OMPI_COMM_WORLD_SIZE: not set"));
  try {
    read({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "-1"}});
    FAIL("no error");
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
    CHECK(e.where() == "SLURM_LOCALID");
  }
}
