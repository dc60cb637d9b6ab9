#pragma once
// Ctrl-C (SIGINT) and SIGTERM while a sweep runs: counted here by a signal handler and acted on
// by the executor's loop (first: stop the points cleanly, second: kill them).
#include <csignal>

namespace hitnet {

extern volatile std::sig_atomic_t g_sweep_interrupts;

// Installs the counting handler for SIGINT and SIGTERM and ignores SIGPIPE.
void install_sweep_signal_handlers();

}  // namespace hitnet
