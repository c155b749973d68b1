// The shared front end (cli.h): help, version and parse errors as exit requests, config flags that
// validate like a run, enum choices and the device section, output path checks.
#include <catch2/catch.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <functional>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/device_config.h"
#include "dep/core/error.h"
#include "dep/core/output_path.h"
#include "test_paths.h"

namespace {

enum class Variant { kSae, kAe, kNone };

struct ToolConfig {
  dep::DeviceConfig device{dep::ComputeDtype::kBf16};
  Variant variant = Variant::kSae;
  int64_t k = 8;
  int64_t slots = 8;
  template <class V>
  void visit(V& v) {
    v.section("device", device, "device");
    v.choice("variant", variant, dep::EnumNames<Variant>{{Variant::kSae, "sae"}, {Variant::kAe, "ae"}, {Variant::kNone, "none"}},
             "variant");
    v("k", k, "reviews shown");
    v("slots", slots, "embedding slots");
  }
  void validate(const std::string& source) const {
    if (k > slots) dep::config_detail::fail_at(source, "k", "more than slots");
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const dep::Error& e) {
    return e.what();
  }
  return "";
}

int exit_code_of(dep::Cli& cli, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  try {
    cli.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const dep::ExitRequest& e) {
    return e.code;
  }
  return -1;  // no exit requested: the tool would run
}

}  // namespace

TEST_CASE("enum choices read and write their names and list the valid ones", "[cli]") {
  auto config = dep::parse_config<ToolConfig>(nlohmann::json::parse(R"({"variant": "ae"})"), "c.json");
  CHECK(config.variant == Variant::kAe);
  CHECK(dep::config_to_json(config)["variant"] == "ae");
  CHECK(error_of([] { dep::parse_config<ToolConfig>(nlohmann::json::parse(R"({"variant": "sea"})"), "c.json"); }) ==
        "c.json: variant: 'sea' is not one of sae, ae, none (did you mean 'sae'?)");
  CHECK(dep::document_config<ToolConfig>().find("(one of: sae, ae, none)") != std::string::npos);
}

TEST_CASE("the device section rejects unknown devices and dtypes while it is read", "[cli]") {
  const auto config = dep::parse_config<ToolConfig>(
      nlohmann::json::parse(R"({"device": {"device": "cuda:1", "dtype": "fp16", "threads": 3}})"), "c.json");
  CHECK(config.device.device.is_cuda());
  CHECK(config.device.device.index == 1);
  CHECK(config.device.dtype == dep::ComputeDtype::kFp16);
  CHECK(config.device.threads == 3);
  CHECK(dep::config_to_json(config)["device"]["device"] == "cuda:1");
  CHECK(dep::parse_config<ToolConfig>(nlohmann::json::object(), "c").device.dtype == dep::ComputeDtype::kBf16);
  CHECK_THAT(error_of([] {
               dep::parse_config<ToolConfig>(nlohmann::json::parse(R"({"device": {"device": "tpu"}})"), "c.json");
             }),
             Catch::Contains("c.json: device.device: unknown device 'tpu' (cpu, cuda or cuda:N)"));
  CHECK_THAT(error_of([] {
               dep::parse_config<ToolConfig>(nlohmann::json::parse(R"({"device": {"dtype": "fp8"}})"), "c.json");
             }),
             Catch::Contains("device.dtype: 'fp8' is not one of auto, fp32, bf16, fp16"));
  CHECK_THROWS(dep::DeviceName::parse("cuda:"));
  CHECK_THROWS(dep::DeviceName::parse("cuda:x"));
  dep::DeviceConfig auto_dtype;
  CHECK(auto_dtype.resolved_dtype() == dep::ComputeDtype::kFp32);
  auto_dtype.device = dep::DeviceName::parse("cuda");
  CHECK(auto_dtype.resolved_dtype() == dep::ComputeDtype::kBf16);
}

TEST_CASE("every parse runs the config's cross-field checks", "[cli]") {
  CHECK(error_of([] { dep::parse_config<ToolConfig>(nlohmann::json::parse(R"({"k": 9})"), "c.json"); }) ==
        "c.json: k: more than slots");
  CHECK_NOTHROW(dep::parse_config<ToolConfig>(nlohmann::json::parse(R"({"k": 9, "slots": 9})"), "c.json"));
}

