#pragma once
// The job array script: one task per pending point, each running hitnet-run for its point
// into the shared sweep directory. What a task does, in order:
//  1. runs `hitnet-run --version` first: a binary built for a newer CPU (-march=native) stops
//     there with a message naming the missing instruction set, not with SIGILL mid-run;
//  2. the first attempt does what the sweep planned (start, or resume from the checkpoint); a
//     requeued attempt (SLURM_RESTART_COUNT > 0) resumes from the checkpoint when there is one;
//  3. appends everything to the point's output.log (never truncates it: another session may
//     have written it);
//  4. on Slurm's signal ahead of the time limit (--signal=B:USR1@lead: USR1, because scancel
//     sends TERM too) sends hitnet-run SIGTERM, on which it checkpoints and exits 130; when that
//     checkpoint is new (the slot made progress) and requeueing is on, requeues the task, which
//     then resumes; otherwise exits 130, and the sweep reports the point interrupted
//     (resumable), never failed. Any other SIGTERM (scancel) is passed on without a requeue.
#include <string>
#include <vector>

#include "experiments/sweep/slurm_options.hpp"
#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

// The script for `pending` (task i runs pending[i]), starting in `working_dir` (relative data
// paths resolve there, as they would locally).
std::string array_script_text(const SweepIndex& index,
                              const std::vector<const PointRecord*>& pending,
                              const SlurmOptions& options, const std::string& working_dir);

}  // namespace hitnet
