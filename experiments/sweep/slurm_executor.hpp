#pragma once
// Runs a sweep on a Slurm cluster: one job array, one task per pending point, each task running
// hitnet-run for its point into the shared sweep directory (which every node must see at the
// same path; the script: slurm_script.hpp). --wait follows the array with squeue and reads ended
// tasks from sacct or scontrol (sbatch --wait polls far too slowly: 10 s for a 1-second array).
#include <string>

#include "experiments/sweep/slurm_options.hpp"
#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

// Marks every point that has a live Slurm task (found by the array's job name and the
// script/task index.json recorded for the point, so also when the job id was never recorded)
// "submitted" with its "<job>_<task>", and settles points whose task has ended since (their
// exit code from sacct/scontrol, their status from it and the run directory). Asks Slurm only
// when some point was ever submitted. Returns false, with `error` saying why, when Slurm could
// not be asked (squeue failing for the whole back-off): then nobody can tell whether those
// points still run. Where squeue is not installed at all, warns and treats them as ended.
bool refresh_slurm_states(SweepIndex& index, const Backoff& backoff, std::string& error);

// Writes <sweep>/slurm/array-<time>.sh and submits it for every point that is not final, not
// live (running here or anywhere else) and not already submitted. Records each point's script
// and task in index.json before calling sbatch, then the job id. Returns the array's job id, or
// "" when there was nothing to submit. Throws SweepError for options that cannot work (a signal
// lead not shorter than --time) and std::runtime_error when sbatch fails.
std::string submit_slurm(SweepIndex& index, const SlurmOptions& options);

enum class WaitOutcome { kEnded, kInterrupted, kLostSlurm };

// Follows every submitted point until its task has ended, showing progress (read from each
// point's output.log) and reporting each end at once: done, stopped at its time limit
// (resumable), requeued, or failed with its log tail and Slurm's state. kInterrupted: Ctrl-C
// (the tasks keep running; scancel stops them); kLostSlurm: squeue failed for the whole
// back-off.
WaitOutcome wait_slurm(SweepIndex& index, const SlurmOptions& options);

}  // namespace hitnet
