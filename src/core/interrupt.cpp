// Signal handlers only set an atomic flag; all real work happens on the polling side.
#include "dep/core/interrupt.h"

#include <atomic>
#include <csignal>

#include "dep/core/error.h"

namespace dep {
namespace {
std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) { g_interrupted.store(true); }
}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupt_requested() { return g_interrupted.load(); }

void set_interrupt_requested(bool value) { g_interrupted.store(value); }

void throw_if_interrupted(const char* where) {
  if (interrupt_requested()) {
    throw Error(ErrorKind::kInterrupted, where, "interrupted by signal");
  }
}

}  // namespace dep
