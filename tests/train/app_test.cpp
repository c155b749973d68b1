// dep-train's command line: config errors are one line with exit code 2, --dump-config prints the
// effective config with overrides applied.
#include <catch2/catch.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

#include "test_paths.h"

namespace {

struct Run {
  int code = -1;
  std::string output;
};

Run run(const std::string& args) {
  Run r;
  const std::string command = dep::test::binary("dep-train") + " " + args + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("dep-train --dump-config applies overrides to configs/train.json", "[train][app]") {
  auto r = run("--config configs/train.json --set optim.lr=2e-5 --set train.epochs=2 --dump-config");
  REQUIRE(r.code == 0);
  auto json = nlohmann::json::parse(r.output);
  CHECK(json["optim"]["lr"] == 2e-5);
  CHECK(json["train"]["epochs"] == 2);
  CHECK(json["train"]["grad_accumulation"] == 16);
  CHECK(json["adapter"]["variant"] == "sae");
  CHECK(json["data"]["data"]["root"] == "data/dpl");
}

TEST_CASE("dep-train rejects bad config keys and values with exit code 2", "[train][app]") {
  auto r = run("--config configs/train.json --set optim.lrr=1 --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("optim.lrr: unknown key (did you mean 'optim.lr'?)") != std::string::npos);
  r = run("--config configs/train.json --set loss.rho=1.5");
  CHECK(r.code == 2);
  CHECK(r.output.find("loss.rho") != std::string::npos);
  r = run("--set model.dir=/nonexistent/model --set data.data.root=/nonexistent/data --set samples.embeddings=/nonexistent/e");
  CHECK(r.code == 2);
  CHECK(r.output.find("/nonexistent") != std::string::npos);
}

TEST_CASE("dep-train --document-config lists every key", "[train][app]") {
  auto r = run("--document-config");
  REQUIRE(r.code == 0);
  CHECK(r.output.find("`loss.sae_term_over_window`") != std::string::npos);
  CHECK(r.output.find("`checkpoint.every_steps`") != std::string::npos);
}

TEST_CASE("dep-train --help prints the usage on stdout and exits 0", "[train][app]") {
  for (const char* flag : {"--help", "-h"}) {
    auto r = run(flag);
    CHECK(r.code == 0);
    CHECK(r.output.find("Usage: dep-train") != std::string::npos);
    CHECK(r.output.find("--document-config") != std::string::npos);
  }
  auto r = run("--version");
  CHECK(r.code == 0);
  CHECK(r.output.find("CUDA available") != std::string::npos);
}

TEST_CASE("dep-train --dump-config validates as a run: fp8, tpu and k > slots are exit 2", "[train][app]") {
  auto r = run("--config configs/train.json --set device.dtype=fp8 --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("device.dtype: 'fp8' is not one of auto, fp32, bf16, fp16") != std::string::npos);
  r = run("--config configs/train.json --set device.device=tpu --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("device.device: unknown device 'tpu'") != std::string::npos);
  r = run("--config configs/train.json --set data.embeddings.slots=4 --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("data.history.k") != std::string::npos);
  r = run("--config configs/train.json --set validation.select_by=bleu --dump-config");
  CHECK(r.code == 2);
  CHECK(r.output.find("'bleu' is not one of loss, meteor") != std::string::npos);
}

TEST_CASE("dep-train: a run directory that is a file is exit 2 naming it", "[train][app]") {
  const std::string dir = dep::test::scratch_dir("train_app_out");
  const std::string file = dir + "/a_file";
  std::FILE* f = std::fopen(file.c_str(), "w");
  REQUIRE(f);
  std::fclose(f);
  auto r = run("--config configs/train.json --set model.dir=" DEP_SOURCE_DIR " --set checkpoint.dir=" + file);
  CHECK(r.code == 2);
  CHECK(r.output.find("checkpoint.dir: '" + file + "' exists and is not a directory") != std::string::npos);
}
