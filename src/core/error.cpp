// dep::Error formatting: "where: what" in one line.
#include "dep/core/error.h"

namespace dep {
namespace {
std::string format(const std::string& where, const std::string& what) {
  return where.empty() ? what : where + ": " + what;
}
}  // namespace

Error::Error(ErrorKind kind, std::string where, const std::string& what)
    : std::runtime_error(format(where, what)), kind_(kind), where_(std::move(where)), message_(what) {}

void fail(const std::string& where, const std::string& what) {
  throw Error(ErrorKind::kBadInput, where, what);
}

void fail_internal(const std::string& where, const std::string& what) {
  throw Error(ErrorKind::kInternal, where, what);
}

}  // namespace dep
