#pragma once
// The run directory: where a run writes config.yaml, summary.json, log.txt, results.h5 and
// checkpoints/. Named after the config's name and hash unless --out says otherwise.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/config/config.hpp"

namespace hitnet {

// results/runs/<name>_<hash>
std::string default_run_dir(const Config& cfg);

// Creates `dir` for a new run and writes config.yaml. Refuses (std::runtime_error) when `dir`
// already holds a run, unless `force`: results already written are never silently replaced.
// The refusal says what to do: --resume for an unfinished run, another --out or --force for a
// finished one.
void prepare_run_dir(const std::string& dir, const Config& cfg, bool force);

// An exclusive lock on a run directory for the life of this object: two processes writing one
// run (a sweep and a user, a resume while the run still goes) would corrupt it. The lock is
// flock(2) on DIR/.lock, released by the kernel even when the process is killed.
class RunDirLock {
 public:
  // Creates `dir` if needed; throws std::runtime_error naming the directory (and the holder's
  // pid) when another process holds the lock.
  explicit RunDirLock(const std::string& dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int fd_ = -1;
};

// The run's summary.json when it says the run finished; nullopt otherwise (no summary, another
// status, or a file that does not parse).
std::optional<nlohmann::json> finished_summary(const std::string& dir);

// Removes temporary files (temp_path_for's "<name>.tmp.<pid>") that a killed process left in
// the run directory and its checkpoints/. Only with the lock held: then no live process of
// this run can own one.
void remove_stale_temporaries(const RunDirLock& lock);

// The directory relative data paths resolve against: the current one when `data_path` exists
// from there, else the source tree the programs were built from.
std::string data_root_for(const std::string& data_path);

}  // namespace hitnet
