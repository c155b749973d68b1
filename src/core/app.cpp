// Error-to-exit-code mapping and logging set-up shared by the mains.
#include "dep/core/app.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

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
    switch (e.kind()) {
      case ErrorKind::kBadInput: return kExitBadInput;
      case ErrorKind::kInterrupted: return kExitInterrupted;
      case ErrorKind::kInternal: return kExitInternal;
    }
    return kExitInternal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return kExitInternal;
  }
}

}  // namespace dep
