// Helpers of test_report: a scratch folder per test process, files written in one call, the
// repository's paper_results.json, fake finished runs (eval.json, generations, per-sample scores)
// and running dep-report.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "test_paths.h"

namespace dep::test {

// ctest runs the cases of one binary in parallel processes: each gets its own folder.
inline std::string report_scratch(const std::string& name) {
  return scratch_dir("report-" + name + "-" + std::to_string(::getpid()));
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string repo_paper_results() { return std::string(DEP_SOURCE_DIR) + "/configs/experiments/paper_results.json"; }

// A finished run of `experiment` under `runs`: eval.json with `categories` as dep-eval --summary
// writes it (category → metric → value).
inline void write_eval(const std::string& runs, const std::string& experiment, const nlohmann::json& categories) {
  write_text(runs + "/" + experiment + "/eval.json", nlohmann::json{{"categories", categories}}.dump(2) + "\n");
}

struct ToolResult {
  int exit_code;
  std::string output;  // stdout and stderr
};

inline ToolResult run_report(const std::string& args, const std::string& dir) {
  const std::string out = dir + "/tool-output.txt";
  const std::string cmd = "\"" + binary("dep-report") + "\" " + args + " > \"" + out + "\" 2>&1";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out)};
}

}  // namespace dep::test
