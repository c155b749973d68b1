// dep-generate's outputs: a run killed with SIGKILL and rerun equals an uninterrupted run, torn
// lines are repaired, changed settings refuse to resume, shards merge into the whole-split output.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/generate/generation_output.h"
#include "dep/generate/generation_run.h"
#include "test_paths.h"
#include "tiny_world.h"

namespace fs = std::filesystem;
using dep::test::tiny_world;

namespace {

std::string slurp(const std::string& path) { return dep::read_file(path); }

size_t line_count(const std::string& path) {
  if (!fs::exists(path)) return 0;
  const auto text = slurp(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Runs dep-generate with `args`; returns the pid (the caller waits or kills).
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

std::vector<std::string> predictions_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind("predictions_", 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void check_same_outputs(const std::string& a, const std::string& b) {
  CHECK(slurp(a + "/generations.jsonl") == slurp(b + "/generations.jsonl"));
  CHECK(slurp(a + "/generations.header.json") == slurp(b + "/generations.header.json"));
  const auto files = predictions_files(a);
  CHECK(files.size() == 3);
  CHECK(files == predictions_files(b));
  for (const auto& f : files) CHECK(slurp(a + "/" + f) == slurp(b + "/" + f));
}

}  // namespace

TEST_CASE("generate: SIGKILL mid-run, rerun with the same command = an uninterrupted run", "[generate][resume]") {
  const auto& w = tiny_world();
  const std::string root = dep::test::scratch_dir("generate-kill");
  const std::string clean = root + "/clean", killed = root + "/killed";

  auto config = w.config(clean, true);
  config.sampling.max_new_tokens = 24;
  config.engine.max_batch = 2;
  dep::run_generation(config, dep::Shard{});
  REQUIRE(line_count(clean + "/generations.jsonl") == static_cast<size_t>(w.test_samples));

  // The same run as a process, killed once a few samples are on disk.
  config.output.dir = "";
  const std::string config_path = root + "/generate.json";
  dep::write_file_atomic(config_path, dep::config_to_json(config).dump(2));
  const std::vector<std::string> command = {dep::test::binary("dep-generate"), "--config", config_path,
                                            "--out", killed, "--log-level", "warn"};
  const pid_t pid = spawn(command);
  const std::string jsonl = killed + "/generations.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (line_count(jsonl) < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));  // it was still running: the kill interrupted real work
  const size_t before = line_count(jsonl);
  INFO("lines when killed: " << before);
  REQUIRE(before >= 3);
  REQUIRE(before < static_cast<size_t>(w.test_samples));
  CHECK_FALSE(fs::exists(killed + "/predictions_Books.txt"));

  // A torn half line, as a kill inside write() would leave.
  {
    std::ofstream torn(jsonl, std::ios::app);
    torn << "{\"index\": 5, \"category\": \"Bo";
  }
  REQUIRE(run_to_end(command) == 0);
  check_same_outputs(clean, killed);

  // A rerun of a finished run generates nothing and changes nothing.
  const auto finished = slurp(jsonl);
  REQUIRE(run_to_end(command) == 0);
  CHECK(slurp(jsonl) == finished);
}

TEST_CASE("generate: resuming with other settings is refused, naming the setting", "[generate][resume]") {
  const auto& w = tiny_world();
  const std::string out = dep::test::scratch_dir("generate-settings");
  auto config = w.config(out, true);
  config.limit = 2;
  dep::run_generation(config, dep::Shard{});
  config.sampling.temperature = 0.7;
  try {
    dep::run_generation(config, dep::Shard{});
    FAIL("a changed temperature must not resume");
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
    CHECK_THAT(e.message(), Catch::Contains("/sampling/temperature"));
  }
}

TEST_CASE("generate: --shard i/n runs merge into the whole-split output, merge checks completeness",
          "[generate][shard]") {
  const auto& w = tiny_world();
  const std::string root = dep::test::scratch_dir("generate-shards");
  auto config = w.config(root + "/whole", false);
  dep::run_generation(config, dep::Shard{});

  config.output.dir = root + "/sharded";
  dep::run_generation(config, dep::Shard::parse("0/3"));
  dep::run_generation(config, dep::Shard::parse("2/3"));
  // Shard 1 is missing: merge says so.
  try {
    dep::merge_shards(config.output.dir);
    FAIL("merge must refuse a missing shard");
  } catch (const dep::Error& e) {
    CHECK_THAT(e.message(), Catch::Contains("shards missing (of 3): 1"));
  }
  dep::run_generation(config, dep::Shard::parse("1/3"));
  // A shard that lost its last record is incomplete.
  const std::string shard1 = config.output.dir + "/generations.shard-1-of-3.jsonl";
  const auto full_shard = slurp(shard1);
  const auto cut = full_shard.substr(0, full_shard.rfind('\n', full_shard.size() - 2) + 1);
  dep::write_file_atomic(shard1, cut);
  try {
    dep::merge_shards(config.output.dir);
    FAIL("merge must refuse an incomplete shard");
  } catch (const dep::Error& e) {
    CHECK_THAT(e.message(), Catch::Contains("shard 1"));
    CHECK_THAT(e.message(), Catch::Contains("rerun it"));
  }
  dep::run_generation(config, dep::Shard::parse("1/3"));  // resumes the one lost sample
  // A shard that holds one of its samples twice (and so lacks another): duplicated.
  const auto complete_shard = slurp(shard1);
  const auto first_line = complete_shard.substr(0, complete_shard.find('\n') + 1);
  const auto without_last = complete_shard.substr(0, complete_shard.rfind('\n', complete_shard.size() - 2) + 1);
  dep::write_file_atomic(shard1, without_last + first_line);
  try {
    dep::merge_shards(config.output.dir);
    FAIL("merge must refuse a duplicated sample");
  } catch (const dep::Error& e) {
    CHECK_THAT(e.message(), Catch::Contains("duplicated across the shards"));
  }
  dep::write_file_atomic(shard1, complete_shard);
  const auto summary = dep::merge_shards(config.output.dir);
  CHECK(summary.samples == w.test_samples);
  CHECK(slurp(root + "/whole/generations.jsonl") == slurp(config.output.dir + "/generations.jsonl"));
  for (const auto& f : predictions_files(root + "/whole")) {
    CHECK(slurp(root + "/whole/" + f) == slurp(config.output.dir + "/" + f));
  }
  CHECK(dep::Shard::parse("3/4").owns(7));
  CHECK_THROWS_AS(dep::Shard::parse("4/4"), dep::Error);
  CHECK_THROWS_AS(dep::Shard::parse("1of4"), dep::Error);
}

TEST_CASE("generate: predictions_{category}.txt is the reference's format", "[generate]") {
  const std::string dir = dep::test::scratch_dir("generate-txt");
  std::vector<dep::GenerationRecord> records(3);
  records[0] = {2, "Books", "u3", "test/Books/u3", "third", "r", 1, 1, "stop"};
  records[1] = {0, "Books", "u1", "test/Books/u1", "first\nline", "r", 1, 1, "stop"};
  records[2] = {1, "CDs_and_Vinyl", "u2", "test/CDs_and_Vinyl/u2", "", "r", 1, 1, "length"};
  const auto files = dep::write_prediction_texts(dir, records);
  REQUIRE(files.size() == 2);
  const std::string sep = "\n---------------------------------\n";
  CHECK(slurp(dir + "/predictions_Books.txt") == "first\nline" + sep + "third" + sep);
  CHECK(slurp(dir + "/predictions_CDs_and_Vinyl.txt") == sep);
}

TEST_CASE("generate: records without their header are never adopted under new settings", "[generate][resume][reliability]") {
  const auto& w = tiny_world();
  const std::string out = dep::test::scratch_dir("generate-no-header");
  auto config = w.config(out, true);
  config.limit = 2;
  config.sampling.max_new_tokens = 4;
  dep::run_generation(config, dep::Shard{});
  const std::string records = slurp(out + "/generations.jsonl");
  fs::remove(out + "/generations.header.json");
  config.sampling.seed = 5;
  config.sampling.temperature = 1.5;
  CHECK_THROWS_WITH(dep::run_generation(config, dep::Shard{}),
                    Catch::Contains("generations.header.json is missing") && Catch::Contains("holds 2 records"));
  CHECK(slurp(out + "/generations.jsonl") == records);
  CHECK_FALSE(fs::exists(out + "/generations.header.json"));
}

TEST_CASE("generate: a resumed record must still be the sample at its index", "[generate][resume][reliability]") {
  const auto& w = tiny_world();
  const std::string out = dep::test::scratch_dir("generate-edited-record");
  auto config = w.config(out, true);
  config.limit = 2;
  config.sampling.max_new_tokens = 4;
  dep::run_generation(config, dep::Shard{});
  const std::string jsonl = out + "/generations.jsonl";
  const std::string original = slurp(jsonl);
  for (const char* field : {"reference", "sample_id", "user_id", "category"}) {
    INFO(field);
    // Keep one record, edited, as a killed run would have left it.
    auto first = nlohmann::json::parse(original.substr(0, original.find('\n')));
    first[field] = first[field].get<std::string>() + "-edited";
    dep::write_file_atomic(jsonl, first.dump() + "\n");
    CHECK_THROWS_WITH(dep::run_generation(config, dep::Shard{}),
                      Catch::Contains("does not match the data's sample") && Catch::Contains(std::string("its ") + field));
  }
}

TEST_CASE("generate: a run failing before its first sample leaves nothing behind", "[generate][resume][reliability]") {
  const auto& w = tiny_world();
  const std::string root = dep::test::scratch_dir("generate-early-failure");
  auto config = w.config(root + "/new/out", true);
  config.categories = {"No_Such_Category"};
  CHECK_THROWS_WITH(dep::run_generation(config, dep::Shard{}), Catch::Contains("not a configured category"));
  // No header (which would refuse the corrected rerun as a settings change), no JSONL, no directory.
  CHECK_FALSE(fs::exists(root + "/new"));
  config.categories = {};
  config.limit = 1;
  config.sampling.max_new_tokens = 4;
  CHECK(dep::run_generation(config, dep::Shard{}).complete);
  CHECK(fs::exists(root + "/new/out/generations.header.json"));
}

TEST_CASE("generate: a resumed record's counts must be 64-bit integers", "[generate][resume][reliability]") {
  // Found by fuzz_generation_resume under UBSan: 2^64 written out is parsed as a float, which
  // get<int64_t>() cast out of range.
  const std::string base = R"({"index":0,"category":"Books","user_id":"U0","sample_id":"test/Books/U0",)"
                           R"("prediction":"p","reference":"r",)";
  const auto record = [&](const std::string& tail) {
    return dep::GenerationRecord::from_json(dep::parse_json(base + tail, "g.jsonl:1"), "g.jsonl:1");
  };
  CHECK(record(R"("prompt_tokens":18,"generated_tokens":9,"finish":"stop"})").prompt_tokens == 18);
  CHECK(record(R"("finish":"stop"})").generated_tokens == 0);
  for (const char* bad : {R"("prompt_tokens":18446744073709551616})", R"("generated_tokens":1.2e22})",
                          R"("prompt_tokens":"18"})"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH(record(bad), Catch::Contains("g.jsonl:1") && Catch::Contains("expected an integer within 64 bits"));
  }
  CHECK_THROWS_WITH(dep::GenerationRecord::from_json(dep::parse_json(R"({"index":1e300})", "g.jsonl:2"), "g.jsonl:2"),
                    Catch::Contains("'index' has the wrong type"));
}
