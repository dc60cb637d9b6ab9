#pragma once
// The hitnet-run command that brings one point to "finished": continue it from its checkpoint,
// or start it (with --force over a failed or foreign run). Shared by every executor.
#include <string>
#include <vector>

#include "experiments/sweep/sweep_index.hpp"

namespace hitnet {

std::vector<std::string> point_command(const std::string& hitnet_run, const SweepIndex& index,
                                       const PointRecord& record, int threads);

// The hitnet-run next to this executable (or $HITNET_RUN when set).
std::string default_hitnet_run();

}  // namespace hitnet
