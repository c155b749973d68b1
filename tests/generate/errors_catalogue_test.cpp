// docs/ERRORS.md entries that need a model, a tokenizer, data and embeddings: dep-generate run as a
// user would, its one-line message and exit code (the other entries: tests/core).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "dep/adapter/adapter.h"
#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/torch/tensor_io.h"
#include "dep/core/config.h"
#include "dep/generate/generation_run.h"
#include "test_paths.h"
#include "tiny_world.h"

namespace fs = std::filesystem;
using dep::test::tiny_world;

namespace {

struct Outcome {
  int status = -1;
  std::string err;
};

// dep-generate with `config` (written beside the outputs), stdout discarded.
Outcome generate(const dep::GenerateConfig& config, const std::string& dir) {
  dep::write_file_atomic(dir + "/generate.json", dep::config_to_json(config).dump(2));
  const std::string command = dep::test::binary("dep-generate") + " --config " + dir + "/generate.json > /dev/null 2> " +
                              dir + "/stderr.txt";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, dep::read_file(dir + "/stderr.txt")};
}

void check_entry(const Outcome& o, int code, const std::string& contains) {
  INFO(o.err);
  CHECK(o.status == code);
  // One line: the tool's log lines (info) come first; the error is the last line.
  const std::string last = o.err.substr(o.err.rfind("error: ") == std::string::npos ? 0 : o.err.rfind("error: "));
  CHECK_THAT(last, Catch::StartsWith("error: ") && Catch::Contains(contains));
  CHECK(std::count(last.begin(), last.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("E-TOKENIZER-MODEL: a tokenizer larger than the decoder's vocabulary", "[errors][cli]") {
  const auto& w = tiny_world();
  const std::string dir = dep::test::scratch_dir("errors-tokenizer-model");
  auto config = w.config(dir + "/out", false);
  config.model.dir = dep::test::fixture("tiny-qwen2");  // 1000 token rows
  config.model.adapter = "none";
  config.model.tokenizer = w.base_dir;  // Qwen2.5's 151,665 tokens
  check_entry(generate(config, dir), 2, "the tokenizer has 151665 tokens but");
  CHECK_THAT(generate(config, dir).err, Catch::Contains("has only 1000 embedding rows"));
}

TEST_CASE("E-ADAPTER-HIDDEN: an adapter trained for another hidden size", "[errors][cli]") {
  const auto& w = tiny_world();
  const std::string dir = dep::test::scratch_dir("errors-adapter-hidden");
  dep::test::write_random_adapter(dir + "/adapter64.safetensors", 16, 8, 64, 5);
  auto config = w.config(dir + "/out", false);
  config.model.adapter = dir + "/adapter64.safetensors";
  check_entry(generate(config, dir), 2, "adapter trained for hidden size 64");
}

TEST_CASE("E-STORE: an unfinished embedding store", "[errors][cli]") {
  const auto& w = tiny_world();
  const std::string dir = dep::test::scratch_dir("errors-store");
  fs::create_directories(dir + "/store");
  dep::write_file_atomic(dir + "/store/shard-00000.safetensors", dep::read_file(w.embeddings));
  auto config = w.config(dir + "/out", false);
  config.embeddings = dir + "/store";
  config.limit = 1;
  check_entry(generate(config, dir), 2, "the store is unfinished (no index.json yet)");
}

TEST_CASE("E-GENERATE-HEADER: records whose header is missing", "[errors][cli]") {
  const auto& w = tiny_world();
  const std::string dir = dep::test::scratch_dir("errors-generate-header");
  auto config = w.config(dir + "/out", false);
  config.limit = 1;
  config.sampling.max_new_tokens = 2;
  REQUIRE(generate(config, dir).status == 0);
  fs::remove(dir + "/out/generations.header.json");
  check_entry(generate(config, dir), 2, "generations.header.json is missing");
}

TEST_CASE("E-ADAPTER-METHOD: an adapter file of another method", "[errors]") {
  const std::string dir = dep::test::scratch_dir("errors-adapter-method");
  // A DEP adapter's tensors under metadata that says another method wrote them.
  const auto adapter = dep::make_adapter("dep", nlohmann::json{{"embedding_dim", 16}, {"latent_dim", 8}}, 32);
  auto metadata = dep::adapter_metadata(*adapter);
  metadata["dep.adapter_method"] = "pplug";
  dep::save_safetensors(dir + "/pplug.safetensors", dep::adapter_tensors(*adapter), metadata);
  try {
    dep::load_adapter_weights(dir + "/pplug.safetensors", *adapter);
    FAIL("a 'pplug' file loaded into the DEP adapter");
  } catch (const dep::Error& e) {
    CHECK(dep::exit_code_of(e) == 2);
    CHECK_THAT(e.what(), Catch::Contains("pplug.safetensors: is a 'pplug' adapter; the configured adapter is 'dep'"));
  }
}
