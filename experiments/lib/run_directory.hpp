#pragma once
// The run directory: where a run writes config.yaml, summary.json, log.txt, results.h5 and
// checkpoints/. Named after the config's name and hash unless --out says otherwise.
#include <string>

#include "core/config/config.hpp"

namespace hitnet {

// results/runs/<name>_<hash>
std::string default_run_dir(const Config& cfg);

// Creates `dir` for a new run and writes config.yaml. Refuses (std::runtime_error) when `dir`
// already holds a run, unless `force`: results already written are never silently replaced.
void prepare_run_dir(const std::string& dir, const Config& cfg, bool force);

// The directory relative data paths resolve against: the current one when `data_path` exists
// from there, else the source tree the programs were built from.
std::string data_root_for(const std::string& data_path);

}  // namespace hitnet
