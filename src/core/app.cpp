// Error-to-exit-code mapping and logging set-up shared by the mains.
#include "dep/core/app.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "dep/core/error.h"
#include "dep/core/interrupt.h"

namespace dep {

void add_common_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
}

void init_logging(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    fail("--log-level", "unknown level '" + level + "' (trace, debug, info, warn, error, off)");
  }
  spdlog::set_level(parsed);
  spdlog::set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
}

int run_main(const std::function<int()>& body) {
  try {
    install_interrupt_handlers();
    return body();
  } catch (const CLI::ParseError& e) {
    // CLI11's own help/version "errors" exit 0; real parse errors are bad input.
    if (e.get_exit_code() == 0) {
      return kExitOk;
    }
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
