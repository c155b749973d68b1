// dep-generate's command line: help, --dump-config validating as a run, and the exit code 2 for an
// output path that cannot be a directory or embeddings narrower than the adapter, before any
// weight loads.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"
#include "tiny_world.h"

namespace {

struct Run {
  int code = -1;
  std::string output;
};

Run run(const std::string& args) {
  Run r;
  const std::string command = dep::test::binary("dep-generate") + " " + args + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("dep-generate --help and --dump-config", "[generate][cli]") {
  auto r = run("--help");
  CHECK(r.code == 0);
  CHECK(r.output.find("Usage: dep-generate") != std::string::npos);
  r = run("merge --help");
  CHECK(r.code == 0);
  CHECK(r.output.find("--dir") != std::string::npos);
  r = run("--config configs/generate.json --set device.dtype=fp8 --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("device.dtype: 'fp8' is not one of auto, fp32, bf16, fp16") != std::string::npos);
  r = run("--config configs/generate.json --set device.device=tpu --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("device.device: unknown device 'tpu'") != std::string::npos);
  r = run("--config configs/generate.json --set categories=[\\\"Toys\\\"] --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("categories: 'Toys' is not one of data.data.categories") != std::string::npos);
  r = run("--config configs/generate.json --set device.dtype=fp16 --dump-config");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.output)["device"]["dtype"] == "fp16");
}

TEST_CASE("dep-generate: bad output paths and mismatched embeddings are exit 2 before loading", "[generate][cli]") {
  const std::string dir = dep::test::scratch_dir("generate-cli");
  const std::string file = dir + "/a_file";
  std::ofstream(file) << "x";
  auto r = run("--config configs/generate.json --out " + file);
  CHECK(r.code == 2);
  CHECK(r.output.find("output.dir: '" + file + "' exists and is not a directory") != std::string::npos);
  r = run("--config configs/generate.json --out " + file + "/run");
  CHECK(r.code == 2);
  CHECK(r.output.find("'" + file + "' is not a directory") != std::string::npos);

  const auto& w = dep::test::tiny_world();
  auto config = w.config(dir + "/out", true);
  const std::string narrow = dir + "/narrow.safetensors";
  dep::save_safetensors(narrow, {{"Books/u0", torch::zeros({2, 3})}});
  config.embeddings = narrow;
  const std::string config_path = dir + "/generate.json";
  dep::write_file_atomic(config_path, dep::config_to_json(config).dump(2));
  r = run("--config " + config_path);
  CHECK(r.code == 2);
  CHECK(r.output.find("embeddings: " + narrow + " holds 3-dim embeddings") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/out/generations.jsonl"));
}

TEST_CASE("dep-generate: an eos_token_id written as a float in generation_config.json is exit 2 naming the key",
          "[generate][cli][reliability]") {
  // get<int64_t>() would cast 1.2e22 out of range (undefined behaviour): now bad input.
  const std::string dir = dep::test::scratch_dir("generate-cli-float-eos");
  const auto& w = dep::test::tiny_world();
  const std::string model = dir + "/model";
  std::filesystem::create_directories(model);
  for (const auto& e : std::filesystem::directory_iterator(w.full_dir)) {
    std::filesystem::create_symlink(std::filesystem::absolute(e.path()), model + "/" + e.path().filename().string());
  }
  std::filesystem::remove(model + "/generation_config.json");
  dep::write_file_atomic(model + "/generation_config.json", R"({"eos_token_id": [151645, 1.2e22]})");
  auto config = w.config(dir + "/out", true);
  config.model.dir = model;
  const std::string config_path = dir + "/generate.json";
  dep::write_file_atomic(config_path, dep::config_to_json(config).dump(2));
  const auto r = run("--config " + config_path);
  CHECK(r.code == 2);
  CHECK(r.output.find(model + "/generation_config.json: key 'eos_token_id' entry 1 has the wrong type") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/out/generations.jsonl"));
}
