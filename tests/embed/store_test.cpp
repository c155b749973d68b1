// The embedding store: contents equal direct embedding, dedupe, recorded settings refused on
// mismatch, resumption reuses finished shards, DPL input layout, the ReviewEmbeddings view.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "dep/core/config.h"
#include "dep/embed/embedding_store.h"
#include "dep/core/error.h"
#include "dep/embed/keyed_text.h"
#include "dep/embed/text_embedder.h"
#include "dep/embed/xlmr.h"
#include "store_support.h"
#include "test_paths.h"

namespace {

dep::EmbedStoreConfig store_config(const std::string& model, const std::string& input, const std::string& out) {
  dep::EmbedStoreConfig config;
  config.model.dir = model;
  config.model.name = "tiny-bge";
  config.input.paths = {input};
  config.output_dir = out;
  config.shard_size = 64;
  config.max_batch_size = 16;
  return config;
}

std::string file_bytes(const std::string& path) { return dep::read_file(path); }

// "k<i>", the keys make_store_test_input writes (appended: GCC 12 warns falsely on "k" + ...).
std::string key_of(size_t i) {
  std::string key = "k";
  return key.append(std::to_string(i));
}

}  // namespace

TEST_CASE("the store holds every key's embedding, computed once per distinct text", "[store]") {
  const std::string dir = dep::test::scratch_dir("store-basic");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  std::vector<std::string> texts;
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 2, &texts);
  auto config = store_config(model, input, dir + "/store");
  const auto report = dep::run_embed_store(config);
  CHECK(report.keys == static_cast<int64_t>(texts.size()));
  const std::set<std::string> distinct(texts.begin(), texts.end());
  CHECK(report.distinct_texts == static_cast<int64_t>(distinct.size()));
  CHECK(report.distinct_texts < report.keys);
  CHECK(std::filesystem::exists(dir + "/store/embed_config.json"));

  const auto store = dep::EmbeddingStore::open(dir + "/store", {"tiny-bge", 128, "fp32"});
  REQUIRE(store->size() == report.keys);
  CHECK(store->dim() == 64);
  CHECK(store->settings().max_length == 128);  // capped to the model's 130 positions

  // Every vector equals the text embedded on its own (no batching, no padding).
  const auto encoder = dep::XlmrEncoder::load(model);
  dep::BatchingOptions single;
  single.max_batch_size = 1;
  const dep::TextEmbedder embedder(encoder, dep::load_xlmr_tokenizer(model), single);
  const std::vector<size_t> probe = {0, 1, 5, 17, 150, texts.size() - 1};
  std::vector<std::string> probe_texts;
  for (size_t i : probe) probe_texts.push_back(texts[i]);
  const torch::Tensor expected = embedder.embed_texts(probe_texts);
  for (size_t j = 0; j < probe.size(); ++j) {
    const float* row = store->row(key_of(probe[j]));
    const torch::Tensor got = torch::from_blob(const_cast<float*>(row), {64}, torch::kFloat32);
    INFO("key k" << probe[j]);
    CHECK((got - expected[j]).abs().max().item<double>() <= 1e-5);
  }
  // A repeated text shares its row.
  for (size_t i = 0; i < texts.size(); ++i) {
    for (size_t j = i + 1; j < texts.size() && j < i + 400; ++j) {
      if (texts[i] == texts[j]) CHECK(store->row(key_of(i)) == store->row(key_of(j)));
    }
  }
  CHECK_THROWS_WITH(store->row("nope"), Catch::Contains("no embedding for key \"nope\""));
}

TEST_CASE("a store made with other settings is refused at load and at rebuild", "[store]") {
  const std::string dir = dep::test::scratch_dir("store-mismatch");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 1);
  auto config = store_config(model, input, dir + "/store");
  dep::run_embed_store(config);
  CHECK_THROWS_WITH(dep::EmbeddingStore::open(dir + "/store", {"BAAI/bge-m3", 0, ""}),
                    Catch::Contains("made with model 'tiny-bge'") && Catch::Contains("expected model 'BAAI/bge-m3'"));
  CHECK_THROWS_WITH(dep::EmbeddingStore::open(dir + "/store", {"", 8192, ""}), Catch::Contains("max_length 128"));
  CHECK_THROWS_WITH(dep::EmbeddingStore::open(dir + "/store", {"", 0, "bf16"}), Catch::Contains("dtype fp32"));
  CHECK_NOTHROW(dep::EmbeddingStore::open(dir + "/store", {"tiny-bge", 128, "fp32"}));

  config.device.dtype = dep::ComputeDtype::kBf16;
  CHECK_THROWS_WITH(dep::run_embed_store(config), Catch::Contains("this run uses"));
  CHECK_THROWS_WITH(dep::EmbeddingStore::open(dir + "/missing"), Catch::Contains("no index.json"));
}

