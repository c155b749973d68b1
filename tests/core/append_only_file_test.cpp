// The append-only line files behind generations.jsonl and the stage caches: complete lines are
// kept, a torn last line (a kill mid-write) is cut off, a full disk is a bad-input error.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dep/core/append_only_file.h"
#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "test_paths.h"

TEST_CASE("complete lines are read back and a torn last line is cut off", "[append][reliability]") {
  const auto dir = dep::test::scratch_dir("append-only-" + std::to_string(getpid()));
  const std::string path = dir + "/log.jsonl";
  {
    dep::AppendOnlyFile file(path, 1);
    CHECK_FALSE(std::filesystem::exists(path));  // created by the first append
    file.append("one\n");
    file.append("\n");
    file.append("three\n");
  }
  dep::write_file_atomic(path + ".torn", dep::read_file(path) + "fou");
  const std::string text = dep::read_file(path + ".torn");
  std::vector<std::pair<std::string, size_t>> lines;
  const size_t intact = dep::for_each_complete_line(text, 0, 1, [&](const std::string& line, size_t number) {
    lines.emplace_back(line, number);
  });
  CHECK(lines == std::vector<std::pair<std::string, size_t>>{{"one", 1}, {"three", 3}});
  CHECK(intact == text.size() - 3);
  dep::drop_torn_tail(path + ".torn", intact, text.size());
  CHECK(dep::read_file(path + ".torn") == dep::read_file(path));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a full disk while appending is exit code 2 naming the file", "[append][reliability]") {
  // /dev/full fails every write with ENOSPC.
  if (!std::filesystem::exists("/dev/full")) return;
  dep::AppendOnlyFile file("/dev/full", 1);
  try {
    file.append("line\n");
    FAIL("the write to /dev/full succeeded");
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
    CHECK_THAT(e.what(), Catch::StartsWith("/dev/full: write failed: no space left on device"));
  }
}
