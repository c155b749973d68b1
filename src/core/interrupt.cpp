// Signal handlers only set an atomic flag; all real work happens on the polling side.
#include "dep/core/interrupt.h"

#include <atomic>
#include <unistd.h>

#include <csignal>

#include "dep/core/error.h"

namespace dep {
namespace {
std::atomic<bool> g_interrupted{false};

// A second signal ends the process at once (with the same exit code): the way out of a tool that is
// not at a point where it polls the flag.
extern "C" void on_signal(int) {
  if (g_interrupted.exchange(true)) ::_exit(kExitInterrupted);
}

// Runs from the executable's .preinit_array, before any shared library's initializer and before
// main: LibTorch takes a noticeable time to initialize, and a SIGTERM in that window would
// otherwise kill the tool with the default action instead of the documented exit code 130. The
// tool's launcher (apps/signal_launcher.cpp) and the OpenMP re-execution (app.cpp) start it with
// SIGINT/SIGTERM blocked, so a signal that came while the loader mapped the libraries is pending:
// unblocking, once the handlers are in, delivers it to them.
extern "C" void dep_install_interrupt_handlers_early(int, char**, char**) {
  install_interrupt_handlers();
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &stop, nullptr);
}
__attribute__((section(".preinit_array"), used)) void (*const g_early_install)(int, char**, char**) =
    dep_install_interrupt_handlers_early;
}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return g_interrupted.load(); }

void set_interrupt_requested(bool value) { g_interrupted.store(value); }

void throw_if_interrupted(const char* where) {
  if (interrupt_requested()) {
    throw Error(ErrorKind::kInterrupted, where, "interrupted by signal");
  }
}

}  // namespace dep
