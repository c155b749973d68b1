// The one exception type of dep: what went wrong, where (file, key, line, tensor), and what kind
// of failure it is, so mains can print one line and pick a distinct exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace dep {

enum class ErrorKind {
  kBadInput,     // the user's files, flags or config are wrong
  kInternal,     // a bug or an environment failure
  kInterrupted,  // SIGINT/SIGTERM: state was saved, the run can be resumed
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string where, const std::string& what);

  ErrorKind kind() const { return kind_; }
  // e.g. "model/config.json", "train.lr", "data.jsonl:17", "model.safetensors: lm_head.weight".
  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_;
  std::string where_;
  std::string message_;
};

// Shorthands for the common case: an error in the user's input.
[[noreturn]] void fail(const std::string& where, const std::string& what);
[[noreturn]] void fail_internal(const std::string& where, const std::string& what);

// Exit codes shared by every dep executable.
constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInterrupted = 130;

}  // namespace dep
