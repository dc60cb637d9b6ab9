#pragma once
// The sweep directory: sweep.yaml (the spec), index.json (every point: its run directory,
// overrides, hash, status, exit code and log tail) and runs/<point name>/ (one hitnet-run
// directory each). index.json is what --collect, --dry-run and a resubmission read.
#include <string>
#include <vector>

#include "experiments/lib/exit_codes.hpp"
#include "experiments/sweep/run_state.hpp"
#include "experiments/sweep/sweep_point.hpp"

namespace hitnet {

// A point's status is a run's (experiments/lib/exit_codes.hpp: running, finished, failed,
// bad_config, diverged, interrupted) or one of the sweep's own:
namespace status {
inline constexpr std::string_view kPending = "pending";      // not started yet
inline constexpr std::string_view kSubmitted = "submitted";  // queued or running in Slurm
inline constexpr std::string_view kDamaged = "damaged";      // results that cannot be trusted
}  // namespace status

struct PointRecord {
  SweepPoint point;
  std::string dir;     // absolute run directory
  RunState state;      // what the directory held when the sweep looked
  std::string status;  // see namespace status above
  int exit_code = -1;  // of hitnet-run, when it ran and ended in this or an earlier session
  std::string log_tail;
  // Slurm: the array script that runs the point (relative to the sweep directory) and its task
  // in it, recorded before sbatch, so that a session that died before learning the job id
  // still finds the task (squeue by job name); then "<array job id>_<task>".
  std::string slurm_script;
  int slurm_task = -1;
  std::string slurm_job;
};

struct SweepIndex {
  std::string name, base_config, directory;  // directory: absolute sweep directory
  std::vector<std::string> varied_keys;
  std::vector<PointRecord> points;
};

// Places every point in `directory`/runs and inspects it. A point whose run finished under
// another name (the sweep's varied keys changed since) is matched by hash and not rerun.
// Carries over exit codes, log tails and Slurm job ids recorded by an earlier index.json.
SweepIndex plan_sweep(const SweepSpec& spec, const std::vector<SweepPoint>& points,
                      const std::string& directory);

// The status a record has now: its run directory's word where that is final or live, the
// record's own (what this or an earlier session saw the process end with) otherwise. A run
// recorded as running whose process is gone (its sweep died with it) is interrupted when it
// has a checkpoint, else failed; damaged results are "damaged".
std::string current_status(const PointRecord& record);

// The exit code a record shows: hitnet-run's own where a session saw it; for a run that ended
// without one watching (its sweep had died), the code its final status stands for.
int current_exit_code(const PointRecord& record);

// index.json and sweep.yaml, written atomically.
void write_index(const SweepIndex& index);
void write_sweep_spec(const SweepSpec& spec, const std::string& directory);

// Reads `directory`/index.json (for --collect); throws SweepError when missing or malformed.
SweepIndex read_index(const std::string& directory);

// `directory`/runs/<name>/output.log: what the run printed (stdout and stderr).
std::string output_log_of(const PointRecord& record);

}  // namespace hitnet
