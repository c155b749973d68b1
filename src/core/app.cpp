// Error-to-exit-code mapping and logging set-up shared by the mains.
#include "dep/core/app.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "dep/core/error.h"
#include "dep/core/interrupt.h"

namespace dep {

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
