#pragma once
// The hitnet-run command that brings one point to "finished": continue it from its checkpoint,
// or start it (with --force over a failed or foreign run). Shared by every executor. Both carry
// the thread count this session gives the point: threads belong to the process, not the run,
// so a resumed point runs with what the sweep has now (--threads-per-run, Slurm's
// --cpus-per-task), not with what it started with.
#include <string>
#include <vector>

#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

// hitnet-run BASE_CONFIG key=value... --threads T --out DIR [--force]
std::vector<std::string> start_command(const std::string& hitnet_run, const SweepIndex& index,
                                       const PointRecord& record, int threads, bool force);

// hitnet-run --resume DIR --threads T
std::vector<std::string> resume_command(const std::string& hitnet_run, const PointRecord& record,
                                        int threads);

// Resume when the directory has a checkpoint of this point, else start (--force when the
// directory holds anything).
std::vector<std::string> point_command(const std::string& hitnet_run, const SweepIndex& index,
                                       const PointRecord& record, int threads);

// The hitnet-run next to this executable (or $HITNET_RUN when set).
std::string default_hitnet_run();

}  // namespace hitnet