TEST_CASE("help, version and parse errors end the tool with 0, 0 and 2", "[cli]") {
  {
    dep::Cli cli("dep-test", "a test tool");
    CHECK(exit_code_of(cli, {"dep-test", "--help"}) == dep::kExitOk);
  }
  {
    dep::Cli cli("dep-test", "a test tool");
    CHECK(exit_code_of(cli, {"dep-test", "-h"}) == dep::kExitOk);
  }
  {
    dep::Cli cli("dep-test", "a test tool");
    CHECK(exit_code_of(cli, {"dep-test", "--version"}) == dep::kExitOk);
  }
  {
    dep::Cli cli("dep-test", "a test tool");
    CHECK(exit_code_of(cli, {"dep-test", "--no-such-flag"}) == dep::kExitBadInput);
  }
  {
    dep::Cli cli("dep-test", "a test tool");
    int n = 0;
    cli.app().add_option("-n", n, "a number");
    CHECK(exit_code_of(cli, {"dep-test", "-n", "seven"}) == dep::kExitBadInput);
    CHECK(exit_code_of(cli, {"dep-test", "-n", "7"}) == -1);
    CHECK(n == 7);
  }
  {
    dep::Cli cli("dep-test", "a test tool");
    CHECK_THROWS_AS(exit_code_of(cli, {"dep-test", "--log-level", "loud"}), dep::Error);
  }
  const auto text = dep::version_text("dep-test", dep::torch_free_runtime());
  CHECK_THAT(text, Catch::Contains("dep-test (dep "));
  CHECK_THAT(text, Catch::Contains(", git "));
  CHECK_THAT(text, Catch::Contains("LibTorch"));
}

TEST_CASE("config flags: --dump-config validates as a run and --document-config prints the keys", "[cli]") {
  {
    dep::Cli cli("dep-test", "a test tool");
    dep::ConfigFlags flags;
    dep::add_config_flags<ToolConfig>(cli.app(), flags, "c.json");
    CHECK(exit_code_of(cli, {"dep-test", "--set", "k=3", "--set", "device.dtype=fp32"}) == -1);
    const auto config = dep::load_config<ToolConfig>(flags);
    REQUIRE(config);
    CHECK(config->k == 3);
    CHECK(config->device.dtype == dep::ComputeDtype::kFp32);
  }
  {
    dep::Cli cli("dep-test", "a test tool");
    dep::ConfigFlags flags;
    dep::add_config_flags<ToolConfig>(cli.app(), flags, "c.json");
    CHECK(exit_code_of(cli, {"dep-test", "--set", "device.dtype=fp8", "--dump-config"}) == -1);
    CHECK_THROWS_WITH(dep::load_config<ToolConfig>(flags), Catch::Contains("device.dtype"));
  }
  {
    // A flag standing for a key (adjust) is validated too.
    dep::Cli cli("dep-test", "a test tool");
    dep::ConfigFlags flags;
    dep::add_config_flags<ToolConfig>(cli.app(), flags, "c.json");
    CHECK(exit_code_of(cli, {"dep-test", "--dump-config"}) == -1);
    CHECK_THROWS_WITH(dep::load_config<ToolConfig>(flags, [](ToolConfig& c) { c.k = 20; }),
                      Catch::Contains("k: more than slots"));
  }
  {
    dep::Cli cli("dep-test", "a test tool");
    dep::ConfigFlags flags;
    dep::add_config_flags<ToolConfig>(cli.app(), flags, "c.json");
    CHECK(exit_code_of(cli, {"dep-test", "--document-config"}) == dep::kExitOk);
  }
}

TEST_CASE("output paths that cannot be written are bad input naming the path", "[cli]") {
  const auto dir = dep::test::scratch_dir("cli_output_paths");
  const std::string file = dir + "/a_file";
  std::ofstream(file) << "x";
  CHECK_NOTHROW(dep::check_output_directory(dir + "/new/run", "output.dir"));
  CHECK_NOTHROW(dep::check_output_directory(dir, "output.dir"));
  CHECK(error_of([&] { dep::check_output_directory(file, "output.dir"); }) ==
        "output.dir: '" + file + "' exists and is not a directory");
  CHECK_THAT(error_of([&] { dep::check_output_directory(file + "/run", "--out"); }),
             Catch::Contains("--out: cannot create '" + file + "/run'"));
  CHECK_NOTHROW(dep::check_output_file(file, "--out"));
  CHECK_NOTHROW(dep::check_output_file("-", "--out"));
  CHECK_THAT(error_of([&] { dep::check_output_file(dir, "--out"); }), Catch::Contains("is a directory"));
  CHECK_THAT(error_of([&] { dep::check_output_file(file + "/x.json", "--summary"); }),
             Catch::Contains("is not a directory"));
  try {
    dep::check_output_directory(file, "output.dir");
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
  }
}
