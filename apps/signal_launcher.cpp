// The executable a LibTorch tool is started through (bin/dep-train runs bin/dep-train.bin). It
// blocks SIGINT and SIGTERM and executes the tool: a blocked signal stays pending across execve,
// and the tool's first code (interrupt.cpp, from .preinit_array) installs the handlers and
// unblocks it, so a signal that arrives while the dynamic loader maps LibTorch (~0.04 s of CPU,
// up to 0.3 s on a loaded machine) still ends the tool with exit code 130 instead of killing it
// (docs/RELIABILITY.md, "Signals"). Linked statically and free of C++ start-up, so the window
// before the signals are blocked is a few instructions after execve.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

int main(int, char** argv) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  // The tool is this file's name + ".bin", beside it (the link's target when started through one).
  char tool[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", tool, sizeof(tool) - 5);
  if (n <= 0) {
    std::fprintf(stderr, "error: /proc/self/exe: cannot find this launcher's path: %s\n", std::strerror(errno));
    return 1;
  }
  std::memcpy(tool + n, ".bin", 5);
  execv(tool, argv);
  std::fprintf(stderr, "error: %s: cannot start the tool: %s\n", tool, std::strerror(errno));
  return 1;
}