TEST_CASE("a rerun reuses finished shards and recomputes only changed ones", "[store]") {
  const std::string dir = dep::test::scratch_dir("store-resume");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 1);
  auto config = store_config(model, input, dir + "/store");
  const auto first = dep::run_embed_store(config);
  REQUIRE(first.shards >= 3);
  const std::string index = file_bytes(dir + "/store/index.json");
  const std::string shard2 = file_bytes(dir + "/store/shard-00002.safetensors");

  const auto again = dep::run_embed_store(config);
  CHECK(again.shards_reused == first.shards);
  CHECK(file_bytes(dir + "/store/index.json") == index);

  // A lost shard (as after a crash before its rename) is recomputed identically.
  std::filesystem::remove(dir + "/store/shard-00002.safetensors");
  const auto repaired = dep::run_embed_store(config);
  CHECK(repaired.shards_reused == first.shards - 1);
  CHECK(file_bytes(dir + "/store/shard-00002.safetensors") == shard2);
  CHECK(file_bytes(dir + "/store/index.json") == index);

  // Changing one text invalidates only the shard that holds it.
  auto items = dep::read_keyed_text_jsonl(input);
  items[0].text += " edited";
  {
    std::ofstream out(input);
    for (const auto& item : items) out << nlohmann::json{{"key", item.key}, {"text", item.text}}.dump() << "\n";
  }
  const auto edited = dep::run_embed_store(config);
  CHECK(edited.shards_reused == first.shards - 1);
  CHECK(file_bytes(dir + "/store/shard-00002.safetensors") == shard2);
}

TEST_CASE("keyed-text input errors name the file and line", "[store]") {
  const std::string dir = dep::test::scratch_dir("store-input");
  std::ofstream(dir + "/dup.jsonl") << "{\"key\":\"a\",\"text\":\"x\"}\n\n{\"key\":\"a\",\"text\":\"y\"}\n";
  CHECK_THROWS_WITH(dep::read_keyed_text_jsonl(dir + "/dup.jsonl"),
                    Catch::Contains("dup.jsonl:3") && Catch::Contains("already appeared on line 1"));
  std::ofstream(dir + "/notext.jsonl") << "{\"key\":\"a\"}\n";
  CHECK_THROWS_WITH(dep::read_keyed_text_jsonl(dir + "/notext.jsonl"), Catch::Contains("notext.jsonl:1: missing field \"text\"") ||
                                                                           Catch::Contains("missing field \"text\""));
  std::ofstream(dir + "/bad.jsonl") << "{\"key\": 3, \"text\": \"x\"}\n";
  CHECK_THROWS_WITH(dep::read_keyed_text_jsonl(dir + "/bad.jsonl"), Catch::Contains("\"key\" must be a string"));
}

TEST_CASE("DPL test splits embed each user's profile oldest first, then the target", "[store][fixtures]") {
  dep::UserRow row;
  row.user_id = "U1";
  row.profile = {{"a", 5, "third", 300, "t"}, {"b", 4, "first", 100, "t"}, {"c", 3, "second", 200, "t"}};
  row.data = {"d", 5, "target", 400, "t"};
  const auto items = dep::dpl_texts_to_embed({row}, "Books");
  REQUIRE(items.size() == 4);
  CHECK(items[0].key == "Books/U1/0");
  CHECK(items[0].text == "first");
  CHECK(items[1].text == "second");
  CHECK(items[2].text == "third");
  CHECK(items[3].key == "Books/U1/3");
  CHECK(items[3].text == "target");

  const std::string dir = dep::test::scratch_dir("store-dpl");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  dep::EmbedStoreConfig config;
  config.model.dir = model;
  config.input.format = dep::EmbedInputFormat::kDpl;
  config.input.paths = {dep::test::fixture("dep-data/Books/test.jsonl"), dep::test::fixture("dep-data/CDs_and_Vinyl/test.jsonl")};
  config.input.categories = {"Books", "CDs_and_Vinyl"};
  config.output_dir = dir + "/store";
  const auto report = dep::run_embed_store(config);
  const auto store = dep::EmbeddingStore::open(dir + "/store", {"model", 0, "fp32"});
  const auto rows = dep::read_user_rows(dep::test::fixture("dep-data/Books/test.jsonl"), {});
  REQUIRE(!rows.empty());
  int64_t n = 0;
  const float* user = store->user_rows("Books", rows[0].user_id, &n);
  CHECK(n == static_cast<int64_t>(rows[0].profile.size()) + 1);
  const float* last = store->row(dep::dpl_review_key("Books", rows[0].user_id, n - 1));
  CHECK(std::equal(last, last + 64, user + (n - 1) * 64));
  CHECK_THROWS_WITH(store->user_rows("Books", "nobody", &n), Catch::Contains("nobody"));
  CHECK(report.keys == store->size());
}

