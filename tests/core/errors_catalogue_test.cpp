// docs/ERRORS.md, one test per entry: the tool's one-line message and its exit code, run as a
// user would run it (the built tools in build/bin, the fixture models and data). Entries that
// need the generation world are in tests/generate/errors_catalogue_test.cpp.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <string>

#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using dep::test::binary;
using dep::test::fixture;

namespace {

struct Outcome {
  int status = -1;
  std::string err;  // stderr (stdout is discarded)
};

Outcome run(const std::string& command, const std::string& scratch) {
  const std::string err_path = scratch + "/stderr.txt";
  const int status = std::system((command + " > /dev/null 2> " + err_path).c_str());
  Outcome o;
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.err = dep::read_file(err_path);
  return o;
}

// The catalogue's promise: exactly one line, "error: ...", naming what it must.
// (Progress and info lines may come first; the error is the last line.)
void check_entry(const Outcome& o, int code, const std::string& contains) {
  INFO(o.err);
  CHECK(o.status == code);
  const size_t at = o.err.rfind("error: ");
  const std::string last = at == std::string::npos ? o.err : o.err.substr(at);
  CHECK_THAT(last, Catch::StartsWith("error: ") && Catch::Contains(contains) && Catch::EndsWith("\n"));
  CHECK(std::count(last.begin(), last.end(), '\n') == 1);
  CHECK(last.size() < 600);
}

std::string scratch(const std::string& name) { return dep::test::scratch_dir("errors-" + name); }

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A copy of the fixture DPL data (3 categories) whose files a test may damage.
std::string data_copy(const std::string& dir) {
  fs::copy(fixture("dep-data"), dir + "/data", fs::copy_options::recursive);
  return dir + "/data";
}

std::string data_cmd(const std::string& sub, const std::string& root) {
  return binary("dep-data") + " " + sub + " --config " + std::string(DEP_SOURCE_DIR) +
         "/configs/demo/data.json --set data.root=" + root;
}

std::string eval_input(const std::string& dir) {
  const std::string path = dir + "/g.jsonl";
  write(path, "{\"prediction\": \"a good book\", \"reference\": \"a good read\", \"category\": \"Books\"}\n");
  return path;
}

}  // namespace

TEST_CASE("E-MODEL-DIR: a directory that is not a model", "[errors][cli]") {
  const auto dir = scratch("model-dir");
  check_entry(run(binary("dep-inspect") + " " + dir, dir), 2, dir + "/config.json: missing");
  check_entry(run(binary("dep-model") + " logits --model " + dir + "/nope --input x --output " + dir + "/o", dir), 2,
              "nope");
}

TEST_CASE("E-CONFIG-KEY: an unknown config key, with the likely one", "[errors][cli]") {
  const auto dir = scratch("config-key");
  check_entry(run(binary("dep-train") + " --set optim.lrate=0.1 --dump-config", dir), 2,
              "optim.lrate: unknown key (did you mean 'optim.lr'?)");
}

TEST_CASE("E-CONFIG-VALUE: a config value of the wrong type or out of range", "[errors][cli]") {
  const auto dir = scratch("config-value");
  check_entry(run(binary("dep-train") + " --set optim.lr=-1 --dump-config", dir), 2, "optim.lr: value -1 out of range");
  check_entry(run(binary("dep-train") + " --set optim.lr='\"fast\"' --dump-config", dir), 2,
              "optim.lr: expected a number, got string \"fast\"");
}

TEST_CASE("E-JSON: deep nesting, duplicate keys or huge numbers in a JSON file", "[errors][cli]") {
  const auto dir = scratch("json");
  write(dir + "/deep.json", "{\"optim\": {\"lr\": " + std::string(100000, '[') + std::string(100000, ']') + "}}");
  check_entry(run(binary("dep-train") + " --config " + dir + "/deep.json --dump-config", dir), 2,
              dir + "/deep.json: malformed JSON: nesting deeper than 256 levels");
  write(dir + "/dup.json", R"({"optim": {"lr": 0.1, "lr": 0.2}})");
  check_entry(run(binary("dep-train") + " --config " + dir + "/dup.json --dump-config", dir), 2,
              "malformed JSON: duplicate key \"lr\"");
  write(dir + "/big.json", R"({"optim": {"lr": 1e400}})");
  check_entry(run(binary("dep-train") + " --config " + dir + "/big.json --dump-config", dir), 2,
              "malformed JSON: number out of range");
}

