// Every tool in build/bin answers --help, -h and --version the same way: text on stdout, exit 0.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "test_paths.h"

namespace {

struct Run {
  int status;
  std::string out;
};

Run run(const std::string& command) {
  Run r{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("every tool prints its help and version and exits 0", "[cli][tools]") {
  const std::filesystem::path bin = dep::test::binary("");
  REQUIRE(std::filesystem::exists(bin / "dep-inspect"));
  int tools = 0;
  for (const auto& entry : std::filesystem::directory_iterator(bin)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("dep-", 0) != 0) continue;
    // dep-x.bin is the tool behind the dep-x launcher (apps/signal_launcher.cpp): users run dep-x.
    if (entry.path().extension() == ".bin") continue;
    ++tools;
    const std::string tool = entry.path().string();
    INFO(name);
    for (const char* flag : {"--help", "-h"}) {
      const auto r = run(tool + " " + flag + " 2>/dev/null");
      CHECK(r.status == 0);
      CHECK_THAT(r.out, Catch::Contains("Usage: " + name));
    }
    const auto version = run(tool + " --version 2>/dev/null");
    CHECK(version.status == 0);
    CHECK_THAT(version.out, Catch::StartsWith(name + " (dep "));
    CHECK_THAT(version.out, Catch::Contains("LibTorch"));
    // A flag no tool has: one line on stderr, exit 2, nothing on stdout.
    const auto bad = run(tool + " --no-such-flag 2>/dev/null");
    CHECK(bad.status == 2);
    CHECK(bad.out.empty());
  }
  CHECK(tools >= 1);
}
