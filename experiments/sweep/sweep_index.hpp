#pragma once
// The sweep directory: sweep.yaml (the spec), index.json (every point: its run directory,
// overrides, hash, status, exit code and log tail) and runs/<point name>/ (one hitnet-run
// directory each). index.json is what --collect, --dry-run and a resubmission read.
#include <string>
#include <vector>

#include "experiments/sweep/run_state.hpp"
#include "experiments/sweep/sweep_point.hpp"

namespace hitnet {

struct PointRecord {
  SweepPoint point;
  std::string dir;     // absolute run directory
  RunState state;      // what the directory held when the sweep looked
  std::string status;  // pending, running, finished, diverged, interrupted, failed, submitted
  int exit_code = -1;  // of hitnet-run, when it ran and ended in this or an earlier session
  std::string log_tail;
  std::string slurm_job;  // "<array job id>_<task>" while submitted to Slurm
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

// The status a record has from its run directory alone.
std::string status_from_state(const RunState& state);

// index.json and sweep.yaml, written atomically.
void write_index(const SweepIndex& index);
void write_sweep_spec(const SweepSpec& spec, const std::string& directory);

// Reads `directory`/index.json (for --collect); throws SweepError when missing or malformed.
SweepIndex read_index(const std::string& directory);

// `directory`/runs/<name>/output.log: what the run printed (stdout and stderr).
std::string output_log_of(const PointRecord& record);

}  // namespace hitnet
