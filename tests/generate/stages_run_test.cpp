// Multi-stage methods through dep-generate on the tiny world: PAG killed with SIGKILL during its
// profile stage and during its last stage resumes to the bytes of an uninterrupted run, shards
// merge into the whole-split output, and a changed stage setting redoes that stage only.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/generate/generation_output.h"
#include "dep/generate/generation_run.h"
#include "test_paths.h"
#include "tiny_world.h"

namespace fs = std::filesystem;
using dep::test::tiny_world;

namespace {

size_t line_count(const std::string& path) {
  if (!fs::exists(path)) return 0;
  const auto text = dep::read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int run_to_end(const std::vector<std::string>& args) {
  int status = 0;
  waitpid(spawn(args), &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Starts `command`, kills it with SIGKILL once `file` has at least `lines` lines; returns the
// lines it had. The process must still have been running.
size_t kill_when(const std::vector<std::string>& command, const std::string& file, size_t lines) {
  const pid_t pid = spawn(command);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (line_count(file) < lines && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  return line_count(file);
}

std::vector<std::string> files_of(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void check_same_outputs(const std::string& a, const std::string& b) {
  CHECK(dep::read_file(a + "/generations.jsonl") == dep::read_file(b + "/generations.jsonl"));
  CHECK(dep::read_file(a + "/generations.header.json") == dep::read_file(b + "/generations.header.json"));
  const auto files = files_of(a, "predictions_");
  CHECK(files.size() == 3);
  CHECK(files == files_of(b, "predictions_"));
  for (const auto& f : files) CHECK(dep::read_file(a + "/" + f) == dep::read_file(b + "/" + f));
}

nlohmann::json stage_summary(const std::string& dir, const std::string& stage) {
  return nlohmann::json::parse(dep::read_file(dir + "/generations.summary.json")).at("stages").at(stage);
}

dep::GenerateConfig pag_config(const std::string& out) {
  auto config = tiny_world().config(out, false);
  config.model.adapter = dep::kNoAdapter;
  config.embeddings = "";
  config.data.prompt.variant = "pag";
  config.sampling.max_new_tokens = 24;
  config.engine.max_batch = 2;
  config.engine.chunk = 100;  // one chunk: every profile is written before the first review
  return config;
}

}  // namespace

TEST_CASE("generate: PAG killed during each stage resumes to the bytes of an uninterrupted run",
          "[generate][stages][resume]") {
  const auto& w = tiny_world();
  const std::string root = dep::test::scratch_dir("generate-pag-kill");
  const std::string clean = root + "/clean";
  auto config = pag_config(clean);
  const auto summary = dep::run_generation(config, dep::Shard{});
  REQUIRE(summary.stages.size() == 2);
  CHECK(summary.stages[0].stage == "profile");
  CHECK(summary.stages[0].generated == w.test_samples);  // one profile per user and category
  CHECK(summary.stages[1].generated == w.test_samples);
  REQUIRE(line_count(clean + "/generations.jsonl") == static_cast<size_t>(w.test_samples));
  REQUIRE(line_count(clean + "/stages/profile.jsonl") == static_cast<size_t>(w.test_samples) + 1);

  // The same run as a process, one sequence at a time (outputs do not depend on batching).
  config.output.dir = "";
  config.engine.max_batch = 1;
  const std::string config_path = root + "/generate.json";
  dep::write_file_atomic(config_path, dep::config_to_json(config).dump(2));
  auto command = [&](const std::string& out) {
    return std::vector<std::string>{dep::test::binary("dep-generate"), "--config", config_path, "--out", out,
                                    "--log-level", "warn"};
  };

  SECTION("killed while writing profiles") {
    const std::string killed = root + "/killed-profile";
    const size_t lines = kill_when(command(killed), killed + "/stages/profile.jsonl", 4);
    INFO("profile cache lines when killed: " << lines);
    REQUIRE(lines >= 4);
    REQUIRE(lines < static_cast<size_t>(w.test_samples) + 1);
    REQUIRE(line_count(killed + "/generations.jsonl") == 0);
    REQUIRE(run_to_end(command(killed)) == 0);
    check_same_outputs(clean, killed);
    CHECK(dep::read_file(clean + "/stages/profile.jsonl").size() ==
          dep::read_file(killed + "/stages/profile.jsonl").size());
    const auto profile = stage_summary(killed, "profile");
    CHECK(profile.at("cached").get<int64_t>() >= 3);
    CHECK(profile.at("cached").get<int64_t>() + profile.at("generated").get<int64_t>() == w.test_samples);
  }
  SECTION("killed while writing reviews") {
    const std::string killed = root + "/killed-review";
    const size_t lines = kill_when(command(killed), killed + "/generations.jsonl", 2);
    INFO("generations lines when killed: " << lines);
    REQUIRE(lines >= 2);
    REQUIRE(lines < static_cast<size_t>(w.test_samples));
    REQUIRE(run_to_end(command(killed)) == 0);
    check_same_outputs(clean, killed);
    // Every remaining sample's profile came from the cache.
    const auto profile = stage_summary(killed, "profile");
    CHECK(profile.at("generated").get<int64_t>() == 0);
    CHECK(profile.at("cached").get<int64_t>() == w.test_samples - static_cast<int64_t>(lines));
  }
}

TEST_CASE("generate: PAG shards merge into the whole-split output", "[generate][stages][shard]") {
  const std::string root = dep::test::scratch_dir("generate-pag-shards");
  auto config = pag_config(root + "/whole");
  dep::run_generation(config, dep::Shard{});
  config.output.dir = root + "/sharded";
  config.engine.chunk = 3;
  dep::run_generation(config, dep::Shard::parse("1/2"));
  dep::run_generation(config, dep::Shard::parse("0/2"));
  CHECK(fs::exists(root + "/sharded/stages/profile.shard-0-of-2.jsonl"));
  const auto merged = dep::merge_shards(config.output.dir);
  CHECK(merged.samples == tiny_world().test_samples);
  CHECK(dep::read_file(root + "/whole/generations.jsonl") == dep::read_file(root + "/sharded/generations.jsonl"));
  for (const auto& f : files_of(root + "/whole", "predictions_"))
    CHECK(dep::read_file(root + "/whole/" + f) == dep::read_file(root + "/sharded/" + f));
}

TEST_CASE("generate: a changed PAG prompt redoes its stage and the later ones only", "[generate][stages]") {
  const auto& w = tiny_world();
  const std::string root = dep::test::scratch_dir("generate-pag-settings");
  auto config = pag_config(root + "/a");
  config.limit = 4;
  config.stages.cache_dir = root + "/cache";
  dep::run_generation(config, dep::Shard{});

  // The generation template changes: the profiles are reused from the shared cache.
  auto prompts = nlohmann::json::parse(dep::read_file("configs/prompts/pag.json"));
  prompts["generate"]["system"] = "Write the user's review of the item.\n";
  dep::write_file_atomic(root + "/pag-generate.json", prompts.dump());
  config.stages.pag_prompts = root + "/pag-generate.json";
  // ... which the finished output directory refuses, naming the stage.
  try {
    dep::run_generation(config, dep::Shard{});
    FAIL("a changed stage must not resume into the old outputs");
  } catch (const dep::Error& e) {
    CHECK_THAT(e.message(), Catch::Contains("/stages/generate"));
  }
  config.output.dir = root + "/b";
  auto summary = dep::run_generation(config, dep::Shard{});
  CHECK(summary.stages[0].cached == 4);
  CHECK(summary.stages[0].generated == 0);
  CHECK(summary.stages[1].generated == 4);
  CHECK(dep::read_file(root + "/a/generations.jsonl") != dep::read_file(root + "/b/generations.jsonl"));

  // The profile template changes: both stages are redone.
  prompts["profile"]["system"] = "Summarise the user.\n";
  dep::write_file_atomic(root + "/pag-profile.json", prompts.dump());
  config.stages.pag_prompts = root + "/pag-profile.json";
  config.output.dir = root + "/c";
  summary = dep::run_generation(config, dep::Shard{});
  CHECK(summary.stages[0].cached == 0);
  CHECK(summary.stages[0].generated == 4);
  CHECK(summary.stages[1].generated == 4);

  // PAG runs the decoder alone.
  config.model.adapter = w.adapter;
  CHECK_THROWS_WITH(config.validate("cfg"), Catch::Contains("model.adapter"));
}
