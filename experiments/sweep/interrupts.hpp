#pragma once
// Signals while a sweep runs. Ctrl-C (SIGINT) and SIGTERM are counted here by a signal handler
// and acted on by the executor's loop (first: stop the points cleanly, second: kill them).
// SIGHUP -- the terminal or ssh session went away -- is ignored: the sweep goes on starting and
// following its points (its runs, in sessions of their own, never see the hang-up), and what it
// would have printed is in index.json and each point's output.log.
#include <csignal>

namespace hitnet {

extern volatile std::sig_atomic_t g_sweep_interrupts;

// Installs the counting handler for SIGINT and SIGTERM and ignores SIGHUP and SIGPIPE.
void install_sweep_signal_handlers();

}  // namespace hitnet
