// Error-to-exit-code mapping and logging set-up shared by the mains.
#include "dep/core/app.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "dep/core/error.h"
#include "dep/core/interrupt.h"

namespace dep {

namespace {

// OMP_WAIT_POLICY=PASSIVE unless the user set it: OpenMP threads that finish a parallel region
// sleep instead of spinning, which on a machine with other work (or with dep's own threads: the
// sampler, the noise prefetch) costs far less than it saves (docs/PERFORMANCE.md, "CPU speed").
// libgomp reads the variable once, in its own constructor, before main; and libc's start-up
// resets the environment after any earlier setenv. So the program re-executes itself with the
// variable added, from .preinit_array, which the dynamic loader runs before every library's
// constructor (nothing has run yet; only the system call is used). Costs one exec at start-up; when
// it fails the run goes on under OpenMP's default. The device is not known this early: GPU runs
// get the same default (their host threads barely use OpenMP).
void default_openmp_wait_policy(int, char** argv, char** envp) {
  static const char kSetting[] = "OMP_WAIT_POLICY=PASSIVE";
  static const char kName[] = "OMP_WAIT_POLICY=";
  if (argv == nullptr || envp == nullptr) return;
  size_t count = 0;
  for (; envp[count] != nullptr; ++count) {
    if (std::strncmp(envp[count], kName, sizeof(kName) - 1) == 0) return;  // the user's choice stands
  }
  if (count > 4096) return;
  char* extended[4098];
  for (size_t i = 0; i < count; ++i) extended[i] = envp[i];
  extended[count] = const_cast<char*>(kSetting);
  extended[count + 1] = nullptr;
  // Handlers do not survive execve but a blocked signal stays pending: the new image's first code
  // (interrupt.cpp) installs them and unblocks, so a SIGTERM during its loading still gives 130.
  sigset_t stop, previous;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, &previous);
  // A signal the handlers already took (when interrupt.cpp's .preinit_array entry ran first) would
  // be lost with this image's flag: make it pending again.
  if (interrupt_requested()) raise(SIGTERM);
  execve("/proc/self/exe", argv, extended);  // returns only on failure
  sigprocmask(SIG_SETMASK, &previous, nullptr);
}

#if defined(__linux__) && defined(__ELF__)
__attribute__((section(".preinit_array"), used)) void (*dep_preinit_openmp)(int, char**, char**) =
    &default_openmp_wait_policy;
#endif

}  // namespace

void log_to_stderr() {
  static const bool done = [] {
    auto logger = spdlog::stderr_color_mt("dep");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
    return true;
  }();
  (void)done;
}

void init_logging(const std::string& level) {
  log_to_stderr();
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    fail("--log-level", "unknown level '" + level + "' (trace, debug, info, warn, error, off)");
  }
  spdlog::set_level(parsed);
}

namespace {
std::string& out_of_memory_hint() {
  static std::string hint;
  return hint;
}

bool is_out_of_memory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return true;
  // LibTorch's allocators (CPU and CUDA) throw c10 errors whose message says so; core does not
  // link torch, so the text is the test.
  const std::string what = e.what();
  return what.find("out of memory") != std::string::npos || what.find("DefaultCPUAllocator: can't allocate") != std::string::npos;
}
}  // namespace

void set_out_of_memory_hint(const std::string& hint) { out_of_memory_hint() = hint; }

int exit_code_of(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kBadInput: return kExitBadInput;
    case ErrorKind::kInterrupted: return kExitInterrupted;
    case ErrorKind::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

int run_main(const std::function<int()>& body) {
  try {
    log_to_stderr();
    install_interrupt_handlers();
    // A signal during start-up (while the loader mapped LibTorch) was kept for the handlers: the
    // user asked to stop before anything began.
    throw_if_interrupted("start-up");
    return body();
  } catch (const ExitRequest& e) {
    return e.code;
  } catch (const CLI::ParseError& e) {
    // CLI11's own help/version "errors" exit 0; real parse errors are bad input.
    if (e.get_exit_code() == 0) return kExitOk;
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBadInput;
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_code_of(e);
  } catch (const std::exception& e) {
    if (is_out_of_memory(e)) {
      // The environment, not a bug: say which setting lowers the memory use.
      const std::string& hint = out_of_memory_hint();
      std::fprintf(stderr, "error: out of memory%s\n",
                   hint.empty() ? " (use smaller inputs or batches)" : (" (lower " + hint + ")").c_str());
      return kExitInternal;
    }
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return kExitInternal;
  }
}

}  // namespace dep
