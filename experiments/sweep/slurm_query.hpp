#pragma once
// Asking Slurm about a sweep's tasks. squeue is the live view (queued and running tasks), read
// by the array's job name, which the sweep directory determines, so that a session finds its
// tasks even when it never learnt their job id (it died between sbatch and writing index.json).
// Ended tasks' states and exit codes come from sacct (the accounting database) where the
// cluster has one, else from scontrol (slurmctld's memory, MinJobAge seconds). A failed query is
// retried with back-off, as Slurm's own clients do: a busy or restarting slurmctld is normal on
// a production cluster and no reason to give up on a sweep.
#include <map>
#include <string>
#include <vector>

#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

// How long to keep asking: waits of first_s, 2 first_s, 4 first_s ... (at most max_s) between
// attempts, until give_up_s have passed.
struct Backoff {
  double first_s = 1, max_s = 30, give_up_s = 300;
};
// Following a running array: minutes of a silent slurmctld are survivable.
inline constexpr Backoff kFollowBackoff{1, 30, 300};
// Before a session starts or submits points: a minute, then the sweep stops and says why.
inline constexpr Backoff kStartBackoff{1, 15, 60};
// --dry-run and --collect, which only show what Slurm says: a few seconds.
inline constexpr Backoff kGlanceBackoff{1, 4, 10};

// A live (pending or running) array task.
struct SlurmTask {
  std::string id;      // "<array job id>_<task>"
  std::string state;   // PENDING, RUNNING, ...
  std::string script;  // the batch script it runs (squeue's %o)
  int task = -1;       // the array index
};

// The job name of every array a sweep in `directory` submits: "hitnet-<name>-<8 hex digits of
// the directory's path>", unique per sweep directory and stable across sessions.
std::string slurm_job_name(const std::string& sweep_name, const std::string& directory);

// The user's live tasks named `job_name`. False with `error` saying why when squeue kept
// failing for the whole back-off; squeue not installed at all fails at once (exit 127).
bool live_slurm_tasks(const std::string& job_name, const Backoff& backoff,
                      std::vector<SlurmTask>& tasks, std::string& error, int& exit_code);

struct TaskEnd {
  std::string state;   // COMPLETED, FAILED, TIMEOUT, CANCELLED, PREEMPTED, NODE_FAIL, ...
  int exit_code = -1;  // the batch script's; 128 + signal when a signal ended it
};

// Every ended task of `job_id` that sacct or, failing that, scontrol still knows, by
// "<job>_<task>".
std::map<std::string, TaskEnd> ended_slurm_tasks(const std::string& job_id);

// The two answers it reads: `sacct -n -P -X -o JobID,State,ExitCode` lines ("123_4|COMPLETED|0:0",
// exit code:signal), and `scontrol -o show job` lines, which add only the tasks sacct did not
// list.
std::map<std::string, TaskEnd> parse_sacct_tasks(const std::string& output);
void add_scontrol_tasks(const std::string& job_id, const std::string& output,
                        std::map<std::string, TaskEnd>& tasks);

// "30", "1:30" (minutes:seconds), "2:00:00", "1-12", "1-12:30", "1-12:30:00" -> seconds, as
// sbatch --time reads them; -1 for anything else (UNLIMITED, a typo).
long slurm_time_seconds(const std::string& text);

}  // namespace hitnet
