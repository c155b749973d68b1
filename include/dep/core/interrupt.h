// SIGINT/SIGTERM become a flag that long loops poll, so they can save state and exit cleanly.
#pragma once

namespace dep {

void install_interrupt_handlers();
bool interrupt_requested();
// Throws dep::Error(kInterrupted) when a signal arrived; `where` names the loop.
void throw_if_interrupted(const char* where);
// For tests: pretend a signal arrived (or clear it).
void set_interrupt_requested(bool value);

}  // namespace dep