TEST_CASE("E-DATA-LINE: a malformed dataset line names file and line", "[errors][cli]") {
  const auto dir = scratch("data-line");
  const auto root = data_copy(dir);
  std::string train = dep::read_file(root + "/Books/train.jsonl");
  const size_t second = train.find('\n') + 1;
  train.insert(second, "{\"user_id\": \"x\", \"profile\": [], \"data\": {\"rating\": 1e400}}\n");
  write(root + "/Books/train.jsonl", train);
  check_entry(run(data_cmd("validate", root), dir), 2, root + "/Books/train.jsonl:2: malformed JSON: number out of range");
}

TEST_CASE("E-DATA-TIMESTAMP: a timestamp beyond int64", "[errors][cli]") {
  const auto dir = scratch("data-timestamp");
  const auto root = data_copy(dir);
  std::string train = dep::read_file(root + "/Books/train.jsonl");
  const size_t ts = train.find("\"timestamp\":") + 12;
  const size_t end = train.find_first_of(",}", ts);
  train.replace(ts, end - ts, " 9223372036854775808");
  write(root + "/Books/train.jsonl", train);
  check_entry(run(data_cmd("validate", root), dir), 2, "timestamp 9223372036854775808 is outside the 64-bit range");
}

TEST_CASE("E-DATA-META: a review whose item has no meta", "[errors][cli]") {
  const auto dir = scratch("data-meta");
  const auto root = data_copy(dir);
  write(root + "/Books/meta.jsonl", "");
  check_entry(run(data_cmd("validate", root), dir), 2, "no meta for asin");
}

TEST_CASE("E-CHECKPOINT: a corrupt safetensors file", "[errors][cli]") {
  const auto dir = scratch("checkpoint");
  fs::create_directories(dir + "/model");
  fs::copy(fixture("tiny-qwen2/config.json"), dir + "/model/config.json");
  const std::string weights = dep::read_file(fixture("tiny-qwen2/model.safetensors"));
  write(dir + "/model/model.safetensors", weights.substr(0, weights.size() / 2));  // a torn copy
  check_entry(run(binary("dep-inspect") + " " + dir + "/model", dir), 2, dir + "/model/model.safetensors");
  // A UTF-8 BOM before the header: the safetensors library refuses it, so does dep.
  std::string bom = weights;
  const uint64_t header = static_cast<unsigned char>(bom[0]) | (uint64_t(static_cast<unsigned char>(bom[1])) << 8) |
                          (uint64_t(static_cast<unsigned char>(bom[2])) << 16);
  bom.insert(8, "\xEF\xBB\xBF");
  const uint64_t with_bom = header + 3;
  for (int i = 0; i < 8; ++i) bom[static_cast<size_t>(i)] = static_cast<char>((with_bom >> (8 * i)) & 0xff);
  write(dir + "/model/model.safetensors", bom);
  check_entry(run(binary("dep-inspect") + " " + dir + "/model", dir), 2, "header does not start with '{'");
}

TEST_CASE("E-TOKEN-ID: a token id outside the model's vocabulary", "[errors][cli]") {
  const auto dir = scratch("token-id");
  // input_ids [1, 2] = {5, 1000} as I64 for the 1000-row tiny decoder.
  std::string header = R"({"input_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  file += header;
  for (int64_t id : {int64_t{5}, int64_t{1000}}) file.append(reinterpret_cast<const char*>(&id), 8);
  write(dir + "/ids.safetensors", file);
  for (const char* sub : {"logits", "greedy"}) {
    INFO(sub);
    check_entry(run(binary("dep-model") + " " + sub + " --model " + fixture("tiny-qwen2") + " --input " + dir +
                        "/ids.safetensors --output " + dir + "/out.safetensors",
                    dir),
                2, "token id 1000 is outside the vocabulary of 1000");
  }
  CHECK_FALSE(fs::exists(dir + "/out.safetensors"));
}

