// The multi-stage runner without a model: a fake LLM whose answer is a function of the prompt and
// the seed shows what is generated, what comes from the cache, and what a changed setting redoes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/hash.h"
#include "dep/generate/stage_cache.h"
#include "dep/generate/stage_pipeline.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace dep;

namespace {

// A stage whose prompts name the sample, the stage's own setting and the earlier outputs.
class TestStage : public GenerationStage {
 public:
  TestStage(std::string name, std::string setting, int prompts, bool per_user = false)
      : name_(std::move(name)), setting_(std::move(setting)), prompts_(prompts), per_user_(per_user) {}
  std::string name() const override { return name_; }
  nlohmann::ordered_json settings() const override { return {{"setting", setting_}}; }
  std::string key(const StageSample& s) const override {
    return per_user_ ? s.row->category + "/" + s.row->row.user_id : s.sample_id;
  }
  std::vector<ChatMessages> prompts(const StageSample& s, const EarlierOutputs& earlier) const override {
    std::string before;
    for (const auto& [stage, texts] : earlier)
      for (const auto& t : texts) before += stage + "=" + t + ";";
    // A per-user stage reads the user's history only (as PAG's profile does), the others the target.
    const auto& row = s.row->row;
    const std::string input = per_user_ ? row.user_id + ": " + row.profile.at(0).text : row.data.text;
    std::vector<ChatMessages> out;
    for (int j = 0; j < prompts_; ++j)
      out.push_back({name_ + " " + setting_, input + " #" + std::to_string(j) + " " + before});
    return out;
  }
  std::string clean(const std::string& text) const override { return "[" + text + "]"; }

 private:
  std::string name_, setting_;
  int prompts_;
  bool per_user_;
};

// The fake LLM: answers in reverse order (batching must not matter), text = hash of prompt and seed.
struct FakeLlm {
  std::vector<std::string> prompts;  // every prompt it was asked, in request order
  StageGenerator generator() {
    return [this](const std::vector<StageRequest>& requests, const std::function<void(size_t, const StageResult&)>& done) {
      for (const auto& r : requests) prompts.push_back(r.prompt);
      for (size_t i = requests.size(); i-- > 0;) {
        Fnv1a h(requests[i].seed);
        h.add(requests[i].prompt);
        done(i, {h.hex(), 7, 3, true});
      }
    };
  }
};

std::vector<SplitRow> rows_of(int users) {
  std::vector<SplitRow> rows;
  for (int u = 0; u < users; ++u) {
    SplitRow r;
    r.category = u % 2 ? "Books" : "CDs_and_Vinyl";
    r.row.user_id = "u" + std::to_string(u);
    r.row.data.text = "target of u" + std::to_string(u);
    r.row.profile.push_back({});
    r.row.profile[0].text = "history of u" + std::to_string(u);
    rows.push_back(r);
  }
  return rows;
}

std::vector<StageSample> samples_of(const std::vector<SplitRow>& rows) {
  std::vector<StageSample> out;
  for (size_t i = 0; i < rows.size(); ++i) out.push_back({&rows[i], "sample " + std::to_string(i)});
  return out;
}

using Settings = std::vector<std::string>;  // one setting per stage

std::vector<std::unique_ptr<GenerationStage>> method(const Settings& s) {
  std::vector<std::unique_ptr<GenerationStage>> stages;
  stages.push_back(std::make_unique<TestStage>("first", s[0], 1, true));
  stages.push_back(std::make_unique<TestStage>("second", s[1], 3));
  stages.push_back(std::make_unique<TestStage>("final", s[2], 1));
  return stages;
}

struct Run {
  std::vector<std::string> finals;
  std::vector<StageCounts> counts;
  size_t prompts = 0;
};

// One pipeline over `rows` in chunks of `chunk` samples.
Run run(const std::string& dir, const Settings& settings, const std::vector<SplitRow>& rows, size_t chunk = 100) {
  FakeLlm llm;
  StagePipelineOptions options;
  options.cache_dir = dir;
  options.seed = 11;
  options.fsync_every = 2;
  options.shared = {{"model", "m"}};
  StagePipeline pipeline(method(settings), options, llm.generator());
  const auto all = samples_of(rows);
  Run out;
  out.finals.resize(all.size());
  for (size_t begin = 0; begin < all.size(); begin += chunk) {
    const std::vector<StageSample> part(all.begin() + begin, all.begin() + std::min(all.size(), begin + chunk));
    pipeline.run(part, [&](size_t i, const StageResult& r) { out.finals[begin + i] = r.text; });
  }
  out.counts = pipeline.counts();
  out.prompts = llm.prompts.size();
  return out;
}

}  // namespace

TEST_CASE("stages: outputs do not depend on chunking; a rerun answers every earlier stage from the cache",
          "[generate][stages]") {
  const auto rows = rows_of(5);
  const std::string a = test::scratch_dir("stages-chunk-a"), b = test::scratch_dir("stages-chunk-b");
  const Run whole = run(a, {"x", "y", "z"}, rows);
  CHECK(whole.counts[0].generated == 5);
  CHECK(whole.counts[1].generated == 15);  // 3 prompts per sample
  CHECK(whole.counts[2].generated == 5);
  CHECK(whole.prompts == 25);
  const Run chunked = run(b, {"x", "y", "z"}, rows, 2);
  CHECK(chunked.finals == whole.finals);

  const Run again = run(a, {"x", "y", "z"}, rows);
  CHECK(again.finals == whole.finals);
  CHECK(again.counts[0].cached == 5);
  CHECK(again.counts[0].generated == 0);
  CHECK(again.counts[1].cached == 15);
  CHECK(again.counts[1].generated == 0);
  CHECK(again.counts[2].generated == 5);  // the last stage is dep-generate's generations.jsonl, not cached here
  CHECK(again.prompts == 5);
}

