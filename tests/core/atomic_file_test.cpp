// The atomic writer every output goes through: writes through symlinks to their target, refuses
// device and other special files, "-" is stdout, and a failed write leaves no temp file.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/output_path.h"
#include "test_paths.h"

namespace fs = std::filesystem;

namespace {

size_t temp_files(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("an atomic write through a symlink replaces the target and keeps the link", "[core][atomic]") {
  const std::string dir = dep::test::scratch_dir("atomic-symlink");
  fs::create_directories(dir + "/data");
  dep::write_file_atomic(dir + "/data/real.json", "old");
  fs::create_symlink("data/real.json", dir + "/link.json");  // relative, as users make them
  fs::create_symlink(dir + "/link.json", dir + "/link2.json");  // a chain
  dep::write_file_atomic(dir + "/link2.json", "new");
  CHECK(fs::is_symlink(dir + "/link.json"));
  CHECK(fs::is_symlink(dir + "/link2.json"));
  CHECK(dep::read_file(dir + "/data/real.json") == "new");
  CHECK(dep::read_file(dir + "/link2.json") == "new");
  CHECK(temp_files(dir) == 0);
  CHECK(temp_files(dir + "/data") == 0);
  // A dangling link creates its target.
  fs::create_symlink("data/fresh.json", dir + "/dangling.json");
  dep::write_file_atomic(dir + "/dangling.json", "fresh");
  CHECK(dep::read_file(dir + "/data/fresh.json") == "fresh");
  CHECK(fs::is_symlink(dir + "/dangling.json"));
  // A loop is an error, not a hang.
  fs::create_symlink("b", dir + "/a");
  fs::create_symlink("a", dir + "/b");
  CHECK_THROWS_WITH(dep::write_file_atomic(dir + "/a", "x"), Catch::Contains("symbolic links"));
}

TEST_CASE("an atomic write refuses device files, FIFOs and directories", "[core][atomic]") {
  const std::string dir = dep::test::scratch_dir("atomic-special");
  REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0644) == 0);
  fs::create_symlink("/dev/null", dir + "/to-null");
  for (const std::string& path : {std::string("/dev/null"), dir + "/fifo", dir + "/to-null", dir}) {
    INFO(path);
    try {
      dep::write_file_atomic(path, "x");
      FAIL("wrote over a special path");
    } catch (const dep::Error& e) {
      CHECK(e.kind() == dep::ErrorKind::kBadInput);
    }
    CHECK_THROWS_AS(dep::check_output_file(path, "--out"), dep::Error);
  }
  CHECK(fs::is_character_file("/dev/null"));
  CHECK(fs::is_fifo(dir + "/fifo"));
  CHECK_THROWS_WITH(dep::check_output_file("/dev/null", "--out"), Catch::Contains("--out: '/dev/null' is a device"));
  CHECK(temp_files(dir) == 0);
}

TEST_CASE("outputs that are also inputs are refused", "[core][atomic]") {
  const std::string dir = dep::test::scratch_dir("atomic-input");
  dep::write_file_atomic(dir + "/g.jsonl", "{}\n");
  fs::create_symlink("g.jsonl", dir + "/alias.jsonl");
  fs::create_hard_link(dir + "/g.jsonl", dir + "/hard.jsonl");
  for (const std::string& out : {dir + "/g.jsonl", dir + "/./g.jsonl", dir + "/alias.jsonl", dir + "/hard.jsonl"}) {
    INFO(out);
    CHECK_THROWS_WITH(dep::check_not_an_input(out, {dir + "/g.jsonl"}, "--summary"),
                      Catch::Contains("--summary") && Catch::Contains("is also an input"));
  }
  CHECK_NOTHROW(dep::check_not_an_input(dir + "/summary.json", {dir + "/g.jsonl"}, "--summary"));
  CHECK_NOTHROW(dep::check_not_an_input("-", {dir + "/g.jsonl"}, "--summary"));
}

TEST_CASE("a failed atomic write removes its temp file", "[core][atomic]") {
  const std::string dir = dep::test::scratch_dir("atomic-failure");
  {
    dep::AtomicFileWriter writer(dir + "/out.bin");
    writer.write("partial");
    CHECK(temp_files(dir) == 1);
  }  // dropped without commit (an exception on the way out)
  CHECK(temp_files(dir) == 0);
  CHECK_FALSE(fs::exists(dir + "/out.bin"));
  CHECK(dep::write_error_text(ENOSPC) == "no space left on device");
}
