#pragma once
// Runs a sweep on a Slurm cluster: one job array, one task per pending point, each task running
// hitnet-run for its point into the shared sweep directory (which every node must see at the
// same path). --wait follows the array with squeue/scontrol (sbatch --wait polls far too
// slowly: 10 s for a 1-second array) and reports each task's exit code.
#include <string>
#include <vector>

#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

struct SlurmOptions {
  std::string hitnet_run;
  int cpus_per_task = 1;  // also the point's --threads
  std::string mem;        // --mem, e.g. "4G"; "" = the cluster's default
  std::string time;       // --time, e.g. "2:00:00"; "" = the partition's default
  std::string partition;  // "" = the default partition
  int throttle = 0;       // at most this many tasks at once (the array's "%N"); 0 = no limit
  std::vector<std::string> extra_sbatch_args;  // passed to sbatch as they are
  double poll_interval_s = 1;
  double status_interval_s = 30;
  bool terminal = false;
};

// Points of the array still queued or running in Slurm (by the job ids index.json recorded)
// are marked "submitted" and left alone. Returns false when Slurm's tools fail (the message
// says which and why).
bool refresh_slurm_states(SweepIndex& index, std::string& error);

// Writes <sweep>/slurm/array-<time>.sh and submits it for every point that is neither final
// nor already submitted; records "<job>_<task>" per point in the index. Returns the array's
// job id, or "" when there was nothing to submit. Throws std::runtime_error when sbatch fails.
std::string submit_slurm(SweepIndex& index, const SlurmOptions& options);

// Polls until no task of `job_id` is pending or running, showing progress, then reads every
// task's exit code, marks the points and reports failures with their log tail. Returns false
// when interrupted (the tasks keep running; cancel them with scancel).
bool wait_slurm(SweepIndex& index, const std::string& job_id, const SlurmOptions& options);

}  // namespace hitnet