TEST_CASE("dep-embed parses the example config, applies --set and dumps the effective config", "[store][cli]") {
  const auto config = dep::load_config<dep::EmbedStoreConfig>(DEP_SOURCE_DIR "/configs/embed.json", {"shard_size=16"});
  CHECK_NOTHROW(dep::validate_embed_config(config, "configs/embed.json"));
  CHECK(config.shard_size == 16);
  CHECK(config.max_length == 8192);

  const std::string binary = dep::test::binary("dep-embed");
  REQUIRE(std::filesystem::exists(binary));
  const std::string dump = binary + " --config " DEP_SOURCE_DIR "/configs/embed.json --set device.dtype=bf16 --dump-config";
  std::string out;
  if (FILE* pipe = popen(dump.c_str(), "r")) {
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
    CHECK(pclose(pipe) == 0);
  }
  const auto effective = nlohmann::json::parse(out);
  CHECK(effective["device"]["dtype"] == "bf16");
  CHECK(effective["model"]["name"] == "BAAI/bge-m3");

  const std::string bad = binary + " --config " DEP_SOURCE_DIR "/configs/embed.json --set device.dtyp=bf16 --dump-config 2>&1";
  std::string err;
  FILE* pipe = popen(bad.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) err.append(buffer, n);
  const int status = pclose(pipe);
  CHECK(WEXITSTATUS(status) == dep::kExitBadInput);
  CHECK(err.find("dtype") != std::string::npos);
}

TEST_CASE("dep-embed --shard i/n parts merge into the whole store; merge finds missing and duplicated texts",
          "[store][shard]") {
  const std::string dir = dep::test::scratch_dir("store-shards");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 1);
  auto whole_config = store_config(model, input, dir + "/whole");
  const auto whole = dep::run_embed_store(whole_config);
  REQUIRE(whole.shards >= 3);
  auto config = store_config(model, input, dir + "/parts");
  auto part = [](const std::string& text) { return dep::StoreBuildPart::parse(text); };
  dep::StoreBuildPart merge;
  merge.merge = true;
  // Part 1 of 2 has not run: the texts of its shards are missing.
  const auto first = dep::run_embed_store(config, part("0/2"));
  CHECK(first.shards == (whole.shards + 1) / 2);
  CHECK_FALSE(std::filesystem::exists(dir + "/parts/index.json"));
  CHECK_THROWS_WITH(dep::run_embed_store(config, merge), Catch::Contains("missing (in no part)"));
  // A part made with another shard size overlaps the others: duplicated texts.
  auto other = config;
  other.shard_size = 48;
  dep::run_embed_store(other, part("1/2"));
  CHECK_THROWS_WITH(dep::run_embed_store(config, merge), Catch::Contains("duplicated (again in part-"));
  // The right part 1/2: the merge checks every text is there once and writes the index, which
  // reads as the single-process store does.
  dep::run_embed_store(config, part("1/2"));
  const auto merged = dep::run_embed_store(config, merge);
  CHECK(merged.shards_reused == whole.shards);
  CHECK(file_bytes(dir + "/parts/index.json") == file_bytes(dir + "/whole/index.json"));
  for (int64_t s = 0; s < whole.shards; ++s) {
    char name[32];
    std::snprintf(name, sizeof name, "/shard-%05lld.safetensors", static_cast<long long>(s));
    CHECK(file_bytes(dir + "/parts" + name) == file_bytes(dir + "/whole" + name));
  }
  auto store = dep::EmbeddingStore::open(dir + "/parts");
  CHECK(store->size() == whole.keys);
  CHECK_THROWS_WITH(part("2/2"), Catch::Contains("--shard"));
  CHECK_THROWS_WITH(part("1of2"), Catch::Contains("--shard"));
}

