// A SIGINT/SIGTERM at any point of a tool's start-up ends it with 130 (docs/ERRORS.md,
// E-INTERRUPTED), including while the dynamic loader still maps LibTorch: the launcher blocks the
// signals, the tool's first code installs the handlers and unblocks, and run_main ends a run that
// was interrupted before it began.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "dep/core/app.h"
#include "dep/core/interrupt.h"
#include "test_paths.h"

namespace {

// Forks; the child blocks SIGTERM, makes it pending, silences its output and executes `path`.
int exit_status_with_pending_sigterm(const std::string& path) {
  std::fflush(stdout);  // or the child flushes the parent's buffered output again
  const pid_t pid = fork();
  if (pid == 0) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    raise(SIGTERM);
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(path.c_str(), path.c_str(), "--help", static_cast<char*>(nullptr));
    _exit(99);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("run_main ends a run interrupted before it began with 130, without running it", "[interrupt]") {
  dep::set_interrupt_requested(true);
  bool ran = false;
  const int code = dep::run_main([&]() -> int {
    ran = true;
    return 0;
  });
  dep::set_interrupt_requested(false);
  CHECK(code == 130);
  CHECK_FALSE(ran);
}

TEST_CASE("a signal pending when a tool starts reaches its handlers: exit 130", "[interrupt][cli]") {
  // What the launcher and the OpenMP re-execution hand over: SIGTERM blocked and pending at execve.
  // Before the handlers unblocked it, the tool ignored it and printed its help (exit 0).
  for (const char* tool : {"dep-model.bin", "dep-tokenize"}) {
    const auto path = dep::test::binary(tool);
    if (!std::filesystem::exists(path)) continue;
    INFO(tool);
    CHECK(exit_status_with_pending_sigterm(path) == 130);
  }
}

TEST_CASE("SIGTERM while the loader still maps LibTorch gives 130, not a kill", "[interrupt][cli]") {
  const auto tool = dep::test::binary("dep-model");
  REQUIRE(std::filesystem::exists(tool + ".bin"));
  const auto dir = dep::test::scratch_dir("interrupt-loader-" + std::to_string(getpid()));
  // LD_DEBUG=bindings makes the loader log every symbol binding of LibTorch (seconds of work), so a
  // signal after 0.2-0.5 s lands inside the loader, where it used to end the tool with 143.
  for (const char* delay : {"0.2", "0.5"}) {
    const std::string command = "LD_BIND_NOW=1 LD_DEBUG=bindings LD_DEBUG_OUTPUT=" + dir + "/ld " + tool +
                                " --help > /dev/null 2>&1 & pid=$!; sleep " + delay +
                                "; kill -TERM $pid; wait $pid; exit $?";
    const int status = std::system(("bash -c '" + command + "'").c_str());
    INFO("delay " << delay);
    CHECK(WEXITSTATUS(status) == 130);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  std::filesystem::remove_all(dir);
}
