// CLI11 set up the same way for every tool: help, version, log level, config flags, exit codes.
#include "dep/core/cli.h"

#include <CLI/CLI.hpp>

#include "dep/core/app.h"
#include "dep/core/error.h"

namespace dep {

Cli::Cli(const std::string& program, const std::string& description, RuntimeDescription runtime)
    : app_(std::make_unique<CLI::App>(program + ": " + description, program)) {
  log_to_stderr();
  app_->fallthrough();  // --log-level and --version also after a subcommand
  app_->add_flag_callback(
      "--version",
      [program, runtime] {
        std::fputs(version_text(program, runtime()).c_str(), stdout);
        throw CLI::Success();
      },
      "print dep's version, git commit, LibTorch version and CUDA availability, and exit");
  app_->add_option("--log-level", log_level_, "trace, debug, info, warn, error or off (logs go to stderr)")
      ->capture_default_str();
  // Before any subcommand callback runs (dep-model's subcommands do their work there).
  app_->parse_complete_callback([this] { init_logging(log_level_); });
}

Cli::~Cli() = default;

void Cli::parse(int argc, char** argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      app_->exit(e);  // prints the help of the (sub)command on stdout; nothing for --version
      throw ExitRequest{kExitOk};
    }
    std::fprintf(stderr, "error: %s\nRun with --help for more information.\n", e.what());
    throw ExitRequest{kExitBadInput};
  }
}

void add_config_flags(CLI::App& cmd, ConfigFlags& flags, const std::string& example,
                      std::function<std::string()> document) {
  cmd.add_option("--config", flags.path, "config JSON (e.g. " + example + "); defaults for keys it leaves out");
  cmd.add_option("--set", flags.sets, "override a config key: --set a.b.c=value (repeatable)");
  cmd.add_flag("--dump-config", flags.dump, "validate and print the effective config, and exit");
  cmd.add_flag_callback(
      "--document-config",
      [document] {
        std::fputs(document().c_str(), stdout);
        throw CLI::Success();
      },
      "print every config key with its default and meaning (Markdown), and exit");
}

}  // namespace dep