TEST_CASE("E-TOKENIZER: a damaged tokenizer.json", "[errors][cli]") {
  const auto dir = scratch("tokenizer");
  auto j = nlohmann::json::parse(dep::read_file(fixture("qwen2.5-tokenizer/tokenizer.json")));
  j["added_tokens"][1]["id"] = -1;  // <|im_start|>
  write(dir + "/tokenizer.json", j.dump());
  check_entry(run("echo '{\"text\": \"a\"}' | " + binary("dep-tokenize") + " --tokenizer " + dir + "/tokenizer.json", dir),
              2, "added token id -1 is out of range");
}

TEST_CASE("E-CUDA: CUDA requested where no GPU is available", "[errors][cli]") {
  const auto dir = scratch("cuda");
  const auto version = run(binary("dep-model") + " --version 2>&1 | grep -q 'CUDA available: yes'", dir);
  if (version.status == 0) {
    SUCCEED("this machine has a GPU: the entry is checked on CPU-only machines");
    return;
  }
  check_entry(run(binary("dep-model") + " logits --model " + fixture("tiny-qwen2") + " --input x --output " + dir +
                      "/o --device cuda",
                  dir),
              2, "device 'cuda' requested but no CUDA GPU is available");
}

TEST_CASE("E-OUTPUT-PATH: an output path that is a device, a directory or an input", "[errors][cli]") {
  const auto dir = scratch("output-path");
  const auto input = eval_input(dir);
  const std::string eval = binary("dep-eval") + " " + input + " --bootstrap-seed 1";
  check_entry(run(eval + " --summary /dev/null", dir), 2, "--summary: '/dev/null' is a device or other special file");
  check_entry(run(eval + " --summary " + dir, dir), 2, "is a directory");
  const std::string before = dep::read_file(input);
  check_entry(run(eval + " --per-sample " + input, dir), 2, "is also an input");
  check_entry(run(eval + " --summary " + dir + "/./g.jsonl", dir), 2, "is also an input");
  CHECK(dep::read_file(input) == before);
  CHECK(fs::is_character_file("/dev/null"));
}

TEST_CASE("E-DISK-FULL: no space left while writing an output", "[errors][cli]") {
  const auto dir = scratch("disk-full");
  const auto input = eval_input(dir);
  // DEP_TEST_WRITE_LIMIT: the atomic writer's fault-injection hook (a full disk after N bytes).
  check_entry(run("DEP_TEST_WRITE_LIMIT=10 " + binary("dep-eval") + " " + input + " --bootstrap-seed 1 --summary " + dir +
                      "/summary.json --per-sample " + dir + "/scores.jsonl",
                  dir),
              2, dir + "/summary.json: write failed: no space left on device");
  for (const auto& e : fs::directory_iterator(dir)) {
    INFO(e.path());
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);  // no temp file left
  }
  CHECK_FALSE(fs::exists(dir + "/summary.json"));
  CHECK_FALSE(fs::exists(dir + "/scores.jsonl"));  // not one output without the other
}

TEST_CASE("E-OOM: out of memory names the setting to lower", "[errors]") {
  const auto dir = scratch("oom");
  // run_main's mapping, in process: stderr goes to a file for the check.
  std::fflush(stderr);
  const int saved = ::dup(2);
  std::FILE* capture = std::fopen((dir + "/stderr.txt").c_str(), "w");
  ::dup2(::fileno(capture), 2);
  dep::set_out_of_memory_hint("train.batch_size");
  const int code = dep::run_main([]() -> int { throw std::bad_alloc(); });
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(capture);
  dep::set_out_of_memory_hint("");
  Outcome o{code, dep::read_file(dir + "/stderr.txt")};
  check_entry(o, 1, "out of memory (lower train.batch_size)");
}

TEST_CASE("E-INTERRUPTED: SIGTERM ends a tool with 130", "[errors][cli]") {
  const auto dir = scratch("interrupted");
  // dep-tokenize waits on its input; the first SIGTERM sets the flag, a second one ends it at once.
  const auto o = run("(sleep 5 | " + binary("dep-tokenize") + " --tokenizer " + fixture("xlmr-tokenizer") +
                         " & pid=$!; sleep 2; kill -TERM $pid; sleep 0.2; kill -TERM $pid; wait $pid; exit $?)",
                     dir);
  CHECK(o.status == 130);
}
