// What every dep executable shares around its body: logging on stderr, the error-to-exit-code
// mapping (error.h: 0 ok, 1 internal, 2 bad input, 130 interrupted) and signal handlers.
// The command line itself is cli.h's Cli. A program linking run_main starts with
// OMP_WAIT_POLICY=PASSIVE unless the environment sets it (it re-executes itself once at start-up
// with the variable added; app.cpp says why).
#pragma once

#include <functional>
#include <string>

namespace dep {

// Thrown to end a tool with `code` once what it had to say is printed (--help, --version, a parse
// error); run_main returns the code.
struct ExitRequest {
  int code;
};

// Sends spdlog's default logger to stderr, so that stdout carries only results.
void log_to_stderr();

// Sets the spdlog level; a bad name is a dep::Error.
void init_logging(const std::string& level);

// The setting(s) that lower a tool's memory use, named when it runs out of memory (e.g.
// "train.batch_size"): an allocation failure is exit 1 with "out of memory (lower <hint>)".
void set_out_of_memory_hint(const std::string& hint);

// The exit code of a dep::Error (error.h's table).
class Error;
int exit_code_of(const Error& e);

// Runs the body of a main: catches dep::Error, CLI11 and std exceptions, prints one clear line
// to stderr and returns the matching exit code (see error.h).
int run_main(const std::function<int()>& body);

}  // namespace dep
