#pragma once
// Runs a sweep's pending points on this machine: up to `jobs` hitnet-run processes at once,
// each in a session of its own with its output appended to <run dir>/output.log, which the
// sweep follows for progress; index.json rewritten at every change. A run outlives the sweep
// that started it: the next session finds it by its run lock and follows it to its end.
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

// Brings every point that is not final (and not queued or running in Slurm: status
// "submitted") to "finished" (or a failure). A point whose run is live already -- started by an
// earlier session that died -- is followed, not started again, and takes one of the `jobs`
// slots. Reports failures as they happen. A first SIGINT/SIGTERM (see interrupts.hpp) forwards
// SIGINT to the runs this session started, which checkpoint and exit; a second kills them.
LocalOutcome run_local(SweepIndex& index, const LocalOptions& options);

}  // namespace hitnet
