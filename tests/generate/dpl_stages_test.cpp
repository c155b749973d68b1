// DPL's three stages through the runner: the prompts are dep_data's builders (dpl_prompt.h) fed with
// the earlier stages' outputs, the prefixes are stripped where DPL strips them, and dep-generate
// runs DPL on the tiny world and resumes a run killed during its first stage to the same bytes.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/dpl_prompt.h"
#include "dep/generate/dpl_stages.h"
#include "dep/generate/embedding_source.h"
#include "dep/generate/generation_run.h"
#include "test_paths.h"
#include "tiny_world.h"

namespace fs = std::filesystem;
using namespace dep;
using dep::test::tiny_world;

namespace {

GenerateConfig dpl_config(const std::string& out) {
  auto config = tiny_world().config(out, false);
  config.model.adapter = kNoAdapter;
  config.embeddings = "";
  config.data.prompt.variant = "dpl";
  // The tiny world has at most 4 users per category: let every shared item count, so that stage 1
  // has prompts, and pick one peer per item (k-means with 2 clusters).
  config.data.dpl.min_other_reviewers = 1;
  config.data.dpl.peers = 1;
  config.data.dpl.embeddings = tiny_world().embeddings;
  config.sampling.max_new_tokens = 16;
  config.engine.max_batch = 2;
  config.engine.chunk = 100;
  return config;
}

size_t line_count(const std::string& path) {
  if (!fs::exists(path)) return 0;
  const auto text = read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("dpl stages: each stage's prompt is DPL's builder over the earlier outputs, prefixes stripped",
          "[generate][stages][dpl]") {
  const auto config = dpl_config(test::scratch_dir("dpl-prompts"));
  const DepData data = load_dep_data(config.data, DepSplit::kTest);
  const DplSplitIndex index(data.rows);
  const auto embeddings = open_review_embeddings(config.data.dpl.embeddings);
  DplStageOptions options;
  options.inputs = {&index, &data.meta, &data, embeddings.get()};
  options.k = config.data.history.k;
  options.config = config.data.dpl;

  // The fake LLM answers by stage: differences, a prefixed summary, a prefixed review.
  std::vector<std::string> asked;
  auto llm = [&](const std::vector<StageRequest>& requests, const std::function<void(size_t, const StageResult&)>& done) {
    for (size_t i = 0; i < requests.size(); ++i) {
      const std::string& p = requests[i].prompt;
      asked.push_back(p);
      std::string text;
      if (p.find(dpl_stage1_system()) != std::string::npos) text = "diff " + std::to_string(i);
      else if (p.find("[Summary]: <summary>") != std::string::npos) text = "[Summary]:  likes things";
      else text = "[Review]: A review.";
      done(i, {text, 1, 1, true});
    }
  };
  StagePipelineOptions pipeline_options;
  pipeline_options.cache_dir = test::scratch_dir("dpl-prompts-cache");
  StagePipeline pipeline(dpl_stages(options), pipeline_options, llm);
  std::vector<StageSample> samples;
  for (size_t i = 0; i < 3; ++i)
    samples.push_back({&data.rows[i], "test/" + data.rows[i].category + "/" + data.rows[i].row.user_id});
  std::vector<std::string> finals(samples.size());
  pipeline.run(samples, [&](size_t i, const StageResult& r) { finals[i] = r.text; });
  for (const auto& f : finals) CHECK(f == "A review.");

  // Rebuild every prompt the runner should have asked, from the builders alone.
  std::vector<std::string> expected;
  int64_t differences = 0;
  std::vector<DplSelection> selections;
  for (const auto& s : samples) selections.push_back(select_dpl(options.inputs, *s.row, options.k, options.config));
  for (const auto& sel : selections) {
    for (const auto& m : dpl_stage1_messages(sel, data.meta)) expected.push_back(dpl_chat_prompt(dpl_stage1_system(), m));
    differences += static_cast<int64_t>(sel.diff.size());
  }
  REQUIRE(differences > 0);
  for (size_t i = 0; i < samples.size(); ++i) {
    std::vector<std::string> outputs;
    // The fake's stage-1 answers are numbered by their position in the stage's request list.
    const int64_t before = [&] {
      int64_t n = 0;
      for (size_t j = 0; j < i; ++j) n += static_cast<int64_t>(selections[j].diff.size());
      return n;
    }();
    for (size_t d = 0; d < selections[i].diff.size(); ++d) outputs.push_back("diff " + std::to_string(before + d));
    expected.push_back(dpl_chat_prompt(dpl_stage2_system(options.k), dpl_stage2_message(selections[i], data.meta, outputs)));
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto message = dpl_stage3_message(*samples[i].row, selections[i], data.meta, "[Summary]:  likes things");
    CHECK(message.find("[User's Profile Summary]:\nlikes things\n") != std::string::npos);
    expected.push_back(dpl_chat_prompt(dpl_stage3_system(), message));
  }
  CHECK(asked == expected);
  CHECK(pipeline.counts()[0].generated == differences);
  CHECK(pipeline.counts()[1].generated == 3);
}

TEST_CASE("generate: DPL end to end on the tiny world, killed in stage 1 and resumed to the same bytes",
          "[generate][stages][dpl][resume]") {
  const auto& w = tiny_world();
  const std::string root = test::scratch_dir("generate-dpl");
  auto config = dpl_config(root + "/clean");
  const auto summary = run_generation(config, Shard{});
  REQUIRE(summary.stages.size() == 3);
  CHECK(summary.stages[0].stage == "difference");
  CHECK(summary.stages[0].generated > w.test_samples);  // several difference items per sample
  CHECK(summary.stages[1].generated == w.test_samples);
  CHECK(summary.stages[2].generated == w.test_samples);
  const auto records = read_generation_records(root + "/clean/generations.jsonl");
  REQUIRE(static_cast<int64_t>(records.size()) == w.test_samples);
  for (const auto& r : records) CHECK(r.prediction.rfind("[Review]:", 0) != 0);

  config.output.dir = "";
  config.engine.max_batch = 1;
  const std::string config_path = root + "/generate.json";
  write_file_atomic(config_path, config_to_json(config).dump(2));
  const std::string killed = root + "/killed";
  const std::vector<std::string> command = {test::binary("dep-generate"), "--config", config_path, "--out", killed,
                                            "--log-level", "warn"};
  auto spawn = [&] {
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  };
  const pid_t pid = spawn();
  const std::string cache = killed + "/stages/difference.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (line_count(cache) < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  const size_t lines = line_count(cache);
  INFO("stage-1 cache lines when killed: " << lines);
  REQUIRE(lines >= 4);
  REQUIRE(line_count(killed + "/generations.jsonl") == 0);
  waitpid(spawn(), &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(read_file(root + "/clean/generations.jsonl") == read_file(killed + "/generations.jsonl"));
  CHECK(read_file(root + "/clean/generations.header.json") == read_file(killed + "/generations.header.json"));
  for (const char* c : {"Books", "Movies_and_TV", "CDs_and_Vinyl"}) {
    const std::string f = std::string("/predictions_") + c + ".txt";
    CHECK(read_file(root + "/clean" + f) == read_file(killed + f));
  }
}
