#pragma once
// Runs a sweep's pending points on this machine: up to `jobs` hitnet-run processes at once,
// each with its output captured to <run dir>/output.log, index.json rewritten at every change.
#include <string>

#include "experiments/sweep/cpu_budget.hpp"
#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

struct LocalOptions {
  std::string hitnet_run;  // the program each point runs
  CpuBudget budget;
  bool fail_fast = false;         // stop every point (resumably) at a failure or divergence
  bool terminal = false;          // redraw the status block in place
  double status_interval_s = 30;  // plain status lines this often when not on a terminal
};

struct LocalOutcome {
  bool interrupted = false;  // Ctrl-C / SIGTERM stopped the sweep
};

// Brings every point whose state is not final to "finished" (or a failure). Reports failures
// as they happen. A first SIGINT/SIGTERM (see interrupts.hpp) forwards SIGINT to the runs, which
// checkpoint and exit; a second kills them.
LocalOutcome run_local(SweepIndex& index, const LocalOptions& options);

}  // namespace hitnet
