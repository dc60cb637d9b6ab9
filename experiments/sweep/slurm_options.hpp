#pragma once
// What a Slurm sweep asks for: each task's resources, what happens at its time limit, and how
// the submitting hitnet-sweep follows the array.
#include <string>
#include <vector>

#include "experiments/sweep/slurm_query.hpp"

namespace hitnet {

// Seconds before the time limit at which Slurm signals a task (sbatch --signal=B:USR1@lead; the
// task script passes it on to hitnet-run as SIGTERM), so that hitnet-run can finish the batch
// (or the evaluation pass) it is in and checkpoint. The
// default leaves two minutes: a checkpoint takes seconds; an epoch's validation of a
// paper-sized PTB model about a minute.
inline constexpr int kDefaultSignalLeadS = 120;

struct SlurmOptions {
  std::string hitnet_run;
  int cpus_per_task = 1;  // also the point's --threads, when it starts and when it resumes
  std::string mem;        // --mem, e.g. "4G"; "" = the cluster's default
  std::string time;       // --time, e.g. "2:00:00"; "" = the partition's default
  std::string partition;  // "" = the default partition
  int throttle = 0;       // at most this many tasks at once (the array's "%N"); 0 = no limit
  std::vector<std::string> extra_sbatch_args;  // passed to sbatch as they are
  int signal_lead_s = kDefaultSignalLeadS;
  // A task stopped at its time limit after checkpointing progress is requeued (scontrol
  // requeue) and resumes from its checkpoint; otherwise the next submission resumes it.
  bool requeue = true;
  double poll_interval_s = 1;
  double status_interval_s = 30;
  bool terminal = false;
  Backoff backoff = kFollowBackoff;  // for squeue while following the array
};

}  // namespace hitnet
