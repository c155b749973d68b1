// What every dep executable shares: logging flags, the error-to-exit-code mapping, signals.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace dep {

struct CommonOptions {
  std::string log_level = "info";
};

// Adds --log-level to an app (or subcommand).
void add_common_options(CLI::App& app, CommonOptions& options);

// Sets the spdlog level; a bad name is a dep::Error.
void init_logging(const std::string& level);

// Runs the body of a main: catches dep::Error, CLI11 and std exceptions, prints one clear line
// to stderr and returns the matching exit code (see error.h).
int run_main(const std::function<int()>& body);

}  // namespace dep
