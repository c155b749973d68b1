// dep-embed survives SIGKILL mid-run: the rerun finishes from the shards already written, and the
// store equals one built without interruption. SIGTERM exits with the "interrupted" code.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "store_support.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;

std::string write_config(const std::string& dir, const std::string& model, const std::string& input,
                         const std::string& out) {
  const std::string path = dir + "/" + fs::path(out).filename().string() + ".json";
  std::ofstream(path) << nlohmann::json{{"input", {{"paths", {input}}}},
                                        {"device", {{"threads", 1}}},
                                        {"model", {{"dir", model}, {"name", "tiny-bge"}}},
                                        {"output_dir", out},
                                        {"shard_size", 8},
                                        {"max_batch_size", 8}}
                             .dump();
  return path;
}

pid_t start_dep_embed(const std::string& config) {
  const std::string binary = dep::test::binary("dep-embed");
  const pid_t pid = fork();
  if (pid == 0) {
    execl(binary.c_str(), binary.c_str(), "--config", config.c_str(), "--log-level", "warn", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

// Waits (up to a minute) until the first shard exists, then sends `signal`.
bool signal_after_first_shard(pid_t pid, const std::string& store, int signal) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(store + "/shard-00000.safetensors")) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  kill(pid, signal);
  return true;
}

std::map<std::string, std::string> store_files(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name != "embed_config.json") out[name] = dep::read_file(entry.path().string());  // names its own output_dir
  }
  return out;
}

}  // namespace

TEST_CASE("dep-embed killed with SIGKILL resumes to the same store as an uninterrupted run", "[store][kill]") {
  REQUIRE(fs::exists(dep::test::binary("dep-embed")));
  const std::string dir = dep::test::scratch_dir("store-kill");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 12);

  const std::string killed = dir + "/killed", clean = dir + "/clean";
  const std::string killed_config = write_config(dir, model, input, killed);
  const pid_t pid = start_dep_embed(killed_config);
  REQUIRE(signal_after_first_shard(pid, killed, SIGKILL));
  REQUIRE(wait_exit_code(pid) == 128 + SIGKILL);
  // The kill must have landed mid-run for this test to mean anything.
  REQUIRE_FALSE(fs::exists(killed + "/index.json"));
  const auto first_shard_time = fs::last_write_time(killed + "/shard-00000.safetensors");

  REQUIRE(wait_exit_code(start_dep_embed(killed_config)) == 0);
  CHECK(fs::last_write_time(killed + "/shard-00000.safetensors") == first_shard_time);  // reused, not redone
  REQUIRE(wait_exit_code(start_dep_embed(write_config(dir, model, input, clean))) == 0);

  const auto a = store_files(killed), b = store_files(clean);
  REQUIRE(a.size() == b.size());
  for (const auto& [name, bytes] : b) {
    INFO(name);
    REQUIRE(a.count(name) == 1);
    CHECK(a.at(name) == bytes);
  }
}

TEST_CASE("dep-embed stops on SIGTERM with exit code 130 and resumes", "[store][kill]") {
  REQUIRE(fs::exists(dep::test::binary("dep-embed")));
  const std::string dir = dep::test::scratch_dir("store-term");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 12);
  const std::string config = write_config(dir, model, input, dir + "/store");
  const pid_t pid = start_dep_embed(config);
  REQUIRE(signal_after_first_shard(pid, dir + "/store", SIGTERM));
  CHECK(wait_exit_code(pid) == dep::kExitInterrupted);
  CHECK_FALSE(fs::exists(dir + "/store/index.json"));
  CHECK(wait_exit_code(start_dep_embed(config)) == 0);
  CHECK(fs::exists(dir + "/store/index.json"));
}