TEST_CASE("stages: a changed setting invalidates that stage and the later ones, never the earlier ones",
          "[generate][stages]") {
  const auto rows = rows_of(4);
  const std::string dir = test::scratch_dir("stages-invalidate");
  const Run base = run(dir, {"x", "y", "z"}, rows);

  // The last stage changed: both caches stay valid.
  Run r = run(dir, {"x", "y", "z2"}, rows);
  CHECK(r.counts[0].cached == 4);
  CHECK(r.counts[1].cached == 12);
  CHECK(r.counts[2].generated == 4);
  CHECK(r.finals != base.finals);

  // The middle stage changed: the first stage's cache is kept, the middle one redone.
  r = run(dir, {"x", "y2", "z"}, rows);
  CHECK(r.counts[0].cached == 4);
  CHECK(r.counts[0].generated == 0);
  CHECK(r.counts[1].cached == 0);
  CHECK(r.counts[1].generated == 12);
  const std::vector<std::string> y2 = r.finals;

  // Back to y: the middle cache now holds y2's outputs, so y is generated again, identically.
  r = run(dir, {"x", "y", "z"}, rows);
  CHECK(r.counts[0].cached == 4);
  CHECK(r.counts[1].generated == 12);
  CHECK(r.finals == base.finals);

  // The first stage changed: everything after it is redone too.
  r = run(dir, {"x2", "y", "z"}, rows);
  CHECK(r.counts[0].generated == 4);
  CHECK(r.counts[1].generated == 12);
  CHECK(r.finals != base.finals);
  // ... and the cache files now carry the new fingerprints: a rerun with x2 generates only the last stage.
  r = run(dir, {"x2", "y", "z"}, rows);
  CHECK(r.counts[0].cached == 4);
  CHECK(r.counts[1].cached == 12);
  CHECK(r.prompts == 4);
}

TEST_CASE("stages: fingerprints chain through the earlier stages and the shared settings", "[generate][stages]") {
  FakeLlm llm;
  auto fingerprints = [&](const Settings& s, const std::string& model) {
    StagePipelineOptions options;
    options.cache_dir = test::scratch_dir("stages-fingerprints");
    options.shared = {{"model", model}};
    return StagePipeline(method(s), options, llm.generator()).fingerprints();
  };
  const auto base = fingerprints({"x", "y", "z"}, "m");
  REQUIRE(base.size() == 3);
  CHECK(base[0].first == "first");
  const auto middle = fingerprints({"x", "y2", "z"}, "m");
  CHECK(middle[0] == base[0]);
  CHECK(middle[1] != base[1]);
  CHECK(middle[2] != base[2]);  // same own settings, but an earlier stage changed
  const auto model = fingerprints({"x", "y", "z"}, "m2");
  for (size_t s = 0; s < 3; ++s) CHECK(model[s] != base[s]);
  CHECK(llm.prompts.empty());
  CHECK(fs::is_empty(test::scratch_dir("stages-fingerprints")));  // constructing touches no file
}

TEST_CASE("stages: a unit shared by several samples is generated once; an edited prompt is regenerated",
          "[generate][stages]") {
  auto rows = rows_of(3);
  rows.push_back(rows[0]);  // the same user and category again (another split's row, say)
  rows.back().row.data.text = "another target";
  const std::string dir = test::scratch_dir("stages-shared");
  const Run first = run(dir, {"x", "y", "z"}, rows, 2);
  CHECK(first.counts[0].generated == 3);
  CHECK(first.counts[0].cached == 1);  // the fourth sample's unit was cached by the first chunk

  // The data changed under the cache (same settings): that unit's prompt differs, so its cached
  // output is not used.
  rows[1].row.profile[0].text = "edited history";
  const Run edited = run(dir, {"x", "y", "z"}, rows);
  CHECK(edited.counts[0].generated == 1);
  CHECK(edited.counts[0].cached == 2);  // the fourth sample shares the first's unit, planned once
  CHECK(edited.counts[1].generated == 3);
  CHECK(edited.counts[1].cached == 9);
}

TEST_CASE("stages: the cache survives a torn last line and refuses a corrupt one", "[generate][stages]") {
  const std::string dir = test::scratch_dir("stages-cache");
  const std::string path = dir + "/s.jsonl";
  {
    StageCache cache(path, "s", "f1", 1);
    cache.append({"k", 0, "h0", "text 0", 1, 2, "stop"});
    cache.append({"k", 1, "h1", "text\n1", 1, 2, "length"});
  }
  {
    std::ofstream torn(path, std::ios::app);
    torn << "{\"key\": \"k\", \"ind";
  }
  {
    StageCache cache(path, "s", "f1", 1);
    CHECK(cache.size() == 2);
    REQUIRE(cache.find("k", 1) != nullptr);
    CHECK(cache.find("k", 1)->text == "text\n1");
    CHECK(cache.find("k", 1)->finish == "length");
    CHECK(cache.find("k", 2) == nullptr);
    cache.append({"k", 2, "h2", "text 2", 1, 2, "stop"});
  }
  {
    StageCache cache(path, "s", "f1", 1);
    CHECK(cache.size() == 3);
  }
  {
    StageCache other(path, "s", "f2", 1);  // another fingerprint: starts over
    CHECK(other.size() == 0);
    CHECK(other.dropped() == 3);
  }
  CHECK(StageCache(path, "s", "f1", 1).size() == 0);
  {
    std::ofstream bad(path, std::ios::app);
    bad << "not json\n";
  }
  CHECK_THROWS_AS(StageCache(path, "s", "f1", 1), Error);
}