TEST_CASE("a refused rerun leaves the finished store untouched", "[store][reliability]") {
  const std::string dir = dep::test::scratch_dir("store-refused-rerun");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 1);
  auto config = store_config(model, input, dir + "/store");
  dep::run_embed_store(config);
  std::map<std::string, std::string> before;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/store")) before[e.path().string()] = file_bytes(e.path());
  // Before, the refusal came after index.json was deleted and embed_config.json rewritten, so the
  // store read as unfinished afterwards.
  auto changed = config;
  changed.model.name = "other-model";
  CHECK_THROWS_WITH(dep::run_embed_store(changed), Catch::Contains("this run uses"));
  changed = config;
  changed.device.dtype = dep::ComputeDtype::kBf16;
  CHECK_THROWS_WITH(dep::run_embed_store(changed), Catch::Contains("this run uses"));
  std::map<std::string, std::string> after;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/store")) after[e.path().string()] = file_bytes(e.path());
  CHECK(after == before);
  CHECK_NOTHROW(dep::EmbeddingStore::open(dir + "/store", {"tiny-bge", 128, "fp32"}));
}

TEST_CASE("a store index or part file with an integer written as a float names the key", "[store][reliability]") {
  // get<int64_t>() would cast 1.2e22 out of range (undefined behaviour) and truncate 2.5.
  const std::string dir = dep::test::scratch_dir("store-float-integers");
  const std::string model = dep::test::make_store_test_model(dir + "/model");
  const std::string input = dep::test::make_store_test_input(dir + "/in.jsonl", 1);
  auto config = store_config(model, input, dir + "/store");
  dep::run_embed_store(config);
  const std::string index_path = dir + "/store/index.json";
  const nlohmann::json index = nlohmann::json::parse(file_bytes(index_path));
  const auto bad_input_naming = [](const std::string& text) {
    return Catch::Predicate<dep::Error>([text](const dep::Error& e) {
      return e.kind() == dep::ErrorKind::kBadInput && std::string(e.what()).find(text) != std::string::npos;
    }, "a bad-input error containing \"" + text + "\"");
  };
  using Ptr = nlohmann::json::json_pointer;
  for (const char* pointer : {"/version", "/max_length", "/dim", "/distinct_texts", "/shards/0/first_row", "/shards/0/rows"}) {
    for (const double bad : {1.2e22, 2.5}) {
      CAPTURE(pointer, bad);
      nlohmann::json changed = index;
      changed[Ptr(pointer)] = bad;
      dep::write_file_atomic(index_path, changed.dump());
      const std::string key = Ptr(pointer).back();
      CHECK_THROWS_MATCHES(dep::EmbeddingStore::open(dir + "/store"), dep::Error,
                           bad_input_naming("'" + key + "' has the wrong type"));
    }
  }
  nlohmann::json changed = index;
  changed["keys"][0][1] = 1.2e22;
  dep::write_file_atomic(index_path, changed.dump());
  CHECK_THROWS_MATCHES(dep::EmbeddingStore::open(dir + "/store"), dep::Error,
                       bad_input_naming("keys entry \"" + index["keys"][0][0].get<std::string>() + "\""));
  // A rebuild reads the old index's max_length: beyond int64 it is refused, not wrapped.
  changed = index;
  changed["max_length"] = std::numeric_limits<uint64_t>::max();
  dep::write_file_atomic(index_path, changed.dump());
  CHECK_THROWS_MATCHES(dep::run_embed_store(config), dep::Error, bad_input_naming("'max_length' has the wrong type"));
  dep::write_file_atomic(index_path, index.dump());
  CHECK_NOTHROW(dep::EmbeddingStore::open(dir + "/store"));

  // --merge reads the part files' shard rows.
  auto parts = store_config(model, input, dir + "/parts");
  dep::run_embed_store(parts, dep::StoreBuildPart::parse("0/2"));
  dep::run_embed_store(parts, dep::StoreBuildPart::parse("1/2"));
  std::string part_path;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/parts")) {
    if (e.path().filename().string().rfind("part-", 0) == 0) part_path = e.path().string();
  }
  REQUIRE_FALSE(part_path.empty());
  nlohmann::json part = nlohmann::json::parse(file_bytes(part_path));
  part["shards"][0]["rows"] = 2.5;
  dep::write_file_atomic(part_path, part.dump());
  dep::StoreBuildPart merge;
  merge.merge = true;
  CHECK_THROWS_MATCHES(dep::run_embed_store(parts, merge), dep::Error, bad_input_naming("'rows' has the wrong type"));
}
