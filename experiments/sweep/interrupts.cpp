#include "experiments/sweep/interrupts.hpp"

namespace hitnet {

volatile std::sig_atomic_t g_sweep_interrupts = 0;

namespace {
void count_interrupt(int) {
  g_sweep_interrupts = g_sweep_interrupts + 1;
}
}  // namespace

void install_sweep_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = count_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGHUP, SIG_IGN);   // a lost terminal is no reason to stop a study
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error code, not the sweep's death
}

}  // namespace hitnet
