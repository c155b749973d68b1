// The one front end of every dep tool: `-h/--help` print the help on stdout and exit 0,
// `--version` prints dep's version, git commit and LibTorch, `--log-level` sets the log level, and
// config-driven tools get `--config`, `--set`, `--dump-config` and `--document-config` here, so
// each of those behaves the same in every tool. Parse errors exit 2.
//
//   dep::Cli cli("dep-train", "train the DEP adapter", dep::torch_runtime);
//   dep::ConfigFlags flags;
//   dep::add_config_flags<dep::TrainConfig>(cli.app(), flags, "configs/train.json");
//   cli.parse(argc, argv);
//   const auto config = dep::load_config<dep::TrainConfig>(flags);  // nullopt after --dump-config
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dep/core/build_info.h"
#include "dep/core/config.h"

namespace CLI {
class App;
}

namespace dep {

// Describes the LibTorch a tool runs with and whether CUDA is there (dep/torch/device.h's
// torch_runtime for tools that link it; torch_free_runtime otherwise).
using RuntimeDescription = std::string (*)();

class Cli {
 public:
  Cli(const std::string& program, const std::string& description, RuntimeDescription runtime = torch_free_runtime);
  ~Cli();
  CLI::App& app() { return *app_; }
  // Parses and sets the log level. Help and version print and throw ExitRequest{0}; a parse error
  // prints one line and throws ExitRequest{2} (run_main returns the code).
  void parse(int argc, char** argv);

 private:
  std::unique_ptr<CLI::App> app_;
  std::string log_level_ = "info";
};

struct ConfigFlags {
  std::string path;
  std::vector<std::string> sets;
  bool dump = false;
};

// --config, --set, --dump-config and --document-config (prints `document`'s Markdown and exits).
void add_config_flags(CLI::App& cmd, ConfigFlags& flags, const std::string& example,
                      std::function<std::string()> document);

template <class Config>
void add_config_flags(CLI::App& cmd, ConfigFlags& flags, const std::string& example) {
  add_config_flags(cmd, flags, example, [] { return document_config<Config>(); });
}

// Reads --config with the --set overrides, applies `adjust` (flags that stand for keys, e.g.
// --out), and validates exactly as a run does. With --dump-config it prints the effective config
// and returns nullopt: the dump shows only what a run would accept.
template <class Config>
std::optional<Config> load_config(const ConfigFlags& flags, const std::function<void(Config&)>& adjust = {}) {
  Config config = load_config<Config>(flags.path, flags.sets);
  if (adjust) {
    adjust(config);
    validate_config(config, flags.path.empty() ? "config" : flags.path);
  }
  if (flags.dump) {
    std::printf("%s\n", config_to_json(config).dump(2).c_str());
    return std::nullopt;
  }
  return config;
}

}  // namespace dep
